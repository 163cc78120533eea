"""Opening the planning window without freezing the calendar: its data (and the planning modules, with
OR-Tools) is read on a worker thread while the calendar shows a busy cursor and says so in its status bar;
then the window is built from what was read.

Owns: `build_planning_window`. The calendar window owns the planning window once it is built. Imports no
planning widget module at import time (they are imported on the worker thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from desktop_app.planning.loading import DEFAULT_BASE_URL, PlanningData, load_planning
from desktop_app.planning.workers import wait_off_gui
from scheduler.errors import HubSchedError

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from desktop_app.commands import ChangeController
    from desktop_app.planning.planning_window import PlanningWindow
    from desktop_app.prompts import Prompts
    from desktop_app.services import AppServices

_opening: set[int] = set()  # ids of the calendar windows whose planning window is being read right now


def _tr(text: str) -> str:
    return QCoreApplication.translate("Planning", text)


def build_planning_window(
    calendar: QMainWindow,
    services: AppServices,
    prompts: Prompts,
    settings: QSettings,
    controller: ChangeController | None,
    today,
) -> PlanningWindow | None:
    """Read the planning data off the GUI thread, then build the window (parented to `calendar`, not shown).
    None when it is already being opened (a second Ctrl+Shift+T meanwhile) or when reading failed (said in
    a dialog)."""
    if id(calendar) in _opening:
        return None
    _opening.add(id(calendar))
    base_url = str(settings.value("feeds/base_url", DEFAULT_BASE_URL) or DEFAULT_BASE_URL)
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    status = calendar.statusBar()
    status.showMessage(_tr("Opening the planning window…"))
    data: PlanningData | None = None
    try:
        data = wait_off_gui(lambda: load_planning(services, today=today, base_url=base_url))
    except HubSchedError as exc:
        failure = str(exc)
    finally:
        QApplication.restoreOverrideCursor()
        status.clearMessage()
        _opening.discard(id(calendar))
    if data is None:
        prompts.error(calendar, _tr("Cannot open the planning window"), failure)
        return None
    from desktop_app.planning.planning_window import PlanningWindow  # already imported by the worker

    return PlanningWindow(data.services, prompts, settings, controller=controller, parent=calendar, data=data)
