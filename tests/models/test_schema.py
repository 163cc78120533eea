"""The schema itself: migrations match the models, and the database refuses double bookings on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import Base, Occurrence, Series
from models.types import Frequency, OccurrenceStatus, Visibility
from tests.builders import make_borough


def test_migrations_and_models_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_schema_is_at_head_after_upgrade(engine: Engine) -> None:
    assert db.is_current(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    revision = db.current_revision(engine)
    db.upgrade(engine)
    assert db.current_revision(engine) == revision


def _series(room_id: int, organisation_id: int, uid: str) -> Series:
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    return Series(
        uid=uid,
        room_id=room_id,
        organisation_id=organisation_id,
        title="Raw insert",
        visibility=Visibility.PUBLIC,
        weekday=4,
        start_local=time(12),
        duration_min=60,
        frequency=Frequency.ONCE,
        first_date=date(2027, 1, 15),
        last_date=date(2027, 1, 15),
        created_at=stamp,
        updated_at=stamp,
    )


def _occurrence(room_id: int, start_hour: int, end_hour: int, status=OccurrenceStatus.CONFIRMED) -> Occurrence:
    return Occurrence(
        room_id=room_id,
        start_utc=datetime(2027, 1, 15, start_hour, tzinfo=UTC),
        end_utc=datetime(2027, 1, 15, end_hour, tzinfo=UTC),
        recurrence_local=datetime(2027, 1, 15, start_hour),
        status=status,
    )


def test_database_refuses_overlapping_live_sessions_in_a_room(sessions: sessionmaker[Session]) -> None:
    """Even a writer that skips the booking service cannot double-book: the guard is in the database."""
    b = make_borough(sessions)
    with sessions.begin() as s:
        first = _series(b.hall_id, b.pantry_id, "a")
        first.occurrences = [_occurrence(b.hall_id, 12, 14)]
        s.add(first)
    with pytest.raises(IntegrityError), sessions.begin() as s:
        second = _series(b.hall_id, b.advice_id, "b")
        second.occurrences = [_occurrence(b.hall_id, 13, 15)]
        s.add(second)
    with sessions() as s:
        assert s.query(Series).count() == 1


def test_database_allows_cancelled_and_other_rooms_and_adjacent(sessions: sessionmaker[Session]) -> None:
    b = make_borough(sessions)
    with sessions.begin() as s:
        first = _series(b.hall_id, b.pantry_id, "a")
        first.occurrences = [_occurrence(b.hall_id, 12, 14)]
        s.add(first)
    with sessions.begin() as s:
        other = _series(b.meeting_id, b.advice_id, "b")
        other.occurrences = [
            _occurrence(b.meeting_id, 12, 14),  # another room
        ]
        adjacent = _series(b.hall_id, b.advice_id, "c")
        adjacent.occurrences = [_occurrence(b.hall_id, 14, 15)]  # starts when the first ends
        cancelled = _series(b.hall_id, b.advice_id, "d")
        cancelled.occurrences = [_occurrence(b.hall_id, 12, 13, OccurrenceStatus.CANCELLED)]
        s.add_all([other, adjacent, cancelled])
    with sessions() as s:
        assert s.query(Occurrence).count() == 4


def test_database_refuses_reviving_a_cancelled_session_into_a_taken_slot(sessions: sessionmaker[Session]) -> None:
    b = make_borough(sessions)
    with sessions.begin() as s:
        first = _series(b.hall_id, b.pantry_id, "a")
        first.occurrences = [_occurrence(b.hall_id, 12, 14)]
        cancelled = _series(b.hall_id, b.advice_id, "b")
        cancelled.occurrences = [_occurrence(b.hall_id, 12, 13, OccurrenceStatus.CANCELLED)]
        s.add_all([first, cancelled])
        s.flush()
        revived_id = cancelled.occurrences[0].id
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.get(Occurrence, revived_id).status = OccurrenceStatus.CONFIRMED


def test_the_revision_chain_read_from_the_files_is_alembics() -> None:
    """models.db reads the migrations' revisions itself (so commands start without Alembic): it must agree."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(db.MIGRATIONS))
    assert db._revision_chain() == {r.revision: r.down_revision for r in script.walk_revisions()}
    assert db.head_revision() == script.get_current_head()
