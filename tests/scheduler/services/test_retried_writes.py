"""Closures and the allocation's apply and undo run through the shared retry (scheduler.services.unit_of_work).

For each write path, on SQLite and PostgreSQL: a transient conflict (a deadlock on PostgreSQL, a locked file on
SQLite, injected deterministically by tests/transient.py at the path's first write) is retried from the start
and the change lands exactly once; a conflict on every attempt ends in the one sentence of ConcurrentSave
(DatabaseBusy on SQLite) with a full dump of the database unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Closure, ClosureSession, Occurrence, Request, Series
from models.types import ClosureScope, OccurrenceStatus, RequestStatus
from scheduler import backup as backups
from scheduler import cli
from scheduler.errors import ConcurrentSave
from scheduler.services.allocation import AllocationService
from scheduler.services.allocation_undo import AllocationUndo
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.closures import ClosureDraft, ClosureService
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft
from scheduler.services.unit_of_work import RetryPolicy
from tests.builders import Borough
from tests.dbdump import dump
from tests.transient import expected_error, transient_failures


@dataclass
class World:
    sessions: sessionmaker[Session]
    borough: Borough
    booking: BookingService
    closures: ClosureService
    allocation: AllocationService
    undo: AllocationUndo
    sleeps: list[float]


@pytest.fixture
def world(sessions: sessionmaker[Session], borough: Borough) -> World:
    sleeps: list[float] = []
    policy = RetryPolicy(rng=random.Random(11), sleep=sleeps.append)
    booking = BookingService(sessions, "Manager")
    allocation = AllocationService(sessions, booking, retry=policy)
    return World(
        sessions,
        borough,
        booking,
        ClosureService(sessions, booking, retry=policy),
        allocation,
        AllocationUndo(sessions, allocation, booking, retry=policy),
        sleeps,
    )


def _book(w: World, title: str, day: date, room_id: int | None = None) -> None:
    b = w.borough
    w.booking.book(
        NewBooking(
            room_id=room_id or b.meeting_id,
            organisation_id=b.advice_id,
            title=title,
            first_date=day,
            start=time(10),
            duration_min=60,
            attendance=5,
        )
    )


def _closed(w: World, last: date = date(2027, 1, 12)) -> ClosureDraft:
    return ClosureDraft(ClosureScope.ROOM, date(2027, 1, 12), last, "Leak in the ceiling", room_id=w.borough.meeting_id)


def _count(w: World, entity, *where) -> int:
    with w.sessions() as s:
        return s.scalar(select(func.count()).select_from(entity).where(*where))


def _audits(w: World, action: str) -> int:
    return _count(w, AuditEntry, AuditEntry.action == action)


def _status(w: World, title: str) -> list[tuple[int, str]]:
    with w.sessions() as s:
        query = select(Occurrence).join(Occurrence.series).where(Series.title == title).order_by(Occurrence.id)
        return [(o.room_id, o.status.value) for o in s.scalars(query)]


# -- the paths: each prepares its database and returns (do it, check it landed once) -------------------------


def closure_plan(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    """Planning stages the closure (a write, rolled back) so that the booking rules see it."""
    _book(w, "Debt advice", date(2027, 1, 12))
    plans: list = []

    def landed() -> None:
        assert [r.found for r in plans[0]] == [True] and _count(w, Closure) == 0

    return lambda: plans.append(w.closures.plan_rehoming(_closed(w))), landed


def closure_add(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    _book(w, "Debt advice", date(2027, 1, 12))
    plan = w.closures.plan_rehoming(_closed(w))
    assert plan[0].found

    def landed() -> None:
        assert _count(w, Closure) == 1 and _count(w, ClosureSession) == 1
        assert _audits(w, "add-closure") == 1
        assert _status(w, "Debt advice") == [(plan[0].room_id, "moved")]

    return lambda: w.closures.add(_closed(w), plan), landed


def closure_edit(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    _book(w, "Debt advice", date(2027, 1, 13))
    added = w.closures.add(_closed(w))
    longer = _closed(w, last=date(2027, 1, 13))

    def landed() -> None:
        assert _count(w, Closure, Closure.last_day == date(2027, 1, 13)) == 1
        assert _audits(w, "edit-closure") == 1 and _count(w, ClosureSession) == 1
        assert _status(w, "Debt advice") == [(w.borough.meeting_id, "cancelled")]

    return lambda: w.closures.edit(added.closure_id, longer), landed


def closure_remove(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    _book(w, "Debt advice", date(2027, 1, 12))
    added = w.closures.add(_closed(w))
    assert _status(w, "Debt advice") == [(w.borough.meeting_id, "cancelled")]

    def landed() -> None:
        assert _count(w, Closure) == 0 and _count(w, ClosureSession) == 0
        assert _audits(w, "remove-closure") == 1
        assert _status(w, "Debt advice") == [(w.borough.meeting_id, "confirmed")]

    return lambda: w.closures.remove(added.closure_id), landed


def closure_undo(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    _book(w, "Debt advice", date(2027, 1, 12))
    added = w.closures.add(_closed(w), w.closures.plan_rehoming(_closed(w)))

    def landed() -> None:
        assert _count(w, Closure) == 0 and _audits(w, "undo-add-closure") == 1
        assert _status(w, "Debt advice") == [(w.borough.meeting_id, "confirmed")]  # back in its room

    return lambda: w.closures.undo(added), landed


def _requests(w: World) -> int:
    b = w.borough
    requests = RequestService(w.sessions, "Manager")
    for title, org in (("Food pantry", b.pantry_id), ("Debt advice", b.advice_id)):
        requests.create(
            RequestDraft(
                term_id=b.term_id,
                organisation_id=org,
                title=title,
                attendance=8,
                duration_min=60,
                windows=(WindowDraft(2, time(10), time(12)),),
                acceptable_hub_ids=(b.civic_id,),
            )
        )
    return b.term_id


def allocation_apply(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    preview = w.allocation.preview(_requests(w), time_limit=5)
    assert len(preview.placements) == 2

    def landed() -> None:
        assert _count(w, Series, Series.cancelled.is_(False)) == 2
        assert _audits(w, "apply-allocation") == 1
        assert _count(w, Request, Request.status == RequestStatus.PLACED) == 2

    return lambda: w.allocation.apply(preview), landed


def allocation_undo(w: World) -> tuple[Callable[[], object], Callable[[], None]]:
    accepted = w.undo.accept(w.allocation.preview(_requests(w), time_limit=5))

    def landed() -> None:
        assert _count(w, Series, Series.cancelled.is_(False)) == 0
        assert _count(w, Occurrence, Occurrence.status != OccurrenceStatus.CANCELLED) == 0
        assert _audits(w, "undo-allocation") == 1
        assert _count(w, Request, Request.status == RequestStatus.PENDING) == 2

    return lambda: w.undo.undo(accepted), landed


PATHS = [closure_plan, closure_add, closure_edit, closure_remove, closure_undo, allocation_apply, allocation_undo]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__)
def test_a_transient_conflict_on_the_first_attempt_is_retried_and_lands_once(world, engine: Engine, path) -> None:
    act, landed = path(world)
    with transient_failures(engine, 1) as failed:
        act()
    assert len(failed) == 1, "the first attempt met the conflict"
    assert len(world.sleeps) == 1, "and was retried once, after a pause"
    landed()


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__)
def test_a_conflict_on_every_attempt_is_one_sentence_and_changes_nothing(world, engine: Engine, path) -> None:
    act, _landed = path(world)
    before = dump(engine)
    error = expected_error(engine.dialect.name)
    with transient_failures(engine, None) as failed, pytest.raises(ConcurrentSave) as caught:
        act()
    assert type(caught.value) is error and str(caught.value) == error.MESSAGE
    attempts = RetryPolicy.attempts if error is ConcurrentSave else RetryPolicy.busy_attempts
    assert len(failed) == attempts
    assert dump(engine) == before


# -- what the user sees on the command line ------------------------------------------------------------------


def _cli(url: str, *args: str) -> int:
    try:
        return cli.main(["--db", url, "--operator", "Tester", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0)


CLOSE = ["closures", "add", "--hub", "Ilford Civic Hub", "--room", "Meeting Room 1", "--from", "2027-01-12"]
CLOSE += ["--to", "2027-01-12", "--reason", "Leak", "--apply", "--no-notify"]


@pytest.mark.parametrize("command", ["closures", "allocate"])
def test_the_cli_retries_and_otherwise_says_one_sentence_with_nothing_changed(
    world, engine: Engine, db_url: str, capsys, monkeypatch, command: str
) -> None:
    monkeypatch.setenv(backups.DAILY_VAR, "0")
    if command == "closures":
        _book(world, "Debt advice", date(2027, 1, 12))
        args, landed = CLOSE, lambda: _audits(world, "add-closure") == 1 and _count(world, Closure) == 1
    else:
        _requests(world)
        args = ["allocate", "--term", "Spring 2027", "--time-limit", "5", "--apply"]
        landed = lambda: _audits(world, "apply-allocation") == 1  # noqa: E731
    before = dump(engine)
    capsys.readouterr()
    with transient_failures(Engine, None) as failed:
        status = _cli(db_url, *args)
    out, err = capsys.readouterr()
    error = expected_error(engine.dialect.name)
    assert (status, err) == (2, f"hubsched: error: {error.MESSAGE}\n"), out
    assert failed and dump(engine) == before

    with transient_failures(Engine, 1) as failed:
        assert _cli(db_url, *args) == 0, capsys.readouterr()
    assert len(failed) == 1 and landed()
