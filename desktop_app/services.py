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
from scheduler.bootstrap import Services, bootstrap
from scheduler.errors import DatabaseUnavailable, HubSchedError
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


def connect(
    url: str,
    operator: str,
    first_start: Callable[[BoroughSetup], object] | None = None,
    *,
    timeout: float | None = None,
) -> AppServices:
    """Open (create or upgrade) the database at `url`; raises DatabaseUnavailable with a clear message.

    On a new database `first_start` decides between the demo and an empty borough of one's own
    (desktop_app.first_start asks); without it the demo is loaded, as before. `timeout`: seconds to wait
    for a database server to answer (None: the driver's own default).
    """
    try:
        engine = db.make_engine(url, connect_timeout=timeout)
        if not db.is_current(engine):
            db.upgrade(engine)
        sessions = db.make_session_factory(engine)
        wired = bootstrap(sessions, operator)
        if wired.setup.needs_choice():
            if first_start is None:
                wired.setup.load_demo()
            else:
                first_start(wired.setup)
    except db.DatabaseUrlError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if "timeout" in reason.lower() or "timed out" in reason.lower():
            raise DatabaseUnavailable(
                f"the database server at {db.display_url(url)} did not answer within {timeout or 0:g} seconds; "
                "check that it is running and reachable, or choose another database in the settings"
            ) from None
        raise DatabaseUnavailable(f"cannot open the database at {db.display_url(url)}: {reason}") from None
    except HubSchedError:
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
