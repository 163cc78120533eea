"""Kill -9 a `hubsched` process at each step of a first start and of a restore: nothing half-done remains.

Each run is a real subprocess (tests/fault_runner.py) that sends itself SIGKILL just before its Nth
database statement or commit. Afterwards the database must be untouched or complete, and the next
command must work. First start (`hubsched demo` on a new SQLite file): every step of the schema creation
and a spread of steps through the demo load, including the ones next to each commit. Restore: a spread
of steps through the whole command, again with the commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect

from models import db
from scheduler import backup as backups
from scheduler import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _run_killed(kill_at: int, args: list[str], trace: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBSCHED_OPERATOR": "Tester", "HUBSCHED_DAILY_BACKUP": "0"}
    if trace is not None:
        env["HUBSCHED_FAULT_TRACE"] = str(trace)
    return subprocess.run(
        [sys.executable, "-m", "tests.fault_runner", str(kill_at), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _steps(args: list[str], tmp_path: Path) -> list[str]:
    trace = tmp_path / "trace.txt"
    result = _run_killed(0, args, trace)
    assert result.returncode == 0, result.stderr
    return trace.read_text().split()


def _kill_points(kinds: list[str], exhaustive_until: int, spread: int) -> list[int]:
    """Steps 1..exhaustive_until, then every `spread`-th step and the steps next to every commit."""
    total = len(kinds)
    points = set(range(1, min(exhaustive_until, total) + 1))
    points.update(range(max(1, exhaustive_until), total + 1, spread))
    for index, kind in enumerate(kinds, start=1):
        if kind == "COMMIT":
            points.update(p for p in (index - 1, index, index + 1) if 1 <= p <= total)
    return sorted(points)


def _state(url: str) -> str:
    path = db.sqlite_path(url)
    if path is not None and not path.exists():
        return "absent"
    engine = db.make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        revision = db.current_revision(engine)
        if revision is None:
            assert not tables - {"alembic_version"}, f"tables without a schema version: {sorted(tables)}"
            return "untouched"
        assert revision == db.head_revision(), revision
        dumped = backups.dump(engine)
        if not any(dumped.values()):
            return "schema only"
        assert len(dumped["hubs"]) == 6 and len(dumped["occurrences"]) == 386, "demo half loaded"
        return "complete"
    finally:
        engine.dispose()


PARTS = 4  # the kill points are shared out over four tests, so the test workers can run them side by side


@pytest.mark.parametrize("part", range(PARTS))
def test_first_start_killed_at_any_step_leaves_nothing_half_made(part: int, tmp_path: Path, capsys) -> None:
    probe = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    kinds = _steps(["--db", probe, "demo"], tmp_path)
    schema_commit = kinds.index("COMMIT") + 1
    points = _kill_points(kinds, exhaustive_until=schema_commit + 1, spread=80)[part::PARTS]

    def trial(kill_at: int) -> tuple[int, str, str]:
        url = f"sqlite:///{tmp_path / f'first-{kill_at}.sqlite3'}"
        result = _run_killed(kill_at, ["--db", url, "demo"])
        assert result.returncode == -9, (kill_at, result.returncode, result.stderr)
        return kill_at, url, _state(url)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(trial, points))

    for kill_at, _url, state in outcomes:
        # Killed before the schema's one commit: nothing at all; after it, the schema whole and no data
        # (the demo is loaded in one transaction of its own).
        expected = {"absent", "untouched"} if kill_at <= schema_commit else {"schema only"}
        assert state in expected, (kill_at, state)
    for number, (kill_at, url, before) in enumerate(outcomes):
        capsys.readouterr()
        # The next command works after every kill; the full demo load (seconds each) on a sample of them,
        # which includes the first kill that left each state.
        assert cli.main(["--db", url, "hubs"]) == 0, (kill_at, capsys.readouterr().err)
        if number % 8 == 0 or before not in {state for _, _, state in outcomes[:number]}:
            assert cli.main(["--db", url, "--operator", "Tester", "demo"]) == 0, (kill_at, capsys.readouterr().err)
            assert _state(url) == "complete", kill_at
    counts = Counter(state for _, _, state in outcomes)
    with capsys.disabled():
        print(f"\nfirst start, part {part + 1} of {PARTS}: {len(kinds)} steps, killed at {len(points)}: {dict(counts)}")


@pytest.mark.postgres
def test_first_start_on_postgresql_killed_at_any_step_leaves_nothing_half_made(
    pg_server, tmp_path: Path, capsys
) -> None:
    from tests.conftest import new_pg_database

    kinds = _steps(["--db", new_pg_database(pg_server), "demo"], tmp_path)
    schema_commit = kinds.index("COMMIT") + 1
    points = sorted(set(range(1, schema_commit + 2, 3)) | set(_kill_points(kinds, exhaustive_until=0, spread=150)))
    urls = {kill_at: new_pg_database(pg_server) for kill_at in points}

    def trial(kill_at: int) -> tuple[int, str, str]:
        result = _run_killed(kill_at, ["--db", urls[kill_at], "demo"])
        assert result.returncode == -9, (kill_at, result.returncode, result.stderr)
        return kill_at, urls[kill_at], _state(urls[kill_at])

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(trial, points))
    for number, (kill_at, url, before) in enumerate(outcomes):
        capsys.readouterr()
        assert cli.main(["--db", url, "hubs"]) == 0, (kill_at, capsys.readouterr().err)
        if number % 8 == 0 or before not in {state for _, _, state in outcomes[:number]}:
            assert cli.main(["--db", url, "--operator", "Tester", "demo"]) == 0, (kill_at, capsys.readouterr().err)
            assert _state(url) == "complete", kill_at
    counts = Counter(state for _, _, state in outcomes)
    with capsys.disabled():
        print(f"\nfirst start on PostgreSQL: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    assert set(counts) <= {"untouched", "schema only"}


def test_restore_killed_at_any_step_leaves_the_old_or_the_new_database(tmp_path: Path, capsys) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    assert cli.main(["--db", source, "--operator", "Tester", "demo"]) == 0
    saved = tmp_path / "saved.sqlite3"
    assert cli.main(["--db", source, "backup", str(saved)]) == 0
    engine = db.make_engine(source)
    new_dump = backups.dump(engine)
    engine.dispose()
    # The database to restore into differs from the backup: one more booking, so old and new are told apart.
    template = tmp_path / "template.sqlite3"
    template_url = f"sqlite:///{template}"
    assert cli.main(["--db", template_url, "--operator", "Tester", "demo"]) == 0
    book = ["book", "--hub", "Hainault Hub", "--room", "Manford Hall", "--org", "Redbridge Libraries"]
    book += ["--title", "Extra", "--date", "2027-02-09", "--start", "19:00", "--duration", "30"]
    capsys.readouterr()
    status = cli.main(["--db", template_url, "--operator", "Tester", *book])
    assert status == 0, capsys.readouterr().err
    engine = db.make_engine(template_url)
    old_dump = backups.dump(engine)
    engine.dispose()
    assert old_dump != new_dump

    def target(name: str) -> str:
        path = tmp_path / name
        path.write_bytes(template.read_bytes())
        return f"sqlite:///{path}"

    kinds = _steps(["--db", target("probe.sqlite3"), "restore", "--yes", str(saved)], tmp_path)
    points = _kill_points(kinds, exhaustive_until=0, spread=10)

    def trial(kill_at: int) -> tuple[int, str, str]:
        url = target(f"restore-{kill_at}.sqlite3")
        result = _run_killed(kill_at, ["--db", url, "restore", "--yes", str(saved)])
        assert result.returncode == -9, (kill_at, result.returncode, result.stderr)
        engine = db.make_engine(url)
        dumped = backups.dump(engine)
        engine.dispose()
        state = "old" if dumped == old_dump else "new" if dumped == new_dump else "mixed"
        return kill_at, url, state

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(trial, points))

    counts = Counter(state for _, _, state in outcomes)
    with capsys.disabled():
        print(f"\nrestore: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    assert counts["mixed"] == 0, [o for o in outcomes if o[2] == "mixed"]
    assert counts["old"] >= 1
    for kill_at, url, _state_after in outcomes:
        assert cli.main(["--db", url, "restore", "--yes", str(saved)]) == 0, kill_at
        engine = db.make_engine(url)
        assert backups.dump(engine) == new_dump, kill_at
        engine.dispose()
