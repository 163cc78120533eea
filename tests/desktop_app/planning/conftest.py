"""Fixtures for the planning window: real services on a copy of the demo borough, own QSettings, no modal
dialogs, and every background thread joined before a test ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop_app.planning.planning_window import PlanningWindow
from desktop_app.planning.services import PlanningServices
from desktop_app.services import AppServices
from tests.screenshots import screenshot_dir


@pytest.fixture
def planning_services(demo_services: AppServices) -> PlanningServices:
    return PlanningServices.on(demo_services.engine, "Tester")


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "planning.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def spring(planning_services: PlanningServices) -> int:
    return planning_services.allocation.term_id("Spring 2027")


@pytest.fixture
def planning(qtbot, planning_services, prompts, qsettings, spring) -> Iterator[PlanningWindow]:
    window = PlanningWindow(planning_services, prompts, qsettings, term_id=spring)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.join()
    assert window.idle, "a planning thread outlived the test"


def screenshot(widget, name: str) -> Path:
    path = screenshot_dir() / f"planning-{name}.png"
    assert widget.grab().save(str(path))
    return path
