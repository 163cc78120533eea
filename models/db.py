"""Engines, session factories and schema migration.

Owns: turning a database URL into a configured engine (SQLite pragmas, PostgreSQL driver), the default
embedded database location, and running Alembic migrations. Nothing here runs at import time: the
composition roots (CLI, GUI) call these functions once and pass the results down.
Must not import: scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Base

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "HUBSCHED_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# PostgreSQL advisory lock key taken for the length of a schema change, so that two first starts (or two
# upgrades) on one server run one after the other instead of both creating the same tables.
_MIGRATION_LOCK_KEY = 0x48554253  # "HUBS"


class DatabaseUrlError(ValueError):
    """The database URL cannot be understood, or names an SQLite file in a folder that does not exist."""


class SchemaError(Exception):
    """The database's schema is not one this version can use as it is."""


class NewerSchema(SchemaError):
    """The database was upgraded by a newer version; this version must not write to it."""

    def __init__(self, revision: str):
        self.revision = revision
        super().__init__(
            f"This database was upgraded by a newer Hub Scheduler (schema {revision}); please upgrade Hub Scheduler"
        )


class HalfMadeSchema(SchemaError):
    """Tables exist but no schema version was recorded, and they hold rows: refused rather than guessed at."""

    def __init__(self, tables: list[str], rows: int):
        self.tables = tables
        self.rows = rows
        super().__init__(
            f"this database was left half-made by an interrupted start of an older Hub Scheduler: it has "
            f"{len(tables)} tables but no schema version, and they hold {rows} row(s), so it was not changed; "
            "move it aside (or choose another database with --db) and start again"
        )


def data_folder() -> Path:
    """The per-user data folder holding the embedded database and its automatic backups."""
    return Path(user_data_dir("hub-scheduler", "Hub Scheduler"))


def default_url() -> str:
    """The embedded SQLite database in the platform's per-user data folder."""
    return f"sqlite:///{data_folder() / 'hubsched.sqlite3'}"


def resolve_url(explicit: str | None) -> str:
    """`--db` wins, then $HUBSCHED_DB, then the embedded default. An empty URL is an error, not the default."""
    if explicit is not None:
        if not explicit.strip():
            raise DatabaseUrlError("--db is empty: give a database URL, or leave --db out for the default database")
        return explicit
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        if not from_env.strip():
            raise DatabaseUrlError(f"${ENV_VAR} is set but empty: give a database URL or unset it")
        return from_env
    return default_url()


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL (None for PostgreSQL, in-memory databases and malformed URLs)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def _check_sqlite_folder(path: Path) -> None:
    """Create the default data folder; any other folder must already exist (never created silently)."""
    folder = path.parent
    try:
        if folder.resolve() == data_folder().resolve():
            folder.mkdir(parents=True, exist_ok=True)
            return
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise DatabaseUrlError(f"cannot use database file {path}: the folder {folder} {what}")
        if path.exists() and not path.is_file():
            raise DatabaseUrlError(f"cannot use database file {path}: it is not a file")
    except OSError as exc:
        raise DatabaseUrlError(f"cannot use database file {path}: {exc.strerror or exc}") from None


BUSY_TIMEOUT_VAR = "HUBSCHED_SQLITE_BUSY_TIMEOUT_MS"


def _busy_timeout_ms() -> int:
    try:
        return max(0, int(os.environ.get(BUSY_TIMEOUT_VAR, "10000")))
    except ValueError:
        return 10000


def _sqlite_pragmas(dbapi_connection: object, _record: object, *, read_only: bool = False) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {_busy_timeout_ms()}")
    if not read_only:
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def folder_writable(folder: Path) -> bool:
    """Whether new files can be made in `folder` (SQLite's WAL needs its -wal and -shm files there)."""
    return os.access(folder, os.W_OK | os.X_OK)


def _read_only_url(path: Path) -> str:
    """A URI opening `path` read-only. In a folder nobody can write to, nobody can change the file either,
    so it is opened as immutable: SQLite then needs no -shm file, which it could not create there."""
    from urllib.parse import quote

    return f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&immutable=1&uri=true"


