"""ClosureService: list closures (bank holidays included), add one, and re-home the sessions it displaces.

Owns: which live sessions a closure would displace, a re-homing plan for them computed by the allocation
solver with every other session pinned where it is, and adding the closure together with the accepted
plan in one transaction (displaced sessions moved where the plan found room, cancelled otherwise).

Re-homing solves one week at a time: the week's displaced sessions are requests that may use their own
request's windows on the same day (their original time preferred) in any of its acceptable hubs (their own
hub preferred); every other live session of that week is a pinned placement, widened to the solver's
15-minute grid so that it is never under-blocked.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Closure, Hub, Occurrence, Room, Series
from models.types import ClosureScope, OccurrenceStatus
from scheduler import allocation as alloc
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.recurrence import ClosureSpan, bank_holidays, to_local, to_utc
from scheduler.services.allocation import closed_days, pure_room
from scheduler.services.booking import BookingService
from scheduler.services.common import audit, closure_spans, describe_occurrence, room_label
from scheduler.services.queries import OccurrenceRow, occurrence_row

GRID = 15


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

    @property
    def bank_holiday(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class Rehoming:
    """Where one displaced session would go (`room_id` None: nowhere free, it will be cancelled)."""

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

    @property
    def found(self) -> bool:
        return self.room_id is not None


@dataclass(frozen=True)
class AddedClosure:
    closure_id: int
    moved: int
    cancelled: int


def _midnight(day: date) -> datetime:
    return to_utc(day, time(0))


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


class ClosureService:
    def __init__(self, sessions: sessionmaker[Session], booking: BookingService):
        self._sessions = sessions
        self._booking = booking
        self._operator = booking.operator

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
        for occurrence in session.scalars(query):
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            if span.covers(occurrence.room_id, occurrence.room.hub_id, start.date(), start.time(), end.time()):
                found.append(occurrence)
        return found

    def displaced(self, draft: ClosureDraft) -> list[OccurrenceRow]:
        """The live sessions the closure would displace."""
        with self._sessions() as session:
            return [occurrence_row(o) for o in self._displaced(session, self._check(session, draft))]

    # -- re-homing ---------------------------------------------------------------------------------------

    def plan_rehoming(self, draft: ClosureDraft, *, time_limit: float = 5.0) -> list[Rehoming]:
        """Where each displaced session could go, by the allocation solver with everything else pinned."""
        with self._sessions() as session:
            span = self._check(session, draft)
            displaced = self._displaced(session, span)
            by_week: defaultdict[date, list[Occurrence]] = defaultdict(list)
            for occurrence in displaced:
                day = to_local(occurrence.start_utc).date()
                by_week[day - timedelta(days=day.weekday())].append(occurrence)
            plan: list[Rehoming] = []
            for monday, week in sorted(by_week.items()):
                plan += self._rehome_week(session, span, monday, week, time_limit / max(1, len(by_week)))
            return plan

    def _rehome_week(
        self, session: Session, span: ClosureSpan, monday: date, displaced: list[Occurrence], time_limit: float
    ) -> list[Rehoming]:
        sunday = monday + timedelta(days=6)
        term = alloc.Term(monday, sunday)
        rooms = self._rooms(session, span, monday, sunday)
        moving = {o.id for o in displaced}
        requests: list[alloc.Request] = []
        existing: list[alloc.ExistingPlacement] = []
        others = session.scalars(
            select(Occurrence).where(
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Occurrence.start_utc >= _midnight(monday),
                Occurrence.start_utc < _midnight(sunday + timedelta(days=1)),
            )
        )
        open_rooms = {r.id for r in rooms}
        for other in others:
            if other.id in moving or other.room_id not in open_rooms:
                continue
            start, end = to_local(other.start_utc), to_local(other.end_utc)
            first = _minutes(start.time()) // GRID * GRID
            last = -(-_minutes(end.time()) // GRID) * GRID
            requests.append(
                alloc.Request(
                    id=f"pinned-{other.id}",
                    size=0,
                    duration=last - first,
                    windows=(alloc.Window(start.weekday(), first, last),),
                    shared=self._teams(other.series),
                    runs_in_breaks=True,
                    title=other.series.title,
                )
            )
            existing.append(
                alloc.ExistingPlacement(f"pinned-{other.id}", other.room_id, start.weekday(), first, pinned=True)
            )
        for occurrence in displaced:
            requests.append(self._moving_request(occurrence))
        problem = alloc.Problem(
            term=term,
            rooms=tuple(rooms),
            requests=tuple(requests),
            existing=tuple(existing),
            policy=alloc.Policy(grid=GRID),
        )
        result = alloc.solve(problem, time_limit=max(1.0, time_limit))
        rooms_by_id = {r.id: r for r in session.scalars(select(Room))}
        plan = []
        for occurrence in displaced:
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            was = f"{room_label(occurrence.room)} {start:%a %d %b} {start:%H:%M}–{end:%H:%M}"
            placement = result.placement_for(f"move-{occurrence.id}")
            common = dict(
                occurrence_id=occurrence.id,
                series_version=occurrence.series.version,
                title=occurrence.series.title,
                organisation=occurrence.series.organisation.name,
                was=was,
                day=start.date(),
            )
            if placement is None:
                reason = next((u.message for u in result.unmet if u.request_id == f"move-{occurrence.id}"), "")
                plan.append(
                    Rehoming(
                        **common,
                        room_id=None,
                        room="",
                        start=None,
                        end=None,
                        note=f"nowhere free: it will be cancelled. {reason}".strip(),
                    )
                )
            else:
                room = rooms_by_id[int(placement.room_id)]
                plan.append(
                    Rehoming(
                        **common,
                        room_id=room.id,
                        room=room_label(room),
                        start=_time(placement.start),
                        end=_time(placement.end),
                        note="",
                    )
                )
        return plan

    @staticmethod
    def _teams(series: Series) -> frozenset[str]:
        return frozenset(t.name for t in series.teams)

    def _moving_request(self, occurrence: Occurrence) -> alloc.Request:
        series = occurrence.series
        start = to_local(occurrence.start_utc)
        weekday, slot = start.weekday(), _minutes(start.time())
        request = series.request
        windows: tuple[alloc.Window, ...] = (alloc.Window(weekday, slot, slot + series.duration_min),)
        hubs = frozenset()  # any hub
        if request is not None:
            same_day = tuple(
                alloc.Window(w.weekday, _minutes(w.start), _minutes(w.end))
                for w in request.windows
                if w.weekday == weekday
            )
            windows = same_day or windows
            hubs = frozenset(h.hub.name for h in request.hubs)
        return alloc.Request(
            id=f"move-{occurrence.id}",
            size=series.attendance,
            duration=series.duration_min,
            windows=windows,
            acceptable_hubs=hubs | {occurrence.room.hub.name} if hubs else frozenset(),
            preferred_hubs=frozenset({occurrence.room.hub.name}),
            preferred_times=(alloc.Window(weekday, slot, slot + series.duration_min),),
            facilities=frozenset(f.key for f in occurrence.room.facilities)
            if request is None
            else frozenset(f.key for f in request.facilities),
            step_free=request.step_free if request is not None else occurrence.room.step_free,
            priority=request.priority if request is not None else 3,
            sector=series.organisation.sector.value,
            organisation=series.organisation.name,
            shared=self._teams(series),
            runs_in_breaks=True,
            title=series.title,
        )

    def _rooms(self, session: Session, span: ClosureSpan, monday: date, sunday: date) -> list[alloc.Room]:
        spans = [*closure_spans(session, monday, sunday), span]
        days = [monday + timedelta(days=n) for n in range(7)]
        rooms = session.scalars(select(Room).where(Room.bookable.is_(True)).order_by(Room.id))
        return [pure_room(room, closed_days(room, days, spans)) for room in rooms]

    # -- adding ------------------------------------------------------------------------------------------

    def add(self, draft: ClosureDraft, rehoming: Sequence[Rehoming] | None = None) -> AddedClosure:
        """Add the closure; move displaced sessions as planned, cancel the rest. All or nothing.

        `rehoming` is the plan made for this closure (None: no plan, every displaced session is cancelled).
        A plan made before someone else changed a displaced session, or booked another one inside the
        closure, is refused with what changed named: it is never applied over their change.
        """
        booking = self._booking
        plan_by_occurrence = {r.occurrence_id: r for r in rehoming or ()}
        with self._sessions.begin() as session:
            span = self._check(session, draft)
            displaced = self._displaced(session, span)
            if rehoming is not None:
                self._check_plan_current(displaced, plan_by_occurrence)
            closure = Closure(
                scope=draft.scope,
                hub_id=span.hub_id if draft.scope is not ClosureScope.BOROUGH else None,
                room_id=draft.room_id if draft.scope is ClosureScope.ROOM else None,
                first_day=draft.first_day,
                last_day=draft.last_day,
                start_local=draft.start,
                end_local=draft.end,
                reason=draft.reason.strip(),
            )
            session.add(closure)
            session.flush()
            moved = cancelled = 0
            why = f"closure of {self._where(closure)} ({closure.reason})" if closure.reason else "closure"
            for occurrence in displaced:
                plan = plan_by_occurrence.get(occurrence.id)
                if plan is not None and plan.found and plan.start is not None and plan.room_id is not None:
                    booking.move_within(session, occurrence, room_id=plan.room_id, day=plan.day, start=plan.start)
                    moved += 1
                else:
                    cancelled += booking.cancel_within(session, occurrence.series, [occurrence], reason=why)
            session.flush()
            audit(
                session,
                self._operator,
                "add-closure",
                "closure",
                closure.id,
                f"Closed {self._where(closure)} {draft.first_day:%d %b %Y}–{draft.last_day:%d %b %Y} "
                f"({closure.reason}): {moved} session(s) re-homed, {cancelled} cancelled",
                after={"closure": closure.id, "moved": moved, "cancelled": cancelled},
                at=booking.clock(),
            )
            return AddedClosure(closure.id, moved, cancelled)
