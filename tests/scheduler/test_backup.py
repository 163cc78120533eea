"""Backups and restores on both databases, across them, and the automatic ones."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from models import db
from scheduler import backup as backups
from scheduler import cli
from scheduler.errors import BackupError
from scheduler.services.booking import BookingService, NewBooking
from tests.conftest import new_pg_database


@pytest.fixture
def fresh(sqlite_template: Path) -> Callable[[Path], Engine]:
    """A new SQLite file at the schema's head with no rows (a copy of the template), as a restore target."""

    def make(path: Path) -> Engine:
        shutil.copyfile(sqlite_template, path)
        return db.make_engine(f"sqlite:///{path}")

    return make


@pytest.mark.parametrize("suffix", [".sqlite3", ".jsonl"])
def test_backup_and_restore_round_trip(
    demo_db_url: str, tmp_path: Path, suffix: str, fresh, request: pytest.FixtureRequest
) -> None:
    source = db.make_engine(demo_db_url)
    original = backups.dump(source)
    saved = backups.backup(source, tmp_path / f"saved{suffix}")
    if demo_db_url.startswith("sqlite"):
        target = fresh(tmp_path / "target.sqlite3")
    else:
        template = request.getfixturevalue("pg_template")
        target = db.make_engine(new_pg_database(request.getfixturevalue("pg_server"), template))
    backups.restore(target, saved)
    assert backups.dump(target) == original
    # Restoring over a database that has data replaces it entirely.
    with source.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries"))
    backups.restore(source, saved)
    assert backups.dump(source) == original
    source.dispose()
    target.dispose()


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_keeps_every_row(
    demo_sqlite_url: str, tmp_path: Path, pg_server, pg_template: str, fresh
) -> None:
    sqlite_source = db.make_engine(demo_sqlite_url)
    original = backups.dump(sqlite_source)
    first = backups.backup(sqlite_source, tmp_path / "first.sqlite3")
    postgres = db.make_engine(new_pg_database(pg_server, pg_template))
    backups.restore(postgres, first)
    assert backups.dump(postgres) == original
    second = backups.backup(postgres, tmp_path / "second.jsonl")
    third = backups.backup(postgres, tmp_path / "third.sqlite3")  # PostgreSQL to an SQLite file, too
    for made in (second, third):
        back = fresh(tmp_path / f"back-{made.stem}.sqlite3")
        backups.restore(back, made)
        assert backups.dump(back) == original
        back.dispose()
    # The sequences follow the restored ids: a new booking gets a new id instead of a clash.
    booked = BookingService(db.make_session_factory(postgres), "Tester").book(
        NewBooking(
            room_id=1,
            organisation_id=1,
            title="After restore",
            first_date=datetime(2027, 3, 2).date(),
            start=datetime(2027, 3, 2, 19).time(),
            duration_min=30,
        )
    )
    assert booked.series_id > max(row["id"] for row in original["series"])
    sqlite_source.dispose()
    postgres.dispose()


def test_the_sqlite_backup_is_consistent_while_a_writer_is_busy(demo_sqlite_url: str, tmp_path: Path, fresh) -> None:
    source = db.make_engine(demo_sqlite_url)
    committed = backups.dump(source)
    writer = source.connect()
    transaction = writer.begin()
    writer.execute(text("DELETE FROM occurrences"))  # not committed while the backup runs
    saved = backups.backup(source, tmp_path / "during.sqlite3")
    transaction.rollback()
    writer.close()
    target = fresh(tmp_path / "target.sqlite3")
    backups.restore(target, saved)
    assert backups.dump(target) == committed
    source.dispose()
    target.dispose()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda lines: lines[:-1], "cut off (no end marker)"),
        (lambda lines: lines[:-40] + lines[-1:], "the end marker says"),
        (lambda lines: ['{"format": "something else"}', *lines[1:]], "neither an SQLite file nor"),
        (
            lambda lines: [lines[0].replace(f'"schema": "{db.head_revision()}"', '"schema": "0099"'), *lines[1:]],
            "newer Hub Scheduler",
        ),
        (lambda lines: [*lines[:5], '{"t": "hubs", "r": {"id": "x"', *lines[5:]], "not a usable"),
        (lambda lines: [*lines[:5], '{"t": "secrets", "r": {}}', *lines[5:]], "unknown table 'secrets'"),
    ],
)
def test_restore_verifies_the_file_before_touching_anything(
    demo_sqlite_url: str, tmp_path: Path, damage, reason
) -> None:
    engine = db.make_engine(demo_sqlite_url)
    before = backups.dump(engine)
    saved = backups.backup(engine, tmp_path / "saved.jsonl")
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(damage(_lines(saved))) + "\n", encoding="utf-8")
    with pytest.raises(BackupError, match=re.escape(reason)):
        backups.restore(engine, damaged)
    assert backups.dump(engine) == before
    engine.dispose()


