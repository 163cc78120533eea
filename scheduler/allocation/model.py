"""Stage one of three: build the CP-SAT model of a problem (``build_model``).

This module owns the variables and constraints. Variable tables (see :class:`Variables`):

* ``place[i]`` — Boolean, candidate ``i`` (a request in a room at a weekday, start and fortnight week) is
  chosen; named like ``place_r12_room3_tue_1000`` (``_wkA``/``_wkB`` for fortnightly requests);
* ``unmet[r]`` — Boolean, request ``r`` is not placed; exactly one of its candidates or ``unmet`` holds;
* ``fairness`` — 0..SCALE, the worst-off sector's met demand per mille of its entitlement;
* ``org_hub[(o, h)]`` / ``org_any[o]`` — organisation ``o`` uses hub ``h`` / has anything placed.

Candidates are enumerated by ``candidates`` after the static filters, so capacity, facilities, step-free
access, opening hours, windows and acceptable hubs need no constraints. "No double booking" is an
at-most-one per (room, weekday, cell, group of weeks), which measured faster than optional intervals.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .candidates import Cancelled, Candidate, Candidates, build_candidates
from .problem import WEEKDAY_NAMES, Id, Problem
from .result import Change
from .scoring import (
    SCALE,
    candidate_penalty,
    change_of,
    entitlements_milli,
    fairness_coefficient,
    organisations_to_spread,
)


@dataclass
class Variables:
    """The model's variables and the expressions the stages optimise."""

    candidates: Candidates
    place: list[cp_model.IntVar]
    unmet: dict[Id, cp_model.IntVar]
    placed: cp_model.IntVar
    stage1: cp_model.LinearExprT
    stage2: cp_model.LinearExprT
    changes: list[Change]
    fairness: cp_model.IntVar | None = None
    org_hub: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    org_any: dict[str, cp_model.IntVar] = field(default_factory=dict)
    pin_errors: tuple[str, ...] = ()

    def all_variables(self) -> list[cp_model.IntVar]:
        extra = [self.fairness] if self.fairness is not None else []
        return [
            *self.place,
            *self.unmet.values(),
            self.placed,
            *extra,
            *self.org_hub.values(),
            *self.org_any.values(),
        ]


def _slug(value: object) -> str:
    return re.sub(r"\W+", "_", str(value))


def variable_name(candidate: Candidate) -> str:
    """Readable name such as ``place_r12_room3_tue_1000_wkA``."""
    room = f"room{candidate.room_id}" if isinstance(candidate.room_id, int) else _slug(candidate.room_id)
    name = (
        f"place_r{_slug(candidate.request_id)}_{room}_{WEEKDAY_NAMES[candidate.weekday]}_"
        f"{candidate.start // 60:02d}{candidate.start % 60:02d}"
    )
    if candidate.week_parity is not None:
        name += "_wk" + "AB"[candidate.week_parity]
    return name


@functools.cache
def _maximal_profiles(masks: tuple[int, ...]) -> list[tuple[int, ...]]:
    """For week masks, the maximal sets of masks that share a week (cached: few distinct mask sets)."""
    union = 0
    for mask in masks:
        union |= mask
    profiles: set[tuple[int, ...]] = set()
    week = 0
    while union >> week:
        if union >> week & 1:
            profiles.add(tuple(m for m in masks if m >> week & 1))
        week += 1
    as_sets = [(p, set(p)) for p in profiles]
    return [p for p, members in as_sets if not any(members < other for _, other in as_sets)]


