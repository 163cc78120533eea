"""The demo borough's illustrative attendance history: only past sessions, marked, and the same every load."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import AttendanceRecord, Occurrence, Series
from models.types import Outcome
from resources import locate
from scheduler.bootstrap import bootstrap
from scheduler.services.common import now_utc
from scheduler.services.demo import read_demo_file


def history(sessions: sessionmaker[Session]) -> dict[tuple[str, str], tuple[str, int | None, str]]:
    with sessions() as s:
        rows = s.execute(
            select(
                Series.title,
                Occurrence.start_utc,
                AttendanceRecord.outcome,
                AttendanceRecord.headcount,
                AttendanceRecord.source,
            )
            .join(Occurrence, AttendanceRecord.occurrence_id == Occurrence.id)
            .join(Series, Occurrence.series_id == Series.id)
        ).all()
    return {(title, start.isoformat()): (str(outcome), count, source) for title, start, outcome, count, source in rows}


def test_demo_history_is_illustrative_past_only_and_reproducible(demo_sessions, migrated_sqlite_url) -> None:
    first = history(demo_sessions)  # the demo as loaded once for this test worker, on SQLite and PostgreSQL
    assert len(first) > 100  # Autumn 2026 began on 7 Sep 2026: weeks of sessions are past
    assert {source for _, _, source in first.values()} == {"illustrative"}
    now = now_utc()
    assert all(start <= now.isoformat() for _, start in first)
    assert all((count is not None) == (outcome == Outcome.TOOK_PLACE) for outcome, count, _ in first.values())
    # a second, independent load tells the same story (the generator is seeded, not random per load)
    engine = db.make_engine(migrated_sqlite_url)
    again = db.make_session_factory(engine)
    bootstrap(again, "demo").demo.load(read_demo_file(locate("demo/borough.yaml")))
    second = history(again)
    engine.dispose()
    common = set(first) & set(second)
    assert len(common) >= len(first) - 40  # at most a few sessions can pass "now" between the two loads
    assert {k: first[k] for k in common} == {k: second[k] for k in common}
