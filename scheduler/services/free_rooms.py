"""FreeRoomFinder: which rooms, across all hubs, are free for a session or a series, best fit first.

Owns: searching room-times that fit a need (people, facilities, step-free access, hubs). A quick filter
narrows the candidates (size, facilities, opening hours, what is already booked); every result returned
is then confirmed by the booking rules' own gate (scheduler/booking/rules.py), so a result can be booked
as is: `FreeSlot.booking(...)` makes the `NewBooking`, and `BookingService.plan` agrees with the search.
Ranking: the smallest room that fits first, then the preferred hub, then the earliest start.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.entities import Hub, Room
from models.types import Frequency
from scheduler.booking.rules import BookingRules, ProposedSession
from scheduler.errors import InvalidInput
from scheduler.recurrence import Pattern, to_utc
from scheduler.services.booking import NewBooking
from scheduler.services.common import live_occurrences_overlapping


@dataclass(frozen=True)
class FreeRoomQuery:
    """What is needed. A one-off uses `first_date`; a series runs from it to `last_date`."""

    attendance: int
    first_date: date
    window_start: time
    window_end: time
    duration_min: int
    frequency: Frequency = Frequency.ONCE
    last_date: date | None = None
    nth: int | None = None
    facilities: tuple[str, ...] = ()  # facility names, all required
    step_free: bool = False
    hub_ids: tuple[int, ...] = ()  # empty: every hub
    preferred_hub_id: int | None = None
    step_min: int = 30
    limit: int = 200


@dataclass(frozen=True)
class FreeSlot:
    room_id: int
    room: str
    hub_id: int
    hub: str
    capacity: int
    step_free: bool
    facilities: tuple[str, ...]
    first_date: date
    start: time
    end: time
    sessions: int
    skipped: int
    preferred: bool

    def booking(self, query: FreeRoomQuery, *, organisation_id: int, title: str, **details: object) -> NewBooking:
        return NewBooking(
            room_id=self.room_id,
            organisation_id=organisation_id,
            title=title,
            first_date=self.first_date,
            start=self.start,
            duration_min=query.duration_min,
            frequency=query.frequency,
            last_date=query.last_date if query.frequency is not Frequency.ONCE else None,
            nth=query.nth,
            attendance=query.attendance,
            **details,  # type: ignore[arg-type]
        )


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


class FreeRoomFinder:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def find(self, query: FreeRoomQuery) -> list[FreeSlot]:
        if query.attendance <= 0 or query.duration_min <= 0:
            raise InvalidInput("people and duration must be at least 1")
        if query.window_end <= query.window_start:
            raise InvalidInput("the time window must end after it starts")
        last = query.first_date if query.frequency is Frequency.ONCE else (query.last_date or query.first_date)
        if last < query.first_date:
            raise InvalidInput("the last date is before the first date")
        if query.frequency is Frequency.MONTHLY and query.nth is None:
            nth = (query.first_date.day - 1) // 7 + 1
            nth = -1 if nth == 5 else nth
        else:
            nth = query.nth if query.frequency is Frequency.MONTHLY else None
        wanted = set(query.facilities)
        results: list[FreeSlot] = []
        with self._sessions() as session:
            rooms = session.scalars(
                select(Room)
                .join(Room.hub)
                .where(Room.bookable, Room.capacity >= query.attendance)
                .options(selectinload(Room.facilities), selectinload(Room.hub).selectinload(Hub.opening_hours))
                .order_by(Room.capacity, Hub.name, Room.name)
            ).all()
            for room in rooms:
                names = {f.name for f in room.facilities}
                if not wanted <= names or (query.step_free and not room.step_free):
                    continue
                if query.hub_ids and room.hub_id not in query.hub_ids:
                    continue
                rules = BookingRules(session)
                calendar = rules.calendar(room, query.first_date, last)
                taken = [
                    (o.start_utc, o.end_utc)
                    for o in live_occurrences_overlapping(
                        session, [room.id], to_utc(query.first_date, time(0)), to_utc(last + timedelta(days=1), time(0))
                    )
                ]
                for begin in range(
                    _minutes(query.window_start), _minutes(query.window_end) - query.duration_min + 1, query.step_min
                ):
                    start = time(begin // 60, begin % 60)
                    pattern = Pattern(
                        weekday=query.first_date.weekday(),
                        start=start,
                        duration_min=query.duration_min,
                        frequency=query.frequency,
                        first_date=query.first_date,
                        last_date=last,
                        nth=nth,
                    )
                    if not calendar.within_opening_hours(pattern.weekday, pattern.start, pattern.end):
                        continue
                    expansion = calendar.expand(pattern, skip_breaks=False)
                    if not expansion.sessions:
                        continue
                    if any(s < e_new and n < e for s, e in taken for n, e_new in _spans(expansion.sessions)):
                        continue
                    proposed = [
                        ProposedSession(
                            "free room search",
                            room.id,
                            s.start_utc,
                            s.end_utc,
                            query.attendance,
                            step_free=query.step_free,
                        )
                        for s in expansion.sessions
                    ]
                    if rules.problems(proposed):
                        continue
                    results.append(
                        FreeSlot(
                            room_id=room.id,
                            room=room.name,
                            hub_id=room.hub_id,
                            hub=room.hub.name,
                            capacity=room.capacity,
                            step_free=room.step_free,
                            facilities=tuple(sorted(names)),
                            first_date=query.first_date,
                            start=start,
                            end=pattern.end,
                            sessions=len(expansion.sessions),
                            skipped=len(expansion.skipped),
                            preferred=room.hub_id == query.preferred_hub_id,
                        )
                    )
        results.sort(key=lambda r: (r.capacity, not r.preferred, r.start, r.hub, r.room))
        return results[: query.limit]


def _spans(sessions: list) -> list[tuple]:
    return [(s.start_utc, s.end_utc) for s in sessions]
