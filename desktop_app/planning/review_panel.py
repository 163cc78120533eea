"""ReviewPanel: what an allocation run proposes, reviewed before anything is written.

Owns: the proposal's counts, its placements (new / moved / unchanged, as a review timetable sorted by hub,
room and time), unmet requests with their explanation and blockers, "what would it take" (computed in the
background), the per-sector met-share chart, pinning, "Show in calendar" (announces the proposal through
`calendar_preview_changed`, and None when it is discarded, accepted or replaced, so the hub calendar can
draw it as a preview layer), and Accept / Discard. Accepting calls `AllocationService.apply`, which writes
the whole proposal in one transaction or nothing.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.commands import ChangeController
from desktop_app.planning.models import PlacementFilterProxy, PlacementTableModel, PlanRole, UnmetTableModel
from desktop_app.planning.sector_chart import SectorChart
from desktop_app.planning.services import PlanningServices
from desktop_app.planning.undo_commands import AcceptAllocationCommand
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.services.allocation import AllocationPreview, AppliedAllocation, PlacementRow, UnmetRow


def _table(parent: QWidget, name: str) -> QTableView:
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class ReviewPanel(QWidget):
    accepted = Signal(object)  # AppliedAllocation
    discarded = Signal()
    rerun_requested = Signal()
    pins_changed = Signal()
    what_if_answered = Signal(str)
    calendar_preview_changed = Signal(object)  # AllocationPreview to draw in the hub calendar, or None

    def __init__(
        self,
        services: PlanningServices,
        prompts: Prompts,
        parent: QWidget | None = None,
        *,
        controller: ChangeController | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.controller = controller  # the hub calendar's undo stack; None: accepting cannot be undone here
        self.preview: AllocationPreview | None = None
        self.what_if_job: BackgroundJob | None = None
        self._pins: dict[int, bool] = {}  # pins changed since this proposal was made

        self.summary = QLabel(self.tr("Run the allocation to see a proposal here."), self)
        self.summary.setWordWrap(True)
        self.group = QComboBox(self)
        for label, key in (
            (self.tr("All placements"), ""),
            (self.tr("New"), "new"),
            (self.tr("Moved"), "moved"),
            (self.tr("Unchanged or pinned"), "unchanged"),
        ):
            self.group.addItem(label, key)
        self.group.setAccessibleName(self.tr("Show placements"))
        self.placements = PlacementTableModel(self)
        self.placement_proxy = PlacementFilterProxy(self)
        self.placement_proxy.setSourceModel(self.placements)
        self.placement_table = _table(self, self.tr("Proposed placements"))
        self.placement_table.setModel(self.placement_proxy)
        self.group.currentIndexChanged.connect(lambda _i: self.placement_proxy.set_group(self.group.currentData()))
        self.pin_button = QPushButton(self.tr("&Pin"), self)
        self.pin_button.setToolTip(self.tr("Keep this placement where it is when the allocation is run again"))
        self.rerun_button = QPushButton(self.tr("Re-&run"), self)
        self.pin_button.clicked.connect(self.toggle_pin_selected)
        self.rerun_button.clicked.connect(self.rerun_requested)
        self.placement_table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.unmet = UnmetTableModel(self)
        self.unmet_table = _table(self, self.tr("Unmet requests"))
        self.unmet_table.setModel(self.unmet)
        self.unmet_table.selectionModel().selectionChanged.connect(self._unmet_selected)
        self.explanation = QTextBrowser(self)
        self.explanation.setAccessibleName(self.tr("Why this request is not placed"))
        self.what_if_button = QPushButton(self.tr("What would it &take?"), self)
        self.what_if_button.clicked.connect(self.what_would_it_take)
        self.chart = SectorChart(self)

        self.accept_button = QPushButton(self.tr("&Accept and write to the calendar"), self)
        self.discard_button = QPushButton(self.tr("&Discard"), self)
        self.accept_button.clicked.connect(self.accept)
        self.discard_button.clicked.connect(self.discard)
        self.calendar_button = QPushButton(self.tr("Show in ca&lendar"), self)
        self.calendar_button.setCheckable(True)
        self.calendar_button.setAccessibleName(self.tr("Show in calendar"))
        self.calendar_button.setToolTip(
            self.tr("Draw the proposed sessions in the hub calendar, dashed, on whatever day or week it shows")
        )
        self.calendar_button.toggled.connect(self._calendar_toggled)

        placed_box = QGroupBox(self.tr("Proposed timetable (by hub, room and time)"), self)
        placed_layout = QVBoxLayout(placed_box)
        row = QHBoxLayout()
        row.addWidget(self.group)
        row.addStretch(1)
        row.addWidget(self.pin_button)
        row.addWidget(self.rerun_button)
        placed_layout.addLayout(row)
        placed_layout.addWidget(self.placement_table)
        unmet_box = QGroupBox(self.tr("Who is missing: unmet requests"), self)
        unmet_layout = QVBoxLayout(unmet_box)
        unmet_layout.addWidget(self.unmet_table, 1)
        unmet_layout.addWidget(self.explanation, 1)
        unmet_layout.addWidget(self.what_if_button, 0, Qt.AlignmentFlag.AlignLeft)
        chart_box = QGroupBox(self.tr("Met share by sector"), self)
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.addWidget(self.chart)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(chart_box)
        side_layout.addWidget(unmet_box, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(placed_box)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.calendar_button)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- showing a proposal -----------------------------------------------------------------------------

    def set_preview(self, preview: AllocationPreview | None) -> None:
        self.preview = preview
        self._pins.clear()  # a new proposal already reflects every pin
        self.placements.set_rows(preview.placements if preview else [])
        self.unmet.set_rows(preview.unmet if preview else [])
        self.chart.set_rows(preview.sectors if preview else [])
        self.explanation.clear()
        for table in (self.placement_table, self.unmet_table):
            table.resizeColumnsToContents()
            for column in range(table.model().columnCount()):
                table.setColumnWidth(column, min(table.columnWidth(column), 170))
        if preview is None:
            self.summary.setText(self.tr("No proposal under review."))
        else:
            c = preview.counts
            self.summary.setText(
                self.tr(
                    "<b>{term}</b>: {placed} placed ({new} new, {moved} moved, {unchanged} unchanged or pinned), "
                    "<b>{unmet} unmet</b>. Nothing is written until you accept."
                ).format(term=html.escape(preview.term_name), **c)
                + (f"<br>{html.escape(preview.size_note)}" if preview.size_note else "")
            )
        if preview is None or not preview.placements:
            self.calendar_button.setChecked(False)  # clears the calendar's preview layer
        elif self.calendar_button.isChecked():
            self.calendar_preview_changed.emit(preview)
        self._update_buttons()

    def _calendar_toggled(self, checked: bool) -> None:
        self.calendar_preview_changed.emit(self.preview if checked else None)

    def _update_buttons(self, *_args) -> None:
        has = self.preview is not None
        # After a pin changes, this proposal is out of date (accepting it would be refused): re-run first.
        self.accept_button.setEnabled(has and bool(self.preview and self.preview.placements) and not self._pins)
        self.discard_button.setEnabled(has)
        self.calendar_button.setEnabled(bool(self.preview and self.preview.placements))
        self.rerun_button.setEnabled(has)
        placement = self.selected_placement()
        self.pin_button.setEnabled(placement is not None)
        self.pin_button.setText(self.tr("Un&pin") if placement and self.is_pinned(placement) else self.tr("&Pin"))
        self.what_if_button.setEnabled(
            self.selected_unmet() is not None and (self.what_if_job is None or not self.what_if_job.running)
        )

    def is_pinned(self, placement: PlacementRow) -> bool:
        return self._pins.get(placement.request_id, placement.change == "pinned")

    def selected_placement(self) -> PlacementRow | None:
        indexes = self.placement_table.selectionModel().selectedRows()
        return indexes[0].data(PlanRole.ROW) if indexes and indexes[0].isValid() else None

    def selected_unmet(self) -> UnmetRow | None:
        indexes = self.unmet_table.selectionModel().selectedRows()
        return indexes[0].data(PlanRole.ROW) if indexes and indexes[0].isValid() else None

    def select_placement(self, request_id: int) -> bool:
        for row in range(self.placement_proxy.rowCount()):
            if self.placement_proxy.index(row, 0).data(PlanRole.ID) == request_id:
                self.placement_table.selectRow(row)
                return True
        return False

    def select_unmet(self, request_id: int) -> bool:
        for row in range(self.unmet.rowCount()):
            if self.unmet.index(row, 0).data(PlanRole.ID) == request_id:
                self.unmet_table.selectRow(row)
                return True
        return False

    def _unmet_selected(self, *_args) -> None:
        row = self.selected_unmet()
        self._update_buttons()
        if row is None:
            self.explanation.clear()
            return
        blockers = "".join(f"<li>{html.escape(b)}</li>" for b in row.blockers)
        self.explanation.setHtml(
            f"<p><b>{html.escape(row.title)}</b> ({html.escape(row.organisation)})</p>"
            f"<p>{html.escape(row.message)}</p>"
            + (f"<p>{self.tr('Its possible slots are taken by:')}</p><ul>{blockers}</ul>" if blockers else "")
        )

    # -- what would it take -----------------------------------------------------------------------------

    def what_would_it_take(self) -> TaskWorker | None:
        row, preview = self.selected_unmet(), self.preview
        if row is None or preview is None or (self.what_if_job is not None and self.what_if_job.running):
            return None
        self.join()
        request_id = row.request_id
        worker = TaskWorker(lambda _stop: self.services.allocation.what_would_it_take(preview, request_id))
        worker.finished.connect(self._what_if_answer)
        worker.failed.connect(self._what_if_answer)
        self.what_if_job = BackgroundJob(worker, self)
        self.what_if_job.done.connect(self._update_buttons)
        self.explanation.append(self.tr("<p><i>Working out what it would take…</i></p>"))
        self.what_if_job.start()
        self._update_buttons()
        return worker

    def _what_if_answer(self, answer: str) -> None:
        self.explanation.append("<p><b>" + self.tr("What would it take:") + "</b> " + html.escape(str(answer)) + "</p>")
        self.what_if_answered.emit(str(answer))

    @property
    def idle(self) -> bool:
        return self.what_if_job is None or not self.what_if_job.thread.isRunning()

    def join(self) -> None:
        if self.what_if_job is not None:
            self.what_if_job.join()

    # -- pin, accept, discard ---------------------------------------------------------------------------

    def toggle_pin_selected(self) -> None:
        placement, preview = self.selected_placement(), self.preview
        if placement is None or preview is None:
            return
        pin = not self.is_pinned(placement)
        try:
            self.services.allocation.set_pinned(preview.term_id, placement.request_id, pin)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot pin {title}").format(title=placement.title), str(exc))
            return
        self._pins[placement.request_id] = pin
        self._update_buttons()
        self.summary.setText(
            (
                self.tr("Pinned {title}: re-run to allocate around it.")
                if pin
                else self.tr("Unpinned {title}: re-run to let it move.")
            ).format(title=html.escape(placement.title))
        )
        self.pins_changed.emit()

    def accept(self) -> AppliedAllocation | None:
        if self.preview is None:
            return None
        if self.controller is not None:
            command = AcceptAllocationCommand(self.controller, self.services.undo, self.preview)
            if not self.controller.run(command) or command.accepted is None:
                return None  # the controller has told the user why
            applied = command.accepted.applied
        else:
            try:
                applied = self.services.allocation.apply(self.preview)
            except HubSchedError as exc:
                self.prompts.error(self, self.tr("Cannot accept this allocation"), str(exc))
                return None
        self.set_preview(None)
        self.summary.setText(
            self.tr(
                "Accepted: {created} new series, {moved} moved, {unchanged} unchanged, {unmet} unmet. "
                "The calendar now shows them; Edit → Undo takes the whole allocation back."
            ).format(created=applied.created, moved=applied.moved, unchanged=applied.unchanged, unmet=applied.unmet)
        )
        self.accepted.emit(applied)
        return applied

    def discard(self) -> None:
        self.set_preview(None)
        self.summary.setText(self.tr("Proposal discarded; nothing was written."))
        self.discarded.emit()
