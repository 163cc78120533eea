"""Transient conflicts are retried inside one unit of work; what outlasts the retries is one sentence."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import Hub
from scheduler.database import describe_database_error
from scheduler.errors import ConcurrentSave, DatabaseBusy
from scheduler.services.unit_of_work import RetryPolicy, is_transient, run_in_transaction
from tests.builders import make_borough

SENTENCE = "Another manager was saving at the same moment; nothing was changed. Try again."


class _Deadlock(Exception):
    sqlstate = "40P01"

    def __str__(self) -> str:
        return "deadlock detected"


def _deadlock() -> OperationalError:
    return OperationalError("UPDATE ...", {}, _Deadlock())


def _policy(sleeps: list[float], attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, rng=random.Random(11), sleep=sleeps.append)


def test_a_transient_conflict_is_retried_with_jittered_backoff(sessions: sessionmaker[Session]) -> None:
    borough = make_borough(sessions)
    sleeps: list[float] = []
    calls = 0

    def work(session: Session) -> str:
        nonlocal calls
        calls += 1
        session.execute(update(Hub).where(Hub.id == borough.civic_id).values(area=f"attempt {calls}"))
        if calls < 3:
            raise _deadlock()
        return "done"

    assert run_in_transaction(sessions, work, policy=_policy(sleeps)) == "done"
    assert calls == 3
    expected = random.Random(11)
    assert sleeps == [expected.uniform(0, 0.05), expected.uniform(0, 0.1)]
    with sessions() as session:
        assert session.scalar(select(Hub.area).where(Hub.id == borough.civic_id)) == "attempt 3"


def test_a_conflict_that_outlasts_every_attempt_is_one_sentence_and_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    borough = make_borough(sessions)
    sleeps: list[float] = []

    def work(session: Session) -> None:
        session.execute(update(Hub).where(Hub.id == borough.civic_id).values(area="changed"))
        raise _deadlock()

    with pytest.raises(ConcurrentSave) as caught:
        run_in_transaction(sessions, work, policy=_policy(sleeps, attempts=4))
    assert str(caught.value) == SENTENCE
    assert len(sleeps) == 3 and all(0 <= s <= 1.0 for s in sleeps)
    with sessions() as session:
        assert session.scalar(select(Hub.area).where(Hub.id == borough.civic_id)) == "Loxford"


def test_other_errors_are_not_retried(sessions: sessionmaker[Session]) -> None:
    calls = 0

    def work(_session: Session) -> None:
        nonlocal calls
        calls += 1
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    with pytest.raises(IntegrityError):
        run_in_transaction(sessions, work, policy=_policy([]))
    assert calls == 1


def test_a_locked_sqlite_database_is_tried_twice_then_called_busy(sessions: sessionmaker[Session]) -> None:
    calls = 0

    def work(_session: Session) -> None:
        nonlocal calls
        calls += 1
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    with pytest.raises(DatabaseBusy, match="The database is busy"):
        run_in_transaction(sessions, work, policy=_policy([]))
    assert calls == 2


def _deadlocking_pair(url: str, civic_id: int, hainault_id: int, policy: RetryPolicy):
    """Two writers locking the same two hub rows in opposite orders, the first attempt forced to meet."""
    engine = db.make_engine(url)
    sessions = db.make_session_factory(engine)
    first_locked = {"a": threading.Event(), "b": threading.Event()}
    retries: list[str] = []
    outcomes: dict[str, object] = {}

    def writer(name: str, first: int, second: int, other: str) -> None:
        attempts = 0

        def work(session: Session) -> int:
            nonlocal attempts
            attempts += 1
            session.execute(text("SET LOCAL lock_timeout = '20s'"))
            session.execute(update(Hub).where(Hub.id == first).values(area=f"{name} first"))
            if attempts == 1:  # only the first attempt waits for the other: a deadlock every time
                first_locked[name].set()
                assert first_locked[other].wait(20)
            session.execute(update(Hub).where(Hub.id == second).values(area=f"{name} second"))
            return attempts

        try:
            outcomes[name] = run_in_transaction(
                sessions, work, policy=policy, on_retry=lambda _n, exc: retries.append(f"{name}: {exc.orig}")
            )
        except Exception as exc:  # handed to the test
            outcomes[name] = exc

    threads = [
        threading.Thread(target=writer, args=("a", civic_id, hainault_id, "b")),
        threading.Thread(target=writer, args=("b", hainault_id, civic_id, "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    return outcomes, retries


@pytest.mark.postgres
def test_a_real_postgresql_deadlock_is_retried_and_both_writers_succeed(pg_server, pg_template: str) -> None:
    from tests.conftest import new_pg_database

    url = new_pg_database(pg_server, pg_template)
    engine = db.make_engine(url)
    borough = make_borough(db.make_session_factory(engine))
    outcomes, retries = _deadlocking_pair(
        url, borough.civic_id, borough.hainault_id, RetryPolicy(rng=random.Random(5), sleep=lambda _s: None)
    )
    # Both succeed, the deadlock victim on a retry. Usually one wins at once and the other needs one retry,
    # but on a loaded machine this test twice saw more attempts than that: how the two backends' deadlock
    # checks and the retries (no longer held in step) interleave is up to the scheduler. So the number of
    # attempts is not asserted; that a retry happened, and that every retry was for a deadlock, is.
    assert all(isinstance(attempts, int) for attempts in outcomes.values()), (outcomes, retries)
    assert max(outcomes.values()) >= 2 and len(retries) == sum(n - 1 for n in outcomes.values()), (outcomes, retries)
    assert all("deadlock detected" in retry for retry in retries), retries
    with engine.connect() as connection:
        areas = set(connection.scalars(select(Hub.area).where(Hub.id.in_([borough.civic_id, borough.hainault_id]))))
    retried = [name for name, attempts in outcomes.items() if attempts > 1]
    if len(retried) == 1:  # the usual case: the victim's retry ran last, in full
        assert areas == {f"{retried[0]} first", f"{retried[0]} second"}, (areas, outcomes)
    else:  # both retried: whichever committed last, in full
        assert areas in ({"a first", "a second"}, {"b first", "b second"}), (areas, outcomes)
    engine.dispose()


@pytest.mark.postgres
def test_a_deadlock_without_retries_left_reaches_the_user_as_one_sentence(pg_server, pg_template: str) -> None:
    from tests.conftest import new_pg_database

    url = new_pg_database(pg_server, pg_template)
    engine = db.make_engine(url)
    borough = make_borough(db.make_session_factory(engine))
    outcomes, _ = _deadlocking_pair(
        url, borough.civic_id, borough.hainault_id, RetryPolicy(attempts=1, sleep=lambda _s: None)
    )
    failed = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(failed) == 1 and isinstance(failed[0], ConcurrentSave)
    assert str(failed[0]) == SENTENCE
    assert is_transient(failed[0].__cause__)
    # A raw deadlock escaping a service that has not opted in is worded the same by the CLI and GUI.
    assert str(describe_database_error(failed[0].__cause__, url)) == SENTENCE
    engine.dispose()
