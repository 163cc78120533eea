"""AllocationPanel: run the term's allocation in the background with a live panel and a Stop button.

Owns: the run controls (time budget, Run, Stop), the live figures in plain words (what the run is doing,
requests placed, met demand, how close to the best possible, elapsed) and the `AllocationWorker` on its
QThread. The GUI thread never waits for the solver;
Stop sets the worker's event and the solver returns its best result so far. The review is ReviewPanel's.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.planning.services import PlanningServices
from desktop_app.planning.workers import AllocationWorker, BackgroundJob
from scheduler import allocation as alloc
from scheduler.services.allocation import AllocationPreview


class AllocationPanel(QWidget):
    run_started = Signal()
    worker_created = Signal(object)  # AllocationWorker, before its thread starts (tests hook its signals)
    progress_shown = Signal(object)  # alloc.Progress, after the live panel shows it
    preview_ready = Signal(object)  # AllocationPreview
    run_failed = Signal(str)

    def __init__(self, services: PlanningServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.term_id = 0
        self.term_name = ""
        self.job: BackgroundJob | None = None
        self.last_progress: alloc.Progress | None = None
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(100)
        self._ticker.timeout.connect(self._tick)

        self.heading = QLabel(self)
        self.budget = QDoubleSpinBox(self)
        self.budget.setRange(0.5, 600.0)
        self.budget.setDecimals(1)
        self.budget.setValue(10.0)
        self.budget.setSuffix(self.tr(" s"))
        self.budget.setAccessibleName(self.tr("Time budget in seconds"))
        self.run_button = QPushButton(self.tr("&Run allocation"), self)
        self.stop_button = QPushButton(self.tr("&Stop and keep best so far"), self)
        self.run_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)

        self.state = QLabel(self.tr("Not run yet."), self)
        self.placed = QLabel("—", self)
        self.objective = QLabel("—", self)
        self.gap = QLabel("—", self)
        self.elapsed = QLabel("—", self)
        self.solutions = QLabel("—", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName(self.tr("Time budget used"))

        controls = QHBoxLayout()
        budget_label = QLabel(self.tr("Time &budget:"), self)
        budget_label.setBuddy(self.budget)
        controls.addWidget(budget_label)
        controls.addWidget(self.budget)
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        controls.addStretch(1)
        live = QGridLayout()
        for index, (text, label) in enumerate(
            (
                (self.tr("Requests placed:"), self.placed),
                (self.tr("Met demand (by priority, with fairness):"), self.objective),
                (self.tr("How close to the best possible:"), self.gap),
                (self.tr("Elapsed:"), self.elapsed),
                (self.tr("Solutions found:"), self.solutions),
            )
        ):
            row, column = index % 3, (index // 3) * 2
            live.addWidget(QLabel(text, self), row, column)
            live.addWidget(label, row, column + 1)
            label.setAccessibleName(text.rstrip(":"))
        live.setColumnStretch(1, 1)
        live.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(controls)
        layout.addWidget(self.bar)
        layout.addLayout(live)
        layout.addWidget(self.state)
        self._update_buttons()

    def set_term(self, term_id: int, name: str) -> None:
        self.term_id, self.term_name = term_id, name
        self.heading.setText(self.tr("<b>Allocate {term}</b>: rooms for every request of the term.").format(term=name))
        self._update_buttons()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    @property
    def idle(self) -> bool:
        """No thread of ours is running (tests wait for this before they end)."""
        return self.job is None or self.job.thread.isFinished() or not self.job.thread.isRunning()

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(bool(self.term_id) and not self.running)
        self.budget.setEnabled(not self.running)
        self.stop_button.setEnabled(self.running)

    def start(self) -> AllocationWorker | None:
        if self.running or not self.term_id:
            return None
        self.join()
        worker = AllocationWorker(self.services.allocation, self.term_id, self.budget.value())
        worker.progress.connect(self._progress)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        self.job = BackgroundJob(worker, self)
        self.job.done.connect(self._update_buttons)
        self.last_progress = None
        for label in (self.placed, self.objective, self.gap, self.solutions):
            label.setText("—")
        self.state.setText(self.tr("Solving {term}… the rest of the app stays usable.").format(term=self.term_name))
        self._clock.start()
        self._ticker.start()
        self.worker_created.emit(worker)
        self.job.start()
        self._update_buttons()
        self.run_started.emit()
        return worker

    def stop(self) -> None:
        if self.job is not None and self.running:
            self.state.setText(self.tr("Stopping: keeping the best result found so far…"))
            self.stop_button.setEnabled(False)
            self.job.stop()

    def join(self) -> None:
        """Stop any run and wait for its thread (closing the window; the end of a test)."""
        if self.job is not None:
            self.job.join()
            self._ticker.stop()

    def _tick(self) -> None:
        seconds = self._clock.elapsed() / 1000
        self.elapsed.setText(self.tr("{s:.1f} s").format(s=seconds))
        self.bar.setValue(min(1000, int(1000 * seconds / max(0.1, self.budget.value()))))

    def _gap_text(self, objective: float, bound: float) -> str:
        if bound <= 0 or objective >= bound:
            return self.tr("the best possible")
        return self.tr("within {gap:.1%} (at most {bound:.1f})").format(gap=(bound - objective) / bound, bound=bound)

    def _progress(self, progress: alloc.Progress) -> None:
        self.last_progress = progress
        if progress.phase is not alloc.Phase.SEARCH or progress.solutions_found == 0:
            # Before the solver's first solution: say what is being done.
            self.state.setText(self.tr("Working: {detail}…").format(detail=progress.detail))
            self.progress_shown.emit(progress)
            return
        self.placed.setText(str(progress.placed))
        self.objective.setText(f"{progress.objective:.1f}")
        self.gap.setText(self._gap_text(progress.objective, progress.bound))
        self.solutions.setText(
            self.tr("{n} (stage {stage} of 2)").format(n=progress.solutions_found, stage=progress.stage)
        )
        self.progress_shown.emit(progress)

    def _finished(self, preview: AllocationPreview) -> None:
        self._ticker.stop()
        self._tick()
        self.bar.setValue(1000)
        counts = preview.counts
        self.placed.setText(
            self.tr("{placed} of {total}").format(placed=counts["placed"], total=counts["placed"] + counts["unmet"])
        )
        self.objective.setText(f"{preview.objective:.1f}")
        self.gap.setText(self._gap_text(preview.objective, preview.best_bound))
        self.gap.setToolTip(
            self.tr("Measured against: {bound}").format(bound=self.tr(str(preview.result.bound_source)))
        )
        self.solutions.setText(str(preview.solutions_found))
        self.elapsed.setText(self.tr("{s:.1f} s").format(s=preview.wall_time))
        status = {
            "optimal": self.tr("Finished: proven best under the borough's rules."),
            "feasible": self.tr("Finished: a good result, not proven best in the time budget."),
            "cancelled": self.tr("Stopped: showing the best result found so far."),
        }.get(preview.status, self.tr("Finished: {status}.").format(status=preview.status))
        self.state.setText(status + " " + self.tr("Review it below before accepting."))
        self._update_buttons()
        self.preview_ready.emit(preview)

    def _failed(self, message: str) -> None:
        self._ticker.stop()
        self.state.setText(self.tr("The allocation failed: {message}").format(message=message))
        self._update_buttons()
        self.run_failed.emit(message)
