"""A small hand-made borough for tests: two hubs, a few rooms, two organisations, one term.

Tests state their own expectations against these few, readable facts rather than the demo file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session, sessionmaker

from models.entities import (
    Closure,
    Facility,
    Hub,
    OpeningHours,
    Organisation,
    Request,
    RequestHub,
    RequestWindow,
    Room,
    Team,
    Term,
    TermBreak,
)
from models.types import ClosureScope, Frequency, Sector, Visibility
from scheduler.services.booking import NewBooking


@dataclass(frozen=True)
class Borough:
    civic_id: int
    hainault_id: int
    hall_id: int  # Main Hall, Ilford Civic Hub, 100 people, kitchen
    meeting_id: int  # Meeting Room 1, Ilford Civic Hub, 12 people
    hainault_hall_id: int  # Main Hall, Hainault Hub, 60 people
    pantry_id: int  # Ilford Food Pantry (resident)
    advice_id: int  # Citizens Advice Redbridge (partner)
    coach_id: int  # DWP work coach (team)
    term_id: int  # Spring 2027: 4 Jan - 26 Mar 2027, half-term 15-19 Feb


def weekdays(hub: Hub, opens: time, closes: time, days: range = range(5)) -> None:
    for day in days:
        hub.opening_hours.append(OpeningHours(weekday=day, opens=opens, closes=closes))


def make_borough(sessions: sessionmaker[Session]) -> Borough:
    with sessions.begin() as s:
        kitchen = Facility(key="kitchen", name="Kitchen")
        civic = Hub(name="Ilford Civic Hub", area="Loxford", address="Clements Road, Ilford", postcode="IG1 1EA")
        weekdays(civic, time(9), time(17))
        civic.opening_hours.append(OpeningHours(weekday=1, opens=time(18), closes=time(21)))  # Tuesday evening
        # Sunday opening lets the clock-change tests book on the Sundays the clocks change.
        civic.opening_hours.append(OpeningHours(weekday=6, opens=time(0, 0), closes=time(12)))
        hainault = Hub(name="Hainault Hub", area="Hainault", address="100 Manford Way", postcode="IG7 4DD")
        weekdays(hainault, time(9), time(17))
        hall = Room(hub=civic, name="Main Hall", capacity=100, facilities=[kitchen])
        meeting = Room(hub=civic, name="Meeting Room 1", capacity=12)
        hainault_hall = Room(hub=hainault, name="Main Hall", capacity=60)
        pantry = Organisation(name="Ilford Food Pantry", sector=Sector.RESIDENT)
        advice = Organisation(name="Citizens Advice Redbridge", sector=Sector.PARTNER)
        coach = Team(name="DWP work coach")
        term = Term(name="Spring 2027", first_day=date(2027, 1, 4), last_day=date(2027, 3, 26))
        term.breaks.append(TermBreak(name="Half-term", first_day=date(2027, 2, 15), last_day=date(2027, 2, 19)))
        s.add_all([civic, hainault, hall, meeting, hainault_hall, pantry, advice, coach, term])
        s.flush()
        return Borough(
            civic.id, hainault.id, hall.id, meeting.id, hainault_hall.id, pantry.id, advice.id, coach.id, term.id
        )


def add_closure(sessions: sessionmaker[Session], **fields: object) -> None:
    with sessions.begin() as s:
        s.add(Closure(scope=ClosureScope(fields.pop("scope", "hub")), **fields))


def weekly_pantry(b: Borough, **changes: object) -> NewBooking:
    """Food pantry: Fridays 12:00–14:00 in the Main Hall, 8–29 Jan 2027, for 10 people (change any field)."""
    fields: dict[str, object] = dict(
        room_id=b.hall_id,
        organisation_id=b.pantry_id,
        title="Food pantry",
        first_date=date(2027, 1, 8),
        last_date=date(2027, 1, 29),
        frequency=Frequency.WEEKLY,
        start=time(12),
        duration_min=120,
        attendance=10,
    )
    fields.update(changes)
    return NewBooking(**fields)  # type: ignore[arg-type]


def add_pantry_request(sessions: sessionmaker[Session], b: Borough, created_at: datetime, **changes: object) -> int:
    """A weekly Food pantry request of the term: Fridays 12:00–15:00, preferably at Ilford Civic Hub, for
    30 people, 120 minutes (change any field); returns its id."""
    fields: dict[str, object] = dict(
        term_id=b.term_id,
        organisation_id=b.pantry_id,
        title="Food pantry",
        visibility=Visibility.PUBLIC,
        attendance=30,
        duration_min=120,
        frequency=Frequency.WEEKLY,
        created_at=created_at,
    )
    fields.update(changes)
    with sessions.begin() as s:
        request = Request(**fields)
        request.windows = [RequestWindow(weekday=4, start=time(12), end=time(15))]
        request.hubs = [RequestHub(hub_id=b.civic_id, preferred=True)]
        s.add(request)
        s.flush()
        return request.id
