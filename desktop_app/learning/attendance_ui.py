"""Attendance in the desktop app: the services it needs, the undoable command, and the small dialog that
records one session selected in the calendar.

Owns: `LearningServices` (attendance and learning services built from the window's AppServices),
`RecordAttendanceCommand` (a QUndoCommand over AttendanceService.restore, so recording is undoable from
Edit ▸ Undo), and `AttendanceDialog` (select a session, type the number, Enter). No rules here: what may be
recorded is AttendanceService's answer.
Must not import: models.entities, sqlalchemy.orm sessions outside the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services import AppServices
from models import db
from models.types import Outcome
from scheduler.bootstrap import bootstrap
from scheduler.errors import HubSchedError
from scheduler.services.attendance import (
    MAX_HEADCOUNT,
    NOTE_LENGTH,
    AttendanceChange,
    AttendanceEntry,
    AttendanceService,
    SessionAttendance,
)

if TYPE_CHECKING:
    from scheduler.services.learning import LearningService


@dataclass
class LearningServices:
    attendance: AttendanceService
    learning: LearningService

    @classmethod
    def from_app(cls, services: AppServices, clock: Callable | None = None) -> LearningServices:
        """The services the composition root wired; a test may pass its own clock."""
        if clock is None:
            return cls(services.wired.attendance, services.wired.learning)
        wired = bootstrap(db.make_session_factory(services.engine), services.operator, clock=clock)
        return cls(wired.attendance, wired.learning)


class RecordAttendanceCommand(QUndoCommand):
    """Attendance already recorded (the changes); undo puts the earlier records back, redo the new ones."""

    def __init__(
        self,
        service: AttendanceService,
        changes: list[AttendanceChange],
        text: str,
        on_error: Callable[[HubSchedError], None],
        on_done: Callable[[], None],
    ) -> None:
        super().__init__(text)
        self._service = service
        self._changes = [c for c in changes if c.before != c.after]
        self._current = {c.occurrence_id: c.after for c in self._changes}
        self._on_error = on_error
        self._on_done = on_done
        self._pushed = False

    @property
    def changed(self) -> int:
        return len(self._changes)

    def redo(self) -> None:
        if not self._pushed:  # QUndoStack.push calls redo: the change is already written
            self._pushed = True
            return
        self._apply(lambda c: c.after)

    def undo(self) -> None:
        self._apply(lambda c: c.before)

    def _apply(self, pick: Callable[[AttendanceChange], object]) -> None:
        targets = []
        for change in self._changes:
            now = self._current[change.occurrence_id]
            targets.append((change.occurrence_id, pick(change), now.version if now else None))
        try:
            results = self._service.restore_many(targets)  # all of the sheet, or none of it
        except HubSchedError as exc:
            self.setObsolete(True)
            self._on_error(exc)
            return
        for result in results:
            self._current[result.occurrence_id] = result.after
        self._on_done()


class AttendanceDialog(QDialog):
    """Record one session: took place (type the number), late cancel or no-show, and a short note."""

    def __init__(self, row: SessionAttendance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(self.tr("Record attendance"))
        layout = QVBoxLayout(self)
        heading = QLabel(
            f"<b>{row.title}</b> ({row.organisation})<br>{row.day:%a %d %b %Y} "
            f"{row.start:%H:%M}–{row.end:%H:%M}, {row.room}, {row.hub}"
        )
        layout.addWidget(heading)
        outcomes = QHBoxLayout()
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[Outcome, QRadioButton] = {}
        for outcome, text in (
            (Outcome.TOOK_PLACE, self.tr("&Took place")),
            (Outcome.LATE_CANCEL, self.tr("&Late cancel")),
            (Outcome.NO_SHOW, self.tr("&No-show")),
        ):
            button = QRadioButton(text)
            self.outcome_group.addButton(button)
            self.outcome_buttons[outcome] = button
            outcomes.addWidget(button)
        layout.addLayout(outcomes)
        form = QFormLayout()
        self.count = QSpinBox()
        self.count.setRange(0, MAX_HEADCOUNT)
        self.count.setAccessibleName(self.tr("Number who came"))
        form.addRow(self.tr("&Number who came:"), self.count)
        self.note = QLineEdit()
        self.note.setMaxLength(NOTE_LENGTH)
        self.note.setPlaceholderText(self.tr("Optional; never names"))
        form.addRow(self.tr("N&ote:"), self.note)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        record = row.record
        self.outcome_buttons[record.outcome if record else Outcome.TOOK_PLACE].setChecked(True)
        self.count.setValue(record.headcount or 0 if record else row.expected)
        self.note.setText(record.note if record else "")
        for outcome, button in self.outcome_buttons.items():
            button.toggled.connect(lambda on, o=outcome: on and self.count.setEnabled(o is Outcome.TOOK_PLACE))
        self.count.setFocus()
        self.count.selectAll()

    def start_with(self, digit: str) -> None:
        """Begin the number with a digit typed in the calendar; the next digits typed follow it."""
        self.count.setValue(int(digit))
        self._cursor_to_end()
        self.count.installEventFilter(self)

    def _cursor_to_end(self) -> None:
        edit = self.count.lineEdit()
        edit.deselect()
        edit.end(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # QAbstractSpinBox selects its whole text when it gets the focus; after the first digit that would
        # make the second one replace it, so put the cursor back at the end once the focus has arrived.
        if watched is self.count and event.type() == QEvent.Type.FocusIn:
            self.count.removeEventFilter(self)
            QTimer.singleShot(0, self._cursor_to_end)
        return False

    def entry(self) -> AttendanceEntry:
        outcome = next(o for o, b in self.outcome_buttons.items() if b.isChecked())
        return AttendanceEntry(
            self.row.occurrence_id,
            outcome,
            self.count.value() if outcome is Outcome.TOOK_PLACE else None,
            self.note.text(),
        )
