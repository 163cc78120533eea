"""What goes into an allocation: frozen dataclasses describing rooms, requests, the term and the policy.

This module owns the input vocabulary of the allocation package and its basic validation. It holds no
solver logic and imports nothing outside the standard library (the package must stay pure: no database,
no Qt, nothing else of ours).

Conventions used throughout the package:

* weekdays are integers, 0 = Monday .. 6 = Sunday;
* times of day are minutes after midnight (``570`` = 09:30) and windows are half-open ``[start, end)``;
* ids of rooms and requests are ``int`` or ``str`` and must be unique within a problem;
* a fortnightly placement meets in week A (parity 0) or week B (parity 1); weeks are counted from the
  Monday of the term's first week, and break weeks keep counting, so week A stays week A after half-term.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

Id = int | str

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECTORS = ("council", "partner", "resident")


class Frequency(enum.StrEnum):
    """How often a request meets."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Window:
    """A weekly time window: ``weekday`` between ``start`` and ``end`` minutes (half-open)."""

    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"window must satisfy 0 <= start < end <= 1440, got {self.start}..{self.end}")

    def contains(self, weekday: int, start: int, end: int) -> bool:
        """Whether a session ``[start, end)`` on ``weekday`` fits entirely inside this window."""
        return weekday == self.weekday and self.start <= start and end <= self.end


@dataclass(frozen=True)
class BusyTime:
    """A dated time already taken by a booking outside the allocation (a one-off or a hand-made series).

    ``start`` and ``end`` are minutes of the local wall clock on ``day`` (half-open); ``label`` names the
    booking in explanations, e.g. ``"Flu clinic (NHS) Tue 12 Jan 10:00"``.
    """

    day: date
    start: int
    end: int
    label: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"busy time must satisfy 0 <= start < end <= 1440, got {self.start}..{self.end}")

    def overlaps(self, day: date, start: int, end: int) -> bool:
        """Whether a session ``[start, end)`` on ``day`` overlaps this busy time."""
        return day == self.day and start < self.end and self.start < end


@dataclass(frozen=True)
class DayHours:
    """A date on which a hub keeps other hours than its weekly ones (a dated opening-hour exception).

    ``windows`` are ``(start, end)`` minutes of the local wall clock that replace the weekday's usual
    windows on ``day``; none means closed all that day. A session that does not fit inside them is lost on
    that date (like a closure): the series keeps its weekly slot and skips the date.
    """

    day: date
    windows: tuple[tuple[int, int], ...] = ()

    def fits(self, start: int, end: int) -> bool:
        return any(low <= start and end <= high for low, high in self.windows)


@dataclass(frozen=True)
class Room:
    """A bookable room.

    Attributes:
        id: unique id.
        hub: the hub's name (requests name hubs by the same string).
        capacity: people it holds.
        facilities: facility names it offers ("kitchen", "sink", "hearing_loop", ...).
        step_free: reachable without steps.
        opening: the weekly windows in which it is open (several per weekday allowed).
        closed_dates: dates on which it is closed; sessions on them are lost, not moved.
        name: for messages only.
        busy: times already taken by bookings outside the allocation; no session may overlap them (hard).
        dated_hours: the hub's dated exceptions to ``opening``; a session outside that day's hours is lost.
    """

    id: Id
    hub: str
    capacity: int
    facilities: frozenset[str] = frozenset()
    step_free: bool = True
    opening: tuple[Window, ...] = ()
    closed_dates: frozenset[date] = frozenset()
    name: str = ""
    busy: tuple[BusyTime, ...] = ()
    dated_hours: tuple[DayHours, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name or self.id} ({self.hub})"

    def open_on(self, day: date, start: int, end: int) -> bool:
        """False when ``day`` has its own hours (a dated exception) and ``[start, end)`` is outside them."""
        return all(d.fits(start, end) for d in self.dated_hours if d.day == day)


@dataclass(frozen=True)
class Request:
    """A request for a regular slot over the term.

    Attributes:
        id: unique id.
        size: number of people attending.
        duration: minutes per session.
        frequency: weekly, fortnightly or monthly.
        nth: for monthly requests, which weekday of the month (1..4, or -1 for the last); ignored otherwise.
        windows: when it may meet; the session must fit inside one of them.
        acceptable_hubs: hubs it may be placed in; empty means any hub.
        preferred_hubs: hubs it would rather have (soft).
        preferred_times: windows it would rather have (soft).
        facilities: facilities the room must offer.
        step_free: needs a step-free room.
        priority: 1 (low) .. 5 (high); weights met demand.
        sector: "council", "partner" or "resident".
        organisation: who asks; the solver prefers fewer hubs per organisation.
        shared: people or teams it needs that may not be in two places at once.
        arrival: order of arrival (the greedy baseline serves requests in this order).
        runs_in_breaks: whether it still meets during term breaks.
        title: for messages only.
    """

    id: Id
    size: int
    duration: int
    windows: tuple[Window, ...]
    frequency: Frequency = Frequency.WEEKLY
    nth: int = 1
    acceptable_hubs: frozenset[str] = frozenset()
    preferred_hubs: frozenset[str] = frozenset()
    preferred_times: tuple[Window, ...] = ()
    facilities: frozenset[str] = frozenset()
    step_free: bool = False
    priority: int = 3
    sector: str = "resident"
    organisation: str = ""
    shared: frozenset[str] = frozenset()
    arrival: int = 0
    runs_in_breaks: bool = False
    title: str = ""

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError(f"request {self.id}: duration must be positive")
        if self.size < 0:
            raise ValueError(f"request {self.id}: size must not be negative")
        if self.priority < 1:
            raise ValueError(f"request {self.id}: priority must be at least 1")
        if self.frequency is Frequency.MONTHLY and self.nth not in (1, 2, 3, 4, -1):
            raise ValueError(f"request {self.id}: nth must be 1..4 or -1, got {self.nth}")

    @property
    def label(self) -> str:
        return self.title or f"request {self.id}"


