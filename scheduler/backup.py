"""Backups, restores and full dumps of a Hub Scheduler database, on SQLite and PostgreSQL alike.

Owns:
- `backup(engine, path)`: an SQLite file (SQLite's online backup API, consistent while the app runs)
  or, for a `.jsonl` path and by default on PostgreSQL, a portable logical export of every table: one
  JSON line per row between a header (format, schema revision, row counts) and a trailer (the total),
  so a cut-off file is recognised. Either kind restores into SQLite or PostgreSQL.
- `restore(engine, path)`: verifies the file completely first (readable, integrity, a schema revision
  this version knows, every row loadable, counts matching) by loading it into a temporary SQLite
  database upgraded to the current schema; only then replaces every row of the target in ONE transaction.
- automatic backups (`BackupPolicy`): before a migration, a `demo --reset` and a restore, and once a day,
  keeping the last N per database in the data folder next to the default database.
- `dump(engine)`: every row of every table as plain JSON-able data, for comparing two databases.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, MetaData, Table, Time, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.entities import Base
from models.types import UTCDateTime
from scheduler.errors import BackupError

FORMAT = "hub-scheduler-backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
BACKUP_DIR_VAR = "HUBSCHED_BACKUP_DIR"
BACKUP_KEEP_VAR = "HUBSCHED_BACKUP_KEEP"
DAILY_VAR = "HUBSCHED_DAILY_BACKUP"
_CHUNK = 500


# -- values ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _aware(text_value: str) -> datetime:
    value = datetime.fromisoformat(text_value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, UTCDateTime):
        return _aware
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    if isinstance(column_type, Time):
        return time.fromisoformat
    return lambda v: v


def _rows(connection: Any, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        yield {key: _encode(value) for key, value in row.items()}


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (primary-key order, values as JSON text would hold them)."""
    with engine.connect() as connection:
        return {table.name: list(_rows(connection, table)) for table in Base.metadata.sorted_tables}


def has_data(engine: Engine) -> bool:
    """True when any of our tables holds a row (a new, empty database has nothing to back up)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return any(
            connection.scalar(select(table.c[next(iter(table.columns.keys()))]).limit(1)) is not None
            for table in Base.metadata.sorted_tables
            if table.name in present
        )


# -- writing backups ------------------------------------------------------------------------------------


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith(".jsonl")


def _temporary_beside(path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    return Path(name)


def _check_target(path: Path) -> None:
    if not path.parent.is_dir():
        raise BackupError(f"cannot write the backup {path}: the folder {path.parent} does not exist")
    if path.exists() and not path.is_file():
        raise BackupError(f"cannot write the backup {path}: it is not a file")


def backup(engine: Engine, path: Path) -> Path:
    """Write a backup of the database at `engine` to `path` (replaced only once complete)."""
    path = Path(path)
    _check_target(path)
    live = engine.url.database if engine.dialect.name == "sqlite" else None
    if live and Path(live.removeprefix("file:").split("?")[0]).resolve() == path.resolve():
        raise BackupError(f"cannot back up {path} onto itself: choose another file")
    partial = _temporary_beside(path)
    try:
        if _is_jsonl(path):
            _export_jsonl(engine, partial)
        elif engine.dialect.name == "sqlite":
            _sqlite_online_backup(engine, partial)
        else:
            partial.unlink()
            target = db.make_engine(f"sqlite:///{partial}")
            try:
                _copy_as_stored(engine, target)
            finally:
                target.dispose()
        os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"cannot write the backup {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return path


def _sqlite_online_backup(engine: Engine, target: Path) -> None:
    """SQLite's backup API copies a consistent snapshot even while other connections write."""
    source = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            source.driver_connection.backup(destination)  # type: ignore[union-attr]
            destination.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            destination.close()
    finally:
        source.close()


def _tables_as_stored(connection: Any) -> list[Table]:
    """The database's own tables, read from the database, parents first.

    An automatic backup is made *before* an upgrade, so the schema may be older than this version's
    models: its columns are read from the database itself, never assumed from the current models.
    """
    present = set(inspect(connection).get_table_names())
    stored = MetaData()
    stored.reflect(bind=connection, only=[t.name for t in Base.metadata.sorted_tables if t.name in present])
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    return sorted(stored.tables.values(), key=lambda t: order[t.name])


