"""Recurrence and the session calendar: which dates a series meets on, and which of them it may not.

Owns: expanding a weekly / fortnightly / monthly-nth-weekday / one-off pattern into dated sessions with
`dateutil.rrule`, converting Europe/London wall-clock times to UTC exactly across clock changes, and the
`SessionCalendar` that says why a date is blocked (closure, bank holiday, term-time break) or a time is
outside opening hours. Pure: no database, no Qt. Bank holidays come from the `holidays` package, through the
table made from it that ships with the app (scheduler.bank_holiday_table) for the years it holds.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from models.types import ClosureScope, Frequency
from scheduler import bank_holiday_table

LONDON = ZoneInfo("Europe/London")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def to_utc(day: date, at: time) -> datetime:
    """The instant at which Europe/London's wall clock shows `at` on `day`.

    In the autumn hour that happens twice the first (summer time) instant is meant; in the spring hour
    that never happens the wall time is read with the offset before the change, as zoneinfo does.
    """
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def to_local(instant: datetime) -> datetime:
    return instant.astimezone(LONDON)


def add_minutes(at: time, minutes: int) -> time:
    """Wall-clock time `minutes` after `at` on the same day (sessions never cross midnight)."""
    total = at.hour * 60 + at.minute + minutes
    if not 0 <= total <= 24 * 60 - 1:
        raise ValueError("a session must end on the day it starts")
    return time(total // 60, total % 60)


@dataclass(frozen=True)
class Pattern:
    """When a series meets: weekday (0 = Monday), start, duration, frequency, first and last date."""

    weekday: int
    start: time
    duration_min: int
    frequency: Frequency
    first_date: date
    last_date: date
    nth: int | None = None  # monthly only: 1..4, or -1 for the last such weekday of the month

    @property
    def end(self) -> time:
        return add_minutes(self.start, self.duration_min)


def pattern_dates(pattern: Pattern) -> list[date]:
    """Every date the pattern meets on between its first and last date, before any exclusion."""
    first, last = pattern.first_date, pattern.last_date
    if pattern.frequency is Frequency.ONCE:
        return [first] if first.weekday() == pattern.weekday and first <= last else []
    if pattern.frequency is Frequency.MONTHLY:
        if pattern.nth is None:
            raise ValueError("a monthly pattern needs nth (1..4 or -1)")
        rule = rrule(MONTHLY, dtstart=first, until=last, byweekday=weekday(pattern.weekday, pattern.nth))
    else:
        # Anchor on the first meeting day so that a fortnightly series' week A is the week it starts.
        anchor = first + timedelta(days=(pattern.weekday - first.weekday()) % 7)
        interval = 2 if pattern.frequency is Frequency.FORTNIGHTLY else 1
        rule = rrule(WEEKLY, interval=interval, dtstart=anchor, until=last)
    return [moment.date() for moment in rule]


@dataclass(frozen=True)
class ClosureSpan:
    """A closure as the calendar needs it (scope, target ids, days, optional time range, reason)."""

    scope: ClosureScope
    first_day: date
    last_day: date
    reason: str
    hub_id: int | None = None
    room_id: int | None = None
    start: time | None = None
    end: time | None = None

    def covers(self, room_id: int, hub_id: int, day: date, start: time, end: time) -> bool:
        if not self.first_day <= day <= self.last_day:
            return False
        if self.scope is ClosureScope.HUB and self.hub_id != hub_id:
            return False
        if self.scope is ClosureScope.ROOM and self.room_id != room_id:
            return False
        if self.start is None or self.end is None:
            return True
        return self.start < end and start < self.end


@dataclass(frozen=True)
class DateSpan:
    first_day: date
    last_day: date
    name: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> dict[date, str]:
    """Bank holidays in England and Wales for `year`, from the `holidays` package (subdivision ENG): as the
    shipped table has them, or asked of the package for a year outside it."""
    shipped = bank_holiday_table.table().get(year)
    return dict(shipped) if shipped is not None else bank_holiday_table.from_package(year)


def bank_holiday(day: date) -> str | None:
    return bank_holidays(day.year).get(day)


@dataclass(frozen=True)
class Skipped:
    day: date
    reason: str


@dataclass(frozen=True)
class Session:
    """One dated session: local date, UTC start and end, and its recurrence identity (local start)."""

    day: date
    start_utc: datetime
    end_utc: datetime
    recurrence_local: datetime


@dataclass(frozen=True)
class Expansion:
    sessions: list[Session]
    skipped: list[Skipped]


@dataclass
class SessionCalendar:
    """What blocks a session in one room: closures, bank holidays, opening hours and term-time breaks.

    Args:
        opening_hours: per weekday (0 = Monday) the hub's open windows as (opens, closes).
        closures: closures that may concern the room (others are ignored by `covers`).
        breaks: term-time breaks, applied only to series that skip them.
    """

    room_id: int
    hub_id: int
    opening_hours: dict[int, list[tuple[time, time]]]
    closures: Sequence[ClosureSpan] = ()
    breaks: Sequence[DateSpan] = field(default_factory=tuple)
    # Dated exceptions to the weekly hours (late opening, winter hours, closed for the day): the windows
    # of that date replace the weekday's.
    dated_hours: dict[date, list[tuple[time, time]]] = field(default_factory=dict)

    def within_opening_hours(self, day_of_week: int, start: time, end: time) -> bool:
        return any(opens <= start and end <= closes for opens, closes in self.opening_hours.get(day_of_week, []))

    def opening_hours_text(self, day_of_week: int) -> str:
        windows = self.opening_hours.get(day_of_week, [])
        if not windows:
            return f"closed on {DAY_NAMES[day_of_week]}s"
        spans = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in windows)
        return f"open {spans} on {DAY_NAMES[day_of_week]}s"

    def blocked(self, day: date, start: time, end: time, *, skip_breaks: bool) -> str | None:
        """Why a session on `day` from `start` to `end` cannot run, or None when it can."""
        holiday = bank_holiday(day)
        if holiday:
            return f"bank holiday ({holiday})"
        for closure in self.closures:
            if closure.covers(self.room_id, self.hub_id, day, start, end):
                return f"closure ({closure.reason})" if closure.reason else "closure"
        if skip_breaks:
            for span in self.breaks:
                if day in span:
                    return f"term-time break ({span.name})" if span.name else "term-time break"
        for moment in (start, end):
            if to_utc(day, moment).astimezone(LONDON).time() != moment:
                return f"{moment:%H:%M} does not exist that day (clocks go forward)"
        if day in self.dated_hours:
            windows = self.dated_hours[day]
            if not any(opens <= start and end <= closes for opens, closes in windows):
                spans = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in windows)
                return f"outside that day's opening hours ({f'open {spans}' if spans else 'closed'})"
            return None
        if not self.within_opening_hours(day.weekday(), start, end):
            return f"outside opening hours ({self.opening_hours_text(day.weekday())})"
        return None

    def expand(self, pattern: Pattern, *, skip_breaks: bool) -> Expansion:
        """The sessions the pattern may run, and the dates it skips with the reason for each."""
        sessions: list[Session] = []
        skipped: list[Skipped] = []
        end = pattern.end
        for day in pattern_dates(pattern):
            reason = self.blocked(day, pattern.start, end, skip_breaks=skip_breaks)
            if reason:
                skipped.append(Skipped(day, reason))
                continue
            sessions.append(
                Session(
                    day=day,
                    start_utc=to_utc(day, pattern.start),
                    end_utc=to_utc(day, end),
                    recurrence_local=datetime.combine(day, pattern.start),
                )
            )
        return Expansion(sessions, skipped)


def overlapping(a_start: datetime, a_end: datetime, spans: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(s < a_end and a_start < e for s, e in spans)
