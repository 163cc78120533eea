"""The learning and reporting menu entries, added to the hub calendar's menu bar by one call.

Owns: `add_learning_actions(window)`, which adds Borough ▸ Learning… (Ctrl+Shift+L), Borough ▸ Day sheet…
(Ctrl+Shift+D), Edit ▸ Record attendance… (Ctrl+Shift+A, or a digit typed on the session selected in the
calendar) and File ▸ Term report… (report_dialog.py).
The window is used duck-typed so the main window needs only one line: `services` (AppServices), `prompts`,
`current_date()`, `menuBar()`, and optionally `controller.stack` (the undo stack), `view.selected_row()`
and `scope_combo` (the hub shown). Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QMenu,
    QMenuBar,
)

from scheduler.errors import HubSchedError

if TYPE_CHECKING:  # the windows and services load on first use: the calendar starts without them
    from desktop_app.learning.attendance_ui import AttendanceDialog, LearningServices
    from desktop_app.learning.report_dialog import TermReportDialog


def _menu(bar: QMenuBar, title: str, before: str | None = None) -> QMenu:
    """The menu called `title` (ignoring the & of its access key), made if missing."""
    plain = title.replace("&", "")
    for action in bar.actions():
        if action.menu() is not None and action.text().replace("&", "") == plain:
            return action.menu()  # type: ignore[return-value]
    menu = QMenu(title, bar)
    anchor = next((a for a in bar.actions() if before and a.text().replace("&", "") == before), None)
    if anchor is not None:
        bar.insertMenu(anchor, menu)
    else:
        bar.addMenu(menu)
    return menu


class LearningActions(QObject):
    """The actions and the windows they open, kept on the main window as `learning_actions`."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dashboard = None
        self.day_sheet = None
        bar: QMenuBar = window.menuBar()
        borough = _menu(bar, window.tr("&Borough"), before="Help")
        self.learning_action = self._add(borough, window.tr("&Learning…"), self.open_dashboard, "Ctrl+Shift+L")
        self.day_sheet_action = self._add(borough, window.tr("&Day sheet…"), self.open_day_sheet, "Ctrl+Shift+D")
        edit = _menu(bar, window.tr("&Edit"))
        self.record_action = self._add(edit, window.tr("Record &attendance…"), self.record_selected, "Ctrl+Shift+A")
        file_menu = _menu(bar, window.tr("&File"))
        report = QAction(window.tr("&Term report…"), window)
        report.triggered.connect(lambda _=False: self.open_report_dialog())
        first = file_menu.actions()[0] if file_menu.actions() else None
        if first is not None:
            file_menu.insertAction(first, report)
        else:
            file_menu.addAction(report)
        self.report_action = report
        view = getattr(window, "view", None)
        if view is not None:
            view.installEventFilter(self)

    def _add(self, menu: QMenu, text: str, slot, shortcut: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def services(self) -> LearningServices:
        from desktop_app.learning.attendance_ui import LearningServices

        clock = getattr(self.window, "_clock", None)
        return LearningServices.from_app(self.window.services, clock)

    def undo_stack(self) -> QUndoStack | None:
        controller = getattr(self.window, "controller", None)
        return getattr(controller, "stack", None)

    def open_dashboard(self):
        from desktop_app.learning.dashboard import LearningDashboard

        if self.dashboard is not None:
            self.dashboard.close()
            self.dashboard.deleteLater()
        today = self.window.today() if hasattr(self.window, "today") else None
        self.dashboard = LearningDashboard(self.services(), self.window.prompts, self.window, today=today)
        self.dashboard.show()
        return self.dashboard

    def open_day_sheet(self):
        from desktop_app.day_sheet import DaySheet

        hubs = self.window.services.directory.hubs()
        combo = getattr(self.window, "scope_combo", None)
        hub_id = (combo.currentData() or None) if combo is not None else None
        if self.day_sheet is not None:
            self.day_sheet.close()
            self.day_sheet.deleteLater()
        self.day_sheet = DaySheet(
            self.services(),
            hubs,
            self.window.prompts,
            self.undo_stack(),
            hub_id=hub_id or (hubs[0].id if hubs else None),
            day=self.window.current_date(),
            parent=self.window,
        )
        self.day_sheet.show()
        return self.day_sheet

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the calendar, a digit typed on a selected session opens its attendance with that digit."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.text().isdigit()
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            view = getattr(self.window, "view", None)
            if view is not None and view.selected_row() is not None:
                dialog = self.record_selected(first_digit=event.text())
                return dialog is not None
        return False

    def record_selected(self, first_digit: str = "") -> AttendanceDialog | None:
        """Record the attendance of the session selected in the calendar: select it and type the number
        (or Ctrl+Shift+A). A session that has not started yet says so."""
        view = getattr(self.window, "view", None)
        selected = view.selected_row() if view is not None else None
        if selected is None:
            self.window.prompts.error(
                self.window, self.window.tr("Record attendance"), self.window.tr("Select a session first.")
            )
            return None
        services = self.services()
        day = selected.start_local.date()
        row = next((r for r in services.attendance.sessions_between(day, day) if r.occurrence_id == selected.id), None)
        if row is None:
            return None
        if not row.past:
            self.window.prompts.error(
                self.window,
                self.window.tr("Record attendance"),
                self.window.tr("{label} has not started yet; attendance is recorded after a session.").format(
                    label=row.label
                ),
            )
            return None
        from desktop_app.learning.attendance_ui import AttendanceDialog

        dialog = AttendanceDialog(row, self.window)
        dialog.accepted.connect(lambda: self._save(services, dialog))
        dialog.open()
        if first_digit:
            dialog.start_with(first_digit)
        return dialog

    def _save(self, services: LearningServices, dialog: AttendanceDialog) -> None:
        try:
            change = services.attendance.record(
                dialog.entry(), expected_version=dialog.row.record.version if dialog.row.record else 0
            )
        except HubSchedError as exc:
            self.window.prompts.error(self.window, self.window.tr("Cannot record attendance"), str(exc))
            return
        from desktop_app.learning.attendance_ui import RecordAttendanceCommand

        command = RecordAttendanceCommand(
            services.attendance,
            [change],
            self.window.tr("Record attendance of {title}").format(title=dialog.row.title),
            lambda exc: self.window.prompts.error(self.window, self.window.tr("Cannot undo"), str(exc)),
            lambda: None,
        )
        stack = self.undo_stack()
        if stack is not None and command.changed:
            stack.push(command)

    def open_report_dialog(self) -> TermReportDialog:
        from desktop_app.learning.report_dialog import TermReportDialog

        dialog = TermReportDialog(self.services(), self.window.prompts, self.window)
        dialog.open()
        return dialog


def add_learning_actions(window: Any) -> LearningActions:
    """Add the learning and reporting entries to `window`'s menus; keep the result on the window."""
    window.learning_actions = LearningActions(window)
    return window.learning_actions
