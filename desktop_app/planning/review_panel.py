"""ReviewPanel: what an allocation run proposes, reviewed before anything is written.

Owns: the proposal's counts, its placements (new / moved / unchanged, as a review timetable sorted by hub,
room and time), unmet requests with their explanation and blockers, "what would it take" (computed in the
background), the per-sector met-share chart, pinning, "Show in calendar" (announces the proposal through
`calendar_preview_changed`, and None when it is discarded, accepted or replaced, so the hub calendar can
draw it as a preview layer), the run's fairness policy and a side-by-side run with fairness off, and
Accept / Discard. Accepting runs in the background (the window stays responsive) and writes the whole
proposal in one transaction or nothing; with a controller it then goes on the calendar's undo stack.
The words are the borough's, not the solver's: "met demand", "how close to the best possible".
"""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.commands import ChangeController
from desktop_app.planning.models import (
    SECTOR_NAMES,
    PlacementFilterProxy,
    PlacementTableModel,
    PlanRole,
    UnmetTableModel,
)
from desktop_app.planning.sector_chart import SectorChart
from desktop_app.planning.services import PlanningServices
from desktop_app.planning.undo_commands import AcceptAllocationCommand
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from scheduler import allocation as alloc
from scheduler.allocation.scoring import fill_ratios, percentile
from scheduler.errors import HubSchedError
from scheduler.services.allocation import AllocationPreview, AppliedAllocation, PlacementRow, UnmetRow

# Columns sized to their contents (short); every other column shares the width left and wraps its text,
# the row growing to show it whole, so nothing is cut off and no sideways scrolling is needed.
SHORT_PLACEMENT_COLUMNS = (0, 6)  # Change, Sessions
SHORT_UNMET_COLUMNS = (2, 3)  # Sector, Why


class FittedTable(QTableView):
    """A table whose columns always fit its width: short columns keep their natural width, the others
    share what is left in proportion to their text and wrap it, each row growing to show its cells whole."""

    def __init__(self, parent: QWidget, short: tuple[int, ...]) -> None:
        super().__init__(parent)
        self.short = short
        self.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        # The columns' natural widths and longest words, measured once per content and font rather than at
        # every resize (measuring asks the model for every role of every cell).
        self._measured: tuple[list[int], dict[int, int]] | None = None

    def setModel(self, model) -> None:
        super().setModel(model)
        self._measured = None
        if model is not None:
            for signal in (
                model.modelReset,
                model.layoutChanged,
                model.dataChanged,
                model.rowsInserted,
                model.rowsRemoved,
                model.headerDataChanged,
            ):
                signal.connect(self._forget_measures)

    def _forget_measures(self, *_args) -> None:
        self._measured = None

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._measured = None
        super().changeEvent(event)

    def _measure(self) -> tuple[list[int], dict[int, int]]:
        if self._measured is None:
            model = self.model()
            self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            self.resizeColumnsToContents()
            natural = [self.columnWidth(c) for c in range(model.columnCount())]
            flexible = [c for c in range(len(natural)) if c not in self.short]
            self._measured = natural, self._longest_words(flexible)
        return self._measured

    def fit_columns(self) -> None:
        model = self.model()
        if model is None or not model.columnCount():
            return
        header = self.horizontalHeader()
        natural, longest = self._measure()
        available = self.viewport().width()
        if sum(natural) <= available:
            for c, width in enumerate(natural):
                self.setColumnWidth(c, width)
            header.setStretchLastSection(True)
            return
        header.setStretchLastSection(False)
        fixed = sum(natural[c] for c in self.short if c < len(natural))
        flexible = [c for c in range(len(natural)) if c not in self.short]
        room = max(40 * len(flexible), available - fixed)
        words = dict(longest)
        if sum(words.values()) > room:  # too narrow even for whole words: share it out as best we can
            scale = room / sum(words.values())
            words = {c: int(w * scale) for c, w in words.items()}
        widths = {c: min(words[c], natural[c]) for c in flexible}
        # Then hand out what is left, long texts getting more (square roots) but never beyond their need.
        left = room - sum(widths.values())
        for _round in range(4):
            wanting = {c: natural[c] - widths[c] for c in flexible if natural[c] > widths[c]}
            if left <= 0 or not wanting:
                break
            total = sum(natural[c] ** 0.5 for c in wanting)
            given = 0
            for c, want in wanting.items():
                extra = min(want, int(left * natural[c] ** 0.5 / total))
                widths[c] += extra
                given += extra
            left -= given
            if given == 0:
                break
        for c, width in [*((c, natural[c]) for c in self.short if c < len(natural)), *widths.items()]:
            self.setColumnWidth(c, width)

    def _longest_words(self, columns: list[int]) -> dict[int, int]:
        """Per column, the width of its longest single word: narrower than that, a word would be cut."""
        model = self.model()
        metrics = self.fontMetrics()
        found = {}
        for c in columns:
            widest = 40
            for row in range(min(model.rowCount(), 2000)):
                for word in str(model.index(row, c).data() or "").split():
                    widest = max(widest, metrics.horizontalAdvance(word) + 12)
            found[c] = widest
        return found

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_columns()


