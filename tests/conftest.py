"""Shared fixtures: offscreen Qt, a real PostgreSQL server per test session, fresh databases per test.

Persistence tests take the `db_url` fixture, which runs them twice: on a temporary SQLite file and on a
new database in the real PostgreSQL server that this session starts (tests/pg_server.py). When the
server cannot start, the PostgreSQL variants fail with the reason; they are never skipped.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports PySide6
# Automatic backups made by session-wide fixtures go to a temporary folder, never the user's data folder.
os.environ.setdefault("HUBSCHED_BACKUP_DIR", __import__("tempfile").mkdtemp(prefix="hubsched-test-backups-"))

import fcntl
import gc
import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from models import db
from tests.pg_server import TemporaryPostgres

# The suite's boroughs are dated 2026-2027; the bookable window (1 year back by default) must not make them
# unbookable when the suite runs in a later year. Tests of the window itself set it explicitly.
os.environ.setdefault("HUBSCHED_BOOKING_YEARS_BACK", "50")

# Property tests explore the same examples on every run: a failure on CI is a failure on every machine.
settings.register_profile("hubsched", derandomize=True, print_blob=True)
settings.load_profile("hubsched")

_database_numbers = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deal the slow tests out to the fronts of the workers' first slices.

    pytest-xdist's worksteal gives each worker an equal, contiguous slice of the collected tests and lets
    the idle ones steal from the others' ends. A slow test late in a slice ran last while the other
    workers had finished (on a busy machine a slow test takes a minute or more); dealt out first, the
    slow tests overlap and the fast ones fill in around them. The order is the same on every worker.
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    slow = [item for item in items if item.get_closest_marker("slow")]
    if workers < 2 or not slow:
        return
    rest = iter([item for item in items if not item.get_closest_marker("slow")])
    size = -(-len(items) // workers)
    ordered: list[pytest.Item] = []
    for worker in range(workers):
        mine = slow[worker::workers]
        ordered += mine + list(itertools.islice(rest, max(0, size - len(mine))))
    items[:] = ordered + list(rest)


FREEZE_EVERY = 25
_tests_run = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Every 25 tests, collect and then freeze what is still alive (modules, caches, the worker's engines).

    A full garbage collection walks every object the collector tracks. A worker holds Qt, OR-Tools,
    SQLAlchemy and the tests' modules, half a million objects, and walked them thousands of times: about
    a sixth of a GUI test's CPU. Frozen objects are left out of later walks (`gc.freeze`, as the app does
    after start-up); what a test makes afterwards is still collected as before.
    """
    yield
    if next(_tests_run) % FREEZE_EVERY == 0:
        gc.collect()
        gc.freeze()
    return None


@pytest.fixture(autouse=True)
def _backups_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Automatic backups (daily, before upgrades) go to a temporary folder, never the user's data folder.

    The first-of-the-day backup is off: each test's database is new, so every command and window would
    copy and verify it first (a fifth of a GUI test's time). tests/scheduler/test_backup.py turns it on to
    test it.
    """
    monkeypatch.setenv("HUBSCHED_BACKUP_DIR", str(tmp_path_factory.mktemp("backups")))
    monkeypatch.setenv("HUBSCHED_DAILY_BACKUP", "0")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryPostgres]:
    server = TemporaryPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


TEMPLATE = "hubsched_template"


def _admin(server: TemporaryPostgres) -> Engine:
    return create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")


def new_pg_database(server: TemporaryPostgres, template: str | None = None) -> str:
    name = f"hubsched_test_{os.getpid()}_{next(_database_numbers)}"
    admin = _admin(server)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return server.url(name)


def drop_pg_database(server: TemporaryPostgres, url: str) -> None:
    """Drop a test's database, so the server's data folder stays small and its teardown quick."""
    name = url.rsplit("/", 1)[1]
    admin = _admin(server)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_server: TemporaryPostgres) -> str:
    """A database at the schema's head, copied (CREATE DATABASE … TEMPLATE) for each PostgreSQL test."""
    url = new_pg_database(pg_server)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    admin = _admin(pg_server)
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" RENAME TO "{TEMPLATE}"'))
    admin.dispose()
    return TEMPLATE


def made_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[str], None]) -> Path:
    """A file that `make(url)` writes into a new SQLite database, made by the first test worker that asks.

    The workers of one run share the parent of their temporary folders; the others wait on a lock and
    find the file made. Each of them copies it before use, so it is only ever read.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    path = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            making = root / f"{name}.making"
            making.unlink(missing_ok=True)
            make(f"sqlite:///{making}")
            os.replace(making, path)
    return path


def _migrate(url: str) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the schema's head, copied for each SQLite test (migrating takes longer than copying)."""
    return made_once_per_run(tmp_path_factory, "template.sqlite3", _migrate)


