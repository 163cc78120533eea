"""AllocationService: allocate a term's requests from the database, preview the result, apply it.

Owns: translating stored rooms, requests, closures and series into the pure `scheduler.allocation`
problem (and back), the preview a hub manager reviews (new, moved, unchanged, unmet with reasons, per-sector
met share), and applying an accepted preview atomically through the booking rules. The solver itself
knows nothing of the database; this module knows nothing of CP-SAT.

Which placement a request is compared with ("existing"): its live series in this term when an earlier
allocation was applied (pinned if the series is pinned), otherwise last term's series of the same
organisation and title. So a re-run with nothing changed moves nothing, and a new term keeps last term's
groups where they were when it can.

Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.entities import Occurrence, Request, Room, Series, Term
from models.types import Frequency, OccurrenceStatus, RequestStatus
from scheduler import allocation as alloc
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.recurrence import ClosureSpan, bank_holiday, to_local, to_utc
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.common import audit, closure_spans, dated_hours, room_label
from scheduler.services.fairness import FairnessSetting, stored_setting
from scheduler.services.learning import recorded_sizes, size_note
from scheduler.services.unit_of_work import RetryPolicy, run_in_transaction

ProgressHandler = Callable[[alloc.Progress], None]


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _outside_bookings(session: Session, term: Term) -> list[Occurrence]:
    """Live sessions in the term's dates of series made without a request (one-offs, hand-made series).

    The allocation must work around them: they are not its to move.
    """
    query = (
        select(Occurrence)
        .join(Occurrence.series)
        .where(
            Series.request_id.is_(None),
            Occurrence.status != OccurrenceStatus.CANCELLED,
            Occurrence.start_utc < to_utc(term.last_day + timedelta(days=1), time(0)),
            Occurrence.end_utc > to_utc(term.first_day, time(0)),
        )
        .options(selectinload(Occurrence.series).selectinload(Series.organisation))
        .order_by(Occurrence.start_utc, Occurrence.id)
    )
    return list(session.scalars(query))


def _busy_time(occurrence: Occurrence) -> alloc.BusyTime:
    """An outside booking in Europe/London wall time; one running past midnight counts to the day's end."""
    start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
    end_minutes = _minutes(end.time()) if end.date() == start.date() else 24 * 60
    series = occurrence.series
    label = f"{series.title} ({series.organisation.name}) {start:%a %d %b %H:%M}"
    return alloc.BusyTime(start.date(), _minutes(start.time()), max(end_minutes, _minutes(start.time()) + 1), label)


def _team_busy(session: Session, term: Term) -> dict[str, tuple[alloc.BusyTime, ...]]:
    """Times the shared people and teams are already booked by series made without a request, by team name."""
    found: dict[str, list[alloc.BusyTime]] = {}
    for occurrence in _outside_bookings(session, term):
        for team in occurrence.series.teams:
            found.setdefault(team.name, []).append(_busy_time(occurrence))
    return {name: tuple(times) for name, times in found.items()}


@dataclass(frozen=True)
class PlacementRow:
    """A placed request as the preview shows it."""

    request_id: int
    title: str
    organisation: str
    sector: str
    change: str  # new, unchanged, room, hub, time, pinned
    room_id: int
    room: str
    hub: str
    weekday: int
    start: time
    end: time
    week_parity: int | None
    when: str
    sessions: int
    lost_to_closures: int
    previous: str  # where it was ("" when new)

    @property
    def moved(self) -> bool:
        return self.change in ("room", "hub", "time")


@dataclass(frozen=True)
class UnmetRow:
    request_id: int
    title: str
    organisation: str
    sector: str
    kind: str
    message: str
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class SectorRow:
    sector: str
    requested: int  # priority-weighted
    met: int
    target: float

    @property
    def met_share(self) -> float:
        return self.met / self.requested if self.requested else 1.0


@dataclass(frozen=True)
class AllocationPreview:
    """What an allocation run proposes for a term; nothing is written until `AllocationService.apply`."""

    term_id: int
    term_name: str
    status: str
    objective: float
    best_bound: float
    gap: float
    wall_time: float
    time_to_first_solution: float | None
    solutions_found: int
    placements: tuple[PlacementRow, ...]
    unmet: tuple[UnmetRow, ...]
    sectors: tuple[SectorRow, ...]
    messages: tuple[str, ...]
    fingerprint: str
    problem: alloc.Problem
    result: alloc.Result
    size_note: str = ""  # which sizes room fit used (requested, or recorded attendance): see learning.py
    # Where the run's fairness policy came from: "term" (the term's own setting), "default" (nothing set for
    # the term: the borough's default) or "run" (given for this run only, e.g. a CLI option); and the
    # term's setting itself, so an overridden run can say what it overrode.
    fairness_source: str = "default"
    term_fairness: FairnessSetting | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {
            "placed": len(self.placements),
            "unmet": len(self.unmet),
            "new": sum(p.change == "new" for p in self.placements),
            "moved": sum(p.moved for p in self.placements),
            "unchanged": sum(p.change in ("unchanged", "pinned") for p in self.placements),
        }


