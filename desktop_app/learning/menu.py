"""The learning and reporting menu entries, added to the hub calendar's menu bar by one call.

Owns: `add_learning_actions(window)`, which adds Borough ▸ Learning… (Ctrl+Shift+L), Borough ▸ Day sheet…
(Ctrl+Shift+D), Edit ▸ Record attendance… (Ctrl+Shift+A, for the session selected in the calendar) and
File ▸ Term report…; and `TermReportDialog`, which writes the board's report as PDF and/or XLSX.
The window is used duck-typed so the main window needs only one line: `services` (AppServices), `prompts`,
`current_date()`, `menuBar()`, and optionally `controller.stack` (the undo stack), `view.selected_row()`
and `scope_combo` (the hub shown). Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.learning.attendance_ui import AttendanceDialog, LearningServices, RecordAttendanceCommand
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.reporting.report import build_report


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


class TermReportDialog(QDialog):
    """File ▸ Term report…: choose the term and the files; writes the board's report (disclosure control on)."""

    def __init__(self, services: LearningServices, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Term report"))
        self.services = services
        self.prompts = prompts
        self.written: list[Path] = []
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The report for the Hubs Programme Board: A4 PDF and/or a workbook with one sheet per section. "
                "It may be published: private and generic sessions are counted but never named, and counts "
                "under 5 for an organisation or small group are shown as <5."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.term_combo = QComboBox()
        for term in services.learning.terms():
            self.term_combo.addItem(term.name, term.id)
        form.addRow(self.tr("&Term:"), self.term_combo)
        self.pdf_box, self.pdf_path = QCheckBox(self.tr("&PDF")), QLineEdit()
        self.xlsx_box, self.xlsx_path = QCheckBox(self.tr("&XLSX")), QLineEdit()
        self.pdf_box.setChecked(True)
        for box, edit, suffix in ((self.pdf_box, self.pdf_path, "pdf"), (self.xlsx_box, self.xlsx_path, "xlsx")):
            row = QHBoxLayout()
            edit.setAccessibleName(self.tr("{kind} file").format(kind=suffix.upper()))
            browse = QPushButton(self.tr("Browse…"))
            browse.clicked.connect(lambda _=False, e=edit, s=suffix: self._browse(e, s))
            row.addWidget(edit, 1)
            row.addWidget(browse)
            form.addRow(box, row)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.term_combo.currentIndexChanged.connect(self._default_names)
        self._default_names()

    def _default_names(self) -> None:
        stem = str(Path.home() / f"Term report {self.term_combo.currentText()}")
        self.pdf_path.setText(stem + ".pdf")
        self.xlsx_path.setText(stem + ".xlsx")

    def _browse(self, edit: QLineEdit, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save as"), edit.text(), f"*.{suffix}")
        if path:
            edit.setText(path)

    def write(self) -> list[Path]:
        from desktop_app.learning.report_pdf import render_pdf  # loaded when used: start-up stays light
        from scheduler.reporting.xlsx import write_xlsx

        term_id = self.term_combo.currentData()
        self.written = []
        if term_id is None:
            return []
        try:
            report = build_report(self.services.learning.learning_data(term_id), disclosure=True)
            if self.xlsx_box.isChecked():
                path = Path(self.xlsx_path.text()).expanduser()
                write_xlsx(report, path)
                self.written.append(path)
            if self.pdf_box.isChecked():
                path = Path(self.pdf_path.text()).expanduser()
                render_pdf(report, path)
                self.written.append(path)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot write the report"), str(exc))
            return self.written
        except OSError as exc:
            self.prompts.error(self, self.tr("Cannot write the report"), f"{exc.filename}: {exc.strerror}")
            return self.written
        self.accept()
        return self.written


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
        self.dashboard = LearningDashboard(self.services(), self.window.prompts, self.window)
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
        dialog = TermReportDialog(self.services(), self.window.prompts, self.window)
        dialog.open()
        return dialog


def add_learning_actions(window: Any) -> LearningActions:
    """Add the learning and reporting entries to `window`'s menus; keep the result on the window."""
    window.learning_actions = LearningActions(window)
    return window.learning_actions
