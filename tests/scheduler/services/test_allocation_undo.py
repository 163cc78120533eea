"""AllocationUndo: an accepted allocation is taken back and re-accepted as one step, or refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Occurrence, Request, Series
from models.types import OccurrenceStatus, RequestStatus
from scheduler.bootstrap import bootstrap
from scheduler.errors import StaleEdit
from scheduler.services.allocation import AllocationService
from scheduler.services.booking import BookingService
from scheduler.services.requests import RequestService


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from the demo borough, copied from a template rather than loaded again."""
    return demo_db_url


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> AllocationService:
    return bootstrap(sessions, "Allocator").allocation


def state(sessions, term_id: int) -> tuple:
    """Live series (id, room, weekday, start), live session ids and request statuses of the term."""
    with sessions() as s:
        series = sorted(
            (x.id, x.room_id, x.weekday, x.start_local)
            for x in s.scalars(select(Series).where(Series.term_id == term_id, Series.cancelled.is_(False)))
        )
        live = sorted(
            o.id
            for o in s.scalars(
                select(Occurrence)
                .join(Occurrence.series)
                .where(Series.term_id == term_id, Occurrence.status != OccurrenceStatus.CANCELLED)
            )
        )
        statuses = sorted(
            (r.id, r.status, r.status_reason) for r in s.scalars(select(Request).where(Request.term_id == term_id))
        )
        return series, live, statuses


def test_undo_takes_back_a_first_allocation_and_redo_brings_it_back(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    undo = bootstrap(sessions, "Allocator").allocation_undo
    before = state(sessions, term_id)
    accepted = undo.accept(demo.preview(term_id, time_limit=5))
    after = state(sessions, term_id)
    assert len(accepted.booked) == accepted.applied.created and not accepted.replaced
    undone = undo.undo(accepted)
    assert state(sessions, term_id) == before
    redone = undo.redo(undone)
    assert state(sessions, term_id) == after
    assert not redone.undone and undo.undo(redone).undone
    assert state(sessions, term_id) == before


def test_undo_of_a_rerun_brings_back_the_series_it_replaced(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    undo = bootstrap(sessions, "Allocator").allocation_undo
    demo.apply(demo.preview(term_id, time_limit=5))
    requests = RequestService(sessions, "Allocator")
    row = next(r for r in requests.list(term_id) if r.status == "placed")
    requests.withdraw(row.id, row.version)
    before = state(sessions, term_id)
    accepted = undo.accept(demo.preview(term_id, time_limit=5))
    assert accepted.replaced, "the withdrawn request's series was cancelled"
    assert state(sessions, term_id) != before
    undo.undo(accepted)
    assert state(sessions, term_id) == before


def test_undo_is_refused_whole_when_a_series_changed_meanwhile(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    undo = bootstrap(sessions, "Allocator").allocation_undo
    accepted = undo.accept(demo.preview(term_id, time_limit=5))
    after = state(sessions, term_id)
    changed = accepted.booked[0]
    BookingService(sessions, "Someone Else").cancel_series(changed.series_id, changed.version)
    moved_on = state(sessions, term_id)
    with pytest.raises(StaleEdit, match="changed after the allocation"):
        undo.undo(accepted)
    assert state(sessions, term_id) == moved_on != after
    with sessions() as s:
        assert {r.status for r in s.scalars(select(Request).where(Request.term_id == term_id))} >= {
            RequestStatus.PLACED
        }
