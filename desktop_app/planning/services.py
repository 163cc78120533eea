"""PlanningServices: the scheduler services the planning panels use, wired once from the app's engine.

Owns: the planning panels' view of the services the composition root wired (scheduler.bootstrap), so that
the calendar and the planning window share one BookingService. Holds no rules; widgets receive this object
through their constructors.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from desktop_app.services import AppServices
from models import db
from scheduler.bootstrap import Services, bootstrap
from scheduler.feeds.service import FeedService
from scheduler.services.allocation import AllocationService
from scheduler.services.allocation_undo import AllocationUndo
from scheduler.services.closures import ClosureService
from scheduler.services.directory import DirectoryService
from scheduler.services.fairness import FairnessService
from scheduler.services.learning import LearningService
from scheduler.services.outbox import OutboxService
from scheduler.services.overview import OverviewService
from scheduler.services.requests import RequestService


@dataclass
class PlanningServices:
    directory: DirectoryService
    requests: RequestService
    allocation: AllocationService
    closures: ClosureService
    overview: OverviewService
    feeds: FeedService
    undo: AllocationUndo
    outbox: OutboxService | None = None  # notices after a closure is applied

    engine: Engine | None = None
    learning: LearningService | None = None  # sizes learned from attendance, for the request form
    operator: str = ""  # written to the audit log (used by the request form's "New organisation…")
    fairness: FairnessService | None = None  # the term's fairness policy (Allocate tab)

    @classmethod
    def from_app(cls, services: AppServices) -> PlanningServices:
        """The planning services on the main window's database, as the app's composition root wired them."""
        return cls.wired_by(services.wired, services.engine)

    @classmethod
    def on(cls, engine: Engine, operator: str) -> PlanningServices:
        """The planning services on their own connection (tests and tools that have no main window)."""
        return cls.wired_by(bootstrap(db.make_session_factory(engine), operator), engine)

    @classmethod
    def wired_by(cls, wired: Services, engine: Engine | None) -> PlanningServices:
        return cls(
            directory=wired.directory,
            requests=wired.requests,
            allocation=wired.allocation,
            closures=wired.closures,
            overview=wired.overview,
            feeds=FeedService(wired.sessions),
            undo=wired.allocation_undo,
            outbox=wired.outbox,
            engine=engine,
            learning=wired.learning,
            operator=wired.operator,
            fairness=wired.fairness,
        )
