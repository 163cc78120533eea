"""Console entry point `hubsched`: the command line, or the desktop app when no command is given.

Owns: joining the Qt-free CLI (scheduler.cli) to the desktop app without the CLI importing Qt: the GUI
start-up is passed in as a callable and imported only when it is needed.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from scheduler import cli


def _launch_gui(url: str, operator: str) -> int:
    # Start-up only makes objects that live as long as the app: no collection passes until the window shows
    # (desktop_app.app.run freezes them and collects again from there).
    gc.disable()
    try:
        from desktop_app.app import run  # Qt is imported only when the window is wanted

        return run(url, operator)
    finally:
        gc.enable()  # also when start-up ended early (a database that cannot be opened)


def _render_pdf(report: object, path: Path) -> None:
    from desktop_app.learning.report_pdf import render_pdf_offscreen  # Qt only for `report term --pdf`

    render_pdf_offscreen(report, path)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(sys.argv[1:] if argv is None else argv, launch_gui=_launch_gui, pdf_renderer=_render_pdf)