def test_a_damaged_sqlite_backup_is_refused(demo_sqlite_url: str, tmp_path: Path) -> None:
    engine = db.make_engine(demo_sqlite_url)
    before = backups.dump(engine)
    saved = backups.backup(engine, tmp_path / "saved.sqlite3")
    data = bytearray(saved.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    saved.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="not a usable Hub Scheduler backup"):
        backups.restore(engine, saved)
    assert backups.dump(engine) == before
    engine.dispose()


OLDER = "0002"  # an older schema than head, whatever migrations come after it


def _older_database_with_a_hub(url: str) -> Engine:
    """A database at schema 0002 holding one hub, written with plain SQL (the models are newer)."""
    engine = db.make_engine(url)
    db.upgrade(engine, OLDER)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO hubs (name, area, address, postcode) VALUES ('Old Hub', 'Here', 'A road', 'IG1 1AA')")
        )
    return engine


def test_a_backup_from_an_older_schema_is_upgraded_on_restore(empty_db_url: str, tmp_path: Path, fresh) -> None:
    db_url = empty_db_url
    older = _older_database_with_a_hub(db_url)
    for suffix in (".jsonl", ".sqlite3"):
        saved = backups.backup(older, tmp_path / f"older{suffix}")
        target = fresh(tmp_path / f"target{suffix}.sqlite3")
        verified = backups.restore(target, saved)
        assert verified.schema == OLDER
        hubs = backups.dump(target)["hubs"]
        assert [(h["name"], h["postcode"]) for h in hubs] == [("Old Hub", "IG1 1AA")]
        target.dispose()
    older.dispose()


def test_automatic_backups_keep_the_last_n_and_one_daily(demo_sqlite_url: str, tmp_path: Path) -> None:
    engine = db.make_engine(demo_sqlite_url)
    now = [datetime(2026, 11, 29, 8, tzinfo=UTC)]
    policy = backups.BackupPolicy(folder=tmp_path / "auto", keep=3, clock=lambda: now[0])
    assert policy.daily_due(demo_sqlite_url)
    for _ in range(5):
        now[0] += timedelta(minutes=1)
        policy.before(engine, demo_sqlite_url, "before-reset")
    kept = policy.existing(demo_sqlite_url)
    assert [p.name.split("-")[2] for p in kept] == [
        "20261129T080300000000Z",
        "20261129T080400000000Z",
        "20261129T080500000000Z",
    ]
    assert not policy.daily_due(demo_sqlite_url)
    now[0] += timedelta(days=1)
    assert policy.daily_due(demo_sqlite_url)
    assert not backups.BackupPolicy(folder=tmp_path / "auto", daily=False).daily_due(demo_sqlite_url)
    engine.dispose()


def test_the_first_command_of_the_day_backs_the_database_up_once(
    demo_sqlite_url: str, tmp_path: Path, monkeypatch, fresh
) -> None:
    monkeypatch.setenv(backups.BACKUP_DIR_VAR, str(tmp_path / "auto"))
    monkeypatch.setenv(backups.DAILY_VAR, "1")
    assert cli.main(["--db", demo_sqlite_url, "hubs"]) == 0
    (made,) = list((tmp_path / "auto").iterdir())
    assert "daily" in made.name
    assert cli.main(["--db", demo_sqlite_url, "hubs"]) == 0
    assert list((tmp_path / "auto").iterdir()) == [made]  # once a day, not once a command
    restored = fresh(tmp_path / "check.sqlite3")
    backups.restore(restored, made)
    source = db.make_engine(demo_sqlite_url)
    assert backups.dump(restored) == backups.dump(source)
    restored.dispose()
    source.dispose()


