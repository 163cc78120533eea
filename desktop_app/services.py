"""AppServices: the scheduler services one window works with, built once per database connection.

Owns: opening a database (schema at head, the first-start choice: demo or an empty borough) and wiring the services;
the composition root (app.py) and the settings dialog's "connect" use it. Holds no rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from models import db
from scheduler.backup import BackupPolicy
from scheduler.bootstrap import Services, bootstrap
from scheduler.database import describe_database_error, open_database
from scheduler.errors import HubSchedError
from scheduler.services.booking import BookingService
from scheduler.services.calendar import CalendarQueries
from scheduler.services.directory import DirectoryService
from scheduler.services.first_start import BoroughSetup
from scheduler.services.free_rooms import FreeRoomFinder
from scheduler.services.queries import OccurrenceQueries


@dataclass
class AppServices:
    url: str
    operator: str  # written to the audit log by every service
    engine: Engine
    directory: DirectoryService
    booking: BookingService
    occurrences: OccurrenceQueries
    calendar: CalendarQueries
    free_rooms: FreeRoomFinder
    wired: Services  # every service, as the composition root wired them (the planning window uses the rest)

    def close(self) -> None:
        self.engine.dispose()


_OPENING = "cannot open the database at {url}"


def connect(
    url: str,
    operator: str,
    first_start: Callable[[BoroughSetup], object] | None = None,
    *,
    timeout: float | None = None,
    backups: BackupPolicy | None = None,
) -> AppServices:
    """Open (create or upgrade) the database at `url`; raises DatabaseUnavailable with a clear message.

    A database from a newer Hub Scheduler raises NewerSchema (a DatabaseUnavailable) before anything is
    written; an older one is backed up, then upgraded in one transaction; the first start of the day
    makes the daily backup (see scheduler.database). On a new database `first_start` decides between the
    demo and an empty borough of one's own (desktop_app.first_start asks); without it the demo is loaded.
    `timeout`: seconds to wait for a database server to answer (None: the driver's own default).
    """
    database = open_database(
        url,
        backups=backups if backups is not None else BackupPolicy.from_environment(),
        opening=_OPENING,
        connect_timeout=timeout,
    )
    engine, sessions = database.engine, database.sessions
    try:
        wired = bootstrap(sessions, operator)
        if wired.setup.needs_choice():
            if first_start is None:
                wired.setup.load_demo()
            else:
                first_start(wired.setup)
    except (SQLAlchemyError, db.SchemaError) as exc:
        engine.dispose()
        raise describe_database_error(exc, url, opening=_OPENING) from None
    except HubSchedError:
        engine.dispose()
        raise
    return AppServices(
        url=url,
        operator=operator,
        engine=engine,
        directory=wired.directory,
        booking=wired.booking,
        occurrences=wired.occurrences,
        calendar=wired.calendar,
        free_rooms=wired.free_rooms,
        wired=wired,
    )
