"""The composition root's one wiring of the scheduler services: each collaborator is made once, here.

Owns: building every service on one session factory, for one operator and one clock, and handing the
same BookingService (and so the same booking rules, audit operator and clock) to every service that
writes sessions: allocation apply and its undo, closures, the demo loader, first start. The desktop app's
start-up and the CLI call `bootstrap`; nothing else constructs a service that writes bookings (tests use
it too). Each service is made, and its module imported, the first time it is asked for, so a command that
needs two services does not pay for twenty (`hubsched hubs` answers in well under a second).
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from scheduler.services.common import now_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.services.allocation import AllocationService
    from scheduler.services.allocation_undo import AllocationUndo
    from scheduler.services.attendance import AttendanceService
    from scheduler.services.booking import BookingService
    from scheduler.services.calendar import CalendarQueries
    from scheduler.services.closures import ClosureService
    from scheduler.services.demo import DemoService
    from scheduler.services.directory import DirectoryService
    from scheduler.services.fairness import FairnessService
    from scheduler.services.first_start import BoroughSetup
    from scheduler.services.free_rooms import FreeRoomFinder
    from scheduler.services.learning import LearningService
    from scheduler.services.outbox import OutboxService
    from scheduler.services.overview import OverviewService
    from scheduler.services.queries import OccurrenceQueries
    from scheduler.services.reference import ReferenceService
    from scheduler.services.requests import RequestService
    from scheduler.services.search import SessionSearch
    from scheduler.services.sheets import PrintSheets


class Services:
    """Every scheduler service, wired on one database for one operator and one clock (made on first use)."""

    def __init__(self, sessions: sessionmaker[Session], operator: str, clock: Callable[[], datetime]):
        self.sessions = sessions
        self.operator = operator
        self.clock = clock

    # -- the services that write sessions share this one BookingService ----------------------------------

    @cached_property
    def booking(self) -> BookingService:
        from scheduler.services.booking import BookingService

        return BookingService(self.sessions, self.operator, clock=self.clock)

    @cached_property
    def allocation(self) -> AllocationService:
        from scheduler.services.allocation import AllocationService

        return AllocationService(self.sessions, self.booking)

    @cached_property
    def allocation_undo(self) -> AllocationUndo:
        from scheduler.services.allocation_undo import AllocationUndo

        return AllocationUndo(self.sessions, self.allocation, self.booking)

    @cached_property
    def closures(self) -> ClosureService:
        from scheduler.services.closures import ClosureService

        return ClosureService(self.sessions, self.booking)

    @cached_property
    def demo(self) -> DemoService:
        from scheduler.services.demo import DemoService

        return DemoService(self.sessions, self.booking)

    @cached_property
    def setup(self) -> BoroughSetup:
        from scheduler.services.first_start import BoroughSetup

        return BoroughSetup(self.sessions, self.demo, self.booking)

    # -- the others ------------------------------------------------------------------------------------

    @cached_property
    def requests(self) -> RequestService:
        from scheduler.services.requests import RequestService

        return RequestService(self.sessions, self.operator, clock=self.clock)

    @cached_property
    def directory(self) -> DirectoryService:
        from scheduler.services.directory import DirectoryService

        return DirectoryService(self.sessions)

    @cached_property
    def overview(self) -> OverviewService:
        from scheduler.services.overview import OverviewService

        return OverviewService(self.sessions)

    @cached_property
    def occurrences(self) -> OccurrenceQueries:
        from scheduler.services.queries import OccurrenceQueries

        return OccurrenceQueries(self.sessions)

    @cached_property
    def calendar(self) -> CalendarQueries:
        from scheduler.services.calendar import CalendarQueries

        return CalendarQueries(self.sessions)

    @cached_property
    def free_rooms(self) -> FreeRoomFinder:
        from scheduler.services.free_rooms import FreeRoomFinder

        return FreeRoomFinder(self.sessions)

    @cached_property
    def attendance(self) -> AttendanceService:
        from scheduler.services.attendance import AttendanceService

        return AttendanceService(self.sessions, self.operator, self.clock)

    @cached_property
    def learning(self) -> LearningService:
        from scheduler.services.learning import LearningService

        return LearningService(self.sessions, self.operator, clock=self.clock)

    @cached_property
    def fairness(self) -> FairnessService:
        from scheduler.services.fairness import FairnessService

        return FairnessService(self.sessions, self.operator, self.clock)

    @cached_property
    def reference(self) -> ReferenceService:
        from scheduler.services.reference import ReferenceService

        return ReferenceService(self.sessions, self.operator, self.clock)

    @cached_property
    def outbox(self) -> OutboxService:
        from scheduler.services.outbox import OutboxService

        return OutboxService(self.sessions, clock=self.clock)

    @cached_property
    def search(self) -> SessionSearch:
        from scheduler.services.search import SessionSearch

        return SessionSearch(self.sessions, clock=self.clock)

    @cached_property
    def sheets(self) -> PrintSheets:
        from scheduler.services.sheets import PrintSheets

        return PrintSheets(self.sessions)


def bootstrap(sessions: sessionmaker[Session], operator: str, *, clock: Callable[[], datetime] = now_utc) -> Services:
    """Wire the services. Nothing is opened or queried here: the engine is the caller's."""
    return Services(sessions, operator, clock)