def _export_jsonl(engine: Engine, target: Path) -> None:
    # REPEATABLE READ on PostgreSQL: every table read from one snapshot while others keep writing.
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        tables = _tables_as_stored(connection)
        counts = {t.name: connection.scalar(select(func.count()).select_from(t)) for t in tables}
        with target.open("w", encoding="utf-8") as out:
            header = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "schema": revision,
                "created_at": datetime.now(UTC).isoformat(),
                "counts": counts,
            }
            out.write(json.dumps(header) + "\n")
            total = 0
            for table in tables:
                for row in _rows(connection, table):
                    out.write(json.dumps({"t": table.name, "r": row}, ensure_ascii=False) + "\n")
                    total += 1
            out.write(json.dumps({"end": True, "rows": total}) + "\n")
            out.flush()
            os.fsync(out.fileno())


def _naive_utc(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _copy_as_stored(source: Engine, target: Engine) -> None:
    """Copy a database, at whatever schema it is, into a new SQLite database at the same schema."""
    with source.connect() as reader:
        revision = reader.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.upgrade(target, revision)
        tables = _tables_as_stored(reader)
        with target.begin() as writer:
            stored = MetaData()
            for table in tables:
                into = Table(table.name, stored, autoload_with=writer)
                rows = [{k: _naive_utc(v) for k, v in row.items()} for row in reader.execute(select(table)).mappings()]
                for start in range(0, len(rows), _CHUNK):
                    writer.execute(insert(into), rows[start : start + _CHUNK])


def _copy_rows(source: Engine, target: Engine, *, replace: bool = False) -> None:
    """Copy every row from `source` into `target` (both at the current schema) in one transaction."""
    tables = Base.metadata.sorted_tables
    with source.connect() as reader, target.begin() as writer:
        if replace:
            for table in reversed(tables):
                writer.execute(table.delete())
        for table in tables:
            batch: list[dict[str, Any]] = []
            for row in reader.execute(select(table)).mappings():
                batch.append(dict(row))
                if len(batch) >= _CHUNK:
                    writer.execute(insert(table), batch)
                    batch = []
            if batch:
                writer.execute(insert(table), batch)
        if target.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.primary_key:
                    writer.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
                        )
                    )


# -- reading and verifying backups ---------------------------------------------------------------------


@dataclass
class VerifiedBackup:
    """A backup loaded into a temporary SQLite database at the current schema, ready to restore from."""

    path: Path
    schema: str
    rows: int
    engine: Engine
    _folder: tempfile.TemporaryDirectory = field(repr=False)

    def close(self) -> None:
        self.engine.dispose()
        self._folder.cleanup()


def _not_a_backup(path: Path, reason: str) -> BackupError:
    return BackupError(f"{path} is not a usable Hub Scheduler backup: {reason}; nothing was changed")


