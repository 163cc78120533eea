"""The booking rules, in one place: every write path asks this gate before it writes a session.

Owns: every rule a dated session must satisfy — the room is bookable, holds the people expected and has
the facilities and step-free access the session needs; the hub is open and not closed that day (closure,
bank holiday, term-time break for series that skip breaks, a wall time the clock change skips); the room
is free; and no shared person or team is in two places at once — and the sentence that names what is in
the way. Book, move a session, move a series, restore, undo and redo, allocation apply and its undo,
closure re-homing and `.ics` import all call `BookingRules.problems` / `enforce`; nothing else in the
code base states a booking rule. Reads only, inside the caller's transaction, so that a change already
flushed in that transaction (a slot freed first, a session booked earlier in the same apply) counts.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import Occurrence, Room, Series, Team, Term
from models.types import OccurrenceStatus
from scheduler.errors import (
    BookingClash,
    BookingRefused,
    CapacityExceeded,
    ClosedError,
    NotFound,
    OutsideOpeningHours,
    RoomUnsuitable,
)
from scheduler.recurrence import DateSpan, Expansion, Pattern, SessionCalendar, to_local
from scheduler.services.common import closure_spans, describe_occurrence, room_label, term_breaks_between


@dataclass(frozen=True)
class Problem:
    """One broken rule: the typed error it raises, the rule's name and the sentence that explains it."""

    error: type[BookingRefused]
    rule: str
    message: str


@dataclass(frozen=True)
class ProposedSession:
    """A session as it would be after the change.

    `occurrence_id` is the stored session this one is (a move or a restore); it is never its own obstacle.
    `facilities` and `step_free` are what the session needs (from its request, where it has one).
    `skip_breaks` applies the term-time-break rule: the series does not run in its term's breaks.
    """

    title: str
    room_id: int
    start_utc: datetime
    end_utc: datetime
    attendance: int
    team_ids: tuple[int, ...] = ()
    facilities: frozenset[str] = frozenset()
    step_free: bool = False
    skip_breaks: bool = False
    term_id: int | None = None
    occurrence_id: int | None = None


def proposed_from(
    series: Series,
    occurrence: Occurrence,
    *,
    room_id: int | None = None,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
) -> ProposedSession:
    """A stored session of `series` as the gate sees it, optionally somewhere or somewhen else."""
    request = series.request
    return ProposedSession(
        title=series.title,
        room_id=occurrence.room_id if room_id is None else room_id,
        start_utc=occurrence.start_utc if start_utc is None else start_utc,
        end_utc=occurrence.end_utc if end_utc is None else end_utc,
        attendance=series.attendance,
        team_ids=tuple(t.id for t in series.teams),
        facilities=frozenset(f.key for f in request.facilities) if request is not None else frozenset(),
        step_free=bool(request.step_free) if request is not None else False,
        skip_breaks=not series.runs_in_breaks,
        term_id=series.term_id,
        occurrence_id=occurrence.id,
    )


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _more(count: int) -> str:
    return f" (and {count - 1} more date{'s' if count > 2 else ''})" if count > 1 else ""


