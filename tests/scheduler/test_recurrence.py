"""Recurrence, closures, opening hours, breaks and clock changes, with explicit expected dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.types import ClosureScope, Frequency
from scheduler.recurrence import (
    ClosureSpan,
    DateSpan,
    Pattern,
    SessionCalendar,
    bank_holiday,
    pattern_dates,
    to_utc,
)

WEEKDAY_HOURS = {d: [(time(9), time(17))] for d in range(5)}
ALL_WEEK = {d: [(time(0), time(23, 59))] for d in range(7)}


def pattern(
    frequency: Frequency, first: date, last: date, start: time = time(10), nth: int | None = None, duration: int = 120
) -> Pattern:
    return Pattern(first.weekday(), start, duration, frequency, first, last, nth)


def test_weekly_meets_every_week_on_the_first_dates_weekday() -> None:
    dates = pattern_dates(pattern(Frequency.WEEKLY, date(2027, 1, 5), date(2027, 2, 2)))
    assert dates == [date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 19), date(2027, 1, 26), date(2027, 2, 2)]


def test_fortnightly_meets_every_other_week_from_its_first_date() -> None:
    dates = pattern_dates(pattern(Frequency.FORTNIGHTLY, date(2027, 1, 8), date(2027, 3, 5)))
    assert dates == [date(2027, 1, 8), date(2027, 1, 22), date(2027, 2, 5), date(2027, 2, 19), date(2027, 3, 5)]


def test_monthly_meets_on_the_nth_weekday() -> None:
    second_wednesday = Pattern(2, time(10), 60, Frequency.MONTHLY, date(2027, 1, 6), date(2027, 3, 26), 2)
    assert pattern_dates(second_wednesday) == [date(2027, 1, 13), date(2027, 2, 10), date(2027, 3, 10)]


def test_monthly_last_weekday() -> None:
    last_friday = Pattern(4, time(10), 60, Frequency.MONTHLY, date(2027, 1, 1), date(2027, 4, 30), -1)
    assert pattern_dates(last_friday) == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30)]


def test_once_is_its_date_only() -> None:
    assert pattern_dates(pattern(Frequency.ONCE, date(2027, 1, 15), date(2027, 1, 15))) == [date(2027, 1, 15)]


def test_bank_holidays_of_2027_come_from_the_holidays_package() -> None:
    expected = [
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    ]
    for day in expected:
        assert bank_holiday(day), day
    assert bank_holiday(date(2027, 3, 25)) is None


def test_expansion_skips_bank_holidays_with_the_reason() -> None:
    calendar = SessionCalendar(1, 1, WEEKDAY_HOURS)
    # Fridays in March 2027: Good Friday is 26 March.
    expansion = calendar.expand(pattern(Frequency.WEEKLY, date(2027, 3, 5), date(2027, 3, 26)), skip_breaks=False)
    assert [s.day for s in expansion.sessions] == [date(2027, 3, 5), date(2027, 3, 12), date(2027, 3, 19)]
    assert [(s.day, s.reason) for s in expansion.skipped] == [(date(2027, 3, 26), "bank holiday (Good Friday)")]


def test_expansion_skips_hub_closures_but_not_other_hubs() -> None:
    closure = ClosureSpan(ClosureScope.HUB, date(2027, 1, 11), date(2027, 1, 22), "Roof repairs", hub_id=1)
    ours = SessionCalendar(1, 1, WEEKDAY_HOURS, closures=[closure])
    theirs = SessionCalendar(2, 2, WEEKDAY_HOURS, closures=[closure])
    weekly = pattern(Frequency.WEEKLY, date(2027, 1, 4), date(2027, 1, 25))
    assert [s.day for s in ours.expand(weekly, skip_breaks=False).sessions] == [date(2027, 1, 4), date(2027, 1, 25)]
    assert len(theirs.expand(weekly, skip_breaks=False).sessions) == 4


def test_room_closure_with_time_range_blocks_only_overlapping_sessions() -> None:
    closure = ClosureSpan(
        ClosureScope.ROOM,
        date(2027, 1, 6),
        date(2027, 1, 6),
        "Polling",
        hub_id=1,
        room_id=1,
        start=time(13),
        end=time(17),
    )
    calendar = SessionCalendar(1, 1, WEEKDAY_HOURS, closures=[closure])
    assert calendar.blocked(date(2027, 1, 6), time(10), time(12), skip_breaks=False) is None
    assert calendar.blocked(date(2027, 1, 6), time(12), time(14), skip_breaks=False) == "closure (Polling)"
    other_room = SessionCalendar(2, 1, WEEKDAY_HOURS, closures=[closure])
    assert other_room.blocked(date(2027, 1, 6), time(12), time(14), skip_breaks=False) is None


def test_borough_closure_blocks_every_room() -> None:
    closure = ClosureSpan(ClosureScope.BOROUGH, date(2027, 1, 7), date(2027, 1, 7), "Staff training")
    assert (
        SessionCalendar(9, 9, WEEKDAY_HOURS, closures=[closure]).blocked(
            date(2027, 1, 7), time(10), time(11), skip_breaks=False
        )
        == "closure (Staff training)"
    )


def test_term_breaks_skipped_only_when_the_series_skips_them() -> None:
    half_term = DateSpan(date(2027, 2, 15), date(2027, 2, 19), "Half-term")
    calendar = SessionCalendar(1, 1, WEEKDAY_HOURS, breaks=[half_term])
    tuesdays = pattern(Frequency.WEEKLY, date(2027, 2, 9), date(2027, 2, 23))
    assert [s.day for s in calendar.expand(tuesdays, skip_breaks=True).sessions] == [
        date(2027, 2, 9),
        date(2027, 2, 23),
    ]
    assert len(calendar.expand(tuesdays, skip_breaks=False).sessions) == 3


def test_no_session_outside_opening_hours() -> None:
    calendar = SessionCalendar(1, 1, WEEKDAY_HOURS)
    late = pattern(Frequency.WEEKLY, date(2027, 1, 5), date(2027, 1, 26), start=time(16), duration=120)
    expansion = calendar.expand(late, skip_breaks=False)
    assert expansion.sessions == []
    assert all(s.reason.startswith("outside opening hours") for s in expansion.skipped)
    saturday = pattern(Frequency.ONCE, date(2027, 1, 9), date(2027, 1, 9))
    assert calendar.expand(saturday, skip_breaks=False).sessions == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Weekly at 10:00 local on the weekday before and after each change; UTC shifts, wall time does not.
        (date(2026, 3, 26), date(2026, 4, 2)),  # 29 Mar 2026: GMT -> BST (Thursdays; 3 Apr is Good Friday)
        (date(2026, 10, 23), date(2026, 10, 30)),  # 25 Oct 2026: BST -> GMT
        (date(2027, 3, 25), date(2027, 4, 1)),  # 28 Mar 2027
        (date(2027, 10, 29), date(2027, 11, 5)),  # 31 Oct 2027
    ],
)
def test_wall_clock_time_is_kept_across_clock_changes(before: date, after: date) -> None:
    calendar = SessionCalendar(1, 1, ALL_WEEK)
    weekly = pattern(Frequency.WEEKLY, before, after, start=time(10))
    sessions = calendar.expand(weekly, skip_breaks=False).sessions
    sessions = [s for s in sessions if s.day in (before, after)]
    assert len(sessions) == 2
    local_starts = [s.start_utc.astimezone(calendar_zone()).time() for s in sessions]
    assert local_starts == [time(10), time(10)]
    offsets = {s.day: s.start_utc.hour for s in sessions}
    summer_first = before.month in (3, 4)
    assert offsets[before] == (10 if summer_first else 9)
    assert offsets[after] == (9 if summer_first else 10)


def calendar_zone():
    from scheduler.recurrence import LONDON

    return LONDON


def test_a_wall_time_that_does_not_exist_is_skipped_with_the_reason() -> None:
    calendar = SessionCalendar(1, 1, ALL_WEEK)
    night = Pattern(6, time(1, 30), 30, Frequency.ONCE, date(2027, 3, 28), date(2027, 3, 28))
    expansion = calendar.expand(night, skip_breaks=False)
    assert expansion.sessions == []
    assert expansion.skipped[0].reason == "01:30 does not exist that day (clocks go forward)"


def test_sessions_on_the_days_the_clocks_change() -> None:
    assert to_utc(date(2026, 3, 29), time(10)) == datetime(2026, 3, 29, 9, tzinfo=UTC)
    assert to_utc(date(2026, 10, 25), time(10)) == datetime(2026, 10, 25, 10, tzinfo=UTC)
    assert to_utc(date(2027, 3, 28), time(10)) == datetime(2027, 3, 28, 9, tzinfo=UTC)
    assert to_utc(date(2027, 10, 31), time(10)) == datetime(2027, 10, 31, 10, tzinfo=UTC)
    # A session spanning the autumn change's repeated hour lasts an hour longer in real time.
    assert to_utc(date(2026, 10, 25), time(3)) - to_utc(date(2026, 10, 25), time(0)) == (
        datetime(2026, 10, 25, 3, tzinfo=UTC) - datetime(2026, 10, 24, 23, tzinfo=UTC)
    )


@given(
    first=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 1)),
    weeks=st.integers(min_value=0, max_value=60),
    frequency=st.sampled_from([Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY]),
    nth=st.sampled_from([1, 2, 3, 4, -1]),
    start_minutes=st.integers(min_value=0, max_value=20 * 4).map(lambda q: q * 15),
)
def test_every_expanded_session_keeps_the_pattern(first, weeks, frequency, nth, start_minutes) -> None:
    from datetime import timedelta

    start = time(start_minutes // 60, start_minutes % 60)
    rule = Pattern(first.weekday(), start, 60, frequency, first, first + timedelta(weeks=weeks), nth)
    sessions = SessionCalendar(1, 1, ALL_WEEK).expand(rule, skip_breaks=False).sessions
    for session in sessions:
        local = session.start_utc.astimezone(calendar_zone())
        assert local.date() == session.day and local.time() == start
        assert session.day.weekday() == first.weekday()
        assert rule.first_date <= session.day <= rule.last_date
        assert session.recurrence_local == datetime.combine(session.day, start)
    days = [s.day for s in sessions]
    assert days == sorted(set(days))
    skipped = SessionCalendar(1, 1, ALL_WEEK).expand(rule, skip_breaks=False).skipped
    assert all("clocks go forward" in s.reason or s.reason.startswith("bank holiday") for s in skipped)
    if frequency is Frequency.FORTNIGHTLY:
        assert all((b - a).days % 14 == 0 for a, b in itertools.pairwise(days))