def clash_groups(members: Sequence[Candidate]) -> list[list[int]]:
    """Maximal sets of candidates (indices) that pairwise meet in the same cell and week.

    ``members`` share one room (or one shared person) and one weekday. Two candidates clash when their
    cells overlap and their week masks intersect, so at every cell where some candidate starts we split
    the candidates covering it by the weeks they meet: a weekly request clashes with both fortnightly
    weeks, week A never with week B, the 2nd Tuesday never with the 4th.
    """
    if len(members) < 2:
        return []
    order = sorted(members, key=lambda c: c.first_cell)
    starts = sorted({c.first_cell for c in order})
    active: list[Candidate] = []
    position = 0
    per_cell: list[list[frozenset[int]]] = []
    for cell in starts:
        active = [c for c in active if c.end_cell > cell]
        while position < len(order) and order[position].first_cell == cell:
            active.append(order[position])
            position += 1
        if len(active) < 2:
            per_cell.append([])
            continue
        by_mask: dict[int, list[int]] = defaultdict(list)
        for candidate in active:
            by_mask[candidate.mask].append(candidate.index)
        masks = tuple(sorted(by_mask))
        sets = [frozenset(i for m in profile for i in by_mask[m]) for profile in _maximal_profiles(masks)]
        maximal = [s for s in sets if len(s) > 1]
        per_cell.append(maximal)
    groups: list[list[int]] = []
    seen: set[frozenset[int]] = set()
    for position, sets in enumerate(per_cell):
        following = per_cell[position + 1] if position + 1 < len(per_cell) else []
        for group in sets:
            # A set also covered at the next start cell adds nothing.
            if group in seen or any(group <= other for other in following):
                continue
            seen.add(group)
            groups.append(sorted(group))
    return groups


