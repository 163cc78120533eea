"""Stage three of three: turn chosen candidates into a :class:`~scheduler.allocation.result.Result`.

This module owns the result: placements with their real dates and how each changed, unmet requests with
explanations, per-sector shares, and the objective recomputed in Python from the placements (so a
post-solve fill-in or a greedy solution is scored on exactly the same scale as the solver's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .candidates import Candidate, Candidates
from .explain import explain_unmet
from .problem import ExistingPlacement, Id, Problem
from .result import Placement, Result, SectorShare, Status, UnmetRequest
from .scoring import SCALE, change_of, stage1_value, stage2_value


def make_placement(problem: Problem, candidate: Candidate, existing: ExistingPlacement | None) -> Placement:
    return Placement(
        request_id=candidate.request_id,
        room_id=candidate.room_id,
        weekday=candidate.weekday,
        start=candidate.start,
        end=candidate.end,
        week_parity=candidate.week_parity,
        dates=candidate.dates,
        lost_dates=candidate.lost_dates,
        change=change_of(problem, candidate, existing),
    )


def sector_shares(problem: Problem, placed: Iterable[Id]) -> tuple[SectorShare, ...]:
    placed = set(placed)
    requested: dict[str, int] = defaultdict(int)
    met: dict[str, int] = defaultdict(int)
    for request in problem.requests:
        requested[request.sector] += request.priority
        if request.id in placed:
            met[request.sector] += request.priority
    sectors = list(problem.policy.sector_targets) + sorted(set(requested) - set(problem.policy.sector_targets))
    return tuple(
        SectorShare(sector, requested[sector], met[sector], problem.policy.sector_targets.get(sector, 0.0))
        for sector in sectors
    )


def extract(
    problem: Problem,
    candidates: Candidates,
    chosen: Iterable[int],
    *,
    status: Status,
    best_bound: float,
    wall_time: float,
    time_to_first_solution: float | None,
    solutions_found: int,
    messages: tuple[str, ...] = (),
    unmet: tuple[UnmetRequest, ...] | None = None,
) -> Result:
    """Build the result for ``chosen`` candidate indices (one per placed request)."""
    chosen = list(chosen)
    items = [candidates.items[i] for i in chosen]
    existing = {p.request_id: p for p in problem.existing}
    placements = tuple(make_placement(problem, c, existing.get(c.request_id)) for c in items)
    placed = [c.request_id for c in items]
    objective = stage1_value(problem, placed) / SCALE
    return Result(
        status=status,
        placements=placements,
        unmet=explain_unmet(problem, candidates, chosen) if unmet is None else unmet,
        objective=objective,
        # A fill-in after a time-limited run can only reach the bound, never pass it; the max keeps the
        # reported gap non-negative if rounding disagrees.
        best_bound=max(best_bound, objective),
        penalty=float(stage2_value(problem, items)),
        wall_time=wall_time,
        time_to_first_solution=time_to_first_solution,
        solutions_found=solutions_found,
        sectors=sector_shares(problem, placed),
        messages=messages,
    )
