"""Background jobs: results reach the GUI thread, failures are reported as messages, Stop is honoured and
every thread is joined. The tests wait on `job.done` (emitted in the GUI thread), never on a worker's own
signals: qtbot's waiter would then run in the worker's thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

from desktop_app.planning.workers import AllocationWorker, BackgroundJob, TaskWorker
from scheduler.errors import NotFound


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[object, bool]] = []

    @Slot(object)
    def take(self, value) -> None:
        self.results.append((value, QThread.currentThread() is QCoreApplication.instance().thread()))


def test_a_result_is_delivered_in_the_gui_thread_and_the_thread_ends(qtbot) -> None:
    seen = []
    worker = TaskWorker(lambda _stop: seen.append(threading.current_thread()) or 42)
    receiver = Receiver()
    worker.finished.connect(receiver.take)
    job = BackgroundJob(worker)
    with qtbot.waitSignal(job.done):
        job.start()
    assert receiver.results == [(42, True)]
    assert seen and seen[0] is not threading.main_thread()
    assert job.join() and not job.running


def test_a_refusal_is_reported_as_a_message(qtbot) -> None:
    def refuse(_stop):
        raise NotFound("no term with id 999")

    worker = TaskWorker(refuse)
    receiver = Receiver()
    worker.failed.connect(receiver.take)
    job = BackgroundJob(worker)
    with qtbot.waitSignal(job.done):
        job.start()
    assert receiver.results == [("no term with id 999", True)]
    assert job.join() and not job.running


def test_stop_sets_the_event_the_work_checks(qtbot) -> None:
    started = threading.Event()

    def wait_for_stop(stop: threading.Event) -> bool:
        started.set()
        return stop.wait(30)

    worker = TaskWorker(wait_for_stop)
    receiver = Receiver()
    worker.finished.connect(receiver.take)
    job = BackgroundJob(worker)
    with qtbot.waitSignal(job.done):
        job.start()
        assert started.wait(10)
        job.stop()
    assert receiver.results == [(True, True)]
    assert job.join()


def test_an_allocation_of_an_unknown_term_fails_cleanly(qtbot, planning_services) -> None:
    worker = AllocationWorker(planning_services.allocation, 999_999, 1.0)
    receiver = Receiver()
    worker.failed.connect(receiver.take)
    job = BackgroundJob(worker)
    with qtbot.waitSignal(job.done):
        job.start()
    [(message, in_gui_thread)] = receiver.results
    assert "999999" in str(message) and in_gui_thread
    assert job.join()