def build_model(
    problem: Problem, *, candidates: Candidates | None = None, stop: threading.Event | None = None
) -> tuple[cp_model.CpModel, Variables]:
    """Build the CP-SAT model with both stages' objective expressions (no objective set yet).

    A set ``stop`` raises :class:`~scheduler.allocation.candidates.Cancelled` between constraint blocks.
    """
    if candidates is None:
        candidates = build_candidates(problem, stop=stop)
    model = cp_model.CpModel()
    items = candidates.items
    requests = {r.id: r for r in problem.requests}
    existing = {p.request_id: p for p in problem.existing}
    pin_errors = list(candidates.pin_errors)
    pin_errors += [
        f"pinned placement for unknown request {p.request_id}" for p in problem.existing if p.request_id not in requests
    ]

    place = [model.new_bool_var(variable_name(c)) for c in items]
    unmet = {r.id: model.new_bool_var(f"unmet_r{_slug(r.id)}") for r in problem.requests}

    # Each request is placed once or left unmet; a pinned request is placed exactly as pinned.
    for request in problem.requests:
        mine = candidates.by_request.get(request.id, ())
        model.add_exactly_one([place[i] for i in mine] + [unmet[request.id]])
        pin = existing.get(request.id)
        if pin is not None and pin.pinned:
            model.add(unmet[request.id] == 0)

    # No double booking of a room: at most one candidate per (room, weekday, cell, weeks met).
    by_room_day: dict[tuple[Id, int], list[Candidate]] = defaultdict(list)
    for candidate in items:
        by_room_day[(candidate.room_id, candidate.weekday)].append(candidate)
    for members in by_room_day.values():
        if stop is not None and stop.is_set():
            raise Cancelled
        for group in clash_groups(members):
            model.add_at_most_one([place[i] for i in group])

    # A shared person or team is never in two places at once (any room, same date and time).
    by_person_day: dict[tuple[str, int], list[Candidate]] = defaultdict(list)
    for candidate in items:
        for person in requests[candidate.request_id].shared:
            by_person_day[(person, candidate.weekday)].append(candidate)
    for members in by_person_day.values():
        for group in clash_groups(members):
            # Candidates of one request exclude each other already; keep the constraint only if it
            # spans two requests.
            if len({items[i].request_id for i in group}) > 1:
                model.add_at_most_one([place[i] for i in group])

    placed = model.new_int_var(0, len(unmet), "placed")
    model.add(placed == len(unmet) - sum(unmet.values()))

    # Stage 1: priority-weighted met demand plus the worst-off sector's level (max-min fairness).
    # Written as constant minus a weighted sum: Python's sum() over tens of thousands of terms is slow.
    total = sum(r.priority for r in problem.requests)
    stage1: cp_model.LinearExprT = SCALE * total - cp_model.LinearExpr.weighted_sum(
        [unmet[r.id] for r in problem.requests], [SCALE * r.priority for r in problem.requests]
    )
    fairness = None
    coefficient = fairness_coefficient(problem)
    entitled = entitlements_milli(problem)
    if coefficient > 0 and entitled:
        fairness = model.new_int_var(0, SCALE, "fairness_worst_sector_permille")
        for sector, milli in entitled.items():
            own = [r for r in problem.requests if r.sector == sector]
            met_sector = sum(r.priority for r in own) - cp_model.LinearExpr.weighted_sum(
                [unmet[r.id] for r in own], [r.priority for r in own]
            )
            model.add(fairness * milli <= SCALE * SCALE * met_sector)
        stage1 = stage1 + coefficient * fairness

    # Stage 2: preferences, stability, closures, dropped previous placements and spread per organisation.
    changes: list[Change] = []
    penalised: list[cp_model.IntVar] = []
    costs: list[int] = []
    for candidate, variable in zip(items, place, strict=True):
        previous = existing.get(candidate.request_id)
        changes.append(change_of(problem, candidate, previous))
        cost = candidate_penalty(problem, requests[candidate.request_id], candidate, previous)
        if cost:
            penalised.append(variable)
            costs.append(cost)
    for request_id, previous in existing.items():
        if not previous.pinned and request_id in unmet:
            penalised.append(unmet[request_id])
            costs.append(problem.policy.drop_previous_weight)
    terms: list[cp_model.LinearExprT] = [cp_model.LinearExpr.weighted_sum(penalised, costs)] if costs else []
    org_hub: dict[tuple[str, str], cp_model.IntVar] = {}
    org_any: dict[str, cp_model.IntVar] = {}
    weight = problem.policy.organisation_hub_weight
    if weight:
        for org, members_of_org in organisations_to_spread(problem).items():
            hubs_used: list[cp_model.IntVar] = []
            for request in members_of_org:
                per_hub: dict[str, list[cp_model.IntVar]] = defaultdict(list)
                for i in candidates.by_request.get(request.id, ()):
                    per_hub[items[i].hub].append(place[i])
                for hub, literals in per_hub.items():
                    if (org, hub) not in org_hub:
                        org_hub[(org, hub)] = model.new_bool_var(f"uses_{_slug(org)}_{_slug(hub)}")
                        hubs_used.append(org_hub[(org, hub)])
                    model.add(sum(literals) <= org_hub[(org, hub)])
            if len(hubs_used) > 1:
                # Penalise hubs beyond the first: 'any' is rewarded, so it is 1 whenever something is met.
                org_any[org] = model.new_bool_var(f"any_{_slug(org)}")
                model.add(org_any[org] <= sum(1 - unmet[r.id] for r in members_of_org))
                terms.append(weight * sum(hubs_used) - weight * org_any[org])
    stage2 = sum(terms) if terms else 0

    return model, Variables(
        candidates=candidates,
        place=place,
        unmet=unmet,
        placed=placed,
        stage1=stage1,
        stage2=stage2,
        changes=changes,
        fairness=fairness,
        org_hub=org_hub,
        org_any=org_any,
        pin_errors=tuple(pin_errors),
    )


def add_hint(model: cp_model.CpModel, variables: Variables, chosen: Iterable[int]) -> None:
    """Hint a complete assignment of placements: the chosen candidates, everything else off."""
    model.clear_hints()
    chosen = set(chosen)
    met = set()
    for index, variable in enumerate(variables.place):
        model.add_hint(variable, index in chosen)
        if index in chosen:
            met.add(variables.candidates.items[index].request_id)
    for request_id, variable in variables.unmet.items():
        model.add_hint(variable, request_id not in met)
