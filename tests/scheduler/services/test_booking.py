"""Booking rules through the service, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Occurrence, Series
from models.types import Frequency, OccurrenceStatus
from scheduler.errors import (
    BookingClash,
    CapacityExceeded,
    ClosedError,
    InvalidInput,
    OutsideOpeningHours,
    StaleEdit,
)
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.queries import OccurrenceQueries
from tests.builders import Borough, add_closure


@pytest.fixture
def service(sessions: sessionmaker[Session]) -> BookingService:
    return BookingService(sessions, "Test Manager")


def pantry(b: Borough, **changes: object) -> NewBooking:
    fields: dict[str, object] = dict(
        room_id=b.hall_id,
        organisation_id=b.pantry_id,
        title="Food pantry",
        first_date=date(2027, 1, 15),
        start=time(12),
        duration_min=180,
        attendance=40,
    )
    fields.update(changes)
    return NewBooking(**fields)  # type: ignore[arg-type]


def snapshot(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Series)),
            s.scalar(select(func.count()).select_from(Occurrence)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_one_off_booking_creates_one_session_and_an_audit_entry(service, borough, sessions) -> None:
    result = service.book(pantry(borough))
    assert result.sessions == 1
    rows = OccurrenceQueries(sessions).between(date(2027, 1, 15), date(2027, 1, 15))
    assert [(r.title, r.start_local.time(), r.end_local.time(), r.room, r.hub) for r in rows] == [
        ("Food pantry", time(12), time(15), "Main Hall", "Ilford Civic Hub")
    ]
    with sessions() as s:
        entry = s.scalars(select(AuditEntry)).one()
    assert (entry.operator, entry.action, entry.entity_id) == ("Test Manager", "book", result.series_id)
    assert entry.after["title"] == "Food pantry"


def test_weekly_series_in_a_term_skips_half_term_and_good_friday(service, borough, sessions) -> None:
    result = service.book(
        pantry(
            borough,
            frequency=Frequency.WEEKLY,
            first_date=date(2027, 1, 8),
            term_id=borough.term_id,
            runs_in_breaks=False,
        )
    )
    days = [r.start_local.date() for r in OccurrenceQueries(sessions).between(date(2027, 1, 1), date(2027, 3, 31))]
    fridays = [date(2027, 1, 8) + (date(2027, 1, 15) - date(2027, 1, 8)) * i for i in range(12)]
    expected = [d for d in fridays if d not in (date(2027, 2, 19), date(2027, 3, 26))]
    assert days == expected
    assert {(s.day, s.reason.split(" (")[0]) for s in result.skipped} == {
        (date(2027, 2, 19), "term-time break"),
        (date(2027, 3, 26), "bank holiday"),
    }


def test_clash_is_refused_naming_the_booking_and_writes_nothing(service, borough, sessions) -> None:
    service.book(pantry(borough))
    before = snapshot(sessions)
    with pytest.raises(BookingClash) as refused:
        service.book(
            pantry(
                borough,
                organisation_id=borough.advice_id,
                title="Debt advice",
                start=time(14),
                duration_min=60,
                attendance=10,
            )
        )
    assert str(refused.value) == (
        "Main Hall, Ilford Civic Hub is already booked by Food pantry (Ilford Food Pantry) "
        "on Fri 15 Jan 2027 12:00–15:00"
    )
    assert snapshot(sessions) == before


def test_a_series_clashing_on_one_date_writes_none_of_its_sessions(service, borough, sessions) -> None:
    service.book(pantry(borough, first_date=date(2027, 2, 5)))
    before = snapshot(sessions)
    with pytest.raises(BookingClash, match="Fri 05 Feb 2027"):
        service.book(
            pantry(borough, frequency=Frequency.WEEKLY, first_date=date(2027, 1, 8), last_date=date(2027, 3, 5))
        )
    assert snapshot(sessions) == before


def test_back_to_back_sessions_do_not_clash(service, borough) -> None:
    service.book(pantry(borough))
    assert service.book(pantry(borough, start=time(15), duration_min=60)).sessions == 1


def test_a_cancelled_session_frees_its_slot(service, borough, sessions) -> None:
    booked = service.book(pantry(borough))
    row = OccurrenceQueries(sessions).between(date(2027, 1, 15), date(2027, 1, 15))[0]
    service.cancel_occurrence(row.id, booked.version)
    assert service.book(pantry(borough, title="Warm space")).sessions == 1


def test_one_off_on_a_closure_is_refused(service, borough, sessions) -> None:
    add_closure(
        sessions,
        scope="hub",
        hub_id=borough.civic_id,
        first_day=date(2027, 1, 11),
        last_day=date(2027, 1, 22),
        reason="Roof repairs",
    )
    with pytest.raises(ClosedError, match=r"closed on Fri 15 Jan 2027: closure \(Roof repairs\)"):
        service.book(pantry(borough))
    assert snapshot(sessions) == (0, 0, 0)


def test_one_off_on_a_bank_holiday_is_refused(service, borough) -> None:
    with pytest.raises(ClosedError, match="bank holiday"):
        service.book(pantry(borough, first_date=date(2027, 3, 26)))


def test_outside_opening_hours_is_refused_with_the_hours(service, borough) -> None:
    with pytest.raises(OutsideOpeningHours, match="Ilford Civic Hub is open 09:00–17:00 on Fridays"):
        service.book(pantry(borough, start=time(16)))


def test_evening_window_allows_an_evening_booking(service, borough) -> None:
    assert (
        service.book(pantry(borough, first_date=date(2027, 1, 12), start=time(18, 30), duration_min=90)).sessions == 1
    )


def test_over_capacity_is_refused(service, borough) -> None:
    with pytest.raises(CapacityExceeded, match="Meeting Room 1, Ilford Civic Hub holds 12 people but 40"):
        service.book(pantry(borough, room_id=borough.meeting_id))


def test_shared_team_cannot_be_in_two_places(service, borough) -> None:
    service.book(pantry(borough, title="Job club", team_ids=(borough.coach_id,), attendance=10))
    with pytest.raises(BookingClash, match="DWP work coach is already at Job club"):
        service.book(
            pantry(
                borough,
                room_id=borough.hainault_hall_id,
                title="Benefits surgery",
                team_ids=(borough.coach_id,),
                attendance=10,
            )
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "needs a title"),
        ({"duration_min": 0}, "duration must be positive"),
        ({"frequency": Frequency.WEEKLY}, "needs a last date"),
        ({"frequency": Frequency.WEEKLY, "last_date": date(2027, 1, 1)}, "is before first date"),
        ({"start": time(23), "duration_min": 120}, "ends after midnight"),
    ],
)
def test_invalid_bookings_name_the_problem(service, borough, sessions, changes, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.book(pantry(borough, **changes))
    assert snapshot(sessions) == (0, 0, 0)


def test_stale_edit_is_detected_by_the_version_counter(service, borough, sessions) -> None:
    booked = service.book(
        pantry(borough, frequency=Frequency.WEEKLY, first_date=date(2027, 1, 8), last_date=date(2027, 1, 29))
    )
    rows = OccurrenceQueries(sessions).between(date(2027, 1, 1), date(2027, 1, 31))
    other_manager = BookingService(sessions, "Other Manager")
    new_version = other_manager.cancel_occurrence(rows[0].id, booked.version)
    assert new_version == booked.version + 1
    with pytest.raises(StaleEdit, match="changed by someone else"):
        service.cancel_occurrence(rows[1].id, booked.version)
    with sessions() as s:
        statuses = [o.status for o in s.scalars(select(Occurrence).order_by(Occurrence.start_utc))]
    assert statuses == [OccurrenceStatus.CANCELLED] + [OccurrenceStatus.CONFIRMED] * 3


def test_moved_session_keeps_its_recurrence_identity(service, borough, sessions) -> None:
    booked = service.book(pantry(borough))
    row = OccurrenceQueries(sessions).between(date(2027, 1, 15), date(2027, 1, 15))[0]
    service.move_occurrence(
        row.id, booked.version, room_id=borough.hainault_hall_id, day=date(2027, 1, 14), start=time(10)
    )
    moved = OccurrenceQueries(sessions).between(date(2027, 1, 14), date(2027, 1, 14))[0]
    assert (moved.hub, moved.start_local.time(), moved.status) == ("Hainault Hub", time(10), "moved")
    assert moved.recurrence_id == "20270115T120000"
    with sessions() as s:
        assert s.get(Series, booked.series_id).sequence == 1


def test_move_onto_a_booked_slot_is_refused(service, borough, sessions) -> None:
    service.book(pantry(borough, title="Lunch club", first_date=date(2027, 1, 14), start=time(11)))
    booked = service.book(pantry(borough))
    row = OccurrenceQueries(sessions).between(date(2027, 1, 15), date(2027, 1, 15))[0]
    with pytest.raises(BookingClash, match="Lunch club"):
        service.move_occurrence(row.id, booked.version, room_id=borough.hall_id, day=date(2027, 1, 14), start=time(12))


def test_cancel_series_cancels_every_session(service, borough, sessions) -> None:
    booked = service.book(
        pantry(borough, frequency=Frequency.FORTNIGHTLY, first_date=date(2027, 1, 8), last_date=date(2027, 3, 5))
    )
    service.cancel_series(booked.series_id, booked.version)
    rows = OccurrenceQueries(sessions).between(date(2027, 1, 1), date(2027, 3, 31))
    assert len(rows) == 5 and {r.status for r in rows} == {"cancelled"}


class _CheckRanBeforeTheOtherCommit(BookingService):
    """The race, made deterministic: this writer's clash check saw the room free (it ran before the
    other writer committed), so only the database's own guard stands between it and a double booking."""

    checks = 0

    def _clashes(self, *args, **kwargs) -> list:
        self.checks += 1
        return [] if self.checks == 1 else super()._clashes(*args, **kwargs)


def test_database_guard_turns_a_lost_race_into_a_named_clash(borough, sessions) -> None:
    BookingService(sessions, "First").book(pantry(borough))
    before = snapshot(sessions)
    with pytest.raises(BookingClash, match="already booked by Food pantry"):
        _CheckRanBeforeTheOtherCommit(sessions, "Second").book(pantry(borough, title="Warm space"))
    assert snapshot(sessions) == before
