"""What comes out of an allocation: placements, unmet requests with explanations, status and statistics.

This module owns the output vocabulary (frozen dataclasses and enums). Status is data here, never an
exception. It imports only ``problem`` from this package.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from .problem import WEEKDAY_NAMES, Id


class Status(enum.StrEnum):
    """How a run ended. FEASIBLE means a valid solution that was not proven optimal in the time limit."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"


class Change(enum.StrEnum):
    """How a placement compares with the request's existing placement (pinned or last term's)."""

    PINNED = "pinned"
    NEW = "new"
    UNCHANGED = "unchanged"
    ROOM = "room"  # same time, another room in the same hub
    HUB = "hub"  # same time, another hub
    TIME = "time"  # another weekday, start or fortnight week


def format_time(weekday: int, start: int, week_parity: int | None = None) -> str:
    """``"Tue 10:00"``, with ``" (week A)"`` for fortnightly placements."""
    text = f"{WEEKDAY_NAMES[weekday].title()} {start // 60:02d}:{start % 60:02d}"
    if week_parity is not None:
        text += f" (week {'AB'[week_parity]})"
    return text


@dataclass(frozen=True)
class Placement:
    """A request's room, weekday and start; ``dates`` are the sessions that happen (closures removed)."""

    request_id: Id
    room_id: Id
    weekday: int
    start: int
    end: int
    week_parity: int | None = None
    dates: tuple[date, ...] = ()
    lost_dates: tuple[date, ...] = ()  # sessions that fall on the room's closed dates
    change: Change = Change.NEW
    reason: str = ""  # for a request moved from last term's place: who now has it, in words

    @property
    def when(self) -> str:
        return format_time(self.weekday, self.start, self.week_parity)


class Requirement(enum.StrEnum):
    """Why a room cannot take a request at all (the static part of an explanation)."""

    HUB = "hub"
    CAPACITY = "capacity"
    FACILITIES = "facilities"
    STEP_FREE = "step_free"
    OPENING_HOURS = "opening_hours"  # not open long enough inside any allowed window
    CLOSED = "closed"  # every session it could have falls on a closed date or in a break
    BUSY = "busy"  # every room-time it fits is taken by bookings outside the allocation


@dataclass(frozen=True)
class RoomRejection:
    """One room ruled out for a request before solving, and the first requirement it fails."""

    room_id: Id
    requirement: Requirement
    detail: str


@dataclass(frozen=True)
class Blocker:
    """A placed request that occupies some of an unmet request's feasible room-times.

    ``via`` is ``"room"`` (it uses the room then) or the name of the shared person/team both need.
    ``slots`` counts the unmet request's candidate placements it blocks.
    """

    request_id: Id
    via: str
    slots: int


class UnmetKind(enum.StrEnum):
    NO_ROOM = "no_room"  # static: no acceptable room can ever take it
    BLOCKED = "blocked"  # every feasible room-time is taken by placed requests
    NOT_PLACED = "not_placed"  # a free slot exists: the run stopped before finding it (time limit/cancel)
    PIN_CONFLICT = "pin_conflict"


@dataclass(frozen=True)
class UnmetRequest:
    """An unmet request with an explanation computed from the problem and the solution."""

    request_id: Id
    kind: UnmetKind
    message: str
    rejections: tuple[RoomRejection, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    candidate_slots: int = 0


@dataclass(frozen=True)
class SectorShare:
    """Priority-weighted demand and met demand of one sector."""

    sector: str
    requested: int
    met: int
    target: float

    @property
    def met_fraction(self) -> float:
        return self.met / self.requested if self.requested else 1.0


class Phase(enum.StrEnum):
    """What a run is doing when it reports progress, in the order the phases happen."""

    CANDIDATES = "candidates"  # listing every room and time each request could have
    MODEL = "model"  # stating the rules for the solver
    START = "start"  # the first-come-first-served starting point, before the solver runs
    SEARCH = "search"  # the solver: stage 1 (met demand), then stage 2 (preferences, stability)
    FINISH = "finish"  # filling in, moving people back to last term's place, explaining the unmet


@dataclass(frozen=True)
class Progress:
    """Reported to ``on_progress`` as each phase starts and at each improving solution.

    During ``Phase.SEARCH`` it comes from the solver's thread, at each solution; ``stage`` is 1 or 2 then.
    Before the search ``stage`` is 0, ``solutions_found`` 0 and ``detail`` says what is being done;
    ``objective`` is 0 except in ``Phase.START`` (the starting point's met demand). ``bound`` is always the
    honest bound on stage 1 (never above the static maximum; see :class:`Result`).
    """

    stage: int
    solutions_found: int
    placed: int
    objective: float
    bound: float
    elapsed: float
    phase: Phase = Phase.SEARCH
    detail: str = ""
    penalty: float | None = None  # stage 2's penalty (preferences, stability, room size), in stage 2


class BoundSource(enum.StrEnum):
    """Which upper bound ``Result.best_bound`` is."""

    PROVEN = "proven optimal"  # the solver proved this allocation is the best possible
    SOLVER = "solver"  # the solver's bound, tighter than the static maximum
    # A relaxation of the rules (each room-time and shared person taken at most once, but shared among
    # requests in fractions), tighter than the solver's own bound: for large runs CP-SAT cannot bound.
    RELAXATION = "relaxation"
    STATIC = "static maximum"  # every request that has any room and time met, and fairness in full


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`scheduler.allocation.solve`.

    ``objective`` and ``best_bound`` are stage 1's (met priority-weighted demand plus the fairness term,
    in priority units); ``penalty`` is stage 2's (preferences, stability, closures, room size, spread).

    The bound is honest: ``objective <= best_bound <= static_bound`` always. ``static_bound`` is what every
    request with at least one possible room and time would score if all were met with fairness in full;
    ``best_bound`` is the smaller of that and the solver's proven bound, and ``bound_source`` says which.
    """

    status: Status
    placements: tuple[Placement, ...]
    unmet: tuple[UnmetRequest, ...]
    objective: float
    best_bound: float
    penalty: float
    wall_time: float
    time_to_first_solution: float | None
    solutions_found: int
    sectors: tuple[SectorShare, ...] = ()
    messages: tuple[str, ...] = ()
    static_bound: float = 0.0
    bound_source: BoundSource = BoundSource.STATIC
    fairness_weight: float = 0.0
    sector_targets: tuple[tuple[str, float], ...] = ()

    @property
    def gap(self) -> float:
        """Relative gap between stage 1's objective and its bound (0 when proven optimal)."""
        if self.best_bound <= 0:
            return 0.0
        return max(0.0, (self.best_bound - self.objective) / self.best_bound)

    def placement_for(self, request_id: Id) -> Placement | None:
        for placement in self.placements:
            if placement.request_id == request_id:
                return placement
        return None