class BookingRules:
    """The gate, bound to one transaction's session."""

    def __init__(self, session: Session):
        self._session = session

    # -- the calendar of a room ----------------------------------------------------------------------

    def calendar(
        self, room: Room, first: date, last: date, *, term: Term | None = None, skip_breaks: bool = False
    ) -> SessionCalendar:
        """What blocks a session in `room` between the dates: hours, closures, bank holidays, breaks."""
        hours: dict[int, list[tuple[time, time]]] = {}
        for window in room.hub.opening_hours:
            hours.setdefault(window.weekday, []).append((window.opens, window.closes))
        breaks: list[DateSpan] = []
        if skip_breaks:
            if term is not None:
                breaks = [DateSpan(b.first_day, b.last_day, b.name) for b in term.breaks]
            else:
                breaks = term_breaks_between(self._session, first, last)
        return SessionCalendar(
            room_id=room.id,
            hub_id=room.hub_id,
            opening_hours=hours,
            closures=closure_spans(self._session, first, last),
            breaks=breaks,
        )

    def expand(
        self, room: Room, pattern: Pattern, title: str, *, term: Term | None, skip_breaks: bool, once: bool
    ) -> tuple[Expansion, list[Problem]]:
        """The dates a new series in `room` may meet on, the dates it skips and why, and what refuses it.

        A regular series skips closed dates; it is refused when its weekday is outside opening hours or
        when no date is left. A one-off is refused when its only date is blocked.
        """
        calendar = self.calendar(room, pattern.first_date, pattern.last_date, term=term, skip_breaks=skip_breaks)
        where = room_label(room)
        if not calendar.within_opening_hours(pattern.weekday, pattern.start, pattern.end):
            message = (
                f"{title} {pattern.start:%H:%M}–{pattern.end:%H:%M} is outside opening hours: "
                f"{room.hub.name} is {calendar.opening_hours_text(pattern.weekday)}"
            )
            return Expansion([], []), [Problem(OutsideOpeningHours, "opening-hours", message)]
        expansion = calendar.expand(pattern, skip_breaks=skip_breaks)
        if expansion.sessions:
            return expansion, []
        if once and expansion.skipped:
            day = expansion.skipped[0]
            message = f"{where} is closed on {day.day:%a %d %b %Y}: {day.reason}"
        else:
            message = f"{title} has no date it can run on in {where}"
        return expansion, [Problem(ClosedError, "closed", message)]

    # -- the gate ------------------------------------------------------------------------------------

    def problems(self, proposed: Sequence[ProposedSession], *, ignore: Collection[int] = ()) -> list[Problem]:
        """Every rule the proposed sessions break, each naming what is in the way (empty when all hold).

        Args:
            proposed: the sessions as they would be after the change.
            ignore: stored sessions the same change moves or frees (never obstacles). A proposed session's
                own `occurrence_id` is ignored too.
        """
        if not proposed:
            return []
        ignored = set(ignore) | {p.occurrence_id for p in proposed if p.occurrence_id is not None}
        rooms = self._rooms(proposed)
        found: list[Problem] = []
        found += self._room_problems(proposed, rooms)
        found += self._calendar_problems(proposed, rooms)
        found += self._room_clashes(proposed, rooms, ignored)
        found += self._team_clashes(proposed, ignored)
        return found

    def enforce(self, proposed: Sequence[ProposedSession], *, ignore: Collection[int] = ()) -> None:
        """Raise the typed error of the first broken rule, its message naming every problem found."""
        raise_first(self.problems(proposed, ignore=ignore))

    # -- the rules -----------------------------------------------------------------------------------

    def _rooms(self, proposed: Sequence[ProposedSession]) -> dict[int, Room]:
        rooms: dict[int, Room] = {}
        for room_id in {p.room_id for p in proposed}:
            room = self._session.get(Room, room_id)
            if room is None:
                raise NotFound(f"no room with id {room_id}")
            rooms[room_id] = room
        return rooms

    def _room_problems(self, proposed: Sequence[ProposedSession], rooms: dict[int, Room]) -> list[Problem]:
        """Bookable, capacity, facilities and step-free access: once per room, for the largest need."""
        found: list[Problem] = []
        for room_id, room in sorted(rooms.items()):
            here = [p for p in proposed if p.room_id == room_id]
            where = room_label(room)
            if not room.bookable:
                found.append(Problem(RoomUnsuitable, "bookable", f"{where} is not bookable"))
            largest = max(here, key=lambda p: p.attendance)
            if largest.attendance > room.capacity:
                found.append(
                    Problem(
                        CapacityExceeded,
                        "capacity",
                        f"{where} holds {room.capacity} people but {largest.attendance} are expected "
                        f"for {largest.title}",
                    )
                )
            has = {f.key for f in room.facilities}
            missing = sorted(set().union(*(p.facilities for p in here)) - has)
            if missing:
                found.append(
                    Problem(
                        RoomUnsuitable, "facilities", f"{where} has no {', '.join(missing)} (needed by {here[0].title})"
                    )
                )
            if any(p.step_free for p in here) and not room.step_free:
                found.append(
                    Problem(RoomUnsuitable, "step-free", f"{where} has no step-free access (needed by {here[0].title})")
                )
        return found

    def _calendar_problems(self, proposed: Sequence[ProposedSession], rooms: dict[int, Room]) -> list[Problem]:
        """Opening hours, closures, bank holidays, term-time breaks and clock changes, per session."""
        found: list[Problem] = []
        groups: dict[tuple[int, int | None, bool], list[ProposedSession]] = defaultdict(list)
        for p in proposed:
            groups[(p.room_id, p.term_id, p.skip_breaks)].append(p)
        for (room_id, term_id, skip_breaks), here in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            room = rooms[room_id]
            days = [to_local(p.start_utc).date() for p in here]
            term = self._session.get(Term, term_id) if term_id is not None else None
            calendar = self.calendar(room, min(days), max(days), term=term, skip_breaks=skip_breaks)
            blocked = []
            for p in sorted(here, key=lambda p: p.start_utc):
                start, end = to_local(p.start_utc), to_local(p.end_utc)
                reason = calendar.blocked(start.date(), start.time(), end.time(), skip_breaks=skip_breaks)
                if reason:
                    blocked.append((p, start, reason))
            if blocked:
                p, start, reason = blocked[0]
                error = OutsideOpeningHours if reason.startswith("outside") else ClosedError
                rule = "opening-hours" if error is OutsideOpeningHours else "closed"
                found.append(
                    Problem(
                        error,
                        rule,
                        f"{room_label(room)} on {start:%a %d %b %Y}: {reason}{_more(len(blocked))}",
                    )
                )
        return found

    def _room_clashes(
        self, proposed: Sequence[ProposedSession], rooms: dict[int, Room], ignored: set[int]
    ) -> list[Problem]:
        found: list[Problem] = []
        for room_id, room in sorted(rooms.items()):
            here = sorted((p for p in proposed if p.room_id == room_id), key=lambda p: p.start_utc)
            existing = [
                o
                for o in self._live(Occurrence.room_id == room_id, here[0].start_utc, max(p.end_utc for p in here))
                if o.id not in ignored
            ]
            clashes = [
                (p, o) for p in here for o in existing if _overlaps(p.start_utc, p.end_utc, o.start_utc, o.end_utc)
            ]
            if clashes:
                _, first = clashes[0]
                found.append(
                    Problem(
                        BookingClash,
                        "room-clash",
                        f"{room_label(room)} is already booked by {describe_occurrence(first)}{_more(len(clashes))}",
                    )
                )
                continue
            inner = [(a, b) for a, b in pairwise(here) if b.start_utc < a.end_utc]
            if inner:
                a, b = inner[0]
                found.append(
                    Problem(
                        BookingClash,
                        "room-clash",
                        f"{room_label(room)} would hold {a.title} and {b.title} at once on "
                        f"{to_local(b.start_utc):%a %d %b %Y %H:%M}",
                    )
                )
        return found

    def _team_clashes(self, proposed: Sequence[ProposedSession], ignored: set[int]) -> list[Problem]:
        found: list[Problem] = []
        for team_id in sorted({t for p in proposed for t in p.team_ids}):
            team = self._session.get(Team, team_id)
            if team is None:
                raise NotFound(f"no shared person or team with id {team_id}")
            here = sorted((p for p in proposed if team_id in p.team_ids), key=lambda p: p.start_utc)
            existing = [
                o
                for o in self._live(
                    Occurrence.series.has(Series.teams.any(Team.id == team_id)),
                    here[0].start_utc,
                    max(p.end_utc for p in here),
                )
                if o.id not in ignored
            ]
            clashes = [
                (p, o) for p in here for o in existing if _overlaps(p.start_utc, p.end_utc, o.start_utc, o.end_utc)
            ]
            if clashes:
                _, first = clashes[0]
                found.append(
                    Problem(
                        BookingClash,
                        "team-clash",
                        f"{team.name} is already at {describe_occurrence(first)} in {room_label(first.room)}"
                        f"{_more(len(clashes))}",
                    )
                )
                continue
            inner = [(a, b) for a, b in pairwise(here) if b.start_utc < a.end_utc]
            if inner:
                a, b = inner[0]
                found.append(
                    Problem(
                        BookingClash,
                        "team-clash",
                        f"{team.name} would be at {a.title} and {b.title} at once on "
                        f"{to_local(b.start_utc):%a %d %b %Y %H:%M}",
                    )
                )
        return found

    def _live(self, condition, start: datetime, end: datetime) -> list[Occurrence]:
        query = (
            select(Occurrence)
            .where(
                condition,
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Occurrence.start_utc < end,
                Occurrence.end_utc > start,
            )
            .order_by(Occurrence.start_utc)
        )
        return list(self._session.scalars(query))


def raise_first(problems: Iterable[Problem]) -> None:
    """Raise the typed error of the first problem, with every problem's sentence; nothing when none."""
    problems = list(problems)
    if problems:
        raise problems[0].error("; ".join(p.message for p in problems))
