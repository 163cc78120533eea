"""Greedy baseline: requests in order of arrival, each in its first free room and time.

This module owns the first-come-first-served allocation that room-booking systems do today. It exists
for comparison (the benchmark reports how much more the solver places) and as a cheap complete starting
point (hint) for the solver. It respects every hard rule: pinned placements go in first and every later
placement is checked against rooms and shared people already taken.
"""

from __future__ import annotations

from collections.abc import Iterable

from .candidates import Candidates, build_candidates
from .occupancy import Occupancy
from .problem import Id, Problem
from .result import Placement


def greedy_choice(
    problem: Problem,
    candidates: Candidates,
    first: Iterable[int] = (),
    order: Iterable[Id] | None = None,
    keep: Iterable[int] = (),
) -> list[int]:
    """Indices of chosen candidates.

    Args:
        problem: the problem.
        candidates: its candidates.
        keep: candidate indices taken as they are, without checking (a solver's solution being filled in:
            dropping a clashing one here would hide a modelling bug from the checker, so none is dropped).
        first: candidate indices to try before anything else (e.g. last term's placements); each is kept
            only if it is still free.
        order: request ids in the order to serve them; default: pinned first, then by arrival.
    """
    occupancy = Occupancy()
    chosen: list[int] = []
    done: set[Id] = set()
    items = candidates.items

    def take(index: int) -> bool:
        candidate = items[index]
        request = problem.request(candidate.request_id)
        if candidate.request_id in done or not occupancy.is_free(candidate, request):
            return False
        occupancy.add(candidate, request)
        chosen.append(index)
        done.add(candidate.request_id)
        return True

    for index in keep:
        candidate = items[index]
        occupancy.add(candidate, problem.request(candidate.request_id))
        chosen.append(index)
        done.add(candidate.request_id)
    pinned = {p.request_id for p in problem.existing if p.pinned}
    for request_id in pinned:
        for index in candidates.by_request.get(request_id, ()):
            take(index)
    for index in first:
        take(index)
    if order is None:
        order = [r.id for r in sorted(problem.requests, key=lambda r: r.arrival)]
    for request_id in order:
        if request_id in done:
            continue
        for index in candidates.by_request.get(request_id, ()):
            if take(index):
                break
    return chosen


def greedy(problem: Problem) -> tuple[Placement, ...]:
    """First-come-first-served placements (pinned placements kept), for comparison with :func:`solve`."""
    candidates = build_candidates(problem)
    return tuple(
        Placement(
            request_id=c.request_id,
            room_id=c.room_id,
            weekday=c.weekday,
            start=c.start,
            end=c.end,
            week_parity=c.week_parity,
            dates=c.dates,
            lost_dates=c.lost_dates,
        )
        for c in (candidates.items[i] for i in greedy_choice(problem, candidates))
    )