def verify(path: Path) -> VerifiedBackup:
    """Load `path` completely into a temporary database; raise BackupError naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    folder = tempfile.TemporaryDirectory(prefix="hubsched-restore-")
    staging = Path(folder.name) / "staging.sqlite3"
    engine: Engine | None = None
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
        schema = _stage_sqlite(path, staging) if magic == SQLITE_MAGIC else None
        engine = db.make_engine(f"sqlite:///{staging}")
        if schema is None:
            schema = _stage_jsonl(path, engine)
        db.upgrade(engine)  # an older backup is brought up to this version's schema
        rows = sum(len(v) for v in dump(engine).values())
        return VerifiedBackup(path, schema, rows, engine, folder)
    except BackupError:
        if engine is not None:
            engine.dispose()
        folder.cleanup()
        raise
    except db.NewerSchema as exc:
        if engine is not None:
            engine.dispose()
        folder.cleanup()
        raise BackupError(
            f"{path} was made by a newer Hub Scheduler (schema {exc.revision}); please upgrade Hub Scheduler "
            "to restore it; nothing was changed"
        ) from None
    except (OSError, SQLAlchemyError, sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        if engine is not None:
            engine.dispose()
        folder.cleanup()
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        raise _not_a_backup(path, reason) from None


def _stage_sqlite(path: Path, staging: Path) -> str:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(staging)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode = DELETE")
            check = destination.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise _not_a_backup(path, f"the SQLite file is damaged ({check})")
            try:
                revision = destination.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.Error:
                revision = None
        finally:
            destination.close()
    finally:
        source.close()
    if not revision:
        raise _not_a_backup(path, "it has no Hub Scheduler schema version")
    db.check_revision(revision[0])
    return str(revision[0])


def _stage_jsonl(path: Path, engine: Engine) -> str:
    with path.open("r", encoding="utf-8") as lines:
        try:
            header = json.loads(lines.readline())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _not_a_backup(path, "it is neither an SQLite file nor a Hub Scheduler export") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise _not_a_backup(path, "it is neither an SQLite file nor a Hub Scheduler export")
        if header.get("version") != FORMAT_VERSION:
            raise _not_a_backup(path, f"export format {header.get('version')!r} is not one this version reads")
        schema = header.get("schema")
        if not isinstance(schema, str):
            raise _not_a_backup(path, "the export names no schema revision")
        db.check_revision(schema)
        db.upgrade(engine, schema)  # the staging database at the backup's own schema
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        staged, present = MetaData(), set(inspect(engine).get_table_names())
        reflected = {name: Table(name, staged, autoload_with=engine) for name in tables if name in present}
        counts: dict[str, int] = {}
        total, ended = 0, False
        with engine.begin() as connection:
            pending: dict[str, list[dict[str, Any]]] = {}
            for number, line in enumerate(lines, start=2):
                if ended:
                    raise _not_a_backup(path, f"line {number} follows the end marker")
                item = json.loads(line)
                if item.get("end"):
                    ended = True
                    if item.get("rows") != total:
                        raise _not_a_backup(path, f"the end marker says {item.get('rows')} rows, the file has {total}")
                    continue
                name, row = item["t"], item["r"]
                if name not in reflected or not isinstance(row, dict):
                    raise _not_a_backup(path, f"line {number}: unknown table {name!r}")
                table = reflected[name]
                head_columns = tables[name].c
                decoded = {
                    key: (None if value is None else _decoder(head_columns[key].type)(value))
                    if key in head_columns
                    else value
                    for key, value in row.items()
                    if key in table.c
                }
                pending.setdefault(name, []).append(decoded)
                if len(pending[name]) >= _CHUNK:
                    connection.execute(insert(table), pending.pop(name))
                counts[name] = counts.get(name, 0) + 1
                total += 1
            # Parents before children: flush in the schema's dependency order.
            for name in tables:
                if pending.get(name):
                    connection.execute(insert(reflected[name]), pending.pop(name))
        if not ended:
            raise _not_a_backup(path, "it is cut off (no end marker)")
        expected = {k: v for k, v in (header.get("counts") or {}).items() if v}
        if expected != counts:
            raise _not_a_backup(path, "its row counts do not match its header")
    return schema


def restore(engine: Engine, path: Path) -> VerifiedBackup:
    """Replace every row of the database at `engine` by the backup's, in one transaction.

    The file is verified completely before anything is touched; the caller makes the automatic backup
    of the current contents first (see `BackupPolicy.before`). Returns the (closed) verified backup.
    """
    verified = verify(path)
    try:
        _copy_rows(verified.engine, engine, replace=True)
    finally:
        verified.close()
    return verified


# -- automatic backups ----------------------------------------------------------------------------------


def _slug(url: str) -> str:
    shown = db.display_url(url)
    path = db.sqlite_path(url)
    stem = path.stem if path is not None else shown.rsplit("/", 1)[-1] or "database"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "database"
    return f"{stem}-{hashlib.sha256(shown.encode()).hexdigest()[:8]}"


@dataclass
class BackupPolicy:
    """Where automatic backups go, how many to keep per database, and whether to make a daily one."""

    folder: Path
    keep: int = 10
    daily: bool = True
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def from_environment(cls) -> BackupPolicy:
        """$HUBSCHED_BACKUP_DIR, $HUBSCHED_BACKUP_KEEP (default 10), $HUBSCHED_DAILY_BACKUP (0 turns it off)."""
        folder = Path(os.environ.get(BACKUP_DIR_VAR) or db.data_folder() / "backups")
        try:
            keep = max(1, int(os.environ.get(BACKUP_KEEP_VAR, "10")))
        except ValueError:
            keep = 10
        daily = os.environ.get(DAILY_VAR, "1").strip().lower() not in {"0", "no", "off", "false"}
        return cls(folder=folder, keep=keep, daily=daily)

    def existing(self, url: str) -> list[Path]:
        if not self.folder.is_dir():
            return []
        prefix = _slug(url) + "-"
        return sorted(p for p in self.folder.iterdir() if p.name.startswith(prefix) and not p.name.endswith(".part"))

    def before(self, engine: Engine, url: str, reason: str) -> Path | None:
        """Back up (if there is anything to lose) before `reason` happens; keep the last `keep`."""
        if not has_data(engine):
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupError(
                f"cannot make the automatic backup before {reason}: cannot create {self.folder}: {exc.strerror}; "
                "nothing was changed"
            ) from None
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        suffix = ".sqlite3" if engine.dialect.name == "sqlite" else ".jsonl"
        made = backup(engine, self.folder / f"{_slug(url)}-{stamp}-{reason}{suffix}")
        for old in self.existing(url)[: -self.keep]:
            old.unlink(missing_ok=True)
        return made

    def daily_due(self, url: str) -> bool:
        if not self.daily:
            return False
        today = self.clock().astimezone(UTC).strftime("%Y%m%d")
        prefix = _slug(url) + "-" + today
        return not any(p.name.startswith(prefix) for p in self.existing(url))
