"""The objective, in plain Python: stage 1 score, stage 2 penalties and how a placement changed.

This module owns the numbers both the CP-SAT model and the result extraction use, so the objective a
result reports is recomputed from its placements rather than trusted from the solver (it also has to
score the post-solve fill-in and the greedy baseline on the same scale).

Stage 1, in integers: ``SCALE * sum(priority of met) + F * z`` where ``F = round(fairness_weight * D)``,
``D`` the total priority-weighted demand, and ``z`` in 0..SCALE the worst-off sector's met demand per
mille of its entitlement (see :class:`~scheduler.allocation.problem.Policy`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from .candidates import Candidate
from .problem import ExistingPlacement, Id, Problem, Request
from .result import Change

SCALE = 1000


def demand(problem: Problem) -> tuple[int, dict[str, int]]:
    """Total priority-weighted demand and the same per sector."""
    per_sector: dict[str, int] = defaultdict(int)
    for request in problem.requests:
        per_sector[request.sector] += request.priority
    return sum(per_sector.values()), dict(per_sector)


def entitlements_milli(problem: Problem) -> dict[str, int]:
    """Each sector's entitlement in thousandths of a priority unit (sectors without one are left out)."""
    total, per_sector = demand(problem)
    result = {}
    for sector, target in problem.policy.sector_targets.items():
        own = per_sector.get(sector, 0)
        if target > 0 and own > 0:
            result[sector] = max(1, round(min(own, target * total) * SCALE))
    return result


def fairness_coefficient(problem: Problem) -> int:
    total, _ = demand(problem)
    return round(problem.policy.fairness_weight * total)


