"""On-demand explanation: what would it take to place one unmet request?

This module owns ``what_would_it_take``: a re-solve over the placed requests plus the one asked about,
with that one forced in, pinned placements kept, nothing else newly admitted, and a cost that makes any
drop dearer than any number of moves and a time change dearer than a hub change, dearer than a room
change. The answer lists the fewest such changes request by request, or says it is impossible even alone
(with the static reason) or impossible without moving pinned placements (naming them).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from .candidates import build_candidates
from .explain import static_message
from .extract import make_placement
from .model import build_model
from .occupancy import Occupancy
from .problem import ExistingPlacement, Id, Problem
from .result import Change, Placement, Result, RoomRejection, Status
from .runner import run

DROP_COST = 10_000  # more than any realistic number of moves, so drops are minimised first
MOVE_COST = {Change.TIME: 3, Change.HUB: 2, Change.ROOM: 1}


@dataclass(frozen=True)
class Move:
    """A placed request that has to change: ``after`` is None when it would be dropped."""

    request_id: Id
    before: Placement
    after: Placement | None
    change: Change | None  # None for a drop


@dataclass(frozen=True)
class WhatItTakes:
    """The answer for one request. ``possible`` is False when no change of unpinned placements helps."""

    request_id: Id
    possible: bool
    status: Status
    message: str
    placement: Placement | None = None
    moves: tuple[Move, ...] = ()
    drops: tuple[Move, ...] = ()
    rejections: tuple[RoomRejection, ...] = ()
    pinned_blockers: tuple[Id, ...] = ()


def _describe(problem: Problem, placement: Placement) -> str:
    return f"{problem.room(placement.room_id).label} {placement.when}"


def what_would_it_take(
    problem: Problem,
    result: Result,
    request_id: Id,
    *,
    time_limit: float,
    stop: threading.Event | None = None,
    num_workers: int | None = None,
) -> WhatItTakes:
    """The fewest moves and drops of placed requests that would let ``request_id`` in.

    Args:
        problem: the problem ``result`` was solved from.
        result: a solution of it (its placements are the starting point).
        request_id: the unmet request to ask about.
        time_limit: seconds for the re-solve.
        stop: cancels the re-solve (the answer is then the best found, or UNKNOWN).
        num_workers: CP-SAT workers; default ``problem.policy.num_workers``.
    """
    started = time.monotonic()
    request = problem.request(request_id)
    current = result.placement_for(request_id)
    if current is not None:
        return WhatItTakes(request_id, True, Status.OPTIMAL, f"{request.label} is already placed.", current)
    alone = build_candidates(problem, [request])
    if not alone.by_request[request_id]:
        rejections = alone.rejections[request_id]
        return WhatItTakes(
            request_id,
            False,
            Status.OPTIMAL,
            "Impossible even alone. " + static_message(problem, request, rejections),
            rejections=rejections,
        )

    pinned = {p.request_id for p in problem.existing if p.pinned}
    existing = tuple(
        ExistingPlacement(p.request_id, p.room_id, p.weekday, p.start, p.week_parity, p.request_id in pinned)
        for p in result.placements
    )
    placed_ids = {p.request_id for p in result.placements}
    sub = replace(
        problem,
        requests=tuple(r for r in problem.requests if r.id in placed_ids or r.id == request_id),
        existing=existing,
    )
    model, variables = build_model(sub)
    model.add(variables.unmet[request_id] == 0)
    costs = []
    for index, change in enumerate(variables.changes):
        if MOVE_COST.get(change):
            costs.append(MOVE_COST[change] * variables.place[index])
    for other in sub.requests:
        if other.id != request_id:
            costs.append((DROP_COST + other.priority) * variables.unmet[other.id])
    model.minimize(sum(costs))
    # Everyone where they are is one move away from feasible: a good start.
    by_key = {
        (c.request_id, c.room_id, c.weekday, c.start, c.week_parity): i
        for i, c in enumerate(variables.candidates.items)
    }
    for placement in existing:
        index = by_key.get(
            (placement.request_id, placement.room_id, placement.weekday, placement.start, placement.week_parity)
        )
        if index is not None:
            model.add_hint(variables.place[index], True)
    outcome = run(
        model,
        variables,
        time_limit=max(0.1, time_limit - (time.monotonic() - started)),
        num_workers=num_workers or problem.policy.num_workers,
        stop=stop,
    )
    if not outcome.has_solution:
        if outcome.status == cp_model.INFEASIBLE:
            blockers = _pinned_blockers(sub, request_id)
            names = ", ".join(sub.request(b).label for b in blockers)
            return WhatItTakes(
                request_id,
                False,
                Status.INFEASIBLE,
                f"Impossible without moving pinned placements: {names or 'pinned placements'} "
                f"occupy every room-time {request.label} fits.",
                pinned_blockers=blockers,
            )
        return WhatItTakes(
            request_id,
            False,
            Status.CANCELLED if outcome.stopped else Status.UNKNOWN,
            "No answer within the time limit.",
        )

    items = variables.candidates.items
    before = {p.request_id: p for p in result.placements}
    existing_by_id = {p.request_id: p for p in existing}
    after: dict[Id, Placement] = {}
    for index in outcome.chosen:
        candidate = items[index]
        after[candidate.request_id] = make_placement(sub, candidate, existing_by_id.get(candidate.request_id))
    moves = tuple(
        Move(rid, before[rid], after[rid], after[rid].change)
        for rid in before
        if rid in after and after[rid].change not in (Change.UNCHANGED, Change.PINNED)
    )
    drops = tuple(Move(rid, before[rid], None, None) for rid in before if rid not in after)
    target = after[request_id]
    parts = [f"To place {request.label} in {_describe(problem, target)}"]
    if not moves and not drops:
        parts.append(": nothing has to change")
    for move in moves:
        assert move.after is not None
        parts.append(
            f"; move {problem.request(move.request_id).label} from {_describe(problem, move.before)} "
            f"to {_describe(problem, move.after)}"
        )
    for drop in drops:
        parts.append(f"; drop {problem.request(drop.request_id).label} ({_describe(problem, drop.before)})")
    status = Status.OPTIMAL if outcome.status == cp_model.OPTIMAL else Status.FEASIBLE
    if outcome.stopped:
        status = Status.CANCELLED
    return WhatItTakes(request_id, True, status, "".join(parts) + ".", target, moves, drops)


def _pinned_blockers(problem: Problem, request_id: Id) -> tuple[Id, ...]:
    """Pinned requests that clash with some of the request's candidates."""
    pinned = [p for p in problem.existing if p.pinned]
    candidates = build_candidates(problem)
    occupancy = Occupancy()
    for placement in pinned:
        for index in candidates.by_request.get(placement.request_id, ()):
            occupancy.add(candidates.items[index], problem.request(placement.request_id))
    request = problem.request(request_id)
    found: list[Id] = []
    for index in candidates.by_request[request_id]:
        for other, _via in occupancy.conflicts(candidates.items[index], request):
            if other.request_id not in found:
                found.append(other.request_id)
    return tuple(found)
