"""Background work for the planning panels: the allocation run and other slow service calls.

Owns: worker QObjects moved to a QThread (signals `progress`, `finished`, `failed`), cancelling through a
`threading.Event`, `BackgroundJob`, which starts a worker on its own thread and joins it, and
`wait_off_gui`, which runs one call on a worker while the GUI thread keeps handling events. Workers
never touch widgets and share no database session with the GUI thread: each service call opens its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThread, Signal, Slot

from scheduler.errors import HubSchedError

if TYPE_CHECKING:  # the allocation service (and the solver's model) loads with the planning window, not at start
    from scheduler.services.allocation import AllocationService


def _tr(text: str) -> str:
    return QCoreApplication.translate("Planning", text)


class TaskWorker(QObject):
    """Runs one callable in its thread; `finished` carries the result, `failed` a message for the user."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[threading.Event], Any]) -> None:
        super().__init__()
        self._work = work
        self.stop_event = threading.Event()

    def stop(self) -> None:
        """Ask the work to stop (thread-safe: only sets the event the work checks)."""
        self.stop_event.set()

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.stop_event)
        except HubSchedError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # an unexpected fault must still end the job and reach the user
            self.failed.emit(_tr("Something went wrong: {error}").format(error=f"{type(exc).__name__}: {exc}"))
        else:
            self.finished.emit(result)


class AllocationWorker(TaskWorker):
    """Solves a term in the background. `progress` carries the solver's `Progress` at each improving solution
    (emitted from the solver's own thread; Qt queues it to the GUI thread); Stop returns the best so far."""

    def __init__(self, service: AllocationService, term_id: int, time_limit: float) -> None:
        super().__init__(self._solve)
        self._service = service
        self.term_id = term_id
        self.time_limit = time_limit

    def _solve(self, stop: threading.Event):
        return self._service.preview(
            self.term_id, time_limit=self.time_limit, on_progress=self.progress.emit, stop=stop
        )


class BackgroundJob(QObject):
    """One worker on one QThread. `done` is emitted (in the GUI thread) after the thread has finished.

    The worker is deleted in its own thread when that thread finishes (Qt's documented pattern); a worker
    collected from the GUI thread instead makes Qt warn about stopping timers from another thread.
    """

    done = Signal()

    def __init__(self, worker: TaskWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stop_event = worker.stop_event
        self.thread = QThread()
        self.thread.setObjectName(type(worker).__name__)
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.finished.connect(self.thread.quit)
        worker.failed.connect(self.thread.quit)
        self.thread.finished.connect(worker.deleteLater)
        self.thread.finished.connect(self._thread_finished)
        self._worker: TaskWorker | None = worker  # kept alive until its thread has deleted it
        worker.destroyed.connect(self._forget_worker)

    @Slot()
    def _thread_finished(self) -> None:
        # `finished` is emitted from the thread just before it ends; wait for the end so that whoever
        # receives `done` may drop this job (and its QThread) at once.
        self.thread.wait()
        self.done.emit()

    @Slot()
    def _forget_worker(self) -> None:
        self._worker = None

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout_ms: int = 30_000) -> bool:
        """Stop the work and wait for its thread (closing a panel, ending a test)."""
        self.stop_event.set()
        if self.thread.isRunning():
            self.thread.quit()
            return self.thread.wait(timeout_ms)
        return True


def wait_off_gui(work: Callable[[], Any]) -> Any:
    """Run `work` on a worker thread and return its result; meanwhile the GUI thread runs a local event loop, so
    windows repaint and the busy indicator the caller shows keeps moving. A HubSchedError (or any other
    exception) raised by `work` is raised again here, as itself. Callers guard against being re-entered."""
    outcome: dict[str, Any] = {}

    def attempt(_stop: threading.Event) -> Any:
        try:
            return work()
        except Exception as exc:
            outcome["exception"] = exc  # re-raised on the GUI thread, type and all
            raise

    worker = TaskWorker(attempt)
    worker.finished.connect(lambda result: outcome.setdefault("result", result), Qt.ConnectionType.DirectConnection)
    job = BackgroundJob(worker)
    loop = QEventLoop()
    job.done.connect(loop.quit)
    job.start()
    loop.exec()
    if "exception" in outcome:
        raise outcome["exception"]
    return outcome["result"]
