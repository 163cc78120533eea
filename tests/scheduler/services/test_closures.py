"""Closures: bank holidays listed, displaced sessions found, re-homed by the solver, added atomically."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Closure, Occurrence, Series
from models.types import ClosureScope, Frequency
from scheduler.bootstrap import bootstrap
from scheduler.errors import BookingClash, HubSchedError
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.closures import ClosureDraft, ClosureService
from scheduler.services.queries import OccurrenceQueries
from tests.builders import Borough


@pytest.fixture
def service(sessions: sessionmaker[Session]) -> ClosureService:
    return bootstrap(sessions, "Manager").closures


def book(
    sessions, b: Borough, room_id: int, title: str, day: date, start: time, minutes: int = 60, **extra: object
) -> None:
    BookingService(sessions, "Manager").book(
        NewBooking(
            room_id=room_id,
            organisation_id=b.advice_id,
            title=title,
            first_date=day,
            start=start,
            duration_min=minutes,
            **extra,
        )
    )  # type: ignore[arg-type]


def meeting_room_closed(b: Borough, first: date = date(2027, 1, 12), last: date = date(2027, 1, 12)) -> ClosureDraft:
    return ClosureDraft(ClosureScope.ROOM, first, last, "Leak in the ceiling", room_id=b.meeting_id)


def test_list_includes_bank_holidays_and_stored_closures(service, borough) -> None:
    service.add(meeting_room_closed(borough))
    rows = service.list(date(2027, 1, 1), date(2027, 3, 31))
    assert [(r.first_day, r.where, r.reason, r.bank_holiday) for r in rows] == [
        (date(2027, 1, 1), "All hubs", "Bank holiday: New Year's Day", True),
        (date(2027, 1, 12), "Meeting Room 1, Ilford Civic Hub", "Leak in the ceiling", False),
        (date(2027, 3, 26), "All hubs", "Bank holiday: Good Friday", True),
        (date(2027, 3, 29), "All hubs", "Bank holiday: Easter Monday", True),
    ]


@pytest.mark.parametrize(
    ("draft_changes", "message"),
    [
        ({"last_day": date(2027, 1, 11)}, "ends (11 Jan 2027) before it starts"),
        ({"reason": " "}, "say why it is closed"),
        ({"start": time(10)}, "give both a start and an end time"),
        ({"room_id": None}, "choose the room that closes"),
    ],
)
def test_bad_closures_are_refused_and_nothing_is_written(service, borough, sessions, draft_changes, message) -> None:
    with pytest.raises(HubSchedError, match=re.escape(message)):
        service.add(replace(meeting_room_closed(borough), **draft_changes))
    with sessions() as s:
        assert s.scalars(select(Closure)).first() is None


def test_displaced_sessions_are_the_live_ones_inside_the_closure(service, borough, sessions) -> None:
    book(sessions, borough, borough.meeting_id, "Debt advice", date(2027, 1, 12), time(10))
    book(sessions, borough, borough.meeting_id, "Later that week", date(2027, 1, 14), time(10))
    book(sessions, borough, borough.hall_id, "Other room", date(2027, 1, 12), time(10))
    rows = service.displaced(meeting_room_closed(borough))
    assert [(r.title, r.room) for r in rows] == [("Debt advice", "Meeting Room 1")]
    afternoon = ClosureDraft(
        ClosureScope.ROOM,
        date(2027, 1, 12),
        date(2027, 1, 12),
        "Training",
        room_id=borough.meeting_id,
        start=time(13),
        end=time(17),
    )
    assert service.displaced(afternoon) == []


def test_rehoming_keeps_the_time_and_avoids_taken_rooms(service, borough, sessions) -> None:
    book(sessions, borough, borough.meeting_id, "Debt advice", date(2027, 1, 12), time(10), attendance=5)
    book(sessions, borough, borough.hall_id, "Stay and play", date(2027, 1, 12), time(9, 30), 120, attendance=30)
    plan = service.plan_rehoming(meeting_room_closed(borough))
    assert len(plan) == 1 and plan[0].found
    # The civic hall is taken at 10:00, so the session keeps its time in Hainault's hall.
    assert (plan[0].room, plan[0].day, plan[0].start) == ("Main Hall, Hainault Hub", date(2027, 1, 12), time(10))

    added = service.add(meeting_room_closed(borough), plan)
    assert (added.moved, added.cancelled) == (1, 0)
    rows = OccurrenceQueries(sessions).between(date(2027, 1, 12), date(2027, 1, 12))
    moved = next(r for r in rows if r.title == "Debt advice")
    assert (moved.hub, moved.room, moved.start_local.time(), moved.status) == (
        "Hainault Hub",
        "Main Hall",
        time(10),
        "moved",
    )
    with sessions() as s:
        assert (
            "1 session(s) re-homed"
            in s.scalars(select(AuditEntry).where(AuditEntry.action == "add-closure")).one().summary
        )


def test_a_session_with_nowhere_to_go_is_cancelled(service, borough, sessions) -> None:
    hub_closed = ClosureDraft(ClosureScope.BOROUGH, date(2027, 1, 12), date(2027, 1, 12), "Staff training")
    book(sessions, borough, borough.meeting_id, "Debt advice", date(2027, 1, 12), time(10))
    plan = service.plan_rehoming(hub_closed)
    assert [p.found for p in plan] == [False] and "cancelled" in plan[0].note
    added = service.add(hub_closed, plan)
    assert (added.moved, added.cancelled) == (0, 1)
    assert OccurrenceQueries(sessions).between(date(2027, 1, 12), date(2027, 1, 12))[0].status == "cancelled"


def test_adding_is_all_or_nothing(service, borough, sessions) -> None:
    """A plan made stale by a booking made meanwhile fails as a whole: no closure, nothing moved."""
    book(sessions, borough, borough.meeting_id, "Debt advice", date(2027, 1, 12), time(10), attendance=5)
    book(sessions, borough, borough.meeting_id, "Housing advice", date(2027, 1, 12), time(14), attendance=5)
    plan = service.plan_rehoming(meeting_room_closed(borough))
    assert all(p.found for p in plan)
    target = next(p for p in plan if p.title == "Housing advice")
    book(sessions, borough, target.room_id, "Booked meanwhile", date(2027, 1, 12), target.start)
    with sessions() as s:
        before = [(o.id, o.room_id, o.start_utc, o.status) for o in s.scalars(select(Occurrence))]
    with pytest.raises(BookingClash, match="Booked meanwhile"):
        service.add(meeting_room_closed(borough), plan)
    with sessions() as s:
        assert [(o.id, o.room_id, o.start_utc, o.status) for o in s.scalars(select(Occurrence))] == before
        assert s.scalars(select(Closure)).first() is None


def test_a_weekly_series_through_a_two_week_hub_closure(service, borough, sessions) -> None:
    book(
        sessions,
        borough,
        borough.hainault_hall_id,
        "Lunch club",
        date(2027, 1, 6),
        time(12),
        120,
        frequency=Frequency.WEEKLY,
        last_date=date(2027, 2, 3),
        attendance=30,
    )
    closed = ClosureDraft(
        ClosureScope.HUB, date(2027, 1, 11), date(2027, 1, 22), "Roof repairs", hub_id=borough.hainault_id
    )
    plan = service.plan_rehoming(closed)
    assert [(p.day, p.room, p.start) for p in plan] == [
        (date(2027, 1, 13), "Main Hall, Ilford Civic Hub", time(12)),
        (date(2027, 1, 20), "Main Hall, Ilford Civic Hub", time(12)),
    ]


def test_a_closure_that_cancels_sessions_moves_what_the_feeds_stamp(sessions, borough) -> None:
    """Cancelling through a closure bumps SEQUENCE, version and updated_at (DTSTAMP / LAST-MODIFIED) and audits."""
    later = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    booked_at = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    book_clock = bootstrap(sessions, "Manager", clock=lambda: booked_at).booking
    book_clock.book(
        NewBooking(
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Advice drop-in",
            first_date=date(2027, 1, 12),
            start=time(10),
            duration_min=60,
        )
    )
    with sessions() as s:
        (series,) = s.scalars(select(Series))
        before = (series.sequence, series.version, series.updated_at)
    added = bootstrap(sessions, "Manager", clock=lambda: later).closures.add(meeting_room_closed(borough))
    assert added.cancelled == 1
    with sessions() as s:
        (series,) = s.scalars(select(Series))
        assert series.sequence == before[0] + 1 and series.version > before[1]
        assert series.updated_at == later != before[2]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "cancel-sessions")).one()
        assert (
            entry.at == later and "closure of Meeting Room 1, Ilford Civic Hub (Leak in the ceiling)" in entry.summary
        )
