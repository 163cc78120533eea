"""DirectoryService: find hubs, rooms, organisations and terms by name; list what exists.

Owns: name lookups with messages that list the known names when one is wrong, and plain row
dataclasses of the borough's hubs and rooms for the CLI and the GUI.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.entities import Facility, Hub, Organisation, Request, Room, Team, Term
from scheduler.errors import NotFound


@dataclass(frozen=True)
class RoomRow:
    id: int
    hub_id: int
    hub: str
    name: str
    capacity: int
    facilities: tuple[str, ...]
    step_free: bool
    bookable: bool


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    sector: str
    default_priority: int = 3  # what a new request of theirs starts with


@dataclass(frozen=True)
class TermRow:
    id: int
    name: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class HubRow:
    id: int
    name: str
    area: str
    address: str
    postcode: str
    opening_hours: tuple[tuple[int, time, time], ...]
    rooms: tuple[RoomRow, ...]


def _known(names: list[str]) -> str:
    return ", ".join(names) if names else "none yet (run `hubsched demo` to load the demo borough)"


def _by_name(session: Session, entity: type, name: str, kind: str):
    found = session.scalar(select(entity).where(func.lower(entity.name) == name.strip().lower()))
    if found is None:
        names = list(session.scalars(select(entity.name).order_by(entity.name)))
        raise NotFound(f"unknown {kind} {name!r}; known {kind}s: {_known(names)}")
    return found


def room_row(room: Room) -> RoomRow:
    return RoomRow(
        id=room.id,
        hub_id=room.hub_id,
        hub=room.hub.name,
        name=room.name,
        capacity=room.capacity,
        facilities=tuple(f.name for f in room.facilities),
        step_free=room.step_free,
        bookable=room.bookable,
    )


class DirectoryService:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def hub_id(self, name: str) -> int:
        with self._sessions() as session:
            return _by_name(session, Hub, name, "hub").id

    def room_id(self, hub: str, room: str) -> int:
        with self._sessions() as session:
            hub_entity = _by_name(session, Hub, hub, "hub")
            for candidate in hub_entity.rooms:
                if candidate.name.lower() == room.strip().lower():
                    return candidate.id
            raise NotFound(
                f"unknown room {room!r} in {hub_entity.name}; its rooms: {_known([r.name for r in hub_entity.rooms])}"
            )

    def organisation_id(self, name: str) -> int:
        with self._sessions() as session:
            return _by_name(session, Organisation, name, "organisation").id

    def term_id(self, name: str) -> int:
        with self._sessions() as session:
            return _by_name(session, Term, name, "term").id

    def team_id(self, name: str) -> int:
        with self._sessions() as session:
            return _by_name(session, Team, name, "team").id

    def hubs(self) -> list[HubRow]:
        with self._sessions() as session:
            return [
                HubRow(
                    id=hub.id,
                    name=hub.name,
                    area=hub.area,
                    address=hub.address,
                    postcode=hub.postcode,
                    opening_hours=tuple((w.weekday, w.opens, w.closes) for w in hub.opening_hours),
                    rooms=tuple(room_row(r) for r in hub.rooms),
                )
                # Hours, rooms and their facilities in three queries, not one per hub and per room.
                for hub in session.scalars(
                    select(Hub)
                    .options(selectinload(Hub.opening_hours), selectinload(Hub.rooms).selectinload(Room.facilities))
                    .order_by(Hub.name)
                )
            ]

    def organisations(self) -> list[OrganisationRow]:
        with self._sessions() as session:
            return [
                OrganisationRow(o.id, o.name, str(o.sector), o.default_priority)
                # An organisation merged into another owns nothing any more: it is not offered for booking.
                for o in session.scalars(
                    select(Organisation).where(Organisation.merged_into_id.is_(None)).order_by(Organisation.name)
                )
            ]

    def facility_names(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(Facility.name).order_by(Facility.name)))

    def terms(self) -> list[TermRow]:
        with self._sessions() as session:
            return [
                TermRow(t.id, t.name, t.first_day, t.last_day)
                for t in session.scalars(select(Term).order_by(Term.first_day))
            ]

    def next_term_with_requests(self, today: date) -> int | None:
        """The first term not yet over on `today` that has requests (the planning window opens on it); else
        the latest term with requests; None when no term has any."""
        with self._sessions() as session:
            rows = session.execute(
                select(Term.id, Term.last_day)
                .where(Term.id.in_(select(Request.term_id).distinct()))
                .order_by(Term.first_day)
            ).all()
        current = [term_id for term_id, last_day in rows if last_day >= today]
        if current:
            return current[0]
        return rows[-1][0] if rows else None

    def is_empty(self) -> bool:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(Hub)) == 0
