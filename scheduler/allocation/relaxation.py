"""An upper bound on met demand from a Lagrangian relaxation, for runs CP-SAT cannot bound itself.

This module owns ``met_demand_bound``: relax every at-most-one over placements (no double booking, shared
people) with a multiplier ``l_k >= 0``; then each request on its own takes its best candidate by
``priority - sum of the multipliers of the groups it is in`` (or nothing, if that is negative), and

    L(l) = sum over requests of max(0, best reduced priority) + sum of l_k

is at least the met demand of every allocation, whatever ``l`` is (an allocation meets each group at most
once, so what it gains is at most ``L``). So *every* iterate is an honest bound; the subgradient steps
below only make it smaller. At its best it equals the linear relaxation (the bench's GLOP bound, which
takes minutes at 1,500 x 60), because each request's own choice is integral.

Pure: numpy and the package's own candidates; no CP-SAT, no database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence

import numpy as np

from .candidates import Candidates
from .problem import Problem

# Subgradient schedule (Polyak steps towards the best allocation known, halving after a stall).
# Measured on 1,500 x 60: after 400 steps 3,906 against the linear relaxation's 3,886.5 (starting at 1 and
# halving after 8, 3,911; deflected steps were no better).
FIRST_STEP = 2.0
STALL = 20
MIN_STEP = 1e-4


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
    """An upper bound on priority-weighted met demand (priority units) of every allocation.

    Args:
        problem: the problem.
        candidates: its candidates.
        cliques: sets of candidate indices of which at most one may be chosen (``Variables.cliques``).
        target: met demand of the best allocation known; it only sets the step size (nothing is trusted).
        seconds: time to spend at most; the bound after the first pass is already valid.
        max_iterations: subgradient steps at most.
        stop: when set, returns the best bound so far.
    """
    started = time.monotonic()
    items = candidates.items
    count = len(items)
    if count == 0:
        return 0.0
    priority = {r.id: r.priority for r in problem.requests}
    # Candidates grouped by request, contiguous: order[k] is a candidate, segment starts in ``starts``.
    order_list: list[int] = []
    starts_list: list[int] = []
    for request in problem.requests:
        mine = candidates.by_request.get(request.id, ())
        if mine:
            starts_list.append(len(order_list))
            order_list.extend(mine)
    order = np.asarray(order_list, dtype=np.int64)
    starts = np.asarray(starts_list, dtype=np.int64)
    segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(order))))
    weight = np.asarray([priority[items[i].request_id] for i in order_list], dtype=np.float64)
    # Position of every candidate in ``order``; clique memberships as (clique, position) pairs.
    position = np.empty(count, dtype=np.int64)
    position[order] = np.arange(len(order))
    sizes = [len(c) for c in cliques]
    rows = np.repeat(np.arange(len(cliques), dtype=np.int64), sizes)
    cols = position[np.fromiter((i for c in cliques for i in c), dtype=np.int64, count=sum(sizes))]
    groups = len(cliques)
    multipliers = np.zeros(groups)
    best = math.inf
    step = FIRST_STEP
    since_better = 0
    for _ in range(max_iterations):
        reduced = weight - np.bincount(cols, weights=multipliers[rows], minlength=len(order))
        top = np.maximum.reduceat(reduced, starts)
        value = float(np.maximum(top, 0.0).sum() + multipliers.sum())
        if value < best - 1e-9:
            best, since_better = value, 0
        else:
            since_better += 1
            if since_better >= STALL:
                step, since_better = step / 2, 0
        if step < MIN_STEP or time.monotonic() - started > seconds or (stop is not None and stop.is_set()):
            break
        # The relaxed problem's answer: each request's best candidate where it gains something.
        at_top = (reduced >= top[segment] - 1e-12) & (top[segment] > 0)
        chosen = np.flatnonzero(at_top)
        if len(chosen):
            first = np.ones(len(chosen), dtype=bool)
            first[1:] = segment[chosen[1:]] != segment[chosen[:-1]]
            chosen = chosen[first]
        picked = np.zeros(len(order))
        picked[chosen] = 1.0
        gradient = 1.0 - np.bincount(rows, weights=picked[cols], minlength=groups)
        # Multipliers already at 0 with a positive gradient stay at 0: leave them out of the norm.
        gradient[(multipliers <= 0) & (gradient > 0)] = 0.0
        norm = float(gradient @ gradient)
        if norm == 0.0:
            break  # the relaxed answer is a valid allocation meeting its bound: nothing better exists
        size = step * max(value - target, 1e-3) / norm
        multipliers = np.maximum(multipliers - size * gradient, 0.0)
    return best
