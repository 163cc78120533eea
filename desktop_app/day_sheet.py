"""DaySheet: the front desk fills in a whole day's attendance at one hub in one table, keyboard only.

Owns: the day-sheet table model (sessions of a hub and day with pending edits) and the window around it.
Keys: the cursor starts on the first session's Attendance cell; type a number and Enter (the cursor moves
down); in Outcome type t (took place), l (late cancel) or n (no-show); Note takes text; Ctrl+S saves the
whole sheet in one transaction (one undoable step); Alt+Left / Alt+Right change day. Sessions that have not
started yet cannot be filled in. Holds no rules: AttendanceService decides what may be recorded.
Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.booking_dialog import pydate, qdate
from desktop_app.learning.attendance_ui import LearningServices, RecordAttendanceCommand
from desktop_app.prompts import Prompts
from models.types import Outcome
from scheduler.errors import HubSchedError, InvalidInput
from scheduler.services.attendance import OUTCOME_LABELS, AttendanceEntry, SessionAttendance, parse_outcome
from scheduler.services.directory import HubRow


class Column(IntEnum):
    TIME = 0
    ROOM = 1
    SESSION = 2
    ORGANISATION = 3
    EXPECTED = 4
    OUTCOME = 5
    ATTENDANCE = 6
    NOTE = 7


HEADERS = ("Time", "Room", "Session", "Organisation", "Expected", "Outcome", "Attendance", "Note")
LETTERS = {"t": Outcome.TOOK_PLACE, "l": Outcome.LATE_CANCEL, "n": Outcome.NO_SHOW}


@dataclass(frozen=True)
class Pending:
    outcome: Outcome | None
    headcount: int | None
    note: str


class DaySheetModel(QAbstractTableModel):
    edited = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[SessionAttendance] = []
        self.pending: dict[int, Pending] = {}

    def set_rows(self, rows: list[SessionAttendance]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.pending = {}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(HEADERS[section])
        return None

    def current(self, row: SessionAttendance) -> Pending:
        if row.occurrence_id in self.pending:
            return self.pending[row.occurrence_id]
        record = row.record
        return Pending(record.outcome, record.headcount, record.note) if record else Pending(None, None, "")

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() in (Column.OUTCOME, Column.ATTENDANCE, Column.NOTE) and self.rows[index.row()].past:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        now = self.current(row)
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == Column.TIME:
                return f"{row.start:%H:%M}–{row.end:%H:%M}"
            if column == Column.ROOM:
                return row.room
            if column == Column.SESSION:
                return row.title + (
                    ""
                    if row.visibility == "public"
                    else self.tr(" (private)" if row.visibility == "private" else " (generic)")
                )
            if column == Column.ORGANISATION:
                return row.organisation
            if column == Column.EXPECTED:
                return str(row.expected)
            if column == Column.OUTCOME:
                if not row.past:
                    return self.tr("not yet") if role == Qt.ItemDataRole.DisplayRole else ""
                return self.tr(OUTCOME_LABELS[now.outcome]) if now.outcome else ""
            if column == Column.ATTENDANCE:
                return "" if now.headcount is None else str(now.headcount)
            if column == Column.NOTE:
                return now.note
        if role == Qt.ItemDataRole.FontRole and row.occurrence_id in self.pending:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and row.occurrence_id in self.pending:
            return self.tr("Not saved yet (Ctrl+S saves the sheet)")
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and row.occurrence_id in self.pending:
            return self.tr("edited, not saved")
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        row = self.rows[index.row()]
        now = self.current(row)
        text = str(value or "").strip()
        if index.column() == Column.ATTENDANCE:
            if not text:
                new = replace(now, headcount=None)
            else:
                try:
                    count = int(text)
                except ValueError:
                    return False
                if count < 0:
                    return False
                new = Pending(Outcome.TOOK_PLACE, count, now.note)
        elif index.column() == Column.OUTCOME:
            if text.lower() in LETTERS:
                outcome: Outcome | None = LETTERS[text.lower()]
            else:
                try:
                    outcome = parse_outcome(text)
                except InvalidInput:
                    return False
            new = Pending(outcome, now.headcount if outcome is Outcome.TOOK_PLACE else None, now.note)
        else:
            new = replace(now, note=" ".join(text.split()))
        if new == self.current(row):
            return True
        self.pending[row.occurrence_id] = new
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(HEADERS) - 1))
        self.edited.emit()
        return True

    def entries(self) -> list[AttendanceEntry]:
        found = []
        for row in self.rows:
            change = self.pending.get(row.occurrence_id)
            if change is None or change.outcome is None:
                continue
            found.append(AttendanceEntry(row.occurrence_id, change.outcome, change.headcount, change.note))
        return found


class DaySheetView(QTableView):
    """A table where Enter commits the cell and moves down, as on a paper sheet."""

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            current = self.currentIndex()
            below = current.sibling(current.row() + 1, current.column())
            if below.isValid():
                self.setCurrentIndex(below)


class DaySheet(QDialog):
    saved = Signal(int)  # sessions recorded

    def __init__(
        self,
        services: LearningServices,
        hubs: list[HubRow],
        prompts: Prompts,
        undo_stack: QUndoStack | None = None,
        *,
        hub_id: int | None = None,
        day: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Day sheet"))
        self.services = services
        self.prompts = prompts
        self.undo_stack = undo_stack or QUndoStack(self)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.hub_combo = QComboBox()
        for hub in hubs:
            self.hub_combo.addItem(hub.name, hub.id)
        if hub_id is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(hub_id)))
        hub_label = QLabel(self.tr("&Hub:"))
        hub_label.setBuddy(self.hub_combo)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd dd MMM yyyy")
        self.date_edit.setDate(qdate(day or date.today()))
        date_label = QLabel(self.tr("&Day:"))
        date_label.setBuddy(self.date_edit)
        bar.addWidget(hub_label)
        bar.addWidget(self.hub_combo, 1)
        bar.addWidget(date_label)
        bar.addWidget(self.date_edit)
        layout.addLayout(bar)
        help_text = QLabel(
            self.tr(
                "Type the number who came and press Enter. In Outcome type t (took place), l (late cancel) or "
                "n (no-show). Ctrl+S saves the sheet; edited rows are bold until saved."
            )
        )
        help_text.setWordWrap(True)
        layout.addWidget(help_text)
        self.model = DaySheetModel(self)
        self.view = DaySheetView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Sessions of the day"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.view, 1)
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Day sheet status"))
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("&Save sheet"))
        self.save_button.clicked.connect(self.save)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        for button in (self.save_button, close):
            button.setAutoDefault(False)  # Enter belongs to the table: it commits a cell, never saves or closes
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.step(-1))
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.step(1))
        self.hub_combo.currentIndexChanged.connect(self.reload)
        self.date_edit.dateChanged.connect(self.reload)
        self.model.edited.connect(self._update_status)
        self.resize(1000, 560)
        self.setMinimumSize(640, 360)
        self.reload()

    def step(self, days: int) -> None:
        self.date_edit.setDate(self.date_edit.date().addDays(days))

    def day(self) -> date:
        return pydate(self.date_edit.date())

    def reload(self) -> None:
        hub_id = self.hub_combo.currentData()
        rows = self.services.attendance.day_sheet(int(hub_id), self.day()) if hub_id else []
        self.model.set_rows(rows)
        self._update_status()
        first = next((i for i, r in enumerate(rows) if r.past), None)
        if first is not None:
            self.view.setCurrentIndex(self.model.index(first, Column.ATTENDANCE))
        self.view.setFocus()

    def _update_status(self) -> None:
        rows = self.model.rows
        recorded = sum(1 for r in rows if self.model.current(r).outcome is not None)
        pending = len(self.model.pending)
        future = sum(1 for r in rows if not r.past)
        text = self.tr("{n} sessions, {recorded} recorded, {pending} not saved").format(
            n=len(rows), recorded=recorded, pending=pending
        )
        if future:
            text += self.tr("; {future} not started yet").format(future=future)
        self.status.setText(text)
        self.save_button.setEnabled(pending > 0)

    def save(self) -> int:
        """Record every edited row in one transaction (all or nothing) as one undoable step."""
        entries = self.model.entries()
        if not entries:
            return 0
        try:
            changes = self.services.attendance.record_many(entries)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot save the day sheet"), str(exc))
            return 0
        hub = self.hub_combo.currentText()
        command = RecordAttendanceCommand(
            self.services.attendance,
            changes,
            self.tr("Record attendance at {hub}, {day}").format(hub=hub, day=f"{self.day():%a %d %b}"),
            lambda exc: self.prompts.error(self, self.tr("Cannot undo"), str(exc)),
            self.reload,
        )
        if command.changed:
            self.undo_stack.push(command)
        self.reload()
        self.saved.emit(len(entries))
        return len(entries)

    def unsaved(self) -> bool:
        return bool(self.model.pending)

    def closeEvent(self, event) -> None:
        if self.unsaved() and not self.prompts.confirm(
            self, self.tr("Day sheet"), self.tr("Close without saving the edited rows?")
        ):
            event.ignore()
            return
        super().closeEvent(event)


def open_day_sheet(
    services: LearningServices,
    hubs: list[HubRow],
    prompts: Prompts,
    undo_stack: QUndoStack | None,
    hub_id: int | None,
    day: date,
    parent: QWidget | None,
) -> DaySheet:
    sheet = DaySheet(services, hubs, prompts, undo_stack, hub_id=hub_id, day=day, parent=parent)
    sheet.show()
    return sheet
