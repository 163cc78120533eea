"""An upper bound on stage 1 from a Lagrangian relaxation, for runs CP-SAT cannot bound itself.

This module owns ``stage1_bound`` (met demand plus the fairness term) and ``met_demand_bound`` (met demand
alone). Every at-most-one over placements (no double booking, shared people) is relaxed with a multiplier
``l_k >= 0``; each request then gains ``t_r = priority - (the multipliers of the groups its best candidate
is in)`` if met, and

    L(l) = max over y in [0, 1]^requests, z in [0, SCALE] of  sum_r t_r y_r + a z  +  sum_k l_k
           subject to  z <= C_s * (met demand of sector s under y)   for every sector with an entitlement

is at least stage 1 (in priority units: met demand plus ``a z``, the fairness term) of every allocation:
an allocation meets each group at most once, so what it gains is at most ``L``, whatever ``l`` is. So
*every* iterate is an honest bound; the subgradient steps below only make it smaller. The inner maximum
is solved exactly: every request with ``t_r >= 0`` is met, and to raise the worst-off sector's level ``z``
a sector buys more of its requests with ``t_r < 0``, cheapest per priority unit first (fractionally), so
the objective is a concave piecewise-linear function of ``z`` whose maximum is at one of its breakpoints.
Before, fairness was counted in full (its level with every placeable request met), which at 1,500 x 60
cost about 30 of the bound's 100 points of gap.

At its best ``L`` equals the linear relaxation (each request's own choice is integral).

Pure: numpy and the package's own candidates; no CP-SAT, no database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .candidates import Candidates
from .problem import Problem
from .scoring import SCALE, entitlements_milli, fairness_coefficient

# Subgradient schedule (Polyak steps towards the best allocation known, halving after a stall). Measured on
# 1,500 x 60 (aimed at 4,783): after 400 / 600 / 800 steps 4,878 / 4,855 / 4,854 with a stall of 30 steps,
# 4,870 / 4,861 / 4,859 with 20, 4,883 / 4,879 / 4,879 with 10; a first step of 1 or 0.5 is slower, and 4
# or more diverges (the bound stays at its first value, the static maximum). Going back to the best
# multipliers at each halving never left the first value: from no multipliers the bound first rises.
FIRST_STEP = 2.0
STALL = 30
MIN_STEP = 1e-4


@dataclass
class _Fairness:
    """The fairness term's data per request segment: ``a`` (priority units per level point), the sector
    of each segment (-1: no entitlement) and each sector's ``C_s`` (level points per priority unit)."""

    a: float
    sector: np.ndarray
    scale: np.ndarray
    cap: float  # the highest level possible: every placeable request met (the model's level is an integer)


