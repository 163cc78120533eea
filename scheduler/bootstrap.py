"""The composition root's one wiring of the scheduler services: each collaborator is made once, here.

Owns: building every service on one session factory, for one operator and one clock, and handing the
same BookingService (and so the same booking rules, audit operator and clock) to every service that
writes sessions: allocation apply and its undo, closures, the demo loader. The desktop app's start-up and
the CLI call `bootstrap`; nothing else constructs a service that writes bookings (tests use it too).
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from scheduler.services.allocation import AllocationService
from scheduler.services.allocation_undo import AllocationUndo
from scheduler.services.attendance import AttendanceService
from scheduler.services.booking import BookingService
from scheduler.services.calendar import CalendarQueries
from scheduler.services.closures import ClosureService
from scheduler.services.common import now_utc
from scheduler.services.demo import DemoService
from scheduler.services.directory import DirectoryService
from scheduler.services.free_rooms import FreeRoomFinder
from scheduler.services.learning import LearningService
from scheduler.services.overview import OverviewService
from scheduler.services.queries import OccurrenceQueries
from scheduler.services.requests import RequestService


@dataclass(frozen=True)
class Services:
    """Every scheduler service, wired on one database for one operator."""

    sessions: sessionmaker[Session]
    operator: str
    booking: BookingService
    requests: RequestService
    allocation: AllocationService
    allocation_undo: AllocationUndo
    closures: ClosureService
    demo: DemoService
    directory: DirectoryService
    overview: OverviewService
    occurrences: OccurrenceQueries
    calendar: CalendarQueries
    free_rooms: FreeRoomFinder
    attendance: AttendanceService
    learning: LearningService


def bootstrap(sessions: sessionmaker[Session], operator: str, *, clock: Callable[[], datetime] = now_utc) -> Services:
    """Wire the services. Nothing is opened or queried here: the engine is the caller's."""
    booking = BookingService(sessions, operator, clock=clock)
    allocation = AllocationService(sessions, booking)
    return Services(
        sessions=sessions,
        operator=operator,
        booking=booking,
        requests=RequestService(sessions, operator, clock=clock),
        allocation=allocation,
        allocation_undo=AllocationUndo(sessions, allocation, booking),
        closures=ClosureService(sessions, booking),
        demo=DemoService(sessions, booking),
        directory=DirectoryService(sessions),
        overview=OverviewService(sessions),
        occurrences=OccurrenceQueries(sessions),
        calendar=CalendarQueries(sessions),
        free_rooms=FreeRoomFinder(sessions),
        attendance=AttendanceService(sessions, operator, clock),
        learning=LearningService(sessions, operator, clock=clock),
    )
