"""The services the desktop calendar needs: series moves, restores, detail edits, blocked times, free rooms."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models.types import Frequency, Visibility
from scheduler.errors import BookingClash, CapacityExceeded, ClosedError, InvalidInput, StaleEdit
from scheduler.services.booking import BookingService, SeriesDetails
from scheduler.services.calendar import CalendarQueries
from scheduler.services.free_rooms import FreeRoomFinder, FreeRoomQuery
from scheduler.services.queries import OccurrenceQueries
from tests.builders import add_closure, weekly_pantry


@pytest.fixture
def service(sessions: sessionmaker[Session]) -> BookingService:
    return BookingService(sessions, "Test Manager")


weekly = weekly_pantry


def live(sessions, first=date(2027, 1, 1), last=date(2027, 2, 28)):
    return [
        (r.room_id, r.start_local.date(), r.start_local.time(), r.status)
        for r in OccurrenceQueries(sessions).between(first, last, include_cancelled=False)
    ]


def test_move_series_moves_every_session_and_moving_back_restores_them(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    before = live(sessions)
    version = service.move_series(
        booked.series_id, booked.version, room_id=borough.meeting_id, start=time(14), day_shift=-1
    ).version
    assert live(sessions) == [
        (borough.meeting_id, day.replace(day=day.day - 1), time(14), "confirmed") for _, day, _, _ in before
    ]
    service.move_series(booked.series_id, version, room_id=borough.hall_id, start=time(12), day_shift=1)
    assert live(sessions) == before


def test_move_series_is_refused_with_the_clashing_booking_named(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    service.book(
        weekly(
            borough,
            room_id=borough.meeting_id,
            title="Advice",
            organisation_id=borough.advice_id,
            first_date=date(2027, 1, 22),
            frequency=Frequency.ONCE,
            last_date=None,
            start=time(15),
        )
    )
    with pytest.raises(BookingClash, match="Advice \\(Citizens Advice Redbridge\\) on Fri 22 Jan 2027"):
        service.move_series(booked.series_id, booked.version, room_id=borough.meeting_id, start=time(14))


def test_cancel_then_restore_occurrence(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    first = OccurrenceQueries(sessions).between(date(2027, 1, 8), date(2027, 1, 8))[0]
    version = service.cancel_occurrence(first.id, booked.version)
    assert len(live(sessions)) == 3
    service.restore_occurrence(first.id, version)
    assert len(live(sessions)) == 4 and live(sessions)[0][3] == "confirmed"


def test_restore_is_refused_when_the_slot_was_taken_meanwhile(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    first = OccurrenceQueries(sessions).between(date(2027, 1, 8), date(2027, 1, 8))[0]
    version = service.cancel_occurrence(first.id, booked.version)
    service.book(weekly(borough, title="Lunch", frequency=Frequency.ONCE, last_date=None))
    with pytest.raises(BookingClash, match="Lunch"):
        service.restore_occurrence(first.id, version)


def test_cancel_series_undoably_then_restore_series(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    cancellation = service.cancel_series_undoably(booked.series_id, booked.version, from_date=date(2027, 1, 15))
    assert len(cancellation.occurrence_ids) == 3 and len(live(sessions)) == 1
    service.restore_series(booked.series_id, cancellation.version, cancellation)
    assert len(live(sessions)) == 4


def test_update_details_checks_capacity_and_stale_versions(service, borough, sessions) -> None:
    booked = service.book(weekly(borough, room_id=borough.meeting_id))
    with pytest.raises(CapacityExceeded):
        service.update_details(
            booked.series_id, booked.version, SeriesDetails(borough.pantry_id, "Food pantry", attendance=50)
        )
    details = SeriesDetails(borough.advice_id, "Advice", "Advice session", Visibility.PRIVATE, attendance=5)
    version = service.update_details(booked.series_id, booked.version, details).version
    with pytest.raises(StaleEdit):
        service.update_details(booked.series_id, booked.version, details)
    info = CalendarQueries(sessions).session_details(
        OccurrenceQueries(sessions).between(date(2027, 1, 8), date(2027, 1, 8))[0].id
    )
    assert (info.title, info.organisation, info.visibility, info.series_version) == (
        "Advice",
        "Citizens Advice Redbridge",
        "private",
        version,
    )
    assert info.pattern.startswith("Weekly on Fri 12:00–14:00")
    assert [h.action for h in info.history] == ["book", "edit-series"]


def test_blocked_spans_name_closures_holidays_and_closed_hours(borough, sessions) -> None:
    add_closure(
        sessions,
        hub_id=borough.civic_id,
        first_day=date(2027, 1, 11),
        last_day=date(2027, 1, 11),
        start_local=time(13),
        end_local=time(15),
        reason="Fire drill",
    )
    spans = CalendarQueries(sessions).blocked([borough.hall_id], date(2027, 1, 1), date(2027, 1, 11))
    kinds = {(s.day, s.kind, s.start, s.end, s.reason) for s in spans}
    assert (date(2027, 1, 1), "holiday", time(0), time(23, 59), "Bank holiday: New Year's Day") in kinds
    assert (date(2027, 1, 11), "closure", time(13), time(15), "Closed: Fire drill") in kinds
    assert (date(2027, 1, 11), "closed", time(0), time(9), "Hub closed") in kinds
    assert (date(2027, 1, 11), "closed", time(17), time(23, 59), "Hub closed") in kinds


def test_free_rooms_fit_are_free_and_agree_with_plan(service, borough, sessions) -> None:
    service.book(
        weekly(
            borough,
            room_id=borough.meeting_id,
            frequency=Frequency.ONCE,
            last_date=None,
            first_date=date(2027, 1, 15),
            start=time(10),
            duration_min=120,
        )
    )
    query = FreeRoomQuery(
        attendance=10,
        first_date=date(2027, 1, 15),
        window_start=time(9),
        window_end=time(13),
        duration_min=60,
        preferred_hub_id=borough.hainault_id,
    )
    results = FreeRoomFinder(sessions).find(query)
    assert results and all(r.capacity >= 10 for r in results)
    assert results[0].room == "Meeting Room 1" and results[0].start == time(9)  # smallest room first
    assert {r.start for r in results if r.room_id == borough.meeting_id} == {time(9), time(12)}
    assert next(r.hub for r in results if r.capacity > 12) == "Hainault Hub"  # the next size up
    for slot in results:
        assert service.plan(slot.booking(query, organisation_id=borough.advice_id, title="Advice")).ok
    assert not FreeRoomFinder(sessions).find(FreeRoomQuery(**{**query.__dict__, "attendance": 500}))
    kitchen = FreeRoomFinder(sessions).find(FreeRoomQuery(**{**query.__dict__, "facilities": ("Kitchen",)}))
    assert {r.room_id for r in kitchen} == {borough.hall_id}


def test_free_rooms_for_a_series_skip_closed_dates_but_not_clashes(service, borough, sessions) -> None:
    service.book(weekly(borough, frequency=Frequency.ONCE, last_date=None, first_date=date(2027, 1, 22)))
    query = FreeRoomQuery(
        attendance=50,
        first_date=date(2027, 1, 8),
        last_date=date(2027, 1, 29),
        frequency=Frequency.WEEKLY,
        window_start=time(11),
        window_end=time(14),
        duration_min=60,
    )
    results = FreeRoomFinder(sessions).find(query)
    assert {(r.hub, r.start) for r in results if r.room == "Main Hall" and r.hub == "Ilford Civic Hub"} == {
        ("Ilford Civic Hub", time(11))
    }
    for slot in results:
        assert service.plan(slot.booking(query, organisation_id=borough.advice_id, title="Advice")).ok


def test_move_series_across_a_closure_is_refused(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    add_closure(
        sessions, hub_id=borough.hainault_id, first_day=date(2027, 1, 22), last_day=date(2027, 1, 22), reason="Boiler"
    )
    with pytest.raises(ClosedError, match="Boiler"):
        service.move_series(booked.series_id, booked.version, room_id=borough.hainault_hall_id, start=time(12))
    with pytest.raises(InvalidInput):
        service.move_series(booked.series_id, booked.version, room_id=borough.hall_id, start=time(12), day_shift=9)


def test_live_between_matches_between_without_cancelled_sessions(service, borough, sessions) -> None:
    booked = service.book(weekly(borough))
    service.book(weekly(borough, room_id=borough.hainault_hall_id, title="Lunch club", attendance=30))
    first = OccurrenceQueries(sessions).between(date(2027, 1, 8), date(2027, 1, 8))[0]
    service.cancel_occurrence(first.id, booked.version)
    queries = OccurrenceQueries(sessions)
    for kwargs in ({}, {"hub_id": borough.civic_id}, {"room_id": borough.hainault_hall_id}):
        expected = queries.between(date(2027, 1, 1), date(2027, 1, 31), include_cancelled=False, **kwargs)
        assert queries.live_between(date(2027, 1, 1), date(2027, 1, 31), **kwargs) == expected
        assert expected
