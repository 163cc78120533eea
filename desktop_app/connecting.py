"""Connecting to a database without freezing: the connect (and the schema upgrade and demo load on a first
start) runs on a worker thread while a busy dialog with Cancel is shown.

Owns: `connect_with_progress`. The work itself is `desktop_app.services.connect`, bounded by the
settings' connect timeout, so a server that accepts the connection but never answers is given up on with
a plain-words message. Never touches a database session on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.services import AppServices
from scheduler.errors import DatabaseUnavailable, HubSchedError
from scheduler.recurrence import bank_holiday

CANCELLED = "connecting to the database was cancelled"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Connecting", text)


def warm_up(services: AppServices) -> AppServices:
    """Do on the worker thread what the calendar's first load would otherwise do on the GUI thread: import
    the bank-holiday tables (a third of a second) and compile the queries the first day view runs."""
    today = date.today()
    bank_holiday(today)
    hubs = services.directory.hubs()
    services.occurrences.live_between(today, today)
    services.calendar.blocked([room.id for hub in hubs[:1] for room in hub.rooms[:1]], today, today)
    return services


def connect_with_progress(
    connect: Callable[[], AppServices], *, where: str, timeout: float, parent: QWidget | None = None
) -> AppServices:
    """Run `connect` on a worker thread behind a busy dialog. Raises DatabaseUnavailable on failure and on
    Cancel (with CANCELLED as its message)."""
    dialog = QProgressDialog(_tr("Connecting to {where}…").format(where=where), _tr("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(_tr("Hub Scheduler"))
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(400)  # a quick local database never shows it
    outcome: dict[str, object] = {}

    def attempt(_stop: object) -> AppServices:
        try:
            return connect()
        except HubSchedError as exc:
            outcome["exception"] = exc  # re-raised as itself on the GUI thread, type and all
            raise

    worker = TaskWorker(attempt)
    worker.finished.connect(lambda services: outcome.setdefault("services", services))
    worker.failed.connect(lambda message: outcome.setdefault("error", message))
    job = BackgroundJob(worker)
    loop = QEventLoop()
    job.done.connect(loop.quit)
    dialog.canceled.connect(loop.quit)
    job.start()
    loop.exec()
    dialog.reset()
    dialog.deleteLater()
    if "services" not in outcome and "error" not in outcome:
        # Cancelled: the connect cannot be interrupted, but it gives up at the timeout; wait for it so no
        # thread outlives its QThread, and close whatever it opened meanwhile.
        job.join(int((timeout + 2) * 1000))
        opened = outcome.get("services")
        if isinstance(opened, AppServices):
            opened.close()
        raise DatabaseUnavailable(CANCELLED)
    if "exception" in outcome:
        exception = outcome["exception"]
        assert isinstance(exception, HubSchedError)
        raise exception  # its own type, so start-up can tell a newer schema from an unreachable server
    if "error" in outcome:
        raise DatabaseUnavailable(str(outcome["error"]))
    services = outcome["services"]
    assert isinstance(services, AppServices)
    return services
