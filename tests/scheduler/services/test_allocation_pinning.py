"""AllocationService.set_pinned: a pinned placement stays where it is when the term is allocated again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Series
from scheduler.bootstrap import bootstrap
from scheduler.errors import NotFound
from scheduler.services.allocation import AllocationService


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from the demo borough, copied from a template rather than loaded again."""
    return demo_db_url


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> AllocationService:
    return bootstrap(sessions, "Allocator").allocation


def test_only_an_applied_placement_can_be_pinned(demo) -> None:
    term_id = demo.term_id("Spring 2027")
    preview = demo.preview(term_id, time_limit=5)
    with pytest.raises(NotFound, match="accept an allocation before pinning"):
        demo.set_pinned(term_id, preview.placements[0].request_id, True)


def test_a_pinned_placement_is_kept_by_a_rerun_and_unpinning_releases_it(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    demo.apply(demo.preview(term_id, time_limit=5))
    chosen = demo.preview(term_id, time_limit=5).placements[0]
    demo.set_pinned(term_id, chosen.request_id, True)
    with sessions() as s:
        series = s.scalars(select(Series).where(Series.request_id == chosen.request_id, Series.cancelled.is_(False)))
        assert [x.pinned for x in series] == [True]
    again = {p.request_id: p for p in demo.preview(term_id, time_limit=5).placements}
    kept = again[chosen.request_id]
    assert kept.change == "pinned"
    assert (kept.room_id, kept.weekday, kept.start) == (chosen.room_id, chosen.weekday, chosen.start)
    demo.set_pinned(term_id, chosen.request_id, False)
    released = {p.request_id: p for p in demo.preview(term_id, time_limit=5).placements}
    assert released[chosen.request_id].change != "pinned"
