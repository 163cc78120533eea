"""BoroughSetup: the first start of a new database — the demo borough, or an empty one of your own.

Owns: knowing whether the choice has been made (a database with no hubs and no "start-borough" audit entry
has not made it), starting an empty borough, loading the demo, and the set-up checklist an empty borough
shows (hubs with opening hours, rooms, organisations, terms).
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Hub, OpeningHours, Organisation, Room, Term
from resources import locate
from scheduler.services.booking import BookingService
from scheduler.services.common import audit
from scheduler.services.demo import DemoService, DemoSummary, read_demo_file

START_ACTION = "start-borough"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool


class BoroughSetup:
    def __init__(self, sessions: sessionmaker[Session], demo: DemoService, booking: BookingService) -> None:
        self._sessions = sessions
        self._demo = demo
        self._operator = booking.operator
        self._clock = booking.clock

    def needs_choice(self) -> bool:
        """True on a new database: nothing set up and nobody chose to start an empty borough yet."""
        with self._sessions() as session:
            hubs = session.scalar(select(func.count()).select_from(Hub))
            started = session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == START_ACTION)
            )
            return hubs == 0 and started == 0

    def start_empty(self) -> None:
        """Remember that this database is a borough of its own (so the question is not asked again)."""
        with self._sessions.begin() as session:
            audit(session, self._operator, START_ACTION, "borough", None, "Started an empty borough", at=self._clock())

    def load_demo(self) -> DemoSummary:
        return self._demo.load(read_demo_file(locate("demo/borough.yaml")))

    def checklist(self) -> list[ChecklistItem]:
        with self._sessions() as session:

            def count(query) -> int:
                return session.scalar(select(func.count()).select_from(query)) or 0

            hubs = count(Hub)
            hours = session.scalar(select(func.count(func.distinct(OpeningHours.hub_id)))) or 0
            return [
                ChecklistItem("hubs", "Add your hubs and their opening hours", hubs > 0 and hours == hubs),
                ChecklistItem("rooms", "Add each hub's rooms with capacity and facilities", count(Room) > 0),
                ChecklistItem("organisations", "Add the organisations that book rooms", count(Organisation) > 0),
                ChecklistItem("terms", "Add the terms and their half-terms", count(Term) > 0),
            ]
