"""Schema changes are all or nothing; half-made and newer databases are recognised, never guessed at."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import IntegrityError

from models import db
from models.entities import Base
from tests.builders import make_borough
from tests.models.test_schema import _occurrence, _series


class _Interrupt(Exception):
    pass


def _fail_at_statement(engine: Engine, number: int):
    count = 0

    def before(*_args):
        nonlocal count
        count += 1
        if count == number:
            raise _Interrupt(number)

    event.listen(engine, "before_cursor_execute", before)
    return before


def _statements_of_first_creation(db_url: str) -> int:
    engine = db.make_engine(db_url)
    count = 0

    def before(*_args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", before)
    db.upgrade(engine)
    engine.dispose()
    return count


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 1.0])
def test_an_interrupted_first_creation_leaves_no_table(empty_db_url: str, fraction: float, tmp_path) -> None:
    db_url = empty_db_url
    probe = f"sqlite:///{tmp_path / 'probe.sqlite3'}" if db_url.startswith("sqlite") else None
    total = _statements_of_first_creation(probe) if probe else 30
    engine = db.make_engine(db_url)
    try:
        hook = _fail_at_statement(engine, max(1, int(total * fraction)))
        with pytest.raises(_Interrupt):
            db.upgrade(engine)
        event.remove(engine, "before_cursor_execute", hook)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.is_current(engine)
    finally:
        engine.dispose()


def _half_made_by_an_older_version(engine: Engine) -> None:
    """What 7 of 30 killed first starts left: some tables, an empty version table."""
    some = [t for t in Base.metadata.sorted_tables][:9]
    Base.metadata.create_all(engine, tables=some)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))


def test_a_half_made_empty_database_is_repaired(empty_db_url: str) -> None:
    db_url = empty_db_url
    engine = db.make_engine(db_url)
    _half_made_by_an_older_version(engine)
    repaired = db.upgrade(engine)
    assert len(repaired) == 9
    assert db.is_current(engine)
    make_borough(db.make_session_factory(engine))  # usable
    engine.dispose()


def test_a_half_made_database_holding_rows_is_refused_unchanged(empty_db_url: str) -> None:
    db_url = empty_db_url
    engine = db.make_engine(db_url)
    _half_made_by_an_older_version(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO hubs (name, area, address, postcode) VALUES ('Kept', '', '', '')"))
    before = set(inspect(engine).get_table_names())
    with pytest.raises(db.HalfMadeSchema, match=r"half-made.*move it aside"):
        db.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == before
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT name FROM hubs")) == "Kept"
    engine.dispose()


def test_a_newer_schema_is_refused_before_anything_is_written(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(db.NewerSchema, match=r"newer Hub Scheduler \(schema 0099\); please upgrade"):
        db.is_current(engine)
    with pytest.raises(db.NewerSchema):
        db.upgrade(engine)
    assert db.current_revision(engine) == "0099"


def test_sqlite_overlap_guard_compares_instants_not_text(sqlite_url: str) -> None:
    """A row spelled with a 'T' separator (or an offset) must not slip past the trigger."""
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    borough = make_borough(db.make_session_factory(engine))
    sessions = db.make_session_factory(engine)
    with sessions.begin() as s:
        series = _series(borough.hall_id, borough.pantry_id, "raw")
        series.occurrences = [_occurrence(borough.hall_id, 12, 14)]
        s.add(series)
        s.flush()
        series_id = series.id
    for start, end in (("2027-01-15T13:00:00", "2027-01-15T15:00:00"), ("2027-01-15 13:00+00:00", "2027-01-15 15:00")):
        with pytest.raises(IntegrityError, match="occurrence_overlap"), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO occurrences (series_id, room_id, start_utc, end_utc, recurrence_local, status) "
                    "VALUES (:series, :room, :start, :end, :start, 'confirmed')"
                ),
                {"series": series_id, "room": borough.hall_id, "start": start, "end": end},
            )
    with pytest.raises(IntegrityError, match="unreadable"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO occurrences (series_id, room_id, start_utc, end_utc, recurrence_local, status) "
                "VALUES (:series, :room, 'a-soon', 'b-later', 'a-soon', 'confirmed')"
            ),
            {"series": series_id, "room": borough.hall_id},
        )
    engine.dispose()
