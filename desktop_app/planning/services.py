"""PlanningServices: the scheduler services the planning panels use, wired once from the app's engine.

Owns: building RequestService, AllocationService (and AllocationUndo), ClosureService, OverviewService and
FeedService on one
session factory. Holds no rules; widgets receive this object through their constructors.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from desktop_app.services import AppServices
from models import db
from scheduler.feeds.service import FeedService
from scheduler.services.allocation import AllocationService
from scheduler.services.allocation_undo import AllocationUndo
from scheduler.services.closures import ClosureService
from scheduler.services.directory import DirectoryService
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

    engine: Engine | None = None
    operator: str = ""  # written to the audit log (used by the request form's "New organisation…")

    @classmethod
    def from_app(cls, services: AppServices) -> PlanningServices:
        """The planning services on the main window's database, audited under the same operator."""
        return cls.on(services.engine, services.operator)

    @classmethod
    def on(cls, engine: Engine, operator: str) -> PlanningServices:
        sessions = db.make_session_factory(engine)
        return cls(
            directory=DirectoryService(sessions),
            requests=RequestService(sessions, operator),
            allocation=AllocationService(sessions, operator),
            closures=ClosureService(sessions, operator),
            overview=OverviewService(sessions),
            feeds=FeedService(sessions),
            undo=AllocationUndo(sessions, operator),
            engine=engine,
            operator=operator,
        )