def make_engine(url: str, *, echo: bool = False, connect_timeout: float | None = None) -> Engine:
    """An engine for `url`; `postgresql://` URLs use psycopg 3.

    An SQLite file's folder must exist, except the default data folder, which is created.
    `connect_timeout` (seconds) bounds each new server connection, so a server that accepts the connection
    but never answers is given up on instead of hanging the caller.
    """
    if not url.strip():
        raise DatabaseUrlError("the database URL is empty")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            _check_sqlite_folder(path)
            if path.is_file() and not folder_writable(path.parent):
                # A database in a read-only folder can still be listed; every write is refused by SQLite.
                engine = create_engine(_read_only_url(path), echo=echo)
                event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, read_only=True))
                return engine
        engine = create_engine(parsed, echo=echo, connect_args={"timeout": connect_timeout} if connect_timeout else {})
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
    from alembic.config import Config  # Alembic loads only when the schema changes

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a whole schema change, DDL included, on SQLite as on PostgreSQL.

    WORKAROUND: Python's sqlite3 module opens transactions only before INSERT/UPDATE/DELETE, so each
    CREATE TABLE of a migration commits on its own and a process killed half-way leaves half a schema.
    As in SQLAlchemy's "serializable isolation / savepoints / transactional DDL" recipe for pysqlite,
    the driver's own transaction handling is switched off for this connection and we emit BEGIN
    ourselves (IMMEDIATE: take the write lock now, so two first starts run one after the other).
    On PostgreSQL DDL is transactional already; an advisory lock serialises concurrent upgrades.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            raw = connection.connection.dbapi_connection
            saved = raw.isolation_level  # type: ignore[union-attr]
            raw.isolation_level = None  # type: ignore[union-attr]
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            finally:
                raw.isolation_level = saved  # type: ignore[union-attr]
            return
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
            yield connection


_REVISION_LINE = re.compile(r"""^(down_)?revision(?:\s*:[^=]*)?\s*=\s*(?:['"](\w+)['"]|None)""", re.MULTILINE)


@cache
def _revision_chain() -> dict[str, str | None]:
    """Each migration's revision and the one it follows, read from the migration files.

    WORKAROUND: asking Alembic (ScriptDirectory) costs a third of a second of imports on every command,
    and every command checks the schema's revision before it runs; these two assignments are all that
    check needs. tests/models/test_schema.py asserts that this agrees with Alembic's own reading.
    """
    chain: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("[0-9]*.py")):
        found = {bool(m.group(1)): m.group(2) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        chain[found[False]] = found.get(True)
    return chain


def _known_revisions() -> set[str]:
    return set(_revision_chain())


def _our_tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


def _repair_half_made(connection: Connection) -> list[str]:
    """A first start killed by an older version left some tables and no version: drop them if empty.

    Returns the tables dropped. Raises HalfMadeSchema when any of them holds a row, so nothing that may
    be someone's data is ever dropped.
    """
    present = set(inspect(connection).get_table_names())
    ours = [name for name in _our_tables() if name in present]
    if not ours:
        return []
    rows = sum(connection.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0 for name in ours)
    if rows:
        raise HalfMadeSchema(ours, rows)
    cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
    for name in reversed(ours):
        connection.exec_driver_sql(f'DROP TABLE "{name}"{cascade}')
    return ours


def check_revision(revision: str | None) -> None:
    """Raise NewerSchema when `revision` is not one of ours (written by a newer version)."""
    if revision is not None and revision not in _known_revisions():
        raise NewerSchema(revision)


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Create or upgrade the schema to `revision` with Alembic, all in one transaction.

    A database at a revision this version does not know is refused (NewerSchema) before anything is
    written. A half-made database without a version (an older version's interrupted first start) is
    repaired when its tables are empty and refused otherwise (HalfMadeSchema). Returns the tables a
    repair dropped (usually none).
    """
    from alembic import command

    with schema_transaction(engine) as connection:
        current = _revision_of(connection)
        check_revision(current)
        if current == (head_revision() if revision == "head" else revision):
            return []  # nothing to do: Alembic would load every migration file to find that out
        repaired = _repair_half_made(connection) if current is None else []
        config = _alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return repaired


def _revision_of(connection: Connection) -> str | None:
    """The revision recorded in Alembic's version table (None for a database without one)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision_of(connection)


def head_revision() -> str:
    """The newest migration: the one no other migration follows."""
    chain = _revision_chain()
    followed = set(chain.values())
    (head,) = [revision for revision in chain if revision not in followed]
    return head


def is_current(engine: Engine) -> bool:
    """True when the schema is at head. Raises NewerSchema for a database from a newer version."""
    revision = current_revision(engine)
    check_revision(revision)
    return revision == head_revision()
