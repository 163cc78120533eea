"""Engines, session factories and schema migration.

Owns: turning a database URL into a configured engine (SQLite pragmas, PostgreSQL driver), the default
embedded database location, and running Alembic migrations. Nothing here runs at import time: the
composition roots (CLI, GUI) call these functions once and pass the results down.
Must not import: scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

ENV_VAR = "HUBSCHED_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseUrlError(ValueError):
    """The database URL cannot be understood."""


def default_url() -> str:
    """The embedded SQLite database in the platform's per-user data folder."""
    folder = Path(user_data_dir("hub-scheduler", "Hub Scheduler"))
    return f"sqlite:///{folder / 'hubsched.sqlite3'}"


def resolve_url(explicit: str | None) -> str:
    """`--db` wins, then $HUBSCHED_DB, then the embedded default."""
    return explicit or os.environ.get(ENV_VAR) or default_url()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False, connect_timeout: float | None = None) -> Engine:
    """An engine for `url`; `postgresql://` URLs use psycopg 3. The SQLite file's folder is created.
    `connect_timeout` (seconds) bounds each new server connection, so a server that accepts the connection
    but never answers is given up on instead of hanging the caller."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, echo=echo, connect_args={"timeout": connect_timeout} if connect_timeout else {}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        # libpq counts whole seconds and treats under 2 as 2.
        connect_args = {"connect_timeout": max(2, round(connect_timeout))} if connect_timeout else {}
        return create_engine(parsed, echo=echo, pool_pre_ping=True, connect_args=connect_args)
    except Exception as exc:  # an unknown driver name, a missing DBAPI
        raise DatabaseUrlError(f"cannot use database URL {parsed.render_as_string()!r}: {exc}") from exc


def display_url(url: str) -> str:
    """The URL as messages show it: without its password; a malformed URL as typed."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` with Alembic."""
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