class WorkerDatabase:
    """One PostgreSQL database per test worker at the schema's head, emptied after each test.

    Copying the template (CREATE DATABASE … TEMPLATE) and dropping it took about a third of a second per
    test. Emptying the tables a test filled and setting every sequence back to 1 leaves the same state:
    DELETE takes about 4 ms and TRUNCATE about 65 ms of the server's CPU (it makes new files for every
    table and index). So the tables are emptied with DELETE, and with TRUNCATE after every
    `TRUNCATE_EVERY`th test, which drops the deleted rows a seq scan would otherwise still read. Rows come
    back in insertion order either way, as in a new database, so a query without ORDER BY behaves as it
    would there: without VACUUM (the test server runs no autovacuum) no deleted row's space is reused. A
    test that changed the schema (a migration test, a newer version stamped in) or left a lock behind gets
    a fresh copy of the template instead.
    """

    TRUNCATE_EVERY = 10

    def __init__(self, server: TemporaryPostgres, template: str) -> None:
        self._server, self._template = server, template
        self._resets = 0
        self.url = new_pg_database(server, template)
        self.engine = db.make_engine(self.url)
        with self.engine.connect() as connection:
            self._shape = self._shape_of(connection)

    @staticmethod
    def _shape_of(connection) -> tuple[str | None, frozenset[str]]:
        from sqlalchemy import inspect

        return db._revision_of(connection), frozenset(inspect(connection).get_table_names())

    def reset(self) -> None:
        from models.entities import Base

        try:
            with self.engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                if self._shape_of(connection) != self._shape:
                    raise LookupError("the schema changed")
                # Only the tables holding rows; DELETE children before parents (foreign keys).
                tables = [table.name for table in Base.metadata.sorted_tables]
                holding = connection.execute(
                    text("SELECT " + ", ".join(f'EXISTS (SELECT FROM "{name}")' for name in tables))
                ).one()
                filled = [name for name, has_rows in zip(tables, holding, strict=True) if has_rows]
                self._resets += 1
                if filled and self._resets % self.TRUNCATE_EVERY == 0:
                    connection.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in filled) + " CASCADE"))
                else:
                    for name in reversed(filled):
                        connection.execute(text(f'DELETE FROM "{name}"'))
                # Every sequence back to 1 in one statement (one round trip rather than one per table).
                connection.execute(
                    text(
                        "SELECT setval(format('%I', sequencename), 1, false) FROM pg_sequences "
                        "WHERE schemaname = 'public'"
                    )
                )
        except Exception:  # a changed schema or a lock left behind: start again from the template
            self.engine.dispose()
            drop_pg_database(self._server, self.url)
            name = self.url.rsplit("/", 1)[1]
            admin = _admin(self._server)
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"'))
            admin.dispose()
            self.engine.dispose()
        # Otherwise the engine's pooled connection stays open for the next test (rolled back, holding no
        # lock): a new server backend per test read the catalogue again, half of the server's CPU.


@pytest.fixture(scope="session")
def pg_worker_database(pg_server: TemporaryPostgres, pg_template: str) -> Iterator[WorkerDatabase]:
    worker = WorkerDatabase(pg_server, pg_template)
    yield worker
    worker.engine.dispose()


