"""The proposal as dated sessions for the calendar preview: the real meeting dates, nothing written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Request, Series, Term
from models.types import Frequency, OccurrenceStatus
from scheduler.bootstrap import bootstrap
from scheduler.recurrence import to_local
from scheduler.services.allocation import AllocationPreview, AllocationService
from scheduler.services.allocation_calendar import preview_sessions
from tests.scheduler.services.test_allocation_service import dump

GOOD_FRIDAY = date(2027, 3, 26)


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from the demo borough, copied from a template rather than loaded again."""
    return demo_db_url


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> AllocationService:
    return bootstrap(sessions, "Allocator").allocation


@pytest.fixture
def spring(demo: AllocationService) -> AllocationPreview:
    return demo.preview(demo.term_id("Spring 2027"), time_limit=10)


def term_days(sessions: sessionmaker[Session], name: str) -> tuple[date, date, list[tuple[date, date]]]:
    with sessions() as s:
        term = s.scalars(select(Term).where(Term.name == name)).one()
        return term.first_day, term.last_day, [(b.first_day, b.last_day) for b in term.breaks]


def test_a_day_shows_the_placements_that_meet_that_day(spring) -> None:
    friday = date(2027, 1, 15)
    shown = preview_sessions(spring, friday, friday)
    weekly_fridays = {
        p.request_id
        for p in spring.placements
        if p.weekday == 4 and friday in spring.result.placement_for(p.request_id).dates
    }
    assert shown and {s.request_id for s in shown} == weekly_fridays
    assert all(s.day == friday for s in shown)
    row = next(p for p in spring.placements if p.request_id == shown[0].request_id)
    first = shown[0]
    assert (first.room_id, first.start, first.end, first.title, first.organisation, first.sector, first.change) == (
        row.room_id,
        row.start,
        row.end,
        row.title,
        row.organisation,
        row.sector,
        row.change,
    )
    assert first.kind in ("new", "moved", "unchanged", "pinned")


def test_bank_holidays_and_half_term_are_absent_for_requests_that_skip_breaks(spring, demo, sessions) -> None:
    first, last, breaks = term_days(sessions, "Spring 2027")
    assert breaks, "the demo Spring term has a half-term"
    with sessions() as s:
        term_id = demo.term_id("Spring 2027")
        skip_breaks = set(
            s.scalars(select(Request.id).where(Request.term_id == term_id, Request.runs_in_breaks.is_(False)))
        )
    shown = [s for s in preview_sessions(spring, first, last) if s.request_id in skip_breaks]
    assert shown
    days = {s.day for s in shown}
    assert GOOD_FRIDAY not in days
    for start, end in breaks:
        assert not any(start <= day <= end for day in days), f"a session in the break {start}–{end}"
    assert any(s.day == GOOD_FRIDAY - timedelta(days=7) for s in shown), "the Friday before does meet"


def test_the_range_is_inclusive_and_empty_outside_the_term(spring, sessions) -> None:
    first, last, _ = term_days(sessions, "Spring 2027")
    assert preview_sessions(spring, first - timedelta(days=30), first - timedelta(days=1)) == []
    assert preview_sessions(spring, last + timedelta(days=1), last + timedelta(days=30)) == []
    week = preview_sessions(spring, date(2027, 1, 11), date(2027, 1, 17))
    assert {s.day for s in week} <= {date(2027, 1, 11) + timedelta(days=n) for n in range(7)}
    assert week == sorted(week, key=lambda s: (s.day, s.start, s.room_id, s.request_id))


def test_the_dates_are_the_ones_apply_writes(spring, demo, sessions, engine) -> None:
    first, last, _ = term_days(sessions, "Spring 2027")
    proposed: dict[int, set[date]] = defaultdict(set)
    before = dump(engine)
    for session in preview_sessions(spring, first, last):
        proposed[session.request_id].add(session.day)
    assert dump(engine) == before, "previewing writes nothing"
    demo.apply(spring)
    written: dict[int, set[date]] = defaultdict(set)
    frequencies = {}
    with sessions() as s:
        for series in s.scalars(select(Series).where(Series.term_id == demo.term_id("Spring 2027"))):
            if series.request_id is None or series.cancelled:
                continue
            frequencies[series.request_id] = series.frequency
            for occurrence in series.occurrences:
                if occurrence.status != OccurrenceStatus.CANCELLED:
                    written[series.request_id].add(to_local(occurrence.start_utc).date())
    assert set(proposed) == {p.request_id for p in spring.placements} == set(written)
    assert Frequency.FORTNIGHTLY in frequencies.values()
    for request_id, days in proposed.items():
        assert days == written[request_id], f"request {request_id} ({frequencies[request_id]})"
