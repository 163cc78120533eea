"""Real meeting dates of a placement within a term: frequency, fortnight parity, nth weekday and breaks.

This module owns the calendar arithmetic the model relies on. Weeks are numbered from the Monday of the
term's first week (week 0), so a date maps to one (week, weekday) pair and a set of dates in one weekday
column can be held as a bit mask of weeks, which is how the model decides whether two placements in the
same room and time ever meet on the same day.
"""

from __future__ import annotations

from datetime import date, timedelta

from .problem import Frequency, Request, Term


def first_monday(term: Term) -> date:
    """The Monday of the week holding the term's first day (week 0)."""
    return term.first_day - timedelta(days=term.first_day.weekday())


def week_of(term: Term, day: date) -> int:
    """The week number of ``day`` counted from :func:`first_monday`."""
    return (day - first_monday(term)).days // 7


def is_nth_weekday(day: date, nth: int) -> bool:
    """Whether ``day`` is the ``nth`` of its weekday in its month (``-1`` = the last one)."""
    if nth == -1:
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == nth


def meeting_dates(term: Term, request: Request, weekday: int, week_parity: int | None) -> tuple[date, ...]:
    """Dates a request placed on ``weekday`` (and fortnight ``week_parity``) meets, before closures.

    Breaks remove sessions unless the request ``runs_in_breaks``; they do not shift the fortnight
    alternation or the nth-weekday rule.
    """
    monday = first_monday(term)
    weeks = (term.last_day - monday).days // 7 + 1
    dates: list[date] = []
    for week in range(weeks):
        day = monday + timedelta(days=7 * week + weekday)
        if day < term.first_day or day > term.last_day:
            continue
        if not request.runs_in_breaks and term.in_break(day):
            continue
        if request.frequency is Frequency.FORTNIGHTLY and week % 2 != week_parity:
            continue
        if request.frequency is Frequency.MONTHLY and not is_nth_weekday(day, request.nth):
            continue
        dates.append(day)
    return tuple(dates)


def week_mask(term: Term, dates: tuple[date, ...]) -> int:
    """Bit mask with bit ``w`` set for each date's week ``w``."""
    monday = first_monday(term)
    mask = 0
    for day in dates:
        mask |= 1 << ((day - monday).days // 7)
    return mask