@dataclass(frozen=True)
class ExistingPlacement:
    """A placement that already exists: pinned (kept exactly) or last term's (kept if it can be).

    ``week_parity`` is 0 (week A) or 1 (week B) for fortnightly requests and ``None`` otherwise.
    """

    request_id: Id
    room_id: Id
    weekday: int
    start: int
    week_parity: int | None = None
    pinned: bool = False


@dataclass(frozen=True)
class Term:
    """The term being allocated: first and last day (inclusive) and breaks (inclusive date ranges)."""

    first_day: date
    last_day: date
    breaks: tuple[tuple[date, date], ...] = ()

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("term ends before it starts")

    def in_break(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.breaks)


def _default_targets() -> Mapping[str, float]:
    return {"council": 0.3, "partner": 0.3, "resident": 0.4}


@dataclass(frozen=True)
class Policy:
    """Weights and settings.

    Stage 1 maximises ``sum(priority of met requests) + fairness_weight * D * z`` where ``D`` is the total
    priority-weighted demand and ``z`` (0..1) is the worst-off sector's met demand as a fraction of its
    entitlement; a sector's entitlement is its target share of ``D``, or all of its own demand if it asked
    for less. So ``fairness_weight = 0.25`` says "bringing the worst-off sector from nothing to its full
    entitlement is worth a quarter of all demand".

    Stage 2 minimises the penalties below with stage 1's value kept. Stability weights follow UniTime's
    "minimal perturbation": a time change costs more than a hub change, which costs more than a room change
    in the same hub; dropping last term's request costs most. A room much bigger than the group costs a
    little (``right_size_weight``), so halls stay free for the groups that need them.

    ``sector_targets`` and ``fairness_weight`` are the borough's fairness policy for the term; a weight of 0
    turns fairness off (stage 1 is then met demand alone).
    """

    # 30 minutes, measured: a 15-minute grid doubled the model with no better allocation on the benchmark
    # (CP-SAT's presolve reduced both to the same model) and tripled time to first solution on wide windows.
    grid: int = 30
    sector_targets: Mapping[str, float] = field(default_factory=_default_targets)
    fairness_weight: float = 0.25
    preferred_hub_weight: int = 4
    preferred_time_weight: int = 3
    time_change_weight: int = 20
    hub_change_weight: int = 10
    room_change_weight: int = 5
    drop_previous_weight: int = 40
    closure_session_weight: int = 2
    organisation_hub_weight: int = 3
    # Per step of room too big for the group (see ``scoring.oversize_steps``): an 18-person group in a
    # 100-person hall costs 2 steps, less than a room change (5) or a preferred hub missed (4), so fitting
    # the room to the group never outweighs keeping someone where they were or where they asked to be.
    right_size_weight: int = 1
    stage1_time_share: float = 0.7
    num_workers: int = 2

    def __post_init__(self) -> None:
        if self.grid <= 0 or 60 % self.grid:
            raise ValueError("grid must divide 60 minutes")
        if not 0 < self.stage1_time_share <= 1:
            raise ValueError("stage1_time_share must be in (0, 1]")


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs for one term.

    ``team_busy`` holds, per shared person or team (the names requests use in ``shared``), the times they
    are already booked outside the allocation; a request needing them may not meet then (hard).
    """

    term: Term
    rooms: tuple[Room, ...]
    requests: tuple[Request, ...]
    existing: tuple[ExistingPlacement, ...] = ()
    policy: Policy = field(default_factory=Policy)
    team_busy: Mapping[str, tuple[BusyTime, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        room_ids = [room.id for room in self.rooms]
        if len(set(room_ids)) != len(room_ids):
            raise ValueError("room ids must be unique")
        request_ids = [request.id for request in self.requests]
        if len(set(request_ids)) != len(request_ids):
            raise ValueError("request ids must be unique")
        existing_ids = [placement.request_id for placement in self.existing]
        if len(set(existing_ids)) != len(existing_ids):
            raise ValueError("at most one existing placement per request")

    def room(self, room_id: Id) -> Room:
        return self._rooms_by_id[room_id]

    def request(self, request_id: Id) -> Request:
        return self._requests_by_id[request_id]

    # cached_property writes straight into the instance dict, so it works on a frozen dataclass.
    @cached_property
    def _rooms_by_id(self) -> dict[Id, Room]:
        return {room.id: room for room in self.rooms}

    @cached_property
    def _requests_by_id(self) -> dict[Id, Request]:
        return {request.id: request for request in self.requests}