def test_demo_reset_asks_first_and_backs_up(sqlite_url: str, tmp_path: Path, capsys, monkeypatch, fresh) -> None:
    monkeypatch.setenv(backups.BACKUP_DIR_VAR, str(tmp_path / "auto"))
    monkeypatch.setenv(backups.DAILY_VAR, "0")
    assert cli.main(["--db", sqlite_url, "demo"]) == 0
    engine = db.make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE hubs SET area = 'Edited by hand'"))
    edited = backups.dump(engine)
    capsys.readouterr()
    assert cli.main(["--db", sqlite_url, "demo", "--reset"]) == 2
    assert "Add --yes to confirm (nothing was changed)" in capsys.readouterr().err
    assert backups.dump(engine) == edited
    assert cli.main(["--db", sqlite_url, "demo", "--reset", "--yes"]) == 0
    made = list((tmp_path / "auto").iterdir())
    assert len(made) == 1 and "before-reset" in made[0].name
    restored = fresh(tmp_path / "check.sqlite3")
    backups.restore(restored, made[0])
    assert backups.dump(restored) == edited  # the reset's victim can be brought back
    engine.dispose()
    restored.dispose()


def test_backup_and_restore_commands(sqlite_url: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(backups.BACKUP_DIR_VAR, str(tmp_path / "auto"))
    assert cli.main(["--db", sqlite_url, "demo"]) == 0
    saved = tmp_path / "saved.jsonl"
    assert cli.main(["--db", sqlite_url, "backup", str(saved)]) == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    capsys.readouterr()
    assert cli.main(["--db", other, "restore", str(saved)]) == 2
    assert "Add --yes to confirm" in capsys.readouterr().err
    assert not (tmp_path / "other.sqlite3").exists()  # refused before the new database was even created
    assert cli.main(["--db", other, "restore", "--yes", str(saved)]) == 0
    assert "restored" in capsys.readouterr().out
    assert cli.main(["--db", other, "restore", "--yes", str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == f"hubsched: error: no backup file {tmp_path / 'missing.jsonl'}"


def test_an_older_database_is_backed_up_before_it_is_upgraded(
    empty_db_url: str, tmp_path: Path, monkeypatch, fresh
) -> None:
    db_url = empty_db_url
    monkeypatch.setenv(backups.BACKUP_DIR_VAR, str(tmp_path / "auto"))
    engine = _older_database_with_a_hub(db_url)
    assert cli.main(["--db", db_url, "hubs"]) == 0
    assert db.current_revision(engine) == db.head_revision()
    (made,) = list((tmp_path / "auto").iterdir())
    assert "before-upgrade" in made.name
    assert made.suffix == (".sqlite3" if db_url.startswith("sqlite") else ".jsonl")
    check = fresh(tmp_path / "check.sqlite3")
    assert backups.restore(check, made).schema == OLDER
    assert [h["name"] for h in backups.dump(check)["hubs"]] == ["Old Hub"]
    engine.dispose()
    check.dispose()


def test_a_half_made_database_holding_rows_is_refused_by_the_cli_with_a_way_out(sqlite_url, capsys) -> None:
    from models.entities import Base

    engine = db.make_engine(sqlite_url)
    Base.metadata.create_all(engine, tables=Base.metadata.sorted_tables[:5])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO hubs (name, area, address, postcode) VALUES ('Kept', '', '', '')"))
    capsys.readouterr()
    assert cli.main(["--db", sqlite_url, "demo"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "left half-made by an interrupted start of an older Hub Scheduler" in line
    assert "move it aside (or choose another database with --db) and start again" in line
    engine.dispose()


def test_a_backup_onto_the_live_database_file_is_refused(demo_sqlite_url: str) -> None:
    engine = db.make_engine(demo_sqlite_url)
    before = backups.dump(engine)
    with pytest.raises(BackupError, match="onto itself"):
        backups.backup(engine, db.sqlite_path(demo_sqlite_url))
    assert backups.dump(engine) == before
    engine.dispose()