def _fairness(problem: Problem, segment_requests: list) -> _Fairness | None:
    coefficient = fairness_coefficient(problem)
    entitled = entitlements_milli(problem)
    if coefficient <= 0 or not entitled:
        return None
    sectors = sorted(entitled)
    number = {s: k for k, s in enumerate(sectors)}
    sector = np.asarray([number.get(r.sector, -1) for r in segment_requests], dtype=np.int64)
    scale = np.asarray([SCALE * SCALE / entitled[s] for s in sectors], dtype=np.float64)
    total = {s: sum(r.priority for r in segment_requests if r.sector == s) for s in sectors}
    cap = min([SCALE] + [SCALE * SCALE * total[s] // entitled[s] for s in sectors])
    return _Fairness(coefficient / SCALE, sector, scale, float(cap))


def _inner(top: np.ndarray, priority: np.ndarray, fair: _Fairness | None) -> tuple[float, np.ndarray]:
    """The relaxed problem for fixed multipliers: its value (without ``sum l``) and each segment's ``y``."""
    y = (top >= 0).astype(np.float64)  # (a request at 0 is met: then no tie makes the subgradient 0)
    value = float(np.maximum(top, 0.0).sum())
    if fair is None:
        return value, y
    # Per sector: met demand free of cost (t >= 0) and the cost of buying more, cheapest per unit first.
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (met points, cost points, order)
    for s in range(len(fair.scale)):
        mine = np.flatnonzero(fair.sector == s)
        free = float(priority[mine][top[mine] >= 0].sum())
        negative = mine[top[mine] < 0]
        order = negative[np.argsort(-top[negative] / priority[negative], kind="stable")]
        met = free + np.concatenate(([0.0], np.cumsum(priority[order])))
        cost = np.concatenate(([0.0], np.cumsum(-top[order])))
        levels.append((met, cost, order))
    z_max = fair.cap
    points = [np.asarray([0.0, z_max])]
    for (met, _cost, _order), scale in zip(levels, fair.scale, strict=True):
        points.append(np.clip(scale * met, 0.0, z_max))
    zs = np.unique(np.concatenate(points))
    gain = fair.a * zs
    for (met, cost, _order), scale in zip(levels, fair.scale, strict=True):
        # Below the free met demand nothing is bought (np.interp holds the first value there).
        gain -= np.interp(zs / scale, met, cost)
    best = int(np.argmax(gain))
    z = float(zs[best])
    for (met, _cost, order), scale in zip(levels, fair.scale, strict=True):
        needed = z / scale - met[0]
        if needed <= 0 or not len(order):
            continue
        bought = np.minimum(np.maximum(needed - (met[:-1] - met[0]), 0.0), priority[order]) / priority[order]
        y[order] = bought
    return value + float(gain[best]), y


def stage1_bound(
    problem: Problem,
    candidates: Candidates,
    cliques: Sequence[Sequence[int]],
    *,
    target: float,
    seconds: float,
    max_iterations: int = 100_000,
    stop: threading.Event | None = None,
    fairness: bool = True,
) -> float:
    """An upper bound on stage 1 (priority units: met demand plus the fairness term) of every allocation.

    Args:
        problem: the problem.
        candidates: its candidates.
        cliques: sets of candidate indices of which at most one may be chosen (``Variables.cliques``).
        target: stage 1 of the best allocation known; it only sets the step size (nothing is trusted).
        seconds: time to spend at most; the bound after the first pass is already valid.
        max_iterations: subgradient steps at most.
        stop: when set, returns the best bound so far.
        fairness: bound the fairness term too (otherwise met demand alone).
    """
    started = time.monotonic()
    items = candidates.items
    if not items:
        return 0.0
    # Candidates grouped by request, contiguous: order[k] is a candidate, segment starts in ``starts``.
    order_list: list[int] = []
    starts_list: list[int] = []
    segment_requests = []
    for request in problem.requests:
        mine = candidates.by_request.get(request.id, ())
        if mine:
            starts_list.append(len(order_list))
            order_list.extend(mine)
            segment_requests.append(request)
    fair = _fairness(problem, segment_requests) if fairness else None
    order = np.asarray(order_list, dtype=np.int64)
    starts = np.asarray(starts_list, dtype=np.int64)
    segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(order))))
    priority = np.asarray([r.priority for r in segment_requests], dtype=np.float64)
    weight = priority[segment]
    # Position of every candidate in ``order``; clique memberships as (clique, position) pairs, and the
    # same sorted by position (``by_position``), to add up the few chosen candidates' groups quickly.
    position = np.empty(len(items), dtype=np.int64)
    position[order] = np.arange(len(order))
    sizes = [len(c) for c in cliques]
    rows = np.repeat(np.arange(len(cliques), dtype=np.int64), sizes)
    cols = position[np.fromiter((i for c in cliques for i in c), dtype=np.int64, count=sum(sizes))]
    by_position = np.argsort(cols, kind="stable")
    rows_by_position = rows[by_position]
    first_entry = np.searchsorted(cols[by_position], np.arange(len(order) + 1))
    groups = len(cliques)

    def entries_of(which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``rows_by_position`` of the listed candidates' group memberships, and how many
        each candidate has."""
        lengths = first_entry[which + 1] - first_entry[which]
        offsets = np.repeat(first_entry[which] - np.cumsum(np.append(0, lengths[:-1])), lengths)
        return offsets + np.arange(int(lengths.sum())), lengths

    def evaluate(penalty: np.ndarray, total: float) -> tuple[float, np.ndarray, np.ndarray]:
        """L at multipliers whose per-candidate sum is ``penalty`` and total ``total``; also each
        segment's best candidate (the first at its top) and its ``y``."""
        reduced = weight - penalty
        top = np.maximum.reduceat(reduced, starts)
        inner, y = _inner(top, priority, fair)
        at_top = np.flatnonzero(reduced >= top[segment] - 1e-12)
        first = np.ones(len(at_top), dtype=bool)
        first[1:] = segment[at_top[1:]] != segment[at_top[:-1]]
        return inner + total, at_top[first], y

    def full_penalty(multipliers: np.ndarray) -> np.ndarray:
        return np.bincount(cols, weights=multipliers[rows], minlength=len(order))

    multipliers = np.zeros(groups)
    penalty = np.zeros(len(order))
    best = math.inf
    step = FIRST_STEP
    since_better = 0
    for _ in range(max_iterations):
        value, chosen, y = evaluate(penalty, float(multipliers.sum()))
        if value < best - 1e-9:
            best, since_better = value, 0
        else:
            since_better += 1
            if since_better >= STALL:
                step, since_better = step / 2, 0
        if step < MIN_STEP or time.monotonic() - started > seconds or (stop is not None and stop.is_set()):
            break
        # Subgradient: 1 - (the relaxed answer's placements in each group), from the chosen candidates only.
        amount = y[segment[chosen]]
        chosen, amount = chosen[amount > 0], amount[amount > 0]
        entries, lengths = entries_of(chosen)
        gradient = 1.0 - np.bincount(rows_by_position[entries], weights=np.repeat(amount, lengths), minlength=groups)
        # Multipliers already at 0 with a positive gradient stay at 0: leave them out of the norm.
        gradient[(multipliers <= 0) & (gradient > 0)] = 0.0
        # Not ``gradient @ gradient``: that goes through BLAS, whose threads took 6-7 ms a step on a busy
        # machine, more than the rest of the step.
        norm = float((gradient * gradient).sum())
        if norm == 0.0:
            break  # a zero subgradient: no multipliers do better
        size = step * max(value - target, 1e-3) / norm
        multipliers = np.maximum(multipliers - size * gradient, 0.0)
        penalty = full_penalty(multipliers)
    return best


def met_demand_bound(
    problem: Problem,
    candidates: Candidates,
    cliques: Sequence[Sequence[int]],
    *,
    target: float,
    seconds: float,
    max_iterations: int = 400,
    stop: threading.Event | None = None,
) -> float:
    """An upper bound on priority-weighted met demand (priority units) of every allocation
    (``stage1_bound`` without the fairness term)."""
    return stage1_bound(
        problem,
        candidates,
        cliques,
        target=target,
        seconds=seconds,
        max_iterations=max_iterations,
        stop=stop,
        fairness=False,
    )
