"""The screen-size test once more with Qt's real 150% scaling: QT_SCALE_FACTOR=1.5 on a 1280x720 screen (853x480
logical pixels, device pixel ratio 1.5). The variable must be set before the QApplication exists, so the
"150%-scale" cases of test_fits_small_screen.py run in a fresh pytest process; that process checks that the
scaling is really on before it checks that every window, dialog and button fits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


@pytest.mark.slow
def test_every_window_fits_at_a_real_150_percent_scale(tmp_path) -> None:
    screens = tmp_path / "laptop-screen.json"  # the offscreen platform's screen: a 1280x720 laptop
    screens.write_text(
        json.dumps({"screens": [{"name": "Laptop", "x": 0, "y": 0, "width": 1280, "height": 720, "dpr": 1}]})
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
        QT_SCALE_FACTOR="1.5",
        HUBSCHED_SCREENSHOTS=str(tmp_path / "screenshots"),
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_TESTRUNUID", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "-q",
        *(
            f"{HERE / 'test_fits_small_screen.py'}::{test}[150%-scale]"
            for test in (
                "test_the_calendar_window_and_its_dialogs_fit",
                "test_the_planning_window_and_the_request_form_fit",
            )
        ),
    ]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout, run.stdout[-2000:]
    shots = sorted(p.name for p in (tmp_path / "screenshots").glob("fit-*-150%-scale.png"))
    assert "fit-calendar-day-150%-scale.png" in shots and "fit-request-form-150%-scale.png" in shots
