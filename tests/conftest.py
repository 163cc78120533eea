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

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from models import db
from tests.pg_server import TemporaryPostgres

_database_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _backups_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Automatic backups (daily, before upgrades) go to a temporary folder, never the user's data folder."""
    monkeypatch.setenv("HUBSCHED_BACKUP_DIR", str(tmp_path_factory.mktemp("backups")))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryPostgres]:
    server = TemporaryPostgres()
    server.start()
    yield server
    server.stop()


def new_pg_database(server: TemporaryPostgres) -> str:
    name = f"hubsched_test_{os.getpid()}_{next(_database_numbers)}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hubsched.sqlite3'}"
    return new_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hubsched.sqlite3'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
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
