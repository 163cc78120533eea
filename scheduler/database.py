"""Opening a database for the CLI and the desktop app, and saying plainly why one cannot be used.

Owns: the start-up sequence both composition roots share: a URL that is not empty and names an existing
folder; a schema this version knows (a newer one is refused before anything is written); the automatic
backup before a migration and the daily one; the migration itself (one transaction, see models.db); and
`describe_database_error`, which words a driver error as one honest sentence.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models import db
from scheduler.backup import BackupPolicy
from scheduler.errors import ConcurrentSave, DatabaseBusy, DatabaseUnavailable, HubSchedError, NewerSchema
from scheduler.services.unit_of_work import is_sqlite_busy, is_transient


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    backups: BackupPolicy | None
    made_backups: list[Path] = field(default_factory=list)

    def close(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


OPEN_WORDING = "cannot open database {url}"


def describe_database_error(exc: BaseException, url: str, *, opening: str = OPEN_WORDING) -> HubSchedError:
    """The typed error, with one sentence, for a driver error that reached a composition root.

    `opening` starts the sentence when the database could not be opened ("cannot open database {url}").
    """
    shown = db.display_url(url)
    cannot_open = opening.format(url=shown)
    if isinstance(exc, HubSchedError):
        return exc
    if isinstance(exc, db.NewerSchema):
        return NewerSchema(exc.revision)
    if isinstance(exc, db.SchemaError | db.DatabaseUrlError):
        return DatabaseUnavailable(f"cannot use database {shown}: {exc}")
    if is_sqlite_busy(exc):
        return DatabaseBusy()
    if is_transient(exc):
        return ConcurrentSave()
    reason = _first_line(exc)
    if "file is not a database" in reason or "file is encrypted" in reason:
        return DatabaseUnavailable(f"{cannot_open}: the file is not an SQLite database")
    if "readonly database" in reason or "read-only" in reason:
        return DatabaseUnavailable(f"cannot change database {shown}: it can only be read here ({reason})")
    if "unable to open database file" in reason:
        return DatabaseUnavailable(f"{cannot_open}: the file cannot be opened or created there")
    if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError):
        return DatabaseUnavailable(f"the database {shown} refused the change: {reason}")
    return DatabaseUnavailable(f"{cannot_open}: {reason}")


def open_database(
    url: str,
    *,
    backups: BackupPolicy | None = None,
    migrate: bool = True,
    opening: str = OPEN_WORDING,
    connect_timeout: float | None = None,
) -> Database:
    """Engine and sessions for `url` with the schema at head (created or upgraded when `migrate`).

    Raises DatabaseUnavailable (NewerSchema for a database from a newer version) with one sentence.
    `connect_timeout` (seconds) bounds each new server connection.
    """
    try:
        engine = db.make_engine(url, connect_timeout=connect_timeout)
    except db.DatabaseUrlError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    database = Database(url, engine, db.make_session_factory(engine), backups)
    try:
        ready(database, migrate=migrate)
    except (SQLAlchemyError, db.SchemaError) as exc:
        engine.dispose()
        reason = _first_line(exc).lower()
        if connect_timeout and ("timeout" in reason or "timed out" in reason):
            raise DatabaseUnavailable(
                f"the database server at {db.display_url(url)} did not answer within {connect_timeout:g} seconds; "
                "check that it is running and reachable, or choose another database in the settings"
            ) from None
        raise describe_database_error(exc, url, opening=opening) from None
    except BaseException:
        engine.dispose()
        raise
    return database


def ready(database: Database, *, migrate: bool = True) -> None:
    """Refuse a newer schema; back up then migrate an older one; make the daily backup when due."""
    engine, url = database.engine, database.url
    revision = db.current_revision(engine)
    try:
        db.check_revision(revision)
    except db.NewerSchema as exc:
        raise NewerSchema(exc.revision) from None
    policy = database.backups
    if revision != db.head_revision():
        if not migrate:
            return
        if revision is not None and policy is not None:
            _keep(database, policy.before(engine, url, "before-upgrade"))
        db.upgrade(engine)
    elif policy is not None and policy.daily_due(url):
        _keep(database, policy.before(engine, url, "daily"))


def _keep(database: Database, path: Path | None) -> None:
    if path is not None:
        database.made_backups.append(path)
