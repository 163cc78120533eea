"""The CLI's answers to bad targets, bad values and unusable databases: one honest line, nothing changed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from models import db
from scheduler import backup as backups
from scheduler import cli
from tests.builders import make_borough

ROOT = Path(__file__).resolve().parents[2]
BOOK = ["book", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--org", "Ilford Food Pantry"]


@pytest.fixture
def url(db_url: str) -> str:
    engine = db.make_engine(db_url)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    return db_url


def _dump(url: str) -> dict:
    engine = db.make_engine(url)
    try:
        return backups.dump(engine)
    finally:
        engine.dispose()


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    captured = capsys.readouterr()
    assert status == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_a_date_far_in_the_future_is_refused_not_overflowed(url: str, capsys) -> None:
    line = _refused(capsys, "--db", url, "occurrences", "--from", "2026-09-01", "--to", "9999-12-31")
    assert "'9999-12-31' is out of range (1900-01-01 to 2999-12-31)" in line


def test_a_start_time_with_an_offset_is_refused(url: str, capsys) -> None:
    before = _dump(url)
    args = [*BOOK, "--title", "Pantry", "--date", "2027-01-15", "--start", "10:00+05:00", "--duration", "60"]
    line = _refused(capsys, "--db", url, *args)
    assert "'10:00+05:00' has a UTC offset" in line
    assert _dump(url) == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2099-01-02"])
def test_bookings_far_outside_the_bookable_dates_are_refused(url: str, day: str, capsys) -> None:
    before = _dump(url)
    _refused(capsys, "--db", url, *BOOK, "--title", "Pantry", "--date", day, "--start", "10:00", "--duration", "60")
    assert _dump(url) == before


def test_over_long_titles_are_refused_alike_on_both_databases(url: str, capsys) -> None:
    before = _dump(url)
    args = [*BOOK, "--date", "2027-01-15", "--start", "10:00", "--duration", "60"]
    line = _refused(capsys, "--db", url, *args, "--title", "x" * 100_000)
    assert line.endswith("--title is 100000 characters long; the most is 160")
    line = _refused(capsys, "--db", url, *args, "--title", "Pantry\x1b[31m")
    assert "control or invisible character" in line
    assert _dump(url) == before


def test_an_empty_db_url_is_an_error(capsys, monkeypatch) -> None:
    assert "--db is empty" in _refused(capsys, "--db", "", "hubs")
    monkeypatch.setenv(db.ENV_VAR, "")
    assert "HUBSCHED_DB is set but empty" in _refused(capsys, "hubs")


def test_a_folder_that_is_a_file_is_refused(capsys) -> None:
    line = _refused(capsys, "--db", "sqlite:////etc/hostname/x.db", "hubs")
    assert line == (
        "hubsched: error: cannot use database file /etc/hostname/x.db: the folder /etc/hostname is not a folder"
    )


def test_a_missing_folder_is_refused_and_never_created(tmp_path: Path, capsys, monkeypatch) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    monkeypatch.setenv(db.ENV_VAR, f"sqlite:///{missing / 'x.db'}")
    line = _refused(capsys, "hubs")
    assert line.endswith(f"the folder {missing} does not exist")
    assert not missing.parent.exists()


def test_a_garbage_file_is_named_as_not_a_database_and_left_alone(tmp_path: Path, capsys) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(bytes(range(256)) * 20)
    line = _refused(capsys, "--db", f"sqlite:///{garbage}", "hubs")
    assert line.endswith("the file is not an SQLite database")
    assert "refused the change" not in line
    assert garbage.read_bytes() == bytes(range(256)) * 20


def test_a_long_held_writer_is_reported_as_a_busy_database(sqlite_url: str, capsys, monkeypatch) -> None:
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    before = _dump(sqlite_url)
    monkeypatch.setenv(db.BUSY_TIMEOUT_VAR, "200")
    holder = sqlite3.connect(db.sqlite_path(sqlite_url), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
    try:
        args = [*BOOK, "--title", "Pantry", "--date", "2027-01-15", "--start", "12:00", "--duration", "60"]
        line = _refused(capsys, "--db", sqlite_url, *args)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert line == (
        "hubsched: error: The database is busy: another program has been writing to it for longer than we wait; "
        "nothing was changed. Try again when it has finished."
    )
    assert _dump(sqlite_url) == before


def test_a_newer_schema_is_refused_with_one_sentence_and_never_written(url: str, capsys) -> None:
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    before = _dump(url)
    expected = (
        "hubsched: error: This database was upgraded by a newer Hub Scheduler (schema 0099); "
        "please upgrade Hub Scheduler"
    )
    for command in (["hubs"], ["db", "upgrade"], ["demo", "--reset", "--yes"], ["backup", os.devnull + ".x"]):
        assert _refused(capsys, "--db", url, *command) == expected
    assert _dump(url) == before
    engine = db.make_engine(url)
    assert db.current_revision(engine) == "0099"
    engine.dispose()


def _as_nobody() -> None:  # pragma: no cover - runs in the child process
    os.setgid(65534)
    os.setuid(65534)


def test_a_database_in_a_read_only_folder_can_be_listed() -> None:
    # Not under pytest's tmp_path: its parents are private to the test runner's user.
    tmp_path = Path(tempfile.mkdtemp(prefix="hubsched-readonly-"))
    folder = tmp_path / "readonly"
    folder.mkdir()
    url = f"sqlite:///{folder / 'hubsched.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    # root ignores folder permissions: run the command as an ordinary user then, as a manager would.
    preexec = _as_nobody if os.geteuid() == 0 else None
    env = {**os.environ, "HOME": str(tmp_path), "HUBSCHED_BACKUP_DIR": str(tmp_path / "backups")}
    if preexec is not None:
        (tmp_path / "backups").mkdir(mode=0o777)
        (tmp_path / "backups").chmod(0o777)
    command = [sys.executable, "-c", "import sys; from desktop_app.launcher import main; sys.exit(main())"]
    try:
        listed = subprocess.run(
            [*command, "--db", url, "hubs"], capture_output=True, text=True, cwd=ROOT, env=env, preexec_fn=preexec
        )
        assert listed.returncode == 0, listed.stderr
        assert "Main Hall" in listed.stdout
        booked = subprocess.run(
            [
                *command,
                "--db",
                url,
                *BOOK,
                "--title",
                "P",
                "--date",
                "2027-01-15",
                "--start",
                "12:00",
                "--end",
                "13:00",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            preexec_fn=preexec,
        )
        assert booked.returncode == 2
        assert booked.stderr.strip().splitlines() == [
            f"hubsched: error: cannot change database {url}: it can only be read here "
            "(attempt to write a readonly database)"
        ]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(tmp_path)


def test_concurrent_first_starts_on_one_new_file_both_succeed(tmp_path: Path) -> None:
    """Two processes creating the schema at once: the second waits for the first, then finds it done."""
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    results: list[int] = []

    def start() -> None:
        engine = db.make_engine(url)
        try:
            db.upgrade(engine)
            results.append(0)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [0, 0, 0]
    engine = db.make_engine(url)
    assert db.is_current(engine)
    engine.dispose()
