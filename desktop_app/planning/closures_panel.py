"""ClosuresPanel: the term's closures (bank holidays pre-filled); add one, see what it displaces, plan where
each displaced session would go, and apply.

Owns: the closure list, the new-closure fields, and the three steps (displaced → re-homing plan → add).
The plan is computed by `ClosureService.plan_rehoming` (the allocation solver with everything else pinned) on
a background thread; `ClosureService.add` applies closure and plan in one transaction.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QVBoxLayout,
    QWidget,
)

from desktop_app.planning.models import ClosureTableModel, DisplacedTableModel, RehomingTableModel
from desktop_app.planning.services import PlanningServices
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from models.types import ClosureScope
from scheduler.errors import HubSchedError
from scheduler.services.closures import AddedClosure, ClosureDraft, Rehoming


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _table(parent: QWidget, name: str, model) -> QTableView:
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ClosuresPanel(QWidget):
    closure_added = Signal(object)  # AddedClosure
    plan_ready = Signal(object)  # list[Rehoming]

    def __init__(self, services: PlanningServices, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.first = self.last = date.today()
        self.plan: list[Rehoming] | None = None
        self.plan_job: BackgroundJob | None = None
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
        for hub in services.directory.hubs():
            self.hub.addItem(hub.name, hub.id)
            for room in hub.rooms:
                self.room.addItem(f"{room.name}, {hub.name}", room.id)
        self.first_day = QDateEdit(self)
        self.last_day = QDateEdit(self)
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
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
            label = QLabel(text, self)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, field)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        for signal in (
            self.scope.currentIndexChanged,
            self.hub.currentIndexChanged,
            self.room.currentIndexChanged,
            self.first_day.dateChanged,
            self.last_day.dateChanged,
            self.reason.textChanged,
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

        add_box = QGroupBox(self.tr("Add a closure"), self)
        add_layout = QVBoxLayout(add_box)
        add_layout.addLayout(form)
        steps = QHBoxLayout()
        for button in (self.show_button, self.plan_button, self.apply_button):
            steps.addWidget(button)
        add_layout.addLayout(steps)
        add_layout.addWidget(self.status)
        list_box = QGroupBox(self.tr("Closures this term (bank holidays included)"), self)
        QVBoxLayout(list_box).addWidget(self.closure_table)
        displaced_box = QGroupBox(self.tr("Sessions it displaces"), self)
        QVBoxLayout(displaced_box).addWidget(self.displaced_table)
        plan_box = QGroupBox(self.tr("Re-homing plan"), self)
        QVBoxLayout(plan_box).addWidget(self.rehoming_table)
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

    def set_term(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.first_day.setDate(_qdate(first))
        self.last_day.setDate(_qdate(first))
        self.reload()

    def reload(self) -> None:
        self.closures.set_rows(self.services.closures.list(self.first, self.last))
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
        )

    def _draft_changed(self, *_args) -> None:
        # A plan belongs to the closure it was made for.
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
        worker = TaskWorker(lambda _stop: service.plan_rehoming(draft, time_limit=5.0))
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
        self.rehoming.set_rows(plan)
        self._fit(self.rehoming_table)
        found = sum(r.found for r in plan)
        self.status.setText(
            self.tr("{found} of {n} displaced session(s) can be re-homed; the rest would be cancelled.").format(
                found=found, n=len(plan)
            )
        )
        self.plan_ready.emit(plan)

    def apply(self) -> AddedClosure | None:
        draft = self.draft()
        plan = self.plan if self._planned_for == draft and self.plan is not None else None
        try:
            displaced = len(self.services.closures.displaced(draft)) if plan is None else 0
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot add the closure"), str(exc))
            return None
        if displaced and not self.prompts.confirm(
            self,
            self.tr("Cancel displaced sessions?"),
            self.tr(
                "No re-homing plan was made for this closure, so all {n} session(s) it displaces will be "
                "cancelled. Add the closure anyway? (Choose Cancel, then 'Plan re-homing', to move them instead.)"
            ).format(n=displaced),
        ):
            return None
        try:
            added = self.services.closures.add(draft, plan)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot add the closure"), str(exc))
            return None
        self.status.setText(
            self.tr("Closure added: {moved} session(s) re-homed, {cancelled} cancelled.").format(
                moved=added.moved, cancelled=added.cancelled
            )
        )
        self.plan, self._planned_for = None, None
        self.rehoming.set_rows([])
        self.displaced.set_rows([])
        self.reload()
        self.closure_added.emit(added)
        return added