class WorkerSqliteFile:
    """One SQLite path per test worker, given a new copy of the template (a new file) before each test.

    The path stays the same, so one engine serves every test and its statements compile once; each test
    still gets a file of its own: the copy replaces the path (a connection some test left open keeps the
    old file), and the engine's connections are closed first.
    """

    def __init__(self, folder: Path, template: Path) -> None:
        self._template, self.path = template, folder / "hubsched.sqlite3"
        self.url = f"sqlite:///{self.path}"
        self.engine = db.make_engine(self.url)

    def fresh(self) -> str:
        self.engine.dispose()
        for leftover in (self.path.with_name(self.path.name + s) for s in ("-journal", "-wal", "-shm")):
            leftover.unlink(missing_ok=True)
        copy = self.path.with_name("copy.sqlite3")
        shutil.copyfile(self._template, copy)
        os.replace(copy, self.path)
        return self.url


@pytest.fixture(scope="session")
def sqlite_worker_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> WorkerSqliteFile:
    return WorkerSqliteFile(tmp_path_factory.mktemp("worker-db"), sqlite_template)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database at the schema's head with no rows: a new copy of the SQLite template, or this worker's
    PostgreSQL database, emptied again after the test."""
    if request.param == "sqlite":
        worker_file: WorkerSqliteFile = request.getfixturevalue("sqlite_worker_file")
        yield worker_file.fresh()
        worker_file.engine.dispose()
        return
    worker: WorkerDatabase = request.getfixturevalue("pg_worker_database")
    yield worker.url
    worker.reset()


DEMO_TEMPLATE = "hubsched_demo_template"


def _load_demo(url: str) -> None:
    from resources import locate
    from scheduler.bootstrap import bootstrap
    from scheduler.services.demo import read_demo_file

    engine = db.make_engine(url)
    db.upgrade(engine)
    bootstrap(db.make_session_factory(engine), "demo").demo.load(read_demo_file(locate("demo/borough.yaml")))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo borough in a SQLite file, loaded once per test run (a load takes seconds, a copy none)."""
    return made_once_per_run(tmp_path_factory, "demo-template.sqlite3", _load_demo)


@pytest.fixture(scope="session")
def pg_demo_template(pg_server: TemporaryPostgres) -> str:
    """The demo borough in a PostgreSQL database, loaded once and copied (CREATE DATABASE … TEMPLATE)."""
    url = new_pg_database(pg_server)
    _load_demo(url)
    admin = _admin(pg_server)
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" RENAME TO "{DEMO_TEMPLATE}"'))
    admin.dispose()
    return DEMO_TEMPLATE


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database holding the demo borough, as loaded by `hubsched demo`: SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "demo.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_demo_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    url = new_pg_database(server, request.getfixturevalue("pg_demo_template"))
    yield url
    drop_pg_database(server, url)


@pytest.fixture
def demo_sqlite_url(sqlite_demo_template: Path, tmp_path) -> str:
    """A SQLite file holding the demo borough, for command-line tests that start from `hubsched demo`."""
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(sqlite_demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo_engine(demo_db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(demo_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_sessions(demo_engine: Engine) -> sessionmaker[Session]:
    """Sessions on a fresh copy of the demo borough, on SQLite and on PostgreSQL."""
    return db.make_session_factory(demo_engine)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A SQLite file that does not exist yet (first-start tests, and tests that make the schema themselves)."""
    return f"sqlite:///{tmp_path / 'hubsched.sqlite3'}"


@pytest.fixture
def migrated_sqlite_url(sqlite_template: Path, tmp_path) -> str:
    """A SQLite file at the schema's head with no rows (a copy of the template: migrating takes longer)."""
    path = tmp_path / "hubsched.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on `db_url` (at the schema's head already): the worker's one engine for its database, so
    statements compile once per worker, not once per test (the SQLite worker file's engine is disposed
    with the file, PostgreSQL's keeps its pooled connection)."""
    worker: WorkerDatabase | WorkerSqliteFile = request.getfixturevalue(
        "pg_worker_database" if db_url.startswith("postgresql") else "sqlite_worker_file"
    )
    # (A module may give db_url another database, the demo's copy for instance: that one gets its own.)
    if db_url == worker.url:
        yield worker.engine
        return
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return db.make_session_factory(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A database with no schema at all (a new SQLite file, a new PostgreSQL database): first-start tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return new_pg_database(request.getfixturevalue("pg_server"))
