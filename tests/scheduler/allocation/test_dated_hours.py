"""Dated opening-hour exceptions in the pure allocation: a slot outside a date's own hours loses that date,
as a closure does (the series keeps its weekly slot and skips the date), so the solver prefers a slot that
fits every date, and the independent checker agrees."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.allocation import DayHours, Window, check
from scheduler.allocation.candidates import build_candidates
from tests.scheduler.allocation.helpers import TERM, problem, request, room, solve_checked

TUE_12_JAN = date(2027, 1, 12)
TUE_19_JAN = date(2027, 1, 19)
MORNING_ONLY = DayHours(TUE_12_JAN, ((9 * 60, 13 * 60),))  # Tuesday 12 Jan: open 09:00-13:00 only
CLOSED_DAY = DayHours(TUE_19_JAN)  # Tuesday 19 Jan: closed all day
TUESDAY_9_TO_17 = (Window(1, 9 * 60, 17 * 60),)


def tuesdays() -> tuple[date, ...]:
    """Every Tuesday of the test term outside half-term (15-19 Feb)."""
    day, out = date(2027, 1, 5), []
    while day <= TERM.last_day:
        if not date(2027, 2, 15) <= day <= date(2027, 2, 19):
            out.append(day)
        day = date.fromordinal(day.toordinal() + 7)
    return tuple(out)


def test_a_start_outside_a_dates_own_hours_loses_that_date_only() -> None:
    p = problem([room(1, dated_hours=(MORNING_ONLY, CLOSED_DAY))], [request(1, windows=TUESDAY_9_TO_17)])
    found = {(c.start, c.week_parity): c for c in build_candidates(p).items}
    morning, afternoon = found[(10 * 60, None)], found[(14 * 60, None)]
    # 10:00-12:00 fits 12 Jan's morning hours; the closed 19 Jan is lost whatever the start
    assert morning.lost_dates == (TUE_19_JAN,)
    assert afternoon.lost_dates == (TUE_12_JAN, TUE_19_JAN)
    assert afternoon.dates == tuple(d for d in tuesdays() if d not in (TUE_12_JAN, TUE_19_JAN))
    assert morning.mask != afternoon.mask  # the weeks they really meet differ, so clashes are judged per week


def test_the_solver_prefers_a_slot_that_keeps_every_date() -> None:
    window = (Window(1, 11 * 60, 17 * 60),)
    # without exceptions the solver takes the earliest start, 11:00
    assert solve_checked(problem([room(1)], [request(1, windows=window)])).placements[0].start == 11 * 60
    late_opening = room(1, dated_hours=(DayHours(TUE_12_JAN, ((13 * 60, 17 * 60),)),))  # 12 Jan opens at 13:00
    placement = solve_checked(problem([late_opening], [request(1, windows=window)])).placements[0]
    assert placement.start >= 13 * 60 and placement.lost_dates == ()
    assert TUE_12_JAN in placement.dates


def test_a_slot_only_possible_outside_the_dates_hours_is_kept_without_that_date() -> None:
    shorter_day = room(1, dated_hours=(MORNING_ONLY,))
    result = solve_checked(problem([shorter_day], [request(1, windows=(Window(1, 14 * 60, 16 * 60),))]))
    placement = result.placements[0]
    assert placement.lost_dates == (TUE_12_JAN,) and TUE_12_JAN not in placement.dates
    assert len(placement.dates) == len(tuesdays()) - 1


def test_the_checker_refuses_a_placement_that_claims_a_date_outside_its_hours() -> None:
    shorter_day = room(1, dated_hours=(MORNING_ONLY,))
    p = problem([shorter_day], [request(1, windows=(Window(1, 14 * 60, 16 * 60),))])
    placement = solve_checked(p).placements[0]
    claimed = replace(placement, dates=tuesdays(), lost_dates=())
    assert check(p, [claimed]) == ["1: dates do not match the term, frequency and closures"]
