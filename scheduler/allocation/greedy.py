"""Greedy baseline: requests in order of arrival, each in its first free room and time.

This module owns the first-come-first-served allocation that room-booking systems do today. It exists
for comparison (the benchmark reports how much more the solver places) and as a cheap complete starting
point (hint) for the solver. It respects every hard rule: pinned placements go in first and every later
placement is checked against rooms and shared people already taken.

It also owns two greedy steps towards last term's placements that keep the same requests met:
``keep_where_possible`` (stage 2's starting point) and ``return_home`` (a polish of the final solution).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from .candidates import Candidate, Candidates, build_candidates
from .occupancy import Occupancy
from .problem import Id, Problem, Request
from .result import Placement
from .scoring import candidate_penalty, organisations_to_spread


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


def _placements(candidates: Candidates, chosen: Iterable[int]) -> tuple[Placement, ...]:
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
        for c in (candidates.items[i] for i in chosen)
    )


def greedy(problem: Problem) -> tuple[Placement, ...]:
    """First-come-first-served placements (pinned placements kept), for comparison with :func:`solve`."""
    candidates = build_candidates(problem)
    return _placements(candidates, greedy_choice(problem, candidates))


def constrained_order(problem: Problem, candidates: Candidates) -> list[Id]:
    """Request ids, those with the fewest possible places per priority point first (ties by arrival)."""
    ranked = sorted(problem.requests, key=lambda r: (len(candidates.by_request.get(r.id, ())) / r.priority, r.arrival))
    return [r.id for r in ranked]


def most_constrained_first(problem: Problem) -> tuple[Placement, ...]:
    """A smarter greedy baseline: the requests with the fewest places per priority point go first, each in
    its first free place (pinned placements kept)."""
    candidates = build_candidates(problem)
    return _placements(candidates, greedy_choice(problem, candidates, order=constrained_order(problem, candidates)))


def keep_where_possible(
    problem: Problem, candidates: Candidates, target: Iterable[int], wanted: Iterable[int]
) -> list[int]:
    """The requests placed by ``target`` (a valid solution), each in its ``wanted`` candidate where possible.

    ``wanted`` are candidate indices the caller would rather have (e.g. last term's placements). Every
    request of ``target`` stays placed: one whose wanted candidate clashes goes where ``target`` put it, and
    if that place is taken as well, it is fixed there in the next round and everything else is redone
    around it. Each round fixes at least one more request, so this ends, at worst with ``target`` itself.
    """
    items = candidates.items
    at_target = {items[i].request_id: i for i in target}
    wanted_by_request = {}
    for index in wanted:
        request_id = items[index].request_id
        if request_id in at_target and index != at_target[request_id]:
            wanted_by_request[request_id] = index
    fixed: set[Id] = set()
    while True:
        occupancy = Occupancy()
        chosen: list[int] = []
        # Fixed requests first (a subset of a valid solution never clashes), then wanted places.
        order = [at_target[r] for r in fixed] + [i for r, i in wanted_by_request.items() if r not in fixed]
        for index in order:
            _take_if_free(problem, items[index], occupancy, chosen, index)
        placed = {items[i].request_id for i in chosen}
        failed = [
            r
            for r, index in at_target.items()
            if r not in placed and not _take_if_free(problem, items[index], occupancy, chosen, index)
        ]
        if not failed:
            return chosen
        fixed.update(failed)


def _take_if_free(problem: Problem, candidate: Candidate, occupancy: Occupancy, chosen: list[int], index: int) -> bool:
    request = problem.request(candidate.request_id)
    if not occupancy.is_free(candidate, request):
        return False
    occupancy.add(candidate, request)
    chosen.append(index)
    return True


def return_home(
    problem: Problem,
    candidates: Candidates,
    chosen: Iterable[int],
    home: Iterable[int],
    *,
    keep_first: bool = False,
) -> list[int]:
    """Move placed requests back to their ``home`` candidate (last term's place) where the stage-2 penalty
    does not rise: directly when home is free, or by moving the one request that sits there (and is not
    at its own home) to a free place of its own. Repeats until nothing moves; the same requests stay met.

    Used on stage 2's starting point and as a polish of the final solution: a time-limited CP-SAT
    solution is valid but often not a local optimum for these moves, which are what stability is about.

    With ``keep_first`` a request goes home (if need be by moving those who sit there, and are not at
    their own home, to free places of their own) whatever that does to the penalty: they did not need its
    place to be met, so by the rule (a request leaves last term's place only to let a higher-priority
    request in) it should not have moved, and the rule ranks above preferences. Each step brings one more
    request home, so it ends. The engine uses it when stage 1 was not proven (a proven stage 1 leaves no
    such move: it would keep more at no cost in met demand).
    """
    state = _Moves(problem, candidates, chosen)
    items = candidates.items
    homes = {items[i].request_id: i for i in home if items[i].request_id in state.position}
    moved = True
    while moved:
        moved = False
        for request_id, index in homes.items():
            current = state.current(request_id)
            if current == index:
                continue
            blockers = {
                other.request_id for other, _via in state.occupancy.conflicts(items[index], state.request(request_id))
            }
            if not blockers:
                if keep_first or state.delta(request_id, index) <= 0:
                    state.move(request_id, index)
                    moved = True
                continue
            if len(blockers) > MAX_EJECTED or any(homes.get(b) == state.current(b) for b in blockers):
                continue  # never push someone else out of their own home
            moved |= state.eject(sorted(blockers, key=str), request_id, index, any_cost=keep_first)
    return state.chosen


# Moving more requests than this out of the way for one request back home is rarely worth its cost.
MAX_EJECTED = 3


class _Moves:
    """A solution under local moves, with its stage-2 penalty tracked incrementally."""

    def __init__(self, problem: Problem, candidates: Candidates, chosen: Iterable[int]) -> None:
        self.problem = problem
        self.candidates = candidates
        self.items = candidates.items
        self.chosen = list(chosen)
        self.position = {self.items[i].request_id: n for n, i in enumerate(self.chosen)}
        self.existing = {p.request_id: p for p in problem.existing}
        self.spread = organisations_to_spread(problem)
        self.weight = problem.policy.organisation_hub_weight
        self.occupancy = Occupancy()
        self.hub_counts: dict[tuple[str, str], int] = {}
        self.hubs_used: dict[str, int] = {}
        for index in self.chosen:
            self._add(index)

    def request(self, request_id: Id) -> Request:
        return self.problem.request(request_id)

    def current(self, request_id: Id) -> int | None:
        position = self.position.get(request_id)
        return None if position is None else self.chosen[position]

    def _cost(self, index: int) -> int:
        candidate = self.items[index]
        return candidate_penalty(
            self.problem, self.request(candidate.request_id), candidate, self.existing.get(candidate.request_id)
        )

    def _add(self, index: int) -> int:
        """Occupy ``index``; returns the penalty it adds."""
        candidate = self.items[index]
        request = self.request(candidate.request_id)
        self.occupancy.add(candidate, request)
        added = self._cost(index)
        if request.organisation in self.spread:
            key = (request.organisation, candidate.hub)
            count = self.hub_counts.get(key, 0)
            if count == 0:
                # Each hub beyond an organisation's first costs the spread weight.
                used = self.hubs_used.get(request.organisation, 0)
                added += self.weight if used else 0
                self.hubs_used[request.organisation] = used + 1
            self.hub_counts[key] = count + 1
        return added

    def _remove(self, index: int) -> int:
        """Free ``index``; returns the penalty it removes (negative)."""
        candidate = self.items[index]
        request = self.request(candidate.request_id)
        self.occupancy.remove(candidate, request)
        removed = -self._cost(index)
        if request.organisation in self.spread:
            key = (request.organisation, candidate.hub)
            self.hub_counts[key] -= 1
            if self.hub_counts[key] == 0:
                used = self.hubs_used[request.organisation] - 1
                removed -= self.weight if used else 0
                self.hubs_used[request.organisation] = used
        return removed

    def delta(self, request_id: Id, index: int) -> int:
        """Penalty change of moving a request to a free candidate ``index`` (the state is left unchanged)."""
        current = self.current(request_id)
        assert current is not None
        change = self._remove(current) + self._add(index)
        self._remove(index)
        self._add(current)
        return change

    def move(self, request_id: Id, index: int) -> None:
        current = self.current(request_id)
        assert current is not None
        self._remove(current)
        self._add(index)
        self.chosen[self.position[request_id]] = index

    def eject(self, blockers: list[Id], request_id: Id, index: int, *, any_cost: bool = False) -> bool:
        """Move ``blockers`` to their cheapest free places so that ``request_id`` can take ``index``, if that
        does not raise the penalty (or, with ``any_cost``, whatever it costs); otherwise leave everything
        as it was."""
        before = {b: self.current(b) for b in blockers}
        request_at = self.current(request_id)
        assert request_at is not None
        change = sum(self._remove(at) for at in before.values() if at is not None)
        change += self._remove(request_at) + self._add(index)
        placed: list[int] = []
        for blocker in blockers:
            best: tuple[int, int] | None = None
            blocker_request = self.request(blocker)
            for other in self.candidates.by_request.get(blocker, ()):
                if other == before[blocker] or not self.occupancy.is_free(self.items[other], blocker_request):
                    continue
                cost = self._add(other)
                self._remove(other)
                if best is None or cost < best[0]:
                    best = (cost, other)
            if best is None:
                break
            change += self._add(best[1])
            placed.append(best[1])
        if len(placed) == len(blockers) and (change <= 0 or any_cost):
            for blocker, at in zip(blockers, placed, strict=True):
                self.chosen[self.position[blocker]] = at
            self.chosen[self.position[request_id]] = index
            return True
        for at in placed:
            self._remove(at)
        self._remove(index)
        self._add(request_at)
        for at in before.values():
            if at is not None:
                self._add(at)
        return False


def improve_preferences(
    problem: Problem,
    candidates: Candidates,
    chosen: Iterable[int],
    *,
    fixed: Iterable[int] = (),
    seconds: float = 1.0,
    stop: threading.Event | None = None,
) -> list[int]:
    """Move placed requests, one at a time, to their cheapest free candidate while that lowers the stage-2
    penalty; the same requests stay met and the candidates in ``fixed`` (e.g. requests in last term's
    place) stay where they are. Stops after ``seconds``, when ``stop`` is set or when a pass moves nothing.

    Stage 2's start: on 500 x 48 it takes stage 1's answer from penalty 1,500 to about 950 in 0.4 s, and
    CP-SAT then proves stage 2 in about 1.1 s of deterministic time instead of 1.3-1.7.
    """
    deadline = time.monotonic() + seconds
    state = _Moves(problem, candidates, chosen)
    items = candidates.items
    fixed = set(fixed)
    movable = [r for r, n in state.position.items() if state.chosen[n] not in fixed]
    moved = True
    while moved and time.monotonic() < deadline:
        moved = False
        for request_id in movable:
            if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                return state.chosen
            current = state.current(request_id)
            assert current is not None
            request = state.request(request_id)
            best: tuple[int, int | None] = (0, None)
            for other in candidates.by_request.get(request_id, ()):
                if other == current:
                    continue
                # Free once the request itself has left its current place.
                state.occupancy.remove(items[current], request)
                free = state.occupancy.is_free(items[other], request)
                state.occupancy.add(items[current], request)
                if free:
                    change = state.delta(request_id, other)
                    if change < best[0]:
                        best = (change, other)
            if best[1] is not None:
                state.move(request_id, best[1])
                moved = True
    return state.chosen
