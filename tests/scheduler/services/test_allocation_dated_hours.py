"""A hub's dated opening hours reach the allocation (SQLite and PostgreSQL): the problem carries them, the
solver prefers a slot that fits them, and a slot that cannot fit loses that date in the preview exactly as
applying it skips the date (the booking rules decide on apply; the preview no longer promises a session
the apply would not make)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from models.entities import OpeningException, Request, RequestHub, RequestWindow, Series
from models.types import Frequency, Visibility
from scheduler.bootstrap import bootstrap
from scheduler.recurrence import to_local
from tests.builders import Borough

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
FRI_22_JAN = date(2027, 1, 22)


def add_pantry_request(sessions, borough: Borough, window: tuple[time, time], minutes: int = 180) -> int:
    with sessions.begin() as s:
        request = Request(term_id=borough.term_id, organisation_id=borough.pantry_id, title="Food pantry",
                          visibility=Visibility.PUBLIC, attendance=40, duration_min=minutes,
                          frequency=Frequency.WEEKLY, created_at=NOW)  # fmt: skip
        request.windows = [RequestWindow(weekday=4, start=window[0], end=window[1])]
        request.hubs = [RequestHub(hub_id=borough.civic_id, preferred=True)]
        s.add(request)
        s.flush()
        return request.id


def add_exception(sessions, borough: Borough, opens: time | None, closes: time | None) -> None:
    with sessions.begin() as s:
        s.add(OpeningException(hub_id=borough.civic_id, first_day=FRI_22_JAN, last_day=FRI_22_JAN,
                               opens=opens, closes=closes, note="Stocktake"))  # fmt: skip


def test_the_problem_carries_the_hubs_dated_hours(sessions, borough) -> None:
    add_pantry_request(sessions, borough, (time(9), time(16)))
    add_exception(sessions, borough, time(12), time(17))
    problem, _ = bootstrap(sessions, "Manager", clock=lambda: NOW).allocation.build_problem(borough.term_id)
    civic = [r for r in problem.rooms if r.hub == "Ilford Civic Hub"]
    assert civic and all(r.dated_hours == (r.dated_hours[0],) for r in civic)
    assert civic[0].dated_hours[0].day == FRI_22_JAN and civic[0].dated_hours[0].windows == ((720, 1020),)
    assert all(r.dated_hours == () for r in problem.rooms if r.hub == "Hainault Hub")


def test_the_solver_keeps_clear_of_a_day_with_shorter_hours(sessions, borough) -> None:
    request_id = add_pantry_request(sessions, borough, (time(9), time(16)))
    allocation = bootstrap(sessions, "Manager", clock=lambda: NOW).allocation

    def placed():
        preview = allocation.preview(borough.term_id, time_limit=10)
        return next(p for p in preview.placements if p.request_id == request_id)

    assert placed().start != time(9)  # with the usual hours it does not choose 09:00
    add_exception(sessions, borough, time(9), time(12))  # Fri 22 Jan closes at noon
    row = placed()
    # only 09:00-12:00 keeps 22 Jan. Good Friday (26 Mar) is lost whatever the start: 12 Fridays less
    # half-term's 19 Feb = 11, less Good Friday = 10.
    assert row.start == time(9) and (row.sessions, row.lost_to_closures) == (10, 1)


def test_a_slot_that_cannot_fit_loses_the_date_in_preview_and_apply_alike(sessions, borough) -> None:
    request_id = add_pantry_request(sessions, borough, (time(9), time(12)))
    add_exception(sessions, borough, None, None)  # closed all day on Fri 22 Jan
    allocation = bootstrap(sessions, "Manager", clock=lambda: NOW).allocation
    preview = allocation.preview(borough.term_id, time_limit=10)
    row = next(p for p in preview.placements if p.request_id == request_id)
    # Spring 2027's Fridays: 8 Jan - 26 Mar is 12, less half-term (19 Feb), Good Friday (26 Mar) and 22 Jan
    assert (row.sessions, row.lost_to_closures) == (9, 2)
    allocation.apply(preview)
    with sessions() as s:
        series = s.scalars(select(Series).where(Series.request_id == request_id)).one()
        days = sorted(to_local(o.start_utc).date() for o in series.occurrences)
    assert len(days) == row.sessions and FRI_22_JAN not in days