@dataclass(frozen=True)
class AppliedAllocation:
    created: int
    moved: int
    unchanged: int
    withdrawn: int  # previously placed series cancelled because their request is now unmet
    unmet: int


def previous_term(session: Session, term: Term) -> Term | None:
    if term.follows is not None:  # set in Borough ▸ Administration; otherwise the latest earlier term
        return term.follows
    return session.scalars(
        select(Term).where(Term.last_day < term.first_day).order_by(Term.last_day.desc()).limit(1)
    ).first()


def first_meeting(term: Term, weekday: int, week_parity: int | None) -> date:
    """The first date in the term on `weekday` (in fortnight week `week_parity`, counted as the solver does)."""
    monday = term.first_day - timedelta(days=term.first_day.weekday())
    day = monday + timedelta(days=weekday + 7 * (week_parity or 0))
    step = 14 if week_parity is not None else 7
    while day < term.first_day:
        day += timedelta(days=step)
    return day


def fortnight_parity(term: Term, series: Series) -> int | None:
    """Week A (0) or B (1) of `term` on which a fortnightly series meets, continuing its own rhythm.

    Weeks count from the Monday of the term's first week, as the solver counts them; a series from an
    earlier term keeps alternating across the holiday, so its parity is that of its dates carried forward.
    """
    if series.frequency is not Frequency.FORTNIGHTLY:
        return None
    monday = term.first_day - timedelta(days=term.first_day.weekday())
    return ((series.first_date - monday).days // 7) % 2


def closed_days(room: Room, days: Iterable[date], closures: Sequence[ClosureSpan]) -> frozenset[date]:
    """The days on which the room is closed for all or part of the day, bank holidays included.

    A closure of part of a day counts as a closed day: the solver plans weekly slots, and the booking
    rules skip only the sessions a closure really overlaps when a plan is applied.
    """
    return frozenset(
        day
        for day in days
        if bank_holiday(day) or any(c.covers(room.id, room.hub_id, day, time(0), time(23, 59)) for c in closures)
    )


def pure_room(
    room: Room,
    closed: frozenset[date],
    busy: Iterable[alloc.BusyTime] = (),
    special: dict[date, list[tuple[time, time]]] | None = None,
) -> alloc.Room:
    """A stored room as the solver sees it; `special` are its hub's dated opening hours (`dated_hours`)."""
    return alloc.Room(
        id=room.id,
        hub=room.hub.name,
        capacity=room.capacity,
        facilities=frozenset(f.key for f in room.facilities),
        step_free=room.step_free,
        opening=tuple(alloc.Window(w.weekday, _minutes(w.opens), _minutes(w.closes)) for w in room.hub.opening_hours),
        closed_dates=closed,
        name=room.name,
        busy=tuple(busy),
        dated_hours=tuple(
            alloc.DayHours(day, tuple((_minutes(a), _minutes(b)) for a, b in windows))
            for day, windows in sorted((special or {}).items())
        ),
    )


class AllocationService:
    """Use cases of term allocation. One instance per operator (whose name is audited).

    Each write (apply, pin) is one unit of work run through `run_in_transaction`: a deadlock or a locked
    database is retried from the start, then reported as `ConcurrentSave`.
    """

    def __init__(self, sessions: sessionmaker[Session], booking: BookingService, *, retry: RetryPolicy | None = None):
        self._sessions = sessions
        self._retry = retry
        self._booking_service = booking
        self._operator = booking.operator
        self._clock = booking.clock

    # -- building the problem ---------------------------------------------------------------------------

    def term_id(self, name: str) -> int:
        with self._sessions() as session:
            term = session.scalars(select(Term).where(Term.name == name)).first()
            if term is None:
                names = ", ".join(session.scalars(select(Term.name).order_by(Term.first_day))) or "none"
                raise NotFound(f"unknown term {name!r}; known terms: {names}")
            return term.id

    def build_problem(self, term_id: int, policy: alloc.Policy | None = None) -> tuple[alloc.Problem, str]:
        """The pure allocation problem for a term, and a fingerprint of the data it was built from.

        Without `policy` the term's own fairness policy is used (its stored setting, or the default).
        """
        with self._sessions() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            requests = self._requests(session, term)
            if not requests:
                raise InvalidInput(f"{term.name} has no requests to allocate")
            rooms = self._rooms(session, term)
            current = self._current_series(session, term)
            existing = self._existing(session, term, requests, current)
            problem = alloc.Problem(
                term=alloc.Term(term.first_day, term.last_day, tuple((b.first_day, b.last_day) for b in term.breaks)),
                rooms=rooms,
                requests=recorded_sizes(session, term.id, tuple(self._request(r, a) for a, r in enumerate(requests))),
                existing=existing,
                policy=policy or stored_setting(session, term.id).policy(),
                team_busy=_team_busy(session, term),
            )
            return problem, self._fingerprint(requests, current.values())

    def _requests(self, session: Session, term: Term) -> list[Request]:
        query = (
            select(Request)
            .where(Request.term_id == term.id, Request.status != RequestStatus.WITHDRAWN)
            .options(
                selectinload(Request.windows),
                selectinload(Request.hubs),
                selectinload(Request.facilities),
                selectinload(Request.teams),
            )
            .order_by(Request.created_at, Request.id)
        )
        return list(session.scalars(query))

    def _rooms(self, session: Session, term: Term) -> tuple[alloc.Room, ...]:
        spans = closure_spans(session, term.first_day, term.last_day)
        days = [term.first_day + timedelta(days=n) for n in range((term.last_day - term.first_day).days + 1)]
        # Sessions booked outside the allocation keep their rooms: the solver must not place anything on them.
        busy: dict[int, list[alloc.BusyTime]] = {}
        for occurrence in _outside_bookings(session, term):
            busy.setdefault(occurrence.room_id, []).append(_busy_time(occurrence))
        # A hub's dated opening hours (late opening, shorter winter hours, closed for the day) reach the
        # solver: a slot outside them on such a date loses that date, as the booking rules skip it on apply.
        special: dict[int, dict[date, list[tuple[time, time]]]] = {}
        rooms = list(session.scalars(select(Room).where(Room.bookable.is_(True)).order_by(Room.id)))
        for room in rooms:
            if room.hub_id not in special:
                special[room.hub_id] = dated_hours(room.hub, term.first_day, term.last_day)
        return tuple(
            pure_room(room, closed_days(room, days, spans), busy.get(room.id, ()), special[room.hub_id])
            for room in rooms
        )

    @staticmethod
    def _request(request: Request, arrival: int) -> alloc.Request:
        return alloc.Request(
            id=request.id,
            size=request.attendance,
            duration=request.duration_min,
            windows=tuple(alloc.Window(w.weekday, _minutes(w.start), _minutes(w.end)) for w in request.windows),
            frequency=alloc.Frequency(request.frequency.value),
            nth=request.nth or 1,
            acceptable_hubs=frozenset(h.hub.name for h in request.hubs),
            preferred_hubs=frozenset(h.hub.name for h in request.hubs if h.preferred),
            facilities=frozenset(f.key for f in request.facilities),
            step_free=request.step_free,
            priority=request.priority,
            sector=request.organisation.sector.value,
            organisation=request.organisation.name,
            shared=frozenset(t.name for t in request.teams),
            arrival=arrival,
            runs_in_breaks=request.runs_in_breaks,
            title=request.title,
        )

    @staticmethod
    def _current_series(session: Session, term: Term) -> dict[int, Series]:
        """Live series of this term placed for a request (by an earlier apply), by request id."""
        query = select(Series).where(
            Series.term_id == term.id, Series.request_id.is_not(None), Series.cancelled.is_(False)
        )
        return {s.request_id: s for s in session.scalars(query) if s.request_id is not None}

    def _existing(
        self, session: Session, term: Term, requests: list[Request], current: dict[int, Series]
    ) -> tuple[alloc.ExistingPlacement, ...]:
        earlier = previous_term(session, term)
        last_terms: dict[tuple[int, str], Series] = {}
        if earlier is not None:
            for series in session.scalars(
                select(Series).where(Series.term_id == earlier.id, Series.cancelled.is_(False))
            ):
                last_terms.setdefault((series.organisation_id, series.title.strip().lower()), series)
        existing = []
        for request in requests:
            series = current.get(request.id) or last_terms.get((request.organisation_id, request.title.strip().lower()))
            if series is None:
                continue
            parity = fortnight_parity(term, series) if request.frequency is Frequency.FORTNIGHTLY else None
            existing.append(
                alloc.ExistingPlacement(
                    request_id=request.id,
                    room_id=series.room_id,
                    weekday=series.weekday,
                    start=_minutes(series.start_local),
                    week_parity=parity,
                    pinned=series.pinned and series.term_id == term.id,
                )
            )
        return tuple(existing)

    @staticmethod
    def _fingerprint(requests: list[Request], series: object) -> str:
        parts = sorted(f"r{r.id}:{r.version}" for r in requests)
        parts += sorted(f"s{s.id}:{s.version}" for s in series)  # type: ignore[attr-defined]
        return hashlib.sha256(",".join(parts).encode()).hexdigest()[:16]

    def set_pinned(self, term_id: int, request_id: int, pinned: bool) -> int:
        """Pin (or unpin) the live series placed for a request in a term, so a re-run keeps it where it is.

        Returns the series' new version. Only an applied placement can be pinned: a proposal that has not
        been accepted has no series yet.
        """

        def work(session: Session) -> int:
            series = session.scalars(
                select(Series).where(
                    Series.term_id == term_id, Series.request_id == request_id, Series.cancelled.is_(False)
                )
            ).first()
            if series is None:
                raise NotFound(
                    f"request {request_id} has no placed series in this term; accept an allocation before pinning"
                )
            if series.pinned != pinned:
                series.pinned = pinned
                series.updated_at = self._clock()
                session.flush()
                audit(
                    session,
                    self._operator,
                    "pin-series" if pinned else "unpin-series",
                    "series",
                    series.id,
                    f"{'Pinned' if pinned else 'Unpinned'} {series.title}",
                    after={"pinned": pinned},
                    at=self._clock(),
                )
            return series.version

        return run_in_transaction(self._sessions, work, policy=self._retry)

    # -- running -------------------------------------------------------------------------------------------

    def preview(
        self,
        term_id: int,
        *,
        time_limit: float = 10.0,
        on_progress: ProgressHandler | None = None,
        stop: threading.Event | None = None,
        policy: alloc.Policy | None = None,
    ) -> AllocationPreview:
        """Solve the term (nothing is written) and describe the proposal.

        `policy`: this run's own policy instead of the term's fairness setting (the preview says so).
        """
        if time_limit <= 0:
            raise InvalidInput(f"the time limit must be positive, got {time_limit}")
        problem, fingerprint = self.build_problem(term_id, policy)
        result = alloc.solve(problem, time_limit=time_limit, on_progress=on_progress, stop=stop)
        return self._describe(term_id, problem, result, fingerprint, own_policy=policy is not None)

    def what_would_it_take(self, preview: AllocationPreview, request_id: int, *, time_limit: float = 5.0) -> str:
        """The fewest moves or drops that would let an unmet request in, in words."""
        answer = alloc.what_would_it_take(preview.problem, preview.result, request_id, time_limit=time_limit)
        return answer.message

    def _describe(
        self, term_id: int, problem: alloc.Problem, result: alloc.Result, fingerprint: str, *, own_policy: bool = False
    ) -> AllocationPreview:
        with self._sessions() as session:
            term = session.get(Term, term_id)
            assert term is not None
            requests = {r.id: r for r in session.scalars(select(Request).where(Request.term_id == term_id))}
            rooms = {r.id: r for r in session.scalars(select(Room))}
            existing = {e.request_id: e for e in problem.existing}
            setting = stored_setting(session, term_id)
            placements = []
            for p in result.placements:
                request, room = requests[int(p.request_id)], rooms[int(p.room_id)]
                before = existing.get(p.request_id)
                previous = ""
                if before is not None:
                    when = alloc.result.format_time(before.weekday, before.start, before.week_parity)
                    previous = f"{room_label(rooms[int(before.room_id)])} {when}"
                placements.append(
                    PlacementRow(
                        request_id=request.id,
                        title=request.title,
                        organisation=request.organisation.name,
                        sector=request.organisation.sector.value,
                        change=p.change.value,
                        room_id=room.id,
                        room=room.name,
                        hub=room.hub.name,
                        weekday=p.weekday,
                        start=_time(p.start),
                        end=_time(p.end),
                        week_parity=p.week_parity,
                        when=p.when,
                        sessions=len(p.dates),
                        lost_to_closures=len(p.lost_dates),
                        previous=previous,
                    )
                )
            unmet = []
            for u in result.unmet:
                request = requests[int(u.request_id)]
                blockers = tuple(
                    f"{requests[int(b.request_id)].title} ({requests[int(b.request_id)].organisation.name})"
                    + ("" if b.via == "room" else f" needs {b.via} too")
                    for b in u.blockers
                    if int(b.request_id) in requests
                )
                unmet.append(
                    UnmetRow(
                        request.id,
                        request.title,
                        request.organisation.name,
                        request.organisation.sector.value,
                        u.kind.value,
                        u.message,
                        blockers,
                    )
                )
            return AllocationPreview(
                term_id=term_id,
                term_name=term.name,
                status=result.status.value,
                objective=result.objective,
                best_bound=result.best_bound,
                gap=result.gap,
                wall_time=result.wall_time,
                time_to_first_solution=result.time_to_first_solution,
                solutions_found=result.solutions_found,
                placements=tuple(sorted(placements, key=lambda p: (p.hub, p.room, p.weekday, p.start))),
                unmet=tuple(unmet),
                sectors=tuple(SectorRow(s.sector, s.requested, s.met, s.target) for s in result.sectors),
                messages=result.messages,
                fingerprint=fingerprint,
                problem=problem,
                result=result,
                size_note=size_note(session, term_id, problem),
                fairness_source="run" if own_policy else setting.source,
                term_fairness=setting,
            )

    # -- applying ----------------------------------------------------------------------------------------

    def apply(self, preview: AllocationPreview) -> AppliedAllocation:
        """Write an accepted preview in one transaction; any failure leaves the database as it was."""
        if preview.status in ("infeasible", "unknown") and not preview.placements:
            raise InvalidInput(f"the allocation of {preview.term_name} found no solution to apply")
        booking = self._booking_service

        def work(session: Session) -> AppliedAllocation:
            term = session.get(Term, preview.term_id)
            if term is None:
                raise NotFound(f"no term with id {preview.term_id}")
            requests = self._requests(session, term)
            current = self._current_series(session, term)
            if self._fingerprint(requests, current.values()) != preview.fingerprint:
                raise StaleEdit(
                    f"the requests or placements of {term.name} changed since this preview was made; run the "
                    "allocation again"
                )
            by_id = {r.id: r for r in requests}
            placed = {p.request_id: p for p in preview.placements}

            # Free the slots of series that move or lose their place before booking anything new, so a
            # swap of two groups does not trip over itself.
            to_cancel = [
                series
                for request_id, series in current.items()
                if request_id not in placed or self._differs(term, series, placed[request_id])
            ]
            for series in to_cancel:
                reason = (
                    f"the allocation of {term.name} moves it"
                    if series.request_id in placed
                    else f"the allocation of {term.name} no longer places it"
                )
                booking.cancel_within(session, series, list(series.occurrences), reason=reason)

            created = moved = unchanged = 0
            for request_id, row in placed.items():
                request = by_id[request_id]
                series = current.get(request_id)
                if series is not None and not self._differs(term, series, row):
                    unchanged += 1
                else:
                    booking.book_within(session, self._booking(term, request, row))
                    if series is not None:
                        moved += 1
                    else:
                        created += 1
                request.status = RequestStatus.PLACED
                request.status_reason = ""
            for row in preview.unmet:
                request = by_id[row.request_id]
                request.status = RequestStatus.UNMET
                request.status_reason = row.message
            withdrawn = sum(1 for s in to_cancel if s.request_id not in placed)
            session.flush()
            audit(
                session,
                self._operator,
                "apply-allocation",
                "term",
                term.id,
                f"Applied the allocation of {term.name}: {created} new, {moved} moved, {unchanged} unchanged, "
                f"{len(preview.unmet)} unmet",
                after={"placed": len(placed), "unmet": len(preview.unmet), "status": preview.status},
                at=self._clock(),
            )
            return AppliedAllocation(created, moved, unchanged, withdrawn, len(preview.unmet))

        return run_in_transaction(self._sessions, work, policy=self._retry)

    @staticmethod
    def _differs(term: Term, series: Series, row: PlacementRow) -> bool:
        before = (series.room_id, series.weekday, series.start_local, fortnight_parity(term, series))
        return before != (row.room_id, row.weekday, row.start, row.week_parity)

    @staticmethod
    def _booking(term: Term, request: Request, row: PlacementRow) -> NewBooking:
        return NewBooking(
            room_id=row.room_id,
            organisation_id=request.organisation_id,
            title=request.title,
            public_title=request.public_title,
            visibility=request.visibility,
            hide_location=request.hide_location,
            attendance=request.attendance,
            first_date=first_meeting(term, row.weekday, row.week_parity),
            last_date=term.last_day,
            start=row.start,
            duration_min=request.duration_min,
            frequency=request.frequency,
            nth=request.nth,
            term_id=term.id,
            request_id=request.id,
            runs_in_breaks=request.runs_in_breaks,
            team_ids=tuple(t.id for t in request.teams),
        )
