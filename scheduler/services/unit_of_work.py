"""One unit of work with retries: the single place where transient database conflicts are retried.

Owns: deciding which database errors are transient (PostgreSQL deadlocks and serialization failures,
SQLite's "database is locked"), running a service's work function in a fresh transaction again after a
jittered, exponentially growing pause, and turning a conflict that outlasts every attempt into
`ConcurrentSave` (or `DatabaseBusy` when SQLite stayed locked), which the CLI and GUI show as one sentence.
Must not import: desktop_app, PySide6.

How a service opts in: instead of

    with self._sessions.begin() as session:
        return work(session)

write

    return run_in_transaction(self._sessions, work, policy=self._retry)

`work(session)` must be safe to run more than once: read everything it needs inside the session it is
given, and touch nothing outside the database until it returns. Typed domain errors it raises
(BookingClash, StaleEdit...) pass through untouched and are never retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import ConcurrentSave, DatabaseBusy

T = TypeVar("T")

# PostgreSQL: deadlock_detected, serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_sqlite_busy(error: BaseException) -> bool:
    original = getattr(error, "orig", None) or error
    return any(phrase in str(original).lower() for phrase in _SQLITE_BUSY)


def is_transient(error: BaseException) -> bool:
    """True for a conflict that may well not happen again if the same work is simply run again."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return is_sqlite_busy(error)


@dataclass
class RetryPolicy:
    """How often and how long to wait. Give a seeded `rng` and a fake `sleep` in tests.

    SQLite already waits up to its busy timeout (10 s) before it reports "database is locked", so a
    locked database is tried only `busy_attempts` times in all rather than `attempts`.
    """

    attempts: int = 5
    busy_attempts: int = 2
    base_delay: float = 0.05
    max_delay: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """'Full jitter' backoff: a random pause up to base * 2**attempt, capped."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * 2**attempt))


def run_in_transaction(
    sessions: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    policy: RetryPolicy | None = None,
    on_retry: Callable[[int, BaseException], None] | None = None,
    commit: bool = True,
) -> T:
    """Run `work` in one transaction; retry it from the start on a transient conflict.

    Raises ConcurrentSave (DatabaseBusy for a locked SQLite file) when the conflict outlasts the
    policy's attempts. Nothing of a failed attempt is kept: each ran in its own, rolled back, transaction.
    `commit=False` rolls back even a successful attempt: for work that writes only to see the result
    (a plan that flushes a draft so the booking rules see it), which meets the same conflicts.
    """
    policy = policy or RetryPolicy()
    attempt = 0
    while True:
        try:
            if not commit:
                with sessions() as session:
                    try:
                        return work(session)
                    finally:
                        session.rollback()
            with sessions.begin() as session:
                return work(session)
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            busy = is_sqlite_busy(exc)
            if attempt >= (policy.busy_attempts if busy else policy.attempts):
                raise (DatabaseBusy() if busy else ConcurrentSave()) from exc
            if on_retry is not None:
                on_retry(attempt, exc)
            policy.sleep(policy.delay(attempt - 1))
