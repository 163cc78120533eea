"""ClosureService: list closures (bank holidays included); add, edit, undo and remove one; re-home what it displaces.

Owns: which live sessions a closure would displace (a closure of part of a day displaces only the sessions
it overlaps), the re-homing plan for them (ranked alternatives per session from
`scheduler.services.rehoming`, every one passed by the booking rules, and one solve choosing among them
with everything else pinned), applying closure and plan in one transaction and remembering what it did to
each session (`ClosureSession`), undoing that as one step, editing a closure (a new reason keeps the
plan) and removing one (restoring the sessions it cancelled where they are still free).
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Closure, ClosureSession, Hub, Occurrence, Room, Series
from models.types import ClosureScope, OccurrenceStatus
from scheduler.booking.rules import BookingRules, proposed_from
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.recurrence import ClosureSpan, bank_holidays, to_local, to_utc
from scheduler.services.booking import BookingService
from scheduler.services.common import audit, describe_occurrence, room_label
from scheduler.services.queries import OccurrenceRow, occurrence_row
from scheduler.services.rehoming import Alternative, RehomingSearch, choose
from scheduler.services.unit_of_work import RetryPolicy, run_in_transaction

MOVED, CANCELLED = "moved", "cancelled"
_T = TypeVar("_T")


@dataclass(frozen=True)
class ClosureDraft:
    scope: ClosureScope
    first_day: date
    last_day: date
    reason: str
    hub_id: int | None = None
    room_id: int | None = None
    start: time | None = None
    end: time | None = None

    def same_place_and_time(self, other: ClosureDraft) -> bool:
        """Everything but the reason is the same (editing only the reason keeps the plan)."""
        return replace(self, reason="") == replace(other, reason="")


@dataclass(frozen=True)
class ClosureRow:
    id: int | None  # None for bank holidays, which are not stored
    scope: str
    where: str
    first_day: date
    last_day: date
    start: time | None
    end: time | None
    reason: str
    hub_id: int | None = None
    room_id: int | None = None

    @property
    def bank_holiday(self) -> bool:
        return self.id is None

    def draft(self) -> ClosureDraft:
        return ClosureDraft(
            ClosureScope(self.scope),
            self.first_day,
            self.last_day,
            self.reason,
            hub_id=self.hub_id,
            room_id=self.room_id,
            start=self.start,
            end=self.end,
        )


@dataclass(frozen=True)
class Rehoming:
    """Where one displaced session would go (`room_id` None: it will be cancelled).

    `alternatives` are every place and time the search found for it, best first, each passed by the
    booking rules; `relaxed` those that need the organisation to accept another hub (offered, never chosen
    on its own); `reason` says in plain words why nothing fits and `blocking` names the rules in the way.
    `day` is the day it would run on (its own day when it is cancelled).
    """

    occurrence_id: int
    series_version: int
    title: str
    organisation: str
    was: str
    day: date
    room_id: int | None
    room: str
    start: time | None
    end: time | None
    note: str
    alternatives: tuple[Alternative, ...] = ()
    relaxed: tuple[Alternative, ...] = ()
    reason: str = ""
    blocking: tuple[str, ...] = ()
    was_day: date | None = None

    @property
    def found(self) -> bool:
        return self.room_id is not None

    @property
    def options(self) -> tuple[Alternative, ...]:
        return self.alternatives + self.relaxed

    @property
    def chosen(self) -> Alternative | None:
        return next(
            (
                a
                for a in self.options
                if (a.room_id, a.day, a.start) == (self.room_id, self.day, self.start) and self.found
            ),
            None,
        )

    def choose(self, alternative: Alternative | None) -> Rehoming:
        """This session going to `alternative` (one of its options), or cancelled when None."""
        if alternative is None:
            return replace(
                self,
                room_id=None,
                room="",
                start=None,
                end=None,
                day=self.was_day or self.day,
                note=self.reason or "cancelled: you chose to cancel it",
            )
        if alternative not in self.options:
            raise InvalidInput(f"{alternative.label} is not one of the places found for {self.title}")
        note = f"if you {alternative.relaxation}" if alternative.relaxation else ""
        return replace(
            self,
            room_id=alternative.room_id,
            room=alternative.room,
            start=alternative.start,
            end=alternative.end,
            day=alternative.day,
            note=note,
        )


def accept_hub(plan: Sequence[Rehoming], hub: str) -> list[Rehoming]:
    """The one-click relaxation: every cancelled session that would fit at `hub` goes there."""
    taken: list[Alternative] = [r.chosen for r in plan if r.chosen is not None]
    out = []
    for r in plan:
        option = next(
            (
                a
                for a in r.relaxed
                if a.hub == hub
                and not any(
                    t.room_id == a.room_id and t.day == a.day and t.start < a.end and a.start < t.end for t in taken
                )
            ),
            None,
        )
        if not r.found and option is not None:
            taken.append(option)
            out.append(r.choose(option))
        else:
            out.append(r)
    return out


@dataclass(frozen=True)
class AddedClosure:
    """What applying a closure did; `undo` needs the rest."""

    closure_id: int
    moved: int
    cancelled: int
    draft: ClosureDraft | None = None
    series_versions: tuple[tuple[int, int], ...] = ()
    restored: int = 0


@dataclass(frozen=True)
class UndoneClosure:
    """An applied closure taken back: `add(draft, plan)` applies it again (redo)."""

    draft: ClosureDraft
    plan: tuple[Rehoming, ...]
    moved_back: int
    restored: int


@dataclass(frozen=True)
class RemovedClosure:
    restored: int
    not_restored: tuple[str, ...] = field(default=())  # each "<session>: <why not>"


@dataclass(frozen=True)
class RehomingFigures:
    """How long the last plan took and how much the gate was asked (the bench reports these)."""

    seconds: float
    gate_checks: int


def _midnight(day: date) -> datetime:
    return to_utc(day, time(0))


class ClosureService:
    """Every change (add, edit, undo, remove) is one unit of work run through `run_in_transaction`: a
    deadlock or a locked database is retried from the start, then reported as `ConcurrentSave`."""

    def __init__(self, sessions: sessionmaker[Session], booking: BookingService, *, retry: RetryPolicy | None = None):
        self._sessions = sessions
        self._booking = booking
        self._operator = booking.operator
        self._retry = retry
        self.last_figures: RehomingFigures | None = None

    def _write(self, work: Callable[[Session], _T]) -> _T:
        """Run one change in its own transaction, again from the start after a transient conflict."""
        return run_in_transaction(self._sessions, work, policy=self._retry)

    def list(self, first: date, last: date) -> list[ClosureRow]:
        """Stored closures overlapping the dates, and the bank holidays among them, by first day."""
        rows = []
        with self._sessions() as session:
            for c in session.scalars(select(Closure).where(Closure.first_day <= last, Closure.last_day >= first)):
                rows.append(
                    ClosureRow(
                        c.id,
                        c.scope.value,
                        self._where(c),
                        c.first_day,
                        c.last_day,
                        c.start_local,
                        c.end_local,
                        c.reason,
                        c.hub_id,
                        c.room_id,
                    )
                )
        for year in range(first.year, last.year + 1):
            for day, name in bank_holidays(year).items():
                if first <= day <= last:
                    rows.append(ClosureRow(None, "borough", "All hubs", day, day, None, None, f"Bank holiday: {name}"))
        return sorted(rows, key=lambda r: (r.first_day, r.where))

    @staticmethod
    def _check_plan_current(displaced: list[Occurrence], plan: dict[int, Rehoming]) -> None:
        """Refuse a re-homing plan that no longer matches what the closure displaces."""
        unplanned = [o for o in displaced if o.id not in plan]
        if unplanned:
            raise StaleEdit(
                f"{describe_occurrence(unplanned[0])} was booked inside the closure after the re-homing plan was "
                "made; plan the re-homing again"
            )
        for occurrence in displaced:
            if occurrence.series.version != plan[occurrence.id].series_version:
                raise StaleEdit(
                    f"{describe_occurrence(occurrence)} was changed by someone else after the re-homing plan was "
                    "made; plan the re-homing again"
                )

    @staticmethod
    def _where(closure: Closure) -> str:
        if closure.scope is ClosureScope.ROOM and closure.room is not None:
            return room_label(closure.room)
        if closure.scope is ClosureScope.HUB and closure.hub is not None:
            return closure.hub.name
        return "All hubs"

    # -- what a closure displaces ----------------------------------------------------------------------

    def _check(self, session: Session, draft: ClosureDraft) -> ClosureSpan:
        if draft.last_day < draft.first_day:
            raise InvalidInput(
                f"the closure ends ({draft.last_day:%d %b %Y}) before it starts ({draft.first_day:%d %b %Y})"
            )
        if (draft.start is None) != (draft.end is None) or (draft.start and draft.end and draft.start >= draft.end):
            raise InvalidInput("give both a start and an end time, the end after the start, or neither")
        if not draft.reason.strip():
            raise InvalidInput("say why it is closed (the reason is shown to the people affected)")
        hub_id = draft.hub_id
        if draft.scope is ClosureScope.ROOM:
            room = session.get(Room, draft.room_id) if draft.room_id is not None else None
            if room is None:
                raise NotFound("choose the room that closes")
            hub_id = room.hub_id
        elif draft.scope is ClosureScope.HUB and (hub_id is None or session.get(Hub, hub_id) is None):
            raise NotFound("choose the hub that closes")
        return ClosureSpan(
            draft.scope,
            draft.first_day,
            draft.last_day,
            draft.reason,
            hub_id=hub_id,
            room_id=draft.room_id,
            start=draft.start,
            end=draft.end,
        )

    def _displaced(self, session: Session, span: ClosureSpan) -> list[Occurrence]:
        query = (
            select(Occurrence)
            .join(Occurrence.room)
            .where(
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Occurrence.start_utc >= _midnight(span.first_day),
                Occurrence.start_utc < _midnight(span.last_day + timedelta(days=1)),
            )
            .order_by(Occurrence.start_utc)
        )
        found = []
        now = self._booking.clock()
        for occurrence in session.scalars(query):
            if occurrence.end_utc <= now:
                continue  # sessions already past are never rewritten
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            if span.covers(occurrence.room_id, occurrence.room.hub_id, start.date(), start.time(), end.time()):
                found.append(occurrence)
        return found

    def displaced(self, draft: ClosureDraft) -> list[OccurrenceRow]:
        """The live sessions the closure would displace."""
        with self._sessions() as session:
            return [occurrence_row(o) for o in self._displaced(session, self._check(session, draft))]

    # -- re-homing ---------------------------------------------------------------------------------------

    def _stage(self, session: Session, span: ClosureSpan, draft: ClosureDraft, editing: int | None) -> Closure:
        """The closure as it would be, flushed into `session` (so the booking rules see it)."""
        closure = session.get(Closure, editing) if editing is not None else None
        if editing is not None and closure is None:
            raise NotFound(f"no closure with id {editing}; it may have been removed meanwhile")
        if closure is None:
            closure = Closure()
            session.add(closure)
        closure.scope = draft.scope
        closure.hub_id = span.hub_id if draft.scope is not ClosureScope.BOROUGH else None
        closure.room_id = draft.room_id if draft.scope is ClosureScope.ROOM else None
        closure.first_day, closure.last_day = draft.first_day, draft.last_day
        closure.start_local, closure.end_local = draft.start, draft.end
        closure.reason = draft.reason.strip()
        session.flush()
        return closure

    def plan_rehoming(
        self, draft: ClosureDraft, *, editing: int | None = None, time_limit: float = 2.0
    ) -> list[Rehoming]:
        """Where each displaced session could go (ranked alternatives) and the one choice for them all.

        `editing`: the stored closure this draft would replace. Nothing is written: the closure is
        flushed so that the booking rules see it, then rolled back.
        """
        started = clock.perf_counter()
        # Staging the closure writes (then rolls back), so planning meets the same conflicts as applying.
        plan, gate_checks = run_in_transaction(
            self._sessions,
            lambda session: self._plan(session, draft, editing, time_limit),
            policy=self._retry,
            commit=False,
        )
        self.last_figures = RehomingFigures(clock.perf_counter() - started, gate_checks)
        return plan

    def plan_within(self, session: Session, draft: ClosureDraft, *, time_limit: float = 2.0) -> list[Rehoming]:
        """`plan_rehoming` inside the caller's transaction (the demo loader): the staged closure is rolled
        back to a savepoint, so nothing of the plan stays in `session`."""
        savepoint = session.begin_nested()
        try:
            plan, _checks = self._plan(session, draft, None, time_limit)
        finally:
            savepoint.rollback()
        return plan

    def _plan(
        self, session: Session, draft: ClosureDraft, editing: int | None, time_limit: float
    ) -> tuple[list[Rehoming], int]:
        span = self._check(session, draft)
        displaced = self._displaced(session, span)
        self._stage(session, span, draft, editing)
        today = to_local(self._booking.clock()).date()
        search = RehomingSearch(session, displaced, today, draft.first_day, draft.last_day)
        found = search.search()
        teams = {o.id: frozenset(t.id for t in o.series.teams) for o in displaced}
        picks = choose(found, teams, time_limit=time_limit)
        plan = []
        for occurrence, result in zip(displaced, found, strict=True):
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            row = Rehoming(
                occurrence_id=occurrence.id,
                series_version=occurrence.series.version,
                title=occurrence.series.title,
                organisation=occurrence.series.organisation.name,
                was=f"{room_label(occurrence.room)} {start:%a %d %b} {start:%H:%M}–{end:%H:%M}",
                day=start.date(),
                room_id=None,
                room="",
                start=None,
                end=None,
                note="",
                alternatives=result.alternatives,
                relaxed=result.relaxed,
                reason=result.reason,
                blocking=result.blocking,
                was_day=start.date(),
            )
            pick = picks.get(occurrence.id)
            if pick is not None:
                row = row.choose(result.alternatives[pick])
            elif result.alternatives:
                taken = "; ".join(a.label for a in result.alternatives[:2])
                row = replace(
                    row,
                    reason=f"every place found for it ({taken}) is needed by another displaced session that "
                    "fits nowhere else (room-clash between re-homed sessions).",
                    blocking=("room-clash",),
                ).choose(None)
            else:
                row = row.choose(None)
            plan.append(row)
        return plan, search.gate_checks

    # -- adding ------------------------------------------------------------------------------------------

    def _apply(
        self, session: Session, closure: Closure, displaced: list[Occurrence], plan: dict[int, Rehoming]
    ) -> tuple[int, int]:
        booking = self._booking
        moved = cancelled = 0
        why = f"closure of {self._where(closure)} ({closure.reason})" if closure.reason else "closure"
        for occurrence in displaced:
            effect = ClosureSession(
                closure_id=closure.id,
                occurrence_id=occurrence.id,
                was_room_id=occurrence.room_id,
                was_start_utc=occurrence.start_utc,
                was_end_utc=occurrence.end_utc,
            )
            chosen = plan.get(occurrence.id)
            if chosen is not None and chosen.found and chosen.start is not None and chosen.room_id is not None:
                booking.move_within(session, occurrence, room_id=chosen.room_id, day=chosen.day, start=chosen.start)
                effect.effect = MOVED
                moved += 1
            else:
                cancelled += booking.cancel_within(session, occurrence.series, [occurrence], reason=why)
                effect.effect = CANCELLED
            session.add(effect)
        session.flush()
        return moved, cancelled

    @staticmethod
    def _versions(displaced: list[Occurrence]) -> tuple[tuple[int, int], ...]:
        return tuple(sorted({(o.series_id, o.series.version) for o in displaced}))

    def add(self, draft: ClosureDraft, rehoming: Sequence[Rehoming] | None = None) -> AddedClosure:
        """Add the closure; move displaced sessions as planned, cancel the rest. All or nothing.

        `rehoming` is the plan made for this closure (None: no plan, every displaced session is cancelled).
        A plan made before someone else changed a displaced session, or booked another one inside the
        closure, is refused with what changed named: it is never applied over their change.
        """
        return self._write(lambda session: self.add_within(session, draft, rehoming))

    def add_within(
        self, session: Session, draft: ClosureDraft, rehoming: Sequence[Rehoming] | None = None
    ) -> AddedClosure:
        """`add` inside the caller's transaction (the demo loader seeds its closures through it)."""
        plan_by_occurrence = {r.occurrence_id: r for r in rehoming or ()}
        span = self._check(session, draft)
        displaced = self._displaced(session, span)
        if rehoming is not None:
            self._check_plan_current(displaced, plan_by_occurrence)
        closure = self._stage(session, span, draft, None)
        moved, cancelled = self._apply(session, closure, displaced, plan_by_occurrence)
        audit(
            session,
            self._operator,
            "add-closure",
            "closure",
            closure.id,
            f"Closed {self._where(closure)} {draft.first_day:%d %b %Y}–{draft.last_day:%d %b %Y} "
            f"({closure.reason}): {moved} session(s) re-homed, {cancelled} cancelled",
            after={"closure": closure.id, "moved": moved, "cancelled": cancelled},
            at=self._booking.clock(),
        )
        # The stored form (a room closure also names its hub), so that undo recognises it unchanged.
        return AddedClosure(closure.id, moved, cancelled, self._draft_of(closure), self._versions(displaced))

    # -- undo, edit, remove ------------------------------------------------------------------------------

    def _draft_of(self, closure: Closure) -> ClosureDraft:
        return ClosureDraft(
            closure.scope,
            closure.first_day,
            closure.last_day,
            closure.reason,
            hub_id=closure.hub_id,
            room_id=closure.room_id,
            start=closure.start_local,
            end=closure.end_local,
        )

    def undo(self, added: AddedClosure) -> UndoneClosure:
        """Take an applied closure back as one step: moved sessions go back, cancelled ones run again.

        Refused (StaleEdit, naming what changed) when the closure or one of its sessions changed since.
        Returns what `add` needs to apply it again (redo).
        """

        def work(session: Session) -> UndoneClosure:
            closure = session.get(Closure, added.closure_id)
            if closure is None:
                raise StaleEdit("the closure was removed since it was applied; there is nothing to undo")
            if added.draft is not None and self._draft_of(closure) != replace(
                added.draft, reason=added.draft.reason.strip()
            ):
                raise StaleEdit(f"the closure of {self._where(closure)} was edited since it was applied")
            for series_id, version in added.series_versions:
                series = session.get(Series, series_id)
                if series is None or series.version != version:
                    title = series.title if series is not None else "a session"
                    raise StaleEdit(
                        f"{title} was changed since the closure was applied; undo would overwrite that change"
                    )
            draft = self._draft_of(closure)
            effects = list(session.scalars(select(ClosureSession).where(ClosureSession.closure_id == closure.id)))
            where = self._where(closure)
            for effect in effects:
                session.delete(effect)
            session.delete(closure)
            session.flush()
            moved_to: dict[int, tuple[int, datetime]] = {}
            moved_back, restored = self._put_back(session, effects, strict=True, moved_to=moved_to)
            audit(
                session,
                self._operator,
                "undo-add-closure",
                "closure",
                added.closure_id,
                f"Undid the closure of {where}: {moved_back} session(s) moved back, {restored} restored",
                before={"closure": added.closure_id},
                at=self._booking.clock(),
            )
            session.flush()
            plan = tuple(
                Rehoming(
                    occurrence_id=e.occurrence_id,
                    series_version=e.occurrence.series.version,
                    title=e.occurrence.series.title,
                    organisation=e.occurrence.series.organisation.name,
                    was=describe_occurrence(e.occurrence),
                    day=to_local(
                        moved_to[e.occurrence_id][1] if e.occurrence_id in moved_to else e.was_start_utc
                    ).date(),
                    room_id=moved_to[e.occurrence_id][0] if e.occurrence_id in moved_to else None,
                    room="",
                    start=to_local(moved_to[e.occurrence_id][1]).time() if e.occurrence_id in moved_to else None,
                    end=None,
                    note="",
                    was_day=to_local(e.was_start_utc).date(),
                )
                for e in effects
            )
            return UndoneClosure(draft, plan, moved_back, restored)

        return self._write(work)

    def _put_back(
        self, session: Session, effects: list[ClosureSession], *, strict: bool, moved_to: dict | None = None
    ) -> tuple[int, int]:
        """Move moved sessions back and restore cancelled ones. `strict`: refuse if one cannot go back.

        `moved_to` collects where each moved session was (occurrence id -> (room id, start)) before it went back.
        """
        moved_back = restored = 0
        for effect in effects:
            occurrence = effect.occurrence
            if effect.effect == MOVED:
                if occurrence.status is OccurrenceStatus.CANCELLED:
                    raise StaleEdit(f"{describe_occurrence(occurrence)} was cancelled since; undo is refused")
                if moved_to is not None:
                    moved_to[occurrence.id] = (occurrence.room_id, occurrence.start_utc)
                was = to_local(effect.was_start_utc)
                self._booking.move_within(
                    session, occurrence, room_id=effect.was_room_id, day=was.date(), start=was.time()
                )
                moved_back += 1
            elif occurrence.status is OccurrenceStatus.CANCELLED and (
                strict or not BookingRules(session).problems([proposed_from(occurrence.series, occurrence)])
            ):
                self._booking.restore_within(session, occurrence.series, [occurrence])
                restored += 1
        return moved_back, restored

    def restorable(self, closure_id: int) -> list[tuple[str, str]]:
        """The sessions the closure cancelled: (session, "" when still free else why not) — read only."""

        def work(session: Session) -> list[tuple[str, str]]:
            closure = session.get(Closure, closure_id)
            if closure is None:
                raise NotFound(f"no closure with id {closure_id}")
            effects = session.scalars(
                select(ClosureSession).where(
                    ClosureSession.closure_id == closure_id, ClosureSession.effect == CANCELLED
                )
            ).all()
            session.delete(closure)
            session.flush()
            out = []
            for effect in effects:
                occurrence = effect.occurrence
                if occurrence.status is not OccurrenceStatus.CANCELLED:
                    continue
                problems = BookingRules(session).problems([proposed_from(occurrence.series, occurrence)])
                out.append((describe_occurrence(occurrence), "; ".join(p.message for p in problems)))
            return out

        return run_in_transaction(self._sessions, work, policy=self._retry, commit=False)

    def remove(self, closure_id: int, *, restore: bool = True) -> RemovedClosure:
        """Remove a closure; with `restore`, the sessions it cancelled run again where they are still free."""

        def work(session: Session) -> RemovedClosure:
            closure = session.get(Closure, closure_id)
            if closure is None:
                raise NotFound(f"no closure with id {closure_id}")
            where, reason = self._where(closure), closure.reason
            effects = list(session.scalars(select(ClosureSession).where(ClosureSession.closure_id == closure_id)))
            for effect in effects:
                session.delete(effect)
            session.delete(closure)
            session.flush()
            restored, not_restored = 0, []
            if restore:
                for effect in effects:
                    occurrence = effect.occurrence
                    if effect.effect != CANCELLED or occurrence.status is not OccurrenceStatus.CANCELLED:
                        continue
                    problems = BookingRules(session).problems([proposed_from(occurrence.series, occurrence)])
                    if problems:
                        not_restored.append(f"{describe_occurrence(occurrence)}: {problems[0].message}")
                        continue
                    self._booking.restore_within(session, occurrence.series, [occurrence])
                    restored += 1
            audit(
                session,
                self._operator,
                "remove-closure",
                "closure",
                closure_id,
                f"Removed the closure of {where} ({reason}): {restored} session(s) restored",
                before={"closure": closure_id},
                at=self._booking.clock(),
            )
            return RemovedClosure(restored, tuple(not_restored))

        return self._write(work)

    def edit(self, closure_id: int, draft: ClosureDraft, rehoming: Sequence[Rehoming] | None = None) -> AddedClosure:
        """Change a closure's dates, times, scope or reason.

        Only a new reason: the closure keeps everything it did (the plan is not touched). Otherwise, in
        one transaction: sessions it cancelled that it no longer covers run again where still free, and
        the sessions the changed closure newly displaces are re-homed by `rehoming` (made with
        `plan_rehoming(draft, editing=closure_id)`) or cancelled.
        """

        def work(session: Session) -> AddedClosure:
            closure = session.get(Closure, closure_id)
            if closure is None:
                raise NotFound(f"no closure with id {closure_id}; it may have been removed meanwhile")
            span = self._check(session, draft)
            before = self._draft_of(closure)
            if before.same_place_and_time(draft):
                closure.reason = draft.reason.strip()
                audit(
                    session,
                    self._operator,
                    "edit-closure",
                    "closure",
                    closure_id,
                    f"Closure of {self._where(closure)}: reason now '{closure.reason}' (sessions unchanged)",
                    before={"reason": before.reason},
                    after={"reason": closure.reason},
                    at=self._booking.clock(),
                )
                return AddedClosure(closure_id, 0, 0, self._draft_of(closure))
            effects = list(session.scalars(select(ClosureSession).where(ClosureSession.closure_id == closure_id)))
            self._stage(session, span, draft, closure_id)
            uncovered = [
                e
                for e in effects
                if e.effect == CANCELLED and not self._covers(span, e.occurrence, e.was_room_id, e.was_start_utc)
            ]
            _moved_back, restored = self._put_back(session, uncovered, strict=False)
            for effect in uncovered:
                if effect.occurrence.status is not OccurrenceStatus.CANCELLED:
                    session.delete(effect)
            session.flush()
            displaced = self._displaced(session, span)
            plan_by_occurrence = {r.occurrence_id: r for r in rehoming or ()}
            if rehoming is not None:
                self._check_plan_current(displaced, plan_by_occurrence)
            moved, cancelled = self._apply(session, closure, displaced, plan_by_occurrence)
            audit(
                session,
                self._operator,
                "edit-closure",
                "closure",
                closure_id,
                f"Changed the closure of {self._where(closure)} to {draft.first_day:%d %b %Y}–"
                f"{draft.last_day:%d %b %Y}: {moved} more session(s) re-homed, {cancelled} cancelled, "
                f"{restored} restored",
                after={"moved": moved, "cancelled": cancelled, "restored": restored},
                at=self._booking.clock(),
            )
            session.flush()
            return AddedClosure(
                closure_id, moved, cancelled, self._draft_of(closure), self._versions(displaced), restored
            )

        return self._write(work)

    @staticmethod
    def _covers(span: ClosureSpan, occurrence: Occurrence, room_id: int, start_utc: datetime) -> bool:
        room = occurrence.room
        start = to_local(start_utc)
        end = to_local(start_utc + (occurrence.end_utc - occurrence.start_utc))
        return span.covers(room_id, room.hub_id, start.date(), start.time(), end.time())
