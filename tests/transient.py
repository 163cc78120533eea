"""Deterministic transient conflicts: the next writes on an engine fail the way the database really fails.

`transient_failures(engine, times)` makes the next `times` INSERT/UPDATE/DELETE statements (every one when
`times` is None) raise the driver's own error before they reach the database: PostgreSQL's "deadlock
detected" (SQLSTATE 40P01, psycopg's DeadlockDetected) or SQLite's "database is locked". The error is raised
where the driver would raise it (the dialect's execute hook), so SQLAlchemy wraps and rolls back exactly as
for a real conflict, and the code under test sees what it would see in production.

A real deadlock needs two writers meeting in the same rows at the same time (see
tests/scheduler/services/test_unit_of_work.py); this injects the same error into one writer at a chosen
statement, so every write path can be tested without threads or timing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlalchemy import Engine, event

from scheduler.errors import ConcurrentSave, DatabaseBusy

_WRITES = ("INSERT", "UPDATE", "DELETE")


def driver_error(dialect: str) -> Exception:
    """The exception the driver raises for a transient conflict on this database."""
    if dialect == "postgresql":
        import psycopg

        return psycopg.errors.DeadlockDetected("deadlock detected")
    return sqlite3.OperationalError("database is locked")


def expected_error(dialect: str) -> type[ConcurrentSave]:
    """What the user is told when that conflict outlasts every retry."""
    return ConcurrentSave if dialect == "postgresql" else DatabaseBusy


@contextlib.contextmanager
def transient_failures(engine: Engine | type[Engine], times: int | None) -> Iterator[list[str]]:
    """Fail the next `times` writes (None: all of them); yields the statements that were failed.

    `engine` may be the Engine class itself: then every engine fails, including the one a CLI run opens.
    """
    failed: list[str] = []

    def fail(cursor, statement, parameters, context) -> None:
        if statement.lstrip().upper().startswith(_WRITES) and (times is None or len(failed) < times):
            failed.append(statement)
            raise driver_error(context.dialect.name)

    def fail_many(cursor, statement, parameters, context) -> None:
        fail(cursor, statement, parameters, context)

    event.listen(engine, "do_execute", fail)
    event.listen(engine, "do_executemany", fail_many)
    try:
        yield failed
    finally:
        event.remove(engine, "do_execute", fail)
        event.remove(engine, "do_executemany", fail_many)
