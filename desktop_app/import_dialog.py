"""ImportDialog (File ▸ Import… and File ▸ Export…): spreadsheets in and out from the app.

Owns: choosing what to import (requests for a term, rooms, organisations) and the file; showing the check
result as a sortable table (problems with sheet, row and column, or what each row would do) before Apply;
saving templates; exporting bookings, requests, rooms and organisations. The work is done by
SpreadsheetService; this dialog only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.prompts import Prompts
from models import db
from scheduler.errors import HubSchedError, StaleEdit
from scheduler.imports.service import BookingFilter, ImportCheck, ImportRefused, SpreadsheetService
from scheduler.services.directory import DirectoryService

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KINDS = (("requests", "Requests for a term"), ("rooms", "Rooms"), ("organisations", "Organisations"))
EXPORT_KINDS = (("bookings", "Bookings"), *KINDS)


@dataclass(frozen=True)
class CheckLine:
    """One line of the check table: a problem, or what a row would do."""

    row: int
    column: str
    heading: str
    outcome: str  # "Problem", "Add", "Update", "Unchanged"
    text: str


def check_lines(check: ImportCheck) -> list[CheckLine]:
    if check.problems:
        return [CheckLine(p.row, p.column, p.heading, "Problem", p.message) for p in check.problems]
    return [
        CheckLine(r.row, "", "", r.action.capitalize(), r.label + (f" — {r.detail}" if r.detail else ""))
        for r in check.rows
    ]


class CheckTableModel(QAbstractTableModel):
    HEADINGS = ("Row", "Column", "Heading", "Outcome", "What")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lines: list[CheckLine] = []

    def set_lines(self, lines: list[CheckLine]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADINGS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
        if horizontal and 0 <= section < len(self.HEADINGS):
            return self.HEADINGS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        values = (str(line.row), line.column, line.heading, line.outcome, line.text)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return values[index.column()]
        if role == SORT_ROLE:
            if index.column() == 0:
                return line.row
            if index.column() == 1:
                return (len(line.column), line.column)
            return values[index.column()].lower()
        return None


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ImportDialog(QDialog):
    """Check a file, show the result in a sortable table, then Apply (all rows or none)."""

    imported = Signal()

    def __init__(self, services: Any, prompts: Prompts, parent: QWidget | None = None, *, mode: str = "import"):
        super().__init__(parent)
        self.mode = mode
        self.prompts = prompts
        sessions = db.make_session_factory(services.engine)
        self.sheets = SpreadsheetService(sessions, services.operator)
        self.directory = DirectoryService(sessions)
        self.check_result: ImportCheck | None = None
        self.setWindowTitle(self.tr("Import a spreadsheet") if mode == "import" else self.tr("Export a spreadsheet"))
        self.kind = QComboBox(self)
        for value, label in KINDS if mode == "import" else EXPORT_KINDS:
            self.kind.addItem(self.tr(label), value)
        self.term = QComboBox(self)
        for term in self.directory.terms():
            self.term.addItem(term.name, term.id)
        self.term.setCurrentIndex(self.term.count() - 1)
        self.file = QLineEdit(self)
        self.file.setPlaceholderText(self.tr("a .xlsx workbook or a .csv file"))
        browse = QPushButton(self.tr("&Browse…"), self)
        browse.clicked.connect(self.browse)
        file_row = QWidget(self)
        file_layout = QHBoxLayout(file_row)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addWidget(self.file, 1)
        file_layout.addWidget(browse)
        form = QFormLayout()
        for text, field in (
            (self.tr("&What:"), self.kind),
            (self.tr("&Term:"), self.term),
            (self.tr("&File:"), file_row),
        ):
            label = QLabel(text, self)
            label.setBuddy(field if field is not file_row else self.file)
            form.addRow(label, field)
        self.kind.setAccessibleName(self.tr("What"))
        self.term.setAccessibleName(self.tr("Term"))
        self.file.setAccessibleName(self.tr("File"))
        # Export of bookings: dates, hub and one row per session or per series.
        self.first = QDateEdit(self)
        self.last = QDateEdit(self)
        today = date.today()
        for edit, day in ((self.first, today), (self.last, today + timedelta(days=90))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.hub = QComboBox(self)
        self.hub.addItem(self.tr("All hubs"), None)
        for hub in self.directory.hubs():
            self.hub.addItem(hub.name, hub.id)
        self.per_series = QCheckBox(self.tr("One row per series (not per session)"), self)
        self._booking_rows = []
        for text, field in (
            (self.tr("&From:"), self.first),
            (self.tr("T&o:"), self.last),
            (self.tr("&Hub:"), self.hub),
            ("", self.per_series),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
            self._booking_rows.append((label, field))

        self.model = CheckTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName(self.tr("Check result"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Check summary"))

        self.template_button = QPushButton(self.tr("Save &template…"), self)
        self.check_button = QPushButton(self.tr("&Check"), self)
        self.apply_button = QPushButton(self.tr("&Apply"), self)
        self.export_button = QPushButton(self.tr("E&xport"), self)
        close = QPushButton(self.tr("Close"), self)
        self.template_button.clicked.connect(self.save_template)
        self.check_button.clicked.connect(self.check)
        self.apply_button.clicked.connect(self.apply)
        self.export_button.clicked.connect(self.export)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.template_button, self.check_button, self.apply_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        importing = mode == "import"
        for widget in (self.template_button, self.check_button, self.apply_button, self.table):
            widget.setVisible(importing)
        self.export_button.setVisible(not importing)
        self.kind.currentIndexChanged.connect(self._update)
        self.file.textChanged.connect(self._forget)
        self.term.currentIndexChanged.connect(self._forget)
        self.setMinimumSize(640, 420)
        self.resize(960, 600)
        self._update()

    def _update(self) -> None:
        kind = self.kind.currentData()
        self.term.setEnabled(kind == "requests")
        for label, field in self._booking_rows:
            label.setVisible(kind == "bookings")
            field.setVisible(kind == "bookings")
        self._forget()

    def _forget(self) -> None:
        self.check_result = None
        self.model.set_lines([])
        self.apply_button.setEnabled(False)
        self.summary.setText(
            self.tr("Choose a file and press Check: nothing is imported until you press Apply.")
            if self.mode == "import"
            else ""
        )

    def browse(self) -> None:
        if self.mode == "import":
            name, _ = QFileDialog.getOpenFileName(self, self.tr("Import"), "", self.tr("Spreadsheets (*.xlsx *.csv)"))
        else:
            name, _ = QFileDialog.getSaveFileName(self, self.tr("Export"), "", self.tr("Spreadsheets (*.xlsx *.csv)"))
        if name:
            self.file.setText(name)

    def _term_id(self) -> int | None:
        return self.term.currentData() if self.kind.currentData() == "requests" else None

    def check(self) -> ImportCheck | None:
        path = Path(self.file.text().strip())
        if not self.file.text().strip():
            self.summary.setText(self.tr("Choose a file first."))
            return None
        try:
            result = self.sheets.check(self.kind.currentData(), path, self._term_id())
        except HubSchedError as exc:
            self._forget()
            self.summary.setText(str(exc))
            return None
        self.show_check(result)
        return result

    def show_check(self, result: ImportCheck) -> None:
        self.check_result = result
        self.model.set_lines(check_lines(result))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        counts = result.counts()
        if result.problems:
            self.summary.setText(
                self.tr("{n} problem(s) in {file}: fix them in the spreadsheet and check again. Nothing was imported.")
                .format(n=len(result.problems), file=result.file)
            )  # fmt: skip
        else:
            self.summary.setText(
                self.tr("{file} is fine: Apply adds {add}, updates {update}, leaves {same} unchanged.").format(
                    file=result.file, add=counts["add"], update=counts["update"], same=counts["unchanged"]
                )
            )
        self.apply_button.setEnabled(result.ok and (counts["add"] + counts["update"]) > 0)

    def apply(self) -> bool:
        if self.check_result is None or not self.check_result.ok:
            return False
        try:
            result = self.sheets.apply(
                self.kind.currentData(), Path(self.file.text().strip()), self._term_id(), checked=self.check_result
            )
        except ImportRefused as refused:  # the file or the database changed since the check
            self.show_check(refused.check)
            return False
        except StaleEdit as exc:  # what the check showed is no longer what would be imported
            self._forget()
            self.prompts.error(self, self.tr("Cannot import"), str(exc))
            return False
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot import"), str(exc))
            return False
        counts = result.counts()
        self.summary.setText(
            self.tr("Imported: {add} added, {update} updated, {same} unchanged.").format(
                add=counts["add"], update=counts["update"], same=counts["unchanged"]
            )
        )
        self.apply_button.setEnabled(False)
        self.imported.emit()
        return True

    def save_template(self, path: str | None = None) -> Path | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save template"), "", self.tr("Workbooks (*.xlsx)"))
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        try:
            filled = self.sheets.template(self.kind.currentData(), target, self._term_id())
        except HubSchedError as exc:
            self.summary.setText(str(exc))
            return None
        if filled:
            self.summary.setText(
                self.tr(
                    "Saved the template to {path}, with {n} row(s) for the series continuing into {term}: "
                    "sizes suggested from last term's attendance."
                ).format(path=target, n=filled, term=self.term.currentText())
            )
        else:
            self.summary.setText(self.tr("Saved the template to {path}.").format(path=target))
        return target

    def export(self) -> int | None:
        path = Path(self.file.text().strip())
        if not self.file.text().strip():
            self.summary.setText(self.tr("Choose where to save the file first."))
            return None
        kind = self.kind.currentData()
        bookings = None
        if kind == "bookings":
            bookings = BookingFilter(
                _pydate(self.first.date()), _pydate(self.last.date()), self.hub.currentData(), None, None,
                self.per_series.isChecked(),
            )  # fmt: skip
        try:
            count = self.sheets.export(kind, path, term_id=self.term.currentData(), bookings=bookings)
        except HubSchedError as exc:
            self.summary.setText(str(exc))
            return None
        self.summary.setText(self.tr("Wrote {n} row(s) to {path}.").format(n=count, path=path))
        return count
