"""Changing a series "from this date on": the series splits, the past is never rewritten, undo joins it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Series
from scheduler.bootstrap import bootstrap
from scheduler.errors import InvalidInput
from scheduler.services.booking import BookingService, NewBooking, SeriesDetails
from scheduler.services.queries import OccurrenceQueries
from tests.builders import Borough, weekly_pantry


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def service(sessions: sessionmaker[Session], clock: Clock) -> BookingService:
    return bootstrap(sessions, "Test Manager", clock=clock).booking


def pantry(b: Borough, **changes: object) -> NewBooking:
    """Food pantry: Fridays 12:00–14:00 in the Main Hall, 8 Jan – 5 Feb 2027 (five sessions)."""
    return weekly_pantry(b, **{"last_date": date(2027, 2, 5), **changes})


def sessions_of(sessions, title: str = "Food pantry") -> list[tuple[date, int, time, int]]:
    """(date, room, start, series id) of the live sessions with this title."""
    rows = OccurrenceQueries(sessions).between(date(2027, 1, 1), date(2027, 3, 1), include_cancelled=False)
    return [(r.start_local.date(), r.room_id, r.start_local.time(), r.series_id) for r in rows if r.title == title]


def uids(sessions) -> set[str]:
    with sessions() as s:
        return set(s.scalars(select(Series.uid)))


def test_moving_this_and_following_splits_the_series_and_undo_joins_it(service, borough, sessions) -> None:
    booked = service.book(pantry(borough))
    before = sessions_of(sessions)
    change = service.move_series(
        booked.series_id, booked.version, room_id=borough.meeting_id, start=time(10), from_date=date(2027, 1, 22)
    )
    assert change.split_from == booked.series_id and change.series_id != booked.series_id
    after = sessions_of(sessions)
    # The two sessions before 22 Jan stay in the original series, where they were.
    assert after[:2] == before[:2]
    # From 22 Jan on: the new series, in the meeting room at 10:00.
    assert [(d, r, t) for d, r, t, _ in after[2:]] == [
        (date(2027, 1, 22), borough.meeting_id, time(10)),
        (date(2027, 1, 29), borough.meeting_id, time(10)),
        (date(2027, 2, 5), borough.meeting_id, time(10)),
    ]
    assert {s for *_, s in after[2:]} == {change.series_id}
    assert len(uids(sessions)) == 2  # the tail has its own iCalendar UID
    # Undo: move the tail back, then join it into the original.
    back = service.move_series(change.series_id, change.version, room_id=borough.hall_id, start=time(12))
    service.join_series(booked.series_id, change.split_version, back.series_id, back.version)
    assert sessions_of(sessions) == before
    assert len(uids(sessions)) == 1


def test_a_series_change_never_rewrites_the_past(service, borough, sessions, clock) -> None:
    booked = service.book(pantry(borough))
    before = sessions_of(sessions)
    clock.now = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)  # two sessions (8 and 15 Jan) are past
    change = service.move_series(booked.series_id, booked.version, room_id=borough.meeting_id, start=time(10))
    after = sessions_of(sessions)
    assert after[:2] == before[:2], "the past sessions stay where they happened"
    assert all(room == borough.meeting_id for _, room, _, _ in after[2:])
    assert change.split_from == booked.series_id


def test_a_clash_in_the_past_does_not_block_a_change_to_the_future(service, borough, sessions, clock) -> None:
    booked = service.book(pantry(borough))
    # A one-off in the meeting room on the first Friday, at 10:00: in the past once the clock moves on.
    service.book(
        NewBooking(
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Advice drop-in",
            first_date=date(2027, 1, 8),
            start=time(10),
            duration_min=60,
        )
    )
    clock.now = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    service.move_series(booked.series_id, booked.version, room_id=borough.meeting_id, start=time(10))
    assert [d for d, room, _, _ in sessions_of(sessions) if room == borough.meeting_id] == [
        date(2027, 1, 15),
        date(2027, 1, 22),
        date(2027, 1, 29),
        date(2027, 2, 5),
    ]


def test_editing_from_a_date_changes_only_the_sessions_from_then_on(service, borough, sessions) -> None:
    booked = service.book(pantry(borough))
    details = SeriesDetails(borough.pantry_id, "Food pantry and advice", attendance=12)
    change = service.update_details(booked.series_id, booked.version, details, from_date=date(2027, 1, 29))
    titles = [
        (r.start_local.date(), r.title)
        for r in OccurrenceQueries(sessions).between(date(2027, 1, 1), date(2027, 3, 1), include_cancelled=False)
    ]
    assert titles == [
        (date(2027, 1, 8), "Food pantry"),
        (date(2027, 1, 15), "Food pantry"),
        (date(2027, 1, 22), "Food pantry"),
        (date(2027, 1, 29), "Food pantry and advice"),
        (date(2027, 2, 5), "Food pantry and advice"),
    ]
    assert change.split_from == booked.series_id


def test_cancelling_the_whole_series_keeps_the_sessions_already_past(service, borough, sessions, clock) -> None:
    booked = service.book(pantry(borough))
    clock.now = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
    service.cancel_series(booked.series_id, booked.version)
    assert [d for d, *_ in sessions_of(sessions)] == [date(2027, 1, 8), date(2027, 1, 15)]


def test_a_series_with_nothing_to_come_cannot_be_moved(service, borough, clock) -> None:
    booked = service.book(pantry(borough))
    clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="no sessions still to come"):
        service.move_series(booked.series_id, booked.version, room_id=borough.meeting_id, start=time(10))


def test_joining_is_refused_once_the_two_parts_meet_differently(service, borough) -> None:
    booked = service.book(pantry(borough))
    change = service.move_series(
        booked.series_id, booked.version, room_id=borough.meeting_id, start=time(10), from_date=date(2027, 1, 22)
    )
    with pytest.raises(InvalidInput, match="cannot be joined"):
        service.join_series(booked.series_id, change.split_version, change.series_id, change.version)