def fairness_level(problem: Problem, met: Iterable[Id]) -> int:
    """``z``: the worst-off sector's met demand, per mille of its entitlement, capped at SCALE."""
    met_by_sector: dict[str, int] = defaultdict(int)
    for request_id in met:
        request = problem.request(request_id)
        met_by_sector[request.sector] += request.priority
    level = SCALE
    for sector, entitled in entitlements_milli(problem).items():
        level = min(level, SCALE * SCALE * met_by_sector[sector] // entitled)
    return level


def stage1_value(problem: Problem, met: Iterable[Id]) -> int:
    """Stage 1 objective (integer, SCALE times priority units) of a set of met requests."""
    met = list(met)
    weighted = sum(problem.request(r).priority for r in met)
    coefficient = fairness_coefficient(problem)
    if coefficient == 0 or not entitlements_milli(problem):
        return SCALE * weighted
    return SCALE * weighted + coefficient * fairness_level(problem, met)


def weighted_placed(problem: Problem, request_ids: Iterable[Id]) -> int:
    """Priority-weighted count of placed requests."""
    return sum(problem.request(r).priority for r in set(request_ids))


def change_of(problem: Problem, candidate: Candidate, existing: ExistingPlacement | None) -> Change:
    """How a candidate differs from the request's existing placement."""
    if existing is None:
        return Change.NEW
    if existing.pinned:
        return Change.PINNED
    if (existing.weekday, existing.start, existing.week_parity) != (
        candidate.weekday,
        candidate.start,
        candidate.week_parity,
    ):
        return Change.TIME
    if existing.room_id == candidate.room_id:
        return Change.UNCHANGED
    return Change.ROOM if _hub_of(problem, existing.room_id) == candidate.hub else Change.HUB


def candidate_penalty(
    problem: Problem, request: Request, candidate: Candidate, existing: ExistingPlacement | None
) -> int:
    """Stage 2 cost of choosing this candidate (preferences, stability, closures)."""
    policy = problem.policy
    cost = 0
    if request.preferred_hubs and candidate.hub not in request.preferred_hubs:
        cost += policy.preferred_hub_weight
    if request.preferred_times and not any(
        w.contains(candidate.weekday, candidate.start, candidate.end) for w in request.preferred_times
    ):
        cost += policy.preferred_time_weight
    if existing is not None and not existing.pinned:
        if (existing.weekday, existing.start, existing.week_parity) != (
            candidate.weekday,
            candidate.start,
            candidate.week_parity,
        ):
            cost += policy.time_change_weight
        previous_hub = _hub_of(problem, existing.room_id)
        if previous_hub != candidate.hub:
            cost += policy.hub_change_weight
        elif existing.room_id != candidate.room_id:
            cost += policy.room_change_weight
    cost += policy.closure_session_weight * len(candidate.lost_dates)
    if policy.right_size_weight:
        capacity = _capacity_of(problem, candidate.room_id)
        if capacity is not None:
            cost += policy.right_size_weight * oversize_steps(request.size, capacity)
    return cost


def penalties_and_changes(problem: Problem, candidates: Iterable[Candidate]) -> tuple[list[int], list[Change]]:
    """``candidate_penalty`` and ``change_of`` for many candidates at once (the model's hot loop).

    The parts that depend only on the request and the room (preferred hub, hub or room change, room size)
    are computed once per pair, the preferred-time check once per request and start; the sum is the same
    as ``candidate_penalty``'s, which a test checks on random problems.
    """
    policy = problem.policy
    existing = {p.request_id: p for p in problem.existing}
    requests = {r.id: r for r in problem.requests}
    rooms = {r.id: r for r in problem.rooms}
    per_room: dict[tuple[Id, Id], tuple[int, Change | None]] = {}
    per_time: dict[tuple[Id, int, int, int], int] = {}
    costs: list[int] = []
    changes: list[Change] = []
    lost_weight = policy.closure_session_weight
    for c in candidates:
        request = requests[c.request_id]
        previous = existing.get(c.request_id)
        key = (c.request_id, c.room_id)
        fixed = per_room.get(key)
        if fixed is None:
            cost = 0
            if request.preferred_hubs and c.hub not in request.preferred_hubs:
                cost += policy.preferred_hub_weight
            same_time_change: Change | None = None
            if previous is not None and not previous.pinned:
                previous_room = rooms.get(previous.room_id)
                if (previous_room.hub if previous_room else None) != c.hub:
                    cost += policy.hub_change_weight
                    same_time_change = Change.HUB
                elif previous.room_id != c.room_id:
                    cost += policy.room_change_weight
                    same_time_change = Change.ROOM
                else:
                    same_time_change = Change.UNCHANGED
            if policy.right_size_weight:
                cost += policy.right_size_weight * oversize_steps(request.size, rooms[c.room_id].capacity)
            fixed = per_room[key] = (cost, same_time_change)
        cost, same_time_change = fixed
        if request.preferred_times:
            time_key = (c.request_id, c.weekday, c.start, c.end)
            miss = per_time.get(time_key)
            if miss is None:
                miss = per_time[time_key] = (
                    0
                    if any(w.contains(c.weekday, c.start, c.end) for w in request.preferred_times)
                    else policy.preferred_time_weight
                )
            cost += miss
        if previous is None:
            change = Change.NEW
        elif previous.pinned:
            change = Change.PINNED
        elif (previous.weekday, previous.start, previous.week_parity) != (c.weekday, c.start, c.week_parity):
            cost += policy.time_change_weight
            change = Change.TIME
        else:
            assert same_time_change is not None
            change = same_time_change
        if c.lost_dates:
            cost += lost_weight * len(c.lost_dates)
        costs.append(cost)
        changes.append(change)
    return costs, changes


def oversize_steps(size: int, capacity: int) -> int:
    """How much too big a room is for a group, in steps: 0 up to 1.5x the group, then 1 up to 3x, 2 up to
    6x, 3 up to 12x and 4 beyond (a doubling per step: a hall three times too big wastes about as much as a
    meeting room three times too big, relatively)."""
    people = max(1, size)
    steps = 0
    limit = 1.5
    while steps < 4 and capacity > limit * people:
        steps += 1
        limit *= 2
    return steps


def fill_ratios(problem: Problem, placements: Iterable[tuple[Id, Id]]) -> list[float]:
    """Attendance / capacity of each (request id, room id) placement, sorted."""
    ratios = []
    for request_id, room_id in placements:
        capacity = _capacity_of(problem, room_id)
        if capacity:
            ratios.append(problem.request(request_id).size / capacity)
    return sorted(ratios)


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` (0..1) percentile of sorted ``values`` by nearest rank; None when empty."""
    if not values:
        return None
    rank = max(1, min(len(values), math.ceil(share * len(values))))
    return values[rank - 1]


def _capacity_of(problem: Problem, room_id: Id) -> int | None:
    try:
        return problem.room(room_id).capacity
    except KeyError:
        return None


def _hub_of(problem: Problem, room_id: Id) -> str | None:
    try:
        return problem.room(room_id).hub
    except KeyError:
        return None


def organisations_to_spread(problem: Problem) -> dict[str, list[Request]]:
    """Organisations with two or more requests: the only ones a spread penalty can affect."""
    by_org: dict[str, list[Request]] = defaultdict(list)
    for request in problem.requests:
        if request.organisation:
            by_org[request.organisation].append(request)
    return {org: requests for org, requests in by_org.items() if len(requests) > 1}


def stage2_value(problem: Problem, chosen: Iterable[Candidate]) -> int:
    """Stage 2 penalty of a set of chosen candidates (one per placed request)."""
    chosen = list(chosen)
    existing = {p.request_id: p for p in problem.existing}
    placed = {c.request_id for c in chosen}
    total = 0
    for candidate in chosen:
        total += candidate_penalty(
            problem, problem.request(candidate.request_id), candidate, existing.get(candidate.request_id)
        )
    request_ids = {r.id for r in problem.requests}
    for request_id, placement in existing.items():
        if not placement.pinned and request_id in request_ids and request_id not in placed:
            total += problem.policy.drop_previous_weight
    hubs_by_org: dict[str, set[str]] = defaultdict(set)
    org_of = {r.id: r.organisation for r in problem.requests}
    spread = organisations_to_spread(problem)
    for candidate in chosen:
        org = org_of[candidate.request_id]
        if org in spread:
            hubs_by_org[org].add(candidate.hub)
    total += problem.policy.organisation_hub_weight * sum(max(0, len(h) - 1) for h in hubs_by_org.values())
    return total