def _table(parent: QWidget, name: str, short: tuple[int, ...] = ()) -> FittedTable:
    table = FittedTable(parent, short)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.verticalHeader().setVisible(False)
    # Long cells wrap and the row grows to show them whole, instead of being cut off.
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


class ReviewPanel(QWidget):
    accepted = Signal(object)  # AppliedAllocation
    discarded = Signal()
    rerun_requested = Signal()
    pins_changed = Signal()
    what_if_answered = Signal(str)
    calendar_preview_changed = Signal(object)  # AllocationPreview to draw in the hub calendar, or None
    fairness_compared = Signal(str)  # the side-by-side text, once the run without fairness is back
    accept_failed = Signal(str)

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
        self.accept_job: BackgroundJob | None = None
        self.compare_job: BackgroundJob | None = None
        self._accepting: AllocationPreview | None = None  # the proposal being written
        self._comparing: AllocationPreview | None = None  # the proposal being compared with fairness off
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
        self.placement_table = _table(self, self.tr("Proposed placements"), SHORT_PLACEMENT_COLUMNS)
        self.placement_table.setModel(self.placement_proxy)
        self.group.currentIndexChanged.connect(lambda _i: self.placement_proxy.set_group(self.group.currentData()))
        self.pin_button = QPushButton(self.tr("&Pin"), self)
        self.pin_button.setToolTip(self.tr("Keep this placement where it is when the allocation is run again"))
        self.rerun_button = QPushButton(self.tr("Re-&run"), self)
        self.pin_button.clicked.connect(self.toggle_pin_selected)
        self.rerun_button.clicked.connect(self.rerun_requested)
        self.placement_table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.unmet = UnmetTableModel(self)
        self.unmet_table = _table(self, self.tr("Unmet requests"), SHORT_UNMET_COLUMNS)
        self.unmet_table.setModel(self.unmet)
        self.unmet_table.selectionModel().selectionChanged.connect(self._unmet_selected)
        self.explanation = QTextBrowser(self)
        self.explanation.setAccessibleName(self.tr("Why this request is not placed"))
        self.what_if_button = QPushButton(self.tr("What would it &take?"), self)
        self.what_if_button.clicked.connect(self.what_would_it_take)
        self.chart = SectorChart(self)
        self.policy = QLabel(self)
        self.policy.setWordWrap(True)
        self.compare_button = QPushButton(self.tr("Compare with fairness &off"), self)
        self.compare_button.setToolTip(
            self.tr("Run the same allocation without the fairness policy, to see what it costs and whom it helps")
        )
        self.compare_button.clicked.connect(self.compare_fairness_off)
        self.comparison = QLabel(self)
        self.comparison.setWordWrap(True)
        self.comparison.setAccessibleName(self.tr("With and without fairness"))

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
        chart_layout.addWidget(self.policy)
        chart_layout.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignLeft)
        chart_layout.addWidget(self.comparison)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(chart_box)
        side_layout.addWidget(unmet_box, 1)
        # The chart, the policy and the unmet list keep their room; at 1280 x 720 the side column scrolls.
        self.chart.setMinimumHeight(self.chart.sizeHint().height())
        self.unmet_table.setMinimumHeight(140)
        self.explanation.setMinimumHeight(100)
        side_scroll = QScrollArea(self)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(placed_box)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
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
        self.comparison.clear()
        self.placement_table.fit_columns()
        self.unmet_table.fit_columns()
        if preview is None:
            self.summary.setText(self.tr("No proposal under review."))
            self.policy.clear()
        else:
            c = preview.counts
            self.summary.setText(
                self.tr(
                    "<b>{term}</b>: {placed} placed ({new} new, {moved} moved, {unchanged} unchanged or pinned), "
                    "<b>{unmet} unmet</b>. Met demand {met:.1f}: {closeness}. Nothing is written until you accept."
                ).format(
                    term=html.escape(preview.term_name), met=preview.objective, closeness=self.closeness(preview), **c
                )
                + (f"<br>{html.escape(preview.size_note)}" if preview.size_note else "")
            )
            self.policy.setText(self.policy_text(preview))
        if preview is None or not preview.placements:
            self.calendar_button.setChecked(False)  # clears the calendar's preview layer
        elif self.calendar_button.isChecked():
            self.calendar_preview_changed.emit(preview)
        self._update_buttons()

    def closeness(self, preview: AllocationPreview) -> str:
        """How close to the best possible, and what "best possible" was measured against, in plain words."""
        result = preview.result
        if result.bound_source is alloc.BoundSource.PROVEN:
            return self.tr("the best possible (proven)")
        against = {
            alloc.BoundSource.SOLVER: self.tr("measured against the solver's proven limit"),
            alloc.BoundSource.RELAXATION: self.tr("measured against a relaxation that lets requests share rooms"),
            alloc.BoundSource.STATIC: self.tr("measured against meeting every request that has any possible room"),
        }[result.bound_source]
        if preview.status == "optimal":
            return self.tr(
                "the best that keeps people in last term's place; {gap:.1%} more could be met only by moving them "
                "for requests of the same or lower priority ({against})"
            ).format(gap=preview.gap, against=against)
        return self.tr("within {gap:.1%} of the best possible ({against})").format(gap=preview.gap, against=against)

    def fairness_source(self, preview: AllocationPreview) -> str:
        """Where the run's fairness policy came from, in plain words."""
        return {
            "term": self.tr("this term's setting"),
            "default": self.tr("the default; nothing set for this term"),
            "run": self.tr("this run only"),
        }.get(preview.fairness_source, preview.fairness_source)

    def policy_text(self, preview: AllocationPreview) -> str:
        result = preview.result
        if result.fairness_weight:
            targets = ", ".join(
                self.tr("{sector} {share:.0%}").format(sector=self.tr(SECTOR_NAMES.get(s, s)), share=share)
                for s, share in result.sector_targets
            )
            text = self.tr("Fairness policy ({source}): weight {weight:g}; target shares {targets}.").format(
                source=self.fairness_source(preview), weight=result.fairness_weight, targets=targets
            )
        else:
            text = self.tr("Fairness policy ({source}): off.").format(source=self.fairness_source(preview))
        ratios = fill_ratios(preview.problem, [(p.request_id, p.room_id) for p in result.placements])
        if ratios:
            text += " " + self.tr(
                "Room fit (people / room capacity): median {median:.0%}, 90th percentile {p90:.0%}."
            ).format(median=percentile(ratios, 0.5), p90=percentile(ratios, 0.9))
        return text

    # -- fairness off, side by side ---------------------------------------------------------------------

    def compare_fairness_off(self) -> TaskWorker | None:
        preview = self.preview
        if preview is None or (self.compare_job is not None and self.compare_job.running):
            return None
        policy = replace(preview.problem.policy, fairness_weight=0.0)
        seconds = max(2.0, preview.wall_time)
        term_id = preview.term_id
        worker = TaskWorker(
            lambda stop: self.services.allocation.preview(term_id, time_limit=seconds, stop=stop, policy=policy)
        )
        self._comparing = preview
        # Bound methods of this widget, never lambdas: a lambda would run in the worker's thread.
        worker.finished.connect(self._compared)
        worker.failed.connect(self.comparison.setText)
        self.compare_job = BackgroundJob(worker, self)
        self.compare_job.done.connect(self._update_buttons)
        self.comparison.setText(self.tr("Running the same allocation with fairness off…"))
        self.compare_job.start()
        self._update_buttons()
        return worker

    def _compared(self, without: AllocationPreview) -> None:
        shown = self._comparing
        if shown is None or shown is not self.preview:
            return  # the proposal changed meanwhile
        off = {s.sector: s for s in without.sectors}
        lines = [
            self.tr("With fairness off: {n} placed instead of {m}; met share by sector:").format(
                n=len(without.placements), m=len(shown.placements)
            )
        ]
        for s in shown.sectors:
            other = off.get(s.sector)
            lines.append(
                self.tr("{sector}: {on:.0%} with fairness, {off} without").format(
                    sector=self.tr(SECTOR_NAMES.get(s.sector, s.sector)),
                    on=s.met_share,
                    off="—" if other is None else f"{other.met_share:.0%}",
                )
            )
        self.comparison.setText("<br>".join(html.escape(line) for line in lines))
        self.fairness_compared.emit(self.comparison.text())

    def _calendar_toggled(self, checked: bool) -> None:
        self.calendar_preview_changed.emit(self.preview if checked else None)

    def _update_buttons(self, *_args) -> None:
        has = self.preview is not None
        # After a pin changes, this proposal is out of date (accepting it would be refused): re-run first.
        accepting = self.accept_job is not None and self.accept_job.running
        self.accept_button.setEnabled(
            has and bool(self.preview and self.preview.placements) and not self._pins and not accepting
        )
        self.compare_button.setEnabled(has and (self.compare_job is None or not self.compare_job.running))
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
        jobs = (self.what_if_job, self.accept_job, self.compare_job)
        return all(job is None or not job.thread.isRunning() for job in jobs)

    def join(self) -> None:
        # An accept's write ignores the stop handle and runs to its end: joining only waits for it.
        for job in (self.what_if_job, self.compare_job, self.accept_job):
            if job is not None:
                job.join(60_000)

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

    def accept(self) -> TaskWorker | None:
        """Write the proposal in the background; `accepted` follows when it is written."""
        preview = self.preview
        if preview is None or (self.accept_job is not None and self.accept_job.running):
            return None
        if self.controller is not None:
            undo = self.services.undo
            worker = TaskWorker(lambda _stop: undo.accept(preview))
        else:
            allocation = self.services.allocation
            worker = TaskWorker(lambda _stop: allocation.apply(preview))
        self._accepting = preview
        worker.finished.connect(self._accept_done)  # a bound method: runs in the GUI thread
        worker.failed.connect(self._accept_refused)
        self.accept_job = BackgroundJob(worker, self)
        self.accept_job.done.connect(self._update_buttons)
        self.summary.setText(self.tr("Writing the allocation to the calendar…"))
        self.accept_job.start()
        self._update_buttons()
        return worker

    def _accept_done(self, outcome: object) -> None:
        preview = self._accepting
        assert preview is not None
        if self.controller is not None:
            # Already carried out in the background: push it as done, so Edit → Undo takes it back.
            command = AcceptAllocationCommand(self.controller, self.services.undo, preview)
            command.accepted = outcome  # type: ignore[assignment]
            command.applied = True
            self.controller.stack.push(command)
            self.controller.changed.emit()
            applied: AppliedAllocation = outcome.applied  # type: ignore[attr-defined]
        else:
            applied = outcome  # type: ignore[assignment]
        if self.services.outbox is not None:  # a notice to each organisation: new, moved, unchanged, unmet
            self.services.outbox.queue_allocation(preview.term_name, preview.placements, preview.unmet)
        self.set_preview(None)
        self.summary.setText(self.accept_summary(preview, applied))
        self.accepted.emit(applied)

    def accept_summary(self, preview: AllocationPreview, applied: AppliedAllocation) -> str:
        """The same counts the review showed, then what was written (a request kept in last term's place
        still needs this term's series written, so it counts as unchanged and as written)."""
        c = preview.counts
        return self.tr(
            "Accepted: {placed} placed ({new} new, {moved} moved, {unchanged} unchanged or pinned), {unmet} unmet. "
            "{written} series written to the calendar, {kept} already there, {withdrawn} withdrawn. "
            "Edit → Undo takes the whole allocation back."
        ).format(
            written=applied.created + applied.moved,
            kept=applied.unchanged,
            withdrawn=applied.withdrawn,
            **c,
        )

    def _accept_refused(self, message: str) -> None:
        self.summary.setText(self.tr("Nothing was written."))
        self.prompts.error(self, self.tr("Cannot accept this allocation"), message)
        self.accept_failed.emit(message)
        self._update_buttons()

    def discard(self) -> None:
        self.set_preview(None)
        self.summary.setText(self.tr("Proposal discarded; nothing was written."))
        self.discarded.emit()
