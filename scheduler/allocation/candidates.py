"""Candidate placements: every (request, room, weekday, start, fortnight week) that passes the static rules.

This module owns the static filtering shared by the CP-SAT model, the greedy baseline and the
explanations: acceptable hub, capacity, facilities, step-free access, opening hours inside the request's
allowed windows, at least one session left after breaks and closures, and no session on top of a booking
made outside the allocation (a room's ``busy`` times, or its shared people's in ``Problem.team_busy``).
For every room it rules out it records the first requirement that failed, which is what a static
explanation reports; the labels of outside bookings that ruled out any start are kept per request.

Each candidate also knows the grid cells it covers on its weekday and the weeks it really meets (closed
dates removed), so two candidates clash exactly when they share a room or a shared person, a weekday, a
cell and a week.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from .dates import meeting_dates, week_mask
from .problem import BusyTime, ExistingPlacement, Frequency, Id, Problem, Request, Room, Window
from .result import Requirement, RoomRejection, format_time


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible placement. ``cells`` is ``[first, end)`` in grid cells of the weekday."""

    index: int
    request_id: Id
    room_id: Id
    hub: str
    weekday: int
    start: int
    end: int
    week_parity: int | None
    first_cell: int
    end_cell: int
    mask: int
    dates: tuple[date, ...]
    lost_dates: tuple[date, ...]

    def clashes_in_time(self, other: Candidate) -> bool:
        """Same weekday, overlapping cells and at least one common week."""
        return (
            self.weekday == other.weekday
            and self.first_cell < other.end_cell
            and other.first_cell < self.end_cell
            and bool(self.mask & other.mask)
        )


@dataclass(frozen=True)
class Candidates:
    """All candidates of a problem plus why rooms were ruled out, per request.

    ``busy`` holds, per request, the labels of outside bookings (room or shared person) that ruled out at
    least one of its room-times, for explanations.
    """

    items: tuple[Candidate, ...]
    by_request: dict[Id, tuple[int, ...]]
    rejections: dict[Id, tuple[RoomRejection, ...]]
    pin_errors: tuple[str, ...]
    busy: dict[Id, tuple[str, ...]] = field(default_factory=dict)


def _parities(request: Request) -> tuple[int | None, ...]:
    return (0, 1) if request.frequency is Frequency.FORTNIGHTLY else (None,)


