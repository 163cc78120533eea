"""ClosuresPanel: the term's closures (bank holidays pre-filled); add one, see what it displaces, plan where
each displaced session would go, choose among the alternatives, apply, undo, edit and remove.

Owns: the closure list, the new-closure fields, the three steps (displaced → re-homing plan → add), the
per-session choice (any ranked alternative, the relaxation "accept <hub> for these two weeks", or cancel),
the confirmation that lists what moves and what is cancelled, and `ApplyClosureCommand` (apply as one
undoable step). The panel pushes it on `undo_stack`, its own unless the main window hands over its stack
with `use_undo_stack` so that the calendar's Edit menu undoes it too. The plan is computed by
`ClosureService.plan_rehoming` on a background thread; `ClosureService.add` applies closure and plan in one
transaction. Must not import: models below the scheduler services (beyond enums), sqlalchemy.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.form_rows import labelled_row
from desktop_app.planning.models import ClosureTableModel, DisplacedTableModel, RehomingTableModel
from desktop_app.planning.services import PlanningServices
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from models.types import ClosureScope
from scheduler.errors import HubSchedError
from scheduler.services.closures import (
    AddedClosure,
    ClosureDraft,
    ClosureRow,
    ClosureService,
    Rehoming,
    accept_hub,
)
from scheduler.services.directory import HubRow


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _table(parent: QWidget, name: str, model) -> QTableView:
    table = QTableView(parent)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ApplyClosureCommand(QUndoCommand):
    """A closure applied with its plan, as one undoable step; redo applies it again.

    Undo is refused (the error shown, the command dropped) when the closure or one of its sessions changed
    since; the message says what.
    """

    def __init__(self, panel: ClosuresPanel, service: ClosureService, added: AddedClosure, notices: list[int]):
        super().__init__(panel.tr("Add closure ({reason})").format(reason=added.draft.reason if added.draft else ""))
        self.panel, self.service, self.added, self.notices = panel, service, added, notices
        self.undone = None
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:  # the push of a change already made
            self._pushed = True
            return

        def again() -> None:
            self.added = self.service.add(self.undone.draft, list(self.undone.plan))
            self.notices = self.panel._queue_notices(self.added)

        self._guarded(again)

    def undo(self) -> None:
        def back() -> None:
            self.undone = self.service.undo(self.added)
            self.panel._discard_notices(self.notices)

        self._guarded(back)

    def _guarded(self, work) -> None:
        try:
            work()
        except HubSchedError as exc:
            self.panel.prompts.error(self.panel, self.panel.tr("Cannot undo or redo the closure"), str(exc))
            self.setObsolete(True)
        self.panel.reload()
        self.panel.changed.emit()


class ClosuresPanel(QWidget):
    closure_added = Signal(object)  # AddedClosure
    plan_ready = Signal(object)  # list[Rehoming]
    changed = Signal()  # closures or sessions changed (undo, redo, edit, remove)

    def __init__(
        self,
        services: PlanningServices,
        prompts: Prompts,
        parent: QWidget | None = None,
        *,
        hubs: list[HubRow] | None = None,  # already read (off the GUI thread)
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.first = self.last = date.today()
        self.plan: list[Rehoming] | None = None
        self.plan_job: BackgroundJob | None = None
        self.undo_stack = QUndoStack(self)
        self._planned_for: ClosureDraft | None = None
        self._planning_draft: ClosureDraft | None = None

        self.closures = ClosureTableModel(self)
        self.closure_table = _table(self, self.tr("Closures and bank holidays"), self.closures)
        self.scope = QComboBox(self)
        for label, scope in (
            (self.tr("A whole hub"), ClosureScope.HUB),
            (self.tr("One room"), ClosureScope.ROOM),
            (self.tr("Every hub (borough-wide)"), ClosureScope.BOROUGH),
        ):
            self.scope.addItem(label, scope.value)
        self.hub = QComboBox(self)
        self.room = QComboBox(self)
        for hub in services.directory.hubs() if hubs is None else hubs:
            self.hub.addItem(hub.name, hub.id)
            for room in hub.rooms:
                self.room.addItem(f"{room.name}, {hub.name}", room.id)
        self.first_day = QDateEdit(self)
        self.last_day = QDateEdit(self)
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.all_day = QCheckBox(self.tr("All &day"), self)
        self.all_day.setChecked(True)
        self.from_time = QTimeEdit(QTime(13, 0), self)
        self.to_time = QTimeEdit(QTime(17, 0), self)
        hours = QHBoxLayout()
        for widget in (self.all_day, self.from_time, QLabel("–", self), self.to_time):
            hours.addWidget(widget)
        hours.addStretch(1)
        self.from_time.setAccessibleName(self.tr("Closed from"))
        self.to_time.setAccessibleName(self.tr("Closed until"))
        self.all_day.toggled.connect(lambda on: (self.from_time.setEnabled(not on), self.to_time.setEnabled(not on)))
        self.from_time.setEnabled(False)
        self.to_time.setEnabled(False)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("e.g. Roof repairs (shown to the groups affected)"))
        form = QFormLayout()
        for text, field in (
            (self.tr("&Closes:"), self.scope),
            (self.tr("&Hub:"), self.hub),
            (self.tr("Roo&m:"), self.room),
            (self.tr("&From:"), self.first_day),
            (self.tr("&To:"), self.last_day),
            (self.tr("&Reason:"), self.reason),
        ):
            labelled_row(form, text, field)
        form.insertRow(5, self.tr("Hours:"), hours)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        for signal in (
            self.scope.currentIndexChanged,
            self.hub.currentIndexChanged,
            self.room.currentIndexChanged,
            self.first_day.dateChanged,
            self.last_day.dateChanged,
            self.reason.textChanged,
            self.all_day.toggled,
            self.from_time.timeChanged,
            self.to_time.timeChanged,
        ):
            signal.connect(self._draft_changed)

        self.show_button = QPushButton(self.tr("1. &Show displaced sessions"), self)
        self.plan_button = QPushButton(self.tr("2. &Plan re-homing"), self)
        self.apply_button = QPushButton(self.tr("3. &Add closure and apply plan"), self)
        self.show_button.clicked.connect(self.show_displaced)
        self.plan_button.clicked.connect(self.plan_rehoming)
        self.apply_button.clicked.connect(self.apply)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.displaced = DisplacedTableModel(self)
        self.displaced_table = _table(self, self.tr("Displaced sessions"), self.displaced)
        self.rehoming = RehomingTableModel(self)
        self.rehoming_table = _table(self, self.tr("Where each would go"), self.rehoming)
        self.rehoming_table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.choice = QComboBox(self)
        self.choice.setAccessibleName(self.tr("Where the selected session goes"))
        self.choice.activated.connect(self._choice_made)
        self.reason_label = QLabel(self)
        self.reason_label.setWordWrap(True)
        self.relax_button = QPushButton(self.tr("Accept this &hub for the closure"), self)
        self.relax_button.clicked.connect(self.accept_relaxation)
        self.undo_button = QPushButton(self.tr("&Undo"), self)
        self.redo_button = QPushButton(self.tr("R&edo"), self)
        self.undo_button.clicked.connect(lambda: self.undo_stack.undo())
        self.redo_button.clicked.connect(lambda: self.undo_stack.redo())
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.edit_button = QPushButton(self.tr("Save changes to the selected closure"), self)
        self.edit_button.clicked.connect(self.edit_selected)
        self.load_button = QPushButton(self.tr("Load &selected closure"), self)
        self.load_button.clicked.connect(self.load_selected)
        self.remove_button = QPushButton(self.tr("Remo&ve selected closure…"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.editing: int | None = None

        add_box = QGroupBox(self.tr("Add a closure"), self)
        add_layout = QVBoxLayout(add_box)
        add_layout.addLayout(form)
        steps = QHBoxLayout()
        for button in (self.show_button, self.plan_button, self.apply_button):
            steps.addWidget(button)
        add_layout.addLayout(steps)
        add_layout.addWidget(self.status)
        undo_row = QHBoxLayout()
        for button in (self.undo_button, self.redo_button):
            undo_row.addWidget(button)
        add_layout.addLayout(undo_row)
        list_box = QGroupBox(self.tr("Closures this term (bank holidays included)"), self)
        list_layout = QVBoxLayout(list_box)
        list_layout.addWidget(self.closure_table)
        list_buttons = QHBoxLayout()
        for button in (self.load_button, self.edit_button, self.remove_button):
            list_buttons.addWidget(button)
        list_layout.addLayout(list_buttons)
        displaced_box = QGroupBox(self.tr("Sessions it displaces"), self)
        QVBoxLayout(displaced_box).addWidget(self.displaced_table)
        plan_box = QGroupBox(self.tr("Re-homing plan"), self)
        plan_layout = QVBoxLayout(plan_box)
        plan_layout.addWidget(self.rehoming_table)
        choose_row = QHBoxLayout()
        choose_label = QLabel(self.tr("&Goes to:"), self)
        choose_label.setBuddy(self.choice)
        choose_row.addWidget(choose_label)
        choose_row.addWidget(self.choice, 1)
        plan_layout.addLayout(choose_row)
        self.reason_label.setMinimumHeight(self.reason_label.fontMetrics().lineSpacing() * 4)
        self.reason_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        plan_layout.addWidget(self.reason_label)
        plan_layout.addWidget(self.relax_button)
        plan_layout.setStretch(0, 1)
        top = QHBoxLayout()
        top.addWidget(list_box, 1)
        top.addWidget(add_box, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(displaced_box, 1)
        bottom.addWidget(plan_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addLayout(bottom, 1)
        self._scope_changed()
        self._update_buttons()

    def set_term(self, first: date, last: date, rows: list[ClosureRow] | None = None) -> None:
        self.first, self.last = first, last
        self.first_day.setDate(_qdate(first))
        self.last_day.setDate(_qdate(first))
        self.reload(rows)

    def reload(self, rows: list[ClosureRow] | None = None) -> None:
        """Read the term's closures again, or show `rows` already read."""
        self.closures.set_rows(self.services.closures.list(self.first, self.last) if rows is None else rows)
        self._fit(self.closure_table)

    @staticmethod
    def _fit(table: QTableView) -> None:
        table.resizeColumnsToContents()
        for column in range(table.model().columnCount()):
            table.setColumnWidth(column, min(table.columnWidth(column), 320))

    def _scope_changed(self, *_args) -> None:
        scope = ClosureScope(self.scope.currentData())
        self.hub.setEnabled(scope is ClosureScope.HUB)
        self.room.setEnabled(scope is ClosureScope.ROOM)

    def draft(self) -> ClosureDraft:
        scope = ClosureScope(self.scope.currentData())
        return ClosureDraft(
            scope=scope,
            first_day=_pydate(self.first_day.date()),
            last_day=_pydate(self.last_day.date()),
            reason=self.reason.text(),
            hub_id=self.hub.currentData() if scope is ClosureScope.HUB else None,
            room_id=self.room.currentData() if scope is ClosureScope.ROOM else None,
            start=None if self.all_day.isChecked() else self.from_time.time().toPython(),
            end=None if self.all_day.isChecked() else self.to_time.time().toPython(),
        )

    def _draft_changed(self, *_args) -> None:
        # A plan belongs to the closure it was made for; a new reason alone keeps it.
        if self._planned_for is not None and self._planned_for.same_place_and_time(self.draft()):
            self._planned_for = self.draft()
            return
        self.plan = None
        self._planned_for = None
        self.rehoming.set_rows([])
        self._update_buttons()

    @property
    def idle(self) -> bool:
        return self.plan_job is None or not self.plan_job.thread.isRunning()

    def join(self) -> None:
        if self.plan_job is not None:
            self.plan_job.join()

    def _update_buttons(self) -> None:
        busy = not self.idle
        self.show_button.setEnabled(not busy)
        self.plan_button.setEnabled(not busy)
        self.apply_button.setEnabled(not busy)

    def show_displaced(self) -> bool:
        try:
            rows = self.services.closures.displaced(self.draft())
        except HubSchedError as exc:
            self.status.setText(str(exc))
            return False
        self.displaced.set_rows(rows)
        self._fit(self.displaced_table)
        self.status.setText(self.tr("{n} session(s) would be displaced.").format(n=len(rows)))
        return True

    def plan_rehoming(self) -> TaskWorker | None:
        if not self.idle or not self.show_displaced():
            return None
        draft = self.draft()
        service = self.services.closures
        editing = self.editing
        worker = TaskWorker(lambda _stop: service.plan_rehoming(draft, editing=editing, time_limit=5.0))
        # Bound methods of widgets, never lambdas: a lambda would run in the worker's thread.
        self._planning_draft = draft
        worker.finished.connect(self._planned)
        worker.failed.connect(self.status.setText)
        self.plan_job = BackgroundJob(worker, self)
        self.plan_job.done.connect(self._update_buttons)
        self.status.setText(self.tr("Looking for somewhere for each displaced session…"))
        self.plan_job.start()
        self._update_buttons()
        return worker

    def _planned(self, plan: list[Rehoming]) -> None:
        self.plan, self._planned_for = list(plan), self._planning_draft
        self._show_plan()
        self._fit(self.rehoming_table)
        self.plan_ready.emit(plan)

    # -- choosing ---------------------------------------------------------------------------------------

    def use_undo_stack(self, stack: QUndoStack) -> None:
        """Push applied closures on `stack` (the main window's, so its Edit menu undoes them too)."""
        self.undo_stack = stack
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())

    def selected_plan_row(self) -> int:
        index = self.rehoming_table.currentIndex()
        return index.row() if index.isValid() else -1

    def _row_chosen(self, *_args) -> None:
        self.choice.clear()
        row = self.selected_plan_row()
        if self.plan is None or row < 0:
            self.reason_label.clear()
            self.relax_button.setEnabled(False)
            return
        r = self.plan[row]
        for option in r.options:
            self.choice.addItem(option.label, option)
        self.choice.addItem(self.tr("Cancel it"), None)
        chosen = r.chosen
        self.choice.setCurrentIndex(r.options.index(chosen) if chosen is not None else len(r.options))
        self.reason_label.setText(r.reason if not r.found else self.tr("Chosen: {where}").format(where=chosen.label))
        self.relax_button.setEnabled(bool(r.relaxed))
        if r.relaxed:
            self.relax_button.setText(r.relaxed[0].relaxation[:1].upper() + r.relaxed[0].relaxation[1:])

    def choose(self, row: int, option) -> None:
        """Session `row` of the plan goes to `option` (an Alternative), or is cancelled when None."""
        assert self.plan is not None
        self.plan[row] = self.plan[row].choose(option)
        self._show_plan()
        self.rehoming_table.selectRow(row)

    def _choice_made(self, index: int) -> None:
        row = self.selected_plan_row()
        if row >= 0:
            self.choose(row, self.choice.itemData(index))

    def accept_relaxation(self) -> None:
        row = self.selected_plan_row()
        if self.plan is None or row < 0 or not self.plan[row].relaxed:
            return
        self.plan = accept_hub(self.plan, self.plan[row].relaxed[0].hub)
        self._show_plan()
        self.rehoming_table.selectRow(row)

    def _show_plan(self) -> None:
        assert self.plan is not None
        self.rehoming.set_rows(list(self.plan))
        found = sum(r.found for r in self.plan)
        self.status.setText(
            self.tr("{found} of {n} displaced session(s) re-homed; {cancelled} would be cancelled.").format(
                found=found, n=len(self.plan), cancelled=len(self.plan) - found
            )
        )

    # -- applying ---------------------------------------------------------------------------------------

    def _confirm(self, plan: list[Rehoming] | None, displaced: int) -> bool:
        if plan is None:
            if not displaced:
                return True
            return self.prompts.confirm(
                self,
                self.tr("Cancel displaced sessions?"),
                self.tr(
                    "No re-homing plan was made for this closure, so all {n} session(s) it displaces will be "
                    "cancelled. Add the closure anyway? (Choose Cancel, then 'Plan re-homing', to move them instead.)"
                ).format(n=displaced),
            )
        if not plan:
            return True
        moves = [f"• {r.title}: {r.was} → {r.room} {r.day:%a %d %b} {r.start:%H:%M}" for r in plan if r.found]
        cancels = [f"• {r.title}: {r.was}" for r in plan if not r.found]
        text = ""
        if moves:
            text += self.tr("These move:") + "\n" + "\n".join(moves) + "\n\n"
        if cancels:
            text += self.tr("These are cancelled:") + "\n" + "\n".join(cancels) + "\n\n"
        text += self.tr("Apply? You can undo it afterwards.")
        return self.prompts.confirm(self, self.tr("Apply the closure and its plan?"), text)

    def apply(self) -> AddedClosure | None:
        draft = self.draft()
        plan = self.plan if self._planned_for == draft and self.plan is not None else None
        try:
            displaced = len(self.services.closures.displaced(draft)) if plan is None else 0
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot add the closure"), str(exc))
            return None
        if not self._confirm(plan, displaced):
            return None
        try:
            if self.editing is not None:
                added = self.services.closures.edit(self.editing, draft, plan)
            else:
                added = self.services.closures.add(draft, plan)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot add the closure"), str(exc))
            return None
        self.status.setText(
            self.tr("Closure saved: {moved} session(s) re-homed, {cancelled} cancelled.").format(
                moved=added.moved, cancelled=added.cancelled
            )
        )
        notices = self._queue_notices(added)
        if self.editing is None:
            self.undo_stack.push(ApplyClosureCommand(self, self.services.closures, added, notices))
        self.editing = None
        self.plan, self._planned_for = None, None
        self.rehoming.set_rows([])
        self.displaced.set_rows([])
        self.reload()
        self.closure_added.emit(added)
        return added

    def _queue_notices(self, added: AddedClosure) -> list[int]:
        """A notice to each organisation whose sessions the closure moved or cancelled (into the outbox)."""
        outbox = self.services.outbox
        if outbox is None or not (added.moved or added.cancelled):
            return []
        try:
            ids = outbox.queue_closure(added.closure_id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot write the notices"), str(exc))
            return []
        self.status.setText(
            self.status.text() + " " + self.tr("{n} notice(s) to the groups are in the outbox.").format(n=len(ids))
        )
        return ids

    def _discard_notices(self, ids: list[int]) -> None:
        """Undo took the change back: notices about it that were not sent yet are discarded."""
        outbox = self.services.outbox
        for notice_id in ids if outbox is not None else []:
            if outbox.get(notice_id).state == "queued":
                outbox.discard(notice_id)

    # -- editing and removing ---------------------------------------------------------------------------

    def selected_closure(self):
        index = self.closure_table.currentIndex()
        if not index.isValid():
            return None
        row = self.closures.rows()[index.row()]
        return None if row.bank_holiday else row

    def load_selected(self) -> bool:
        """Put the selected closure in the fields; apply then saves the changes to it."""
        row = self.selected_closure()
        if row is None:
            return False
        self.editing = row.id
        self.scope.setCurrentIndex(self.scope.findData(row.scope))
        if row.hub_id is not None:
            self.hub.setCurrentIndex(self.hub.findData(row.hub_id))
        if row.room_id is not None:
            self.room.setCurrentIndex(self.room.findData(row.room_id))
        self.first_day.setDate(_qdate(row.first_day))
        self.last_day.setDate(_qdate(row.last_day))
        self.all_day.setChecked(row.start is None)
        if row.start is not None and row.end is not None:
            self.from_time.setTime(QTime(row.start.hour, row.start.minute))
            self.to_time.setTime(QTime(row.end.hour, row.end.minute))
        self.reason.setText(row.reason)
        self._loaded = row.draft()
        self.status.setText(self.tr("Editing the closure of {where}.").format(where=row.where))
        return True

    def edit_selected(self) -> AddedClosure | None:
        """Save the fields to the closure being edited (a new reason alone keeps what it did)."""
        if self.editing is None and not self.load_selected():
            return None
        draft = self.draft()
        loaded = getattr(self, "_loaded", None)
        if loaded is not None and loaded.same_place_and_time(draft):
            try:
                added = self.services.closures.edit(self.editing, draft)
            except HubSchedError as exc:
                self.prompts.error(self, self.tr("Cannot change the closure"), str(exc))
                return None
            self.editing = None
            self.reload()
            self.changed.emit()
            return added
        return self.apply()

    def remove_selected(self) -> bool:
        row = self.selected_closure()
        if row is None:
            return False
        try:
            pending = self.services.closures.restorable(row.id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot remove the closure"), str(exc))
            return False
        restore = False
        if pending:
            free = [title for title, why in pending if not why]
            restore = self.prompts.confirm(
                self,
                self.tr("Restore cancelled sessions?"),
                self.tr(
                    "Removing this closure can restore {free} of the {n} session(s) it cancelled (the rest are "
                    "no longer free). Restore them?"
                ).format(free=len(free), n=len(pending)),
            )
        elif not self.prompts.confirm(
            self, self.tr("Remove the closure?"), self.tr("Remove the closure of {where}?").format(where=row.where)
        ):
            return False
        try:
            removed = self.services.closures.remove(row.id, restore=restore)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot remove the closure"), str(exc))
            return False
        self.status.setText(self.tr("Closure removed; {n} session(s) restored.").format(n=removed.restored))
        self.reload()
        self.changed.emit()
        return True