def _starts(request: Request, room: Room, grid: int) -> list[tuple[int, int]]:
    """(weekday, start) pairs on the grid where a session fits in an allowed window and an opening."""
    found: set[tuple[int, int]] = set()
    for allowed in request.windows:
        for opening in room.opening:
            if opening.weekday != allowed.weekday:
                continue
            low = max(allowed.start, opening.start)
            high = min(allowed.end, opening.end)
            start = -(-low // grid) * grid
            while start + request.duration <= high:
                found.add((allowed.weekday, start))
                start += grid
    return sorted(found)


def _first_failure(request: Request, room: Room) -> tuple[Requirement, str] | None:
    """The first static requirement a room fails for a request, ignoring time (checked separately)."""
    if request.acceptable_hubs and room.hub not in request.acceptable_hubs:
        return Requirement.HUB, f"{room.hub} is not acceptable"
    if room.capacity < request.size:
        return Requirement.CAPACITY, f"holds {room.capacity}, needs {request.size}"
    missing = request.facilities - room.facilities
    if missing:
        return Requirement.FACILITIES, "lacks " + ", ".join(sorted(missing))
    if request.step_free and not room.step_free:
        return Requirement.STEP_FREE, "not step-free"
    return None


def _windows_text(windows: Iterable[Window]) -> str:
    parts = [f"{format_time(w.weekday, w.start)}–{w.end // 60:02d}:{w.end % 60:02d}" for w in windows]
    return ", ".join(parts) or "none"


def _cells(start: int, end: int, grid: int) -> tuple[int, int]:
    # Floor the start and ceil the end so an off-grid (pinned) session still blocks every cell it touches.
    return start // grid, -(-end // grid)


def _busy_by_day(busy: Iterable[BusyTime]) -> dict[date, list[BusyTime]]:
    by_day: dict[date, list[BusyTime]] = {}
    for item in busy:
        by_day.setdefault(item.day, []).append(item)
    return by_day


def _busy_labels(
    dates: Iterable[date], start: int, end: int, tables: Iterable[tuple[str, dict[date, list[BusyTime]]]]
) -> list[tuple[str, str]]:
    """(whose, label) of every busy time overlapping ``[start, end)`` on one of ``dates``.

    ``whose`` is ``"room"`` or a shared person's name.
    """
    found: list[tuple[str, str]] = []
    for whose, by_day in tables:
        for day in dates:
            for item in by_day.get(day, ()):
                if item.start < end and start < item.end:
                    found.append((whose, item.label or f"booked {day.isoformat()}"))
    return found


def _busy_detail(found: Iterable[tuple[str, str]]) -> str:
    """``"taken by other bookings: A, B; shared 'coach' booked elsewhere: C"``."""
    by_whose: dict[str, list[str]] = {}
    for whose, label in found:
        labels = by_whose.setdefault(whose, [])
        if label not in labels:
            labels.append(label)
    parts = []
    for whose, labels in sorted(by_whose.items(), key=lambda item: item[0] != "room"):
        shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
        if whose == "room":
            parts.append(f"taken by other bookings: {shown}")
        else:
            parts.append(f"shared '{whose}' booked elsewhere: {shown}")
    return "; ".join(parts)


# Requests between two progress steps while listing candidates.
STEP = 250


class Cancelled(Exception):
    """Raised inside the package when the stop handle is set while building; ``solve`` turns it into data."""


def build_candidates(
    problem: Problem,
    requests: Iterable[Request] | None = None,
    stop: threading.Event | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> Candidates:
    """Enumerate the candidates of ``requests`` (default: all); pinned requests get only their pin.

    Building can take seconds on large problems, so a set ``stop`` raises :class:`Cancelled`, and
    ``on_step(done, total)`` is called every :data:`STEP` requests.
    """
    grid = problem.policy.grid
    term = problem.term
    pins = {p.request_id: p for p in problem.existing if p.pinned}
    items: list[Candidate] = []
    by_request: dict[Id, tuple[int, ...]] = {}
    rejections: dict[Id, tuple[RoomRejection, ...]] = {}
    busy_labels: dict[Id, tuple[str, ...]] = {}
    pin_errors: list[str] = []
    room_busy = {room.id: _busy_by_day(room.busy) for room in problem.rooms if room.busy}
    team_busy = {person: _busy_by_day(times) for person, times in problem.team_busy.items() if times}
    chosen = list(problem.requests if requests is None else requests)
    for done, request in enumerate(chosen):
        if stop is not None and stop.is_set():
            raise Cancelled
        if on_step is not None and done and done % STEP == 0:
            on_step(done, len(chosen))
        people_busy = [(person, team_busy[person]) for person in sorted(request.shared) if person in team_busy]
        sessions_cache: dict[tuple[int, int | None, Id], tuple[tuple[date, ...], tuple[date, ...], int]] = {}
        plain_cache: dict[tuple[int, int | None], tuple[date, ...]] = {}

        def sessions(
            room: Room,
            weekday: int,
            parity: int | None,
            request: Request = request,
            sessions_cache: dict = sessions_cache,
            plain_cache: dict = plain_cache,
        ) -> tuple[tuple[date, ...], tuple[date, ...], int]:
            """(dates kept, dates lost to closures, week mask), shared by every start in the room."""
            key = (weekday, parity, room.id)
            if key not in sessions_cache:
                if (weekday, parity) not in plain_cache:
                    plain_cache[(weekday, parity)] = meeting_dates(term, request, weekday, parity)
                dates = plain_cache[(weekday, parity)]
                closed = room.closed_dates
                kept = tuple(d for d in dates if d not in closed) if closed else dates
                lost = tuple(d for d in dates if d in closed) if closed else ()
                sessions_cache[key] = (kept, lost, week_mask(term, kept))
            return sessions_cache[key]

        pin = pins.get(request.id)
        if pin is not None:
            error = _pin_error(problem, request, pin)
            if error is not None:
                pin_errors.append(error)
                by_request[request.id] = ()
                continue
            rooms_and_starts = [(problem.room(pin.room_id), [(pin.weekday, pin.start)], (pin.week_parity,))]
        else:
            rooms_and_starts = []
        mine: list[int] = []
        rejected: list[RoomRejection] = []
        if pin is None:
            for room in problem.rooms:
                failure = _first_failure(request, room)
                if failure is not None:
                    rejected.append(RoomRejection(room.id, *failure))
                    continue
                starts = _starts(request, room, grid)
                if not starts:
                    rejected.append(
                        RoomRejection(
                            room.id,
                            Requirement.OPENING_HOURS,
                            f"open {_windows_text(room.opening)}; no {request.duration} minutes free inside "
                            f"{_windows_text(request.windows)}",
                        )
                    )
                    continue
                rooms_and_starts.append((room, starts, _parities(request)))
        excluded: list[tuple[str, str]] = []
        for room, starts, parities in rooms_and_starts:
            before = len(mine)
            busy_tables = [("room", room_busy[room.id])] if room.id in room_busy else []
            busy_tables += people_busy
            excluded_here: list[tuple[str, str]] = []
            for weekday, start in starts:
                for parity in parities:
                    kept, lost, mask = sessions(room, weekday, parity)
                    if kept and room.dated_hours:
                        kept, lost, mask = _outside_dated_hours(term, room, kept, lost, mask, start, request.duration)
                    if not kept:
                        continue
                    if busy_tables:
                        # Taken by a booking outside the allocation on one of the dates it meets: infeasible.
                        found = _busy_labels(kept, start, start + request.duration, busy_tables)
                        if found:
                            excluded_here.extend(found)
                            continue
                    first_cell, end_cell = _cells(start, start + request.duration, grid)
                    candidate = Candidate(
                        index=len(items),
                        request_id=request.id,
                        room_id=room.id,
                        hub=room.hub,
                        weekday=weekday,
                        start=start,
                        end=start + request.duration,
                        week_parity=parity,
                        first_cell=first_cell,
                        end_cell=end_cell,
                        mask=mask,
                        dates=kept,
                        lost_dates=lost,
                    )
                    items.append(candidate)
                    mine.append(candidate.index)
            excluded.extend(excluded_here)
            if len(mine) == before:
                if pin is not None and excluded_here:
                    pin_errors.append(
                        f"{request.label}: pinned to {room.label} at {format_time(*starts[0], pin.week_parity)}, "
                        f"which is {_busy_detail(excluded_here)}"
                    )
                elif pin is not None:
                    pin_errors.append(f"{request.label}: pinned placement has no session left in the term")
                elif excluded_here:
                    rejected.append(RoomRejection(room.id, Requirement.BUSY, _busy_detail(excluded_here)))
                else:
                    rejected.append(
                        RoomRejection(room.id, Requirement.CLOSED, "closed or in a break on every date it could meet")
                    )
        by_request[request.id] = tuple(mine)
        rejections[request.id] = tuple(rejected)
        if excluded:
            busy_labels[request.id] = tuple(dict.fromkeys(label for _whose, label in excluded))
    return Candidates(tuple(items), by_request, rejections, tuple(pin_errors), busy_labels)


def _outside_dated_hours(
    term, room: Room, kept: tuple[date, ...], lost: tuple[date, ...], mask: int, start: int, duration: int
) -> tuple[tuple[date, ...], tuple[date, ...], int]:
    """Dates on which the hub keeps other hours and this start does not fit them are lost, like closed dates."""
    off = tuple(d for d in kept if not room.open_on(d, start, start + duration))
    if not off:
        return kept, lost, mask
    still = tuple(d for d in kept if d not in off)
    return still, tuple(sorted(lost + off)), week_mask(term, still)


def _pin_error(problem: Problem, request: Request, pin: ExistingPlacement) -> str | None:
    """Why a pinned placement breaks a hard rule, or ``None`` when it is valid."""
    try:
        room = problem.room(pin.room_id)
    except KeyError:
        return f"{request.label}: pinned to unknown room {pin.room_id}"
    failure = _first_failure(request, room)
    if failure is not None:
        return f"{request.label}: pinned to {room.label}, which {failure[1]}"
    end = pin.start + request.duration
    if not any(w.contains(pin.weekday, pin.start, end) for w in request.windows):
        return f"{request.label}: pinned at {format_time(pin.weekday, pin.start)}, outside its allowed windows"
    if not any(w.contains(pin.weekday, pin.start, end) for w in room.opening):
        return f"{request.label}: pinned at {format_time(pin.weekday, pin.start)}, when {room.label} is closed"
    if (pin.week_parity is None) != (request.frequency is not Frequency.FORTNIGHTLY):
        return f"{request.label}: pinned fortnight week does not match its frequency"
    return None
