"""Stage one of three: build the CP-SAT model of a problem (``build_model``).

This module owns the variables and constraints. Variable tables (see :class:`Variables`):

* ``place[i]`` — Boolean, candidate ``i`` (a request in a room at a weekday, start and fortnight week) is
  chosen; unnamed unless ``debug_names`` is set, then named like ``place_r12_room3_tue_1000``
  (``_wkA``/``_wkB`` for fortnightly requests);
* ``unmet[r]`` — Boolean, request ``r`` is not placed; exactly one of its candidates or ``unmet`` holds;
* ``at_time[(r, weekday, start, week, mask)]`` — Boolean, request ``r`` (one that needs a shared person or
  team) meets at that time in any room whose closures leave it the weeks ``mask``; it equals the sum of
  those room options, so it exists only where two or more rooms share the time;
* ``fairness`` — 0..SCALE, the worst-off sector's met demand per mille of its entitlement;
* ``keep`` — last term's candidate of each request that had one (not pinned), rewarded in stage 1 by the
  request's own priority: moving it to let another request in pays only if that request has a higher
  priority (the issue's rule: unchanged requests keep their place unless a higher-priority request needs it);
  with ``keep_rule`` the rule is also a hard constraint (``_keep_rule``): a kept request is in its place, or
  a higher-priority, pinned or other kept request sits there;
* ``org_hub[(o, h)]`` / ``org_any[o]`` — organisation ``o`` uses hub ``h`` / has anything placed.

Candidates are enumerated by ``candidates`` after the static filters, so capacity, facilities, step-free
access, opening hours, windows and acceptable hubs need no constraints. "No double booking" is an
at-most-one per (room, weekday, cell, group of weeks), which measured faster than optional intervals.
"A shared person is never in two places at once" is an at-most-one over the ``at_time`` indicators of
different requests, not over every room option: on 200 requests with many shared people that is about a
third of the literals (the ``per_room`` encoding, kept for the equivalence test, states it over rooms).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from ortools.sat.python import cp_model

from .candidates import Cancelled, Candidate, Candidates, build_candidates
from .problem import WEEKDAY_NAMES, Id, Problem, Request
from .result import Change
from .scoring import (
    SCALE,
    entitlements_milli,
    fairness_coefficient,
    organisations_to_spread,
    penalties_and_changes,
)


@dataclass
class Variables:
    """The model's variables and the expressions the stages optimise.

    ``stage1`` is met demand plus fairness (SCALE times priority units); the engine maximises
    ``stage1 + sum(SCALE * priority * keep)`` (:meth:`stage1_with_keep`), so a request stays in last term's
    place unless a higher-priority request needs it. ``stage1`` itself is what is reported, and since the
    keep reward is never negative the solver's bound on the sum bounds it too.
    """

    candidates: Candidates
    place: Sequence[cp_model.IntVar]
    unmet: dict[Id, cp_model.IntVar]
    placed: cp_model.IntVar
    stage1: cp_model.LinearExprT
    stage2: cp_model.LinearExprT
    changes: list[Change]
    fairness: cp_model.IntVar | None = None
    org_hub: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    org_any: dict[str, cp_model.IntVar] = field(default_factory=dict)
    pin_errors: tuple[str, ...] = ()
    at_time: dict[tuple, cp_model.IntVar] = field(default_factory=dict)
    at_time_members: dict[tuple, tuple[int, ...]] = field(default_factory=dict)
    keep: list[int] = field(default_factory=list)  # candidate indices of last term's places
    keep_weights: list[int] = field(default_factory=list)  # SCALE * priority + KEEP_TIE_BREAK, per keep
    # Every at-most-one over placements (no double booking, shared people), as candidate indices: what
    # ``relaxation.met_demand_bound`` relaxes.
    cliques: list[list[int]] = field(default_factory=list)

    def stage1_with_keep(self) -> cp_model.LinearExprT:
        if not self.keep:
            return self.stage1
        return self.stage1 + self.keep_reward()

    def keep_reward(self) -> cp_model.LinearExprT:
        """The keep-in-place reward: ``keep_weights`` of last term's places that are chosen again."""
        return cp_model.LinearExpr.weighted_sum([self.place[i] for i in self.keep], self.keep_weights)

    def all_variables(self) -> list[cp_model.IntVar]:
        extra = [self.fairness] if self.fairness is not None else []
        return [
            *self.place,
            *self.unmet.values(),
            self.placed,
            *extra,
            *self.at_time.values(),
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


@dataclass(frozen=True, slots=True)
class TimeOption:
    """A request at one weekday, start, fortnight week and set of weeks, in whichever room (for clash groups)."""

    index: int
    request_id: Id
    weekday: int
    first_cell: int
    end_cell: int
    mask: int


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


def clash_groups(members: Sequence[Candidate | TimeOption]) -> list[list[int]]:
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
    active: list[Candidate | TimeOption] = []
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
    problem: Problem,
    *,
    candidates: Candidates | None = None,
    stop: threading.Event | None = None,
    debug_names: bool = False,
    shared_encoding: str = "per_time",
    on_phase: Callable[[str], None] | None = None,
    keep_rule: bool = False,
) -> tuple[cp_model.CpModel, Variables]:
    """Build the CP-SAT model with both stages' objective expressions (no objective set yet).

    Args:
        problem: the problem.
        candidates: its candidates, if already built.
        stop: when set, :class:`~scheduler.allocation.candidates.Cancelled` is raised between blocks of
            at most a few thousand variables or constraints.
        debug_names: give every variable a readable name (slower: for dumping and reading the model).
        shared_encoding: ``"per_time"`` (default) states the shared-person rule over per-(request, time)
            indicators; ``"per_room"`` over every room option, as before (kept to test both agree).
        on_phase: called with a short description as each block starts (for progress reports).
        keep_rule: state the keep-in-place rule as a hard constraint (``_keep_rule``; the allocation does,
            a what-if re-solve that is asked to move placed requests does not).
    """
    if candidates is None:
        candidates = build_candidates(problem, stop=stop)

    def check_stop() -> None:
        if stop is not None and stop.is_set():
            raise Cancelled

    def phase(text: str) -> None:
        check_stop()
        if on_phase is not None:
            on_phase(text)

    model = cp_model.CpModel()
    items = candidates.items
    requests = {r.id: r for r in problem.requests}
    existing = {p.request_id: p for p in problem.existing}
    pin_errors = list(candidates.pin_errors)
    pin_errors += [
        f"pinned placement for unknown request {p.request_id}" for p in problem.existing if p.request_id not in requests
    ]

    phase("variables")
    place: list[cp_model.IntVar] = []
    if debug_names:
        for start in range(0, len(items), CHUNK):
            check_stop()
            place.extend(model.new_bool_var(variable_name(c)) for c in items[start : start + CHUNK])
    else:
        # In bulk: copies of one 0..1 variable appended to the proto, wrapped only when one is used. One
        # ``new_bool_var`` call per placement was the largest part of the build (about 5 us each), and
        # freeing 100,000 wrappers delayed a stop.
        place = _bool_vars(model, len(items), check_stop)
    base = place[0].index if place else 0  # place[i] is variable base + i: constraints are written as indices
    unmet = {r.id: model.new_bool_var(f"unmet_r{_slug(r.id)}" if debug_names else "") for r in problem.requests}

    # Each request is placed once or left unmet; a pinned request is placed exactly as pinned.
    phase("one place per request")
    constraints = model.proto.constraints
    for request in problem.requests:
        mine = candidates.by_request.get(request.id, ())
        constraints.add().exactly_one.literals.extend([base + i for i in mine] + [unmet[request.id].index])
        pin = existing.get(request.id)
        if pin is not None and pin.pinned:
            model.add(unmet[request.id] == 0)

    # No double booking of a room: at most one candidate per (room, weekday, cell, weeks met).
    phase("no double booking")
    by_room_day: dict[tuple[Id, int], list[Candidate]] = defaultdict(list)
    cliques: list[list[int]] = []
    for candidate in items:
        by_room_day[(candidate.room_id, candidate.weekday)].append(candidate)
    for count, members in enumerate(by_room_day.values()):
        if count % 8 == 0:  # a room-day takes about 1 ms: a stop is seen within about 10 ms
            check_stop()
        if count and count % 128 == 0 and on_phase is not None:
            on_phase(f"no double booking: {count:,} of {len(by_room_day):,} room-days")
        for group in clash_groups(members):
            constraints.add().at_most_one.literals.extend([base + i for i in group])
            cliques.append(group)

    # A shared person or team is never in two places at once (any room, same date and time).
    phase("shared people")
    at_time: dict[tuple, cp_model.IntVar] = {}
    at_time_members: dict[tuple, tuple[int, ...]] = {}
    if shared_encoding == "per_room":
        _shared_per_room(model, items, requests, place, check_stop, cliques)
    else:
        at_time, at_time_members = _shared_per_time(model, problem, candidates, place, check_stop, debug_names, cliques)

    placed = model.new_int_var(0, len(unmet), "placed")
    model.add(placed == len(unmet) - cp_model.LinearExpr.sum(list(unmet.values())))

    # Stage 1: priority-weighted met demand plus the worst-off sector's level (max-min fairness).
    # Written as constant minus a weighted sum: Python's sum() over tens of thousands of terms is slow.
    phase("objectives")
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

    # Stage 2: preferences, stability, closures, room size, dropped previous placements, spread.
    penalised: list[cp_model.IntVar] = []
    costs: list[int] = []
    keep: list[int] = []
    keep_weights: list[int] = []
    phase("preferences, stability and room size")
    costs_by_candidate: list[int] = []
    changes: list[Change] = []
    for start in range(0, len(items), CHUNK):  # in chunks, so a stop is seen within a few milliseconds
        check_stop()
        chunk_costs, chunk_changes = penalties_and_changes(problem, items[start : start + CHUNK])
        costs_by_candidate += chunk_costs
        changes += chunk_changes
    check_stop()
    for candidate, variable, change, cost in zip(items, place, changes, costs_by_candidate, strict=True):
        if change is Change.UNCHANGED:
            keep.append(candidate.index)
            keep_weights.append(SCALE * requests[candidate.request_id].priority + KEEP_TIE_BREAK)
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
        if on_phase is not None:
            on_phase("fewer hubs per organisation")
        for org, members_of_org in organisations_to_spread(problem).items():
            check_stop()
            hubs_used: list[cp_model.IntVar] = []
            for request in members_of_org:
                per_hub: dict[str, list[int]] = defaultdict(list)
                for i in candidates.by_request.get(request.id, ()):
                    per_hub[items[i].hub].append(base + i)
                for hub, indices in per_hub.items():
                    if (org, hub) not in org_hub:
                        org_hub[(org, hub)] = model.new_bool_var(
                            f"uses_{_slug(org)}_{_slug(hub)}" if debug_names else ""
                        )
                        hubs_used.append(org_hub[(org, hub)])
                    # sum(the request's places in the hub) - uses <= 0, written straight into the proto.
                    linear = constraints.add().linear
                    linear.vars.extend([*indices, org_hub[(org, hub)].index])
                    linear.coeffs.extend([1] * len(indices) + [-1])
                    linear.domain.extend((-len(indices) - 1, 0))
            if len(hubs_used) > 1:
                # Penalise hubs beyond the first: 'any' is rewarded, so it is 1 whenever something is met.
                org_any[org] = model.new_bool_var(f"any_{_slug(org)}" if debug_names else "")
                model.add(org_any[org] <= sum(1 - unmet[r.id] for r in members_of_org))
                terms.append(weight * cp_model.LinearExpr.sum(hubs_used) - weight * org_any[org])
    stage2 = sum(terms) if terms else 0
    if keep and keep_rule:
        phase("kept places")
        _keep_rule(model, problem, candidates, keep, cliques, base, check_stop)
    check_stop()

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
        at_time=at_time,
        at_time_members=at_time_members,
        keep=keep,
        keep_weights=keep_weights,
        cliques=cliques,
    )


# Variables or constraints created between two looks at the stop handle.
CHUNK = 4096
# Keeping last term's place is worth the request's priority and half a point more: a newcomer of the same
# priority no longer ties with it (before, either answer was "best", and which one came out depended on
# the search), while a newcomer of a higher priority still wins by half a point.
KEEP_TIE_BREAK = SCALE // 2


class Literals(Sequence[cp_model.IntVar]):
    """Consecutive 0..1 variables of a model, each wrapped as an ``IntVar`` only when it is asked for."""

    def __init__(self, proto: object, first: int, count: int) -> None:
        self._proto = proto
        self.first = first  # the variable index of item 0: item i is variable first + i
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> cp_model.IntVar: ...
    @overload
    def __getitem__(self, i: slice) -> list[cp_model.IntVar]: ...
    def __getitem__(self, i: int | slice) -> cp_model.IntVar | list[cp_model.IntVar]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(i)
        return cp_model.IntVar(self._proto, self.first + i)

    def __iter__(self) -> Iterator[cp_model.IntVar]:
        proto, first = self._proto, self.first
        return (cp_model.IntVar(proto, first + i) for i in range(self._count))

    def indices(self) -> range:
        return range(self.first, self.first + self._count)


def _keep_rule(
    model: cp_model.CpModel,
    problem: Problem,
    candidates: Candidates,
    keep: Sequence[int],
    cliques: Sequence[Sequence[int]],
    base: int,
    check_stop: Callable[[], None],
) -> None:
    """The issue's rule as a hard constraint: a request stays in last term's place unless the place is
    taken by a request of higher priority, by a pinned one, or by another request in *its* last term's
    place (two kept places that now clash: only one can stay).

    For each kept candidate ``k``: ``place[k]`` or one of those clashing candidates. The keep reward alone
    was not enough: with fairness on, meeting a newcomer of the worst-off sector is worth more than its
    priority, and stage 1 moved kept requests for newcomers of the same or a lower priority (22 times over
    5 runs at 1,500 x 60). Always satisfiable: a maximal set of non-clashing kept and pinned places (what
    ``engine.stage1_hint`` starts from) meets every clause.
    """
    items = candidates.items
    kept = set(keep)
    pinned = {p.request_id for p in problem.existing if p.pinned}
    priority = {r.id: r.priority for r in problem.requests}
    groups_of: dict[int, list[int]] = defaultdict(list)
    for number, clique in enumerate(cliques):
        for i in clique:
            if i in kept:
                groups_of[i].append(number)
    constraints = model.proto.constraints
    for count, k in enumerate(keep):
        if count % 256 == 0:
            check_stop()
        owner = items[k].request_id
        mine = priority[owner]
        blockers = {
            j
            for number in groups_of.get(k, ())
            for j in cliques[number]
            if items[j].request_id != owner
            and (priority[items[j].request_id] > mine or j in kept or items[j].request_id in pinned)
        }
        constraints.add().bool_or.literals.extend([base + k, *(base + j for j in sorted(blockers))])


def _bool_vars(model: cp_model.CpModel, count: int, check_stop: Callable[[], None]) -> Literals:
    """``count`` new unnamed 0..1 variables with consecutive indices, added to the proto in bulk."""
    proto = model.proto
    first = len(proto.variables)
    if count:
        template = proto.variables.add()
        template.domain.extend((0, 1))
        made = 1
        while made < count:
            check_stop()
            step = min(CHUNK * 4, count - made)
            proto.variables.extend([template] * step)
            made += step
    return Literals(proto, first, count)


def _shared_per_room(
    model: cp_model.CpModel,
    items: Sequence[Candidate],
    requests: dict[Id, Request],
    place: list[cp_model.IntVar],
    check_stop: Callable[[], None],
    cliques: list[list[int]],
) -> None:
    """The shared-person rule over every room option (the encoding before per-time indicators)."""
    by_person_day: dict[tuple[str, int], list[Candidate]] = defaultdict(list)
    for candidate in items:
        for person in requests[candidate.request_id].shared:
            by_person_day[(person, candidate.weekday)].append(candidate)
    for members in by_person_day.values():
        check_stop()
        for group in clash_groups(members):
            # Candidates of one request exclude each other already; keep the constraint only if it
            # spans two requests.
            if len({items[i].request_id for i in group}) > 1:
                model.add_at_most_one([place[i] for i in group])
                cliques.append(group)


def _shared_per_time(
    model: cp_model.CpModel,
    problem: Problem,
    candidates: Candidates,
    place: list[cp_model.IntVar],
    check_stop: Callable[[], None],
    debug_names: bool,
    cliques: list[list[int]],
) -> tuple[dict[tuple, cp_model.IntVar], dict[tuple, tuple[int, ...]]]:
    """The shared-person rule over one indicator per (request, weekday, start, week, weeks met).

    Rooms whose closures leave a request different weeks get different indicators, so two requests clash
    exactly when the per-room encoding says they do: same weekday, overlapping cells, a common week.
    """
    items = candidates.items
    options: list[TimeOption] = []
    literals: list[cp_model.IntVar] = []
    option_members: list[tuple[int, ...]] = []  # the candidates each option stands for
    at_time: dict[tuple, cp_model.IntVar] = {}
    members_of: dict[tuple, tuple[int, ...]] = {}
    people_of: list[frozenset[str]] = []
    for request in problem.requests:
        if not request.shared:
            continue
        check_stop()
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i in candidates.by_request.get(request.id, ()):
            c = items[i]
            groups[(c.weekday, c.start, c.week_parity, c.mask)].append(i)
        for (weekday, start, parity, mask), members in groups.items():
            key = (request.id, weekday, start, parity, mask)
            if len(members) == 1:
                literal = place[members[0]]
            else:
                name = ""
                if debug_names:
                    name = f"at_r{_slug(request.id)}_{WEEKDAY_NAMES[weekday]}_{start // 60:02d}{start % 60:02d}"
                    name += "" if parity is None else "_wk" + "AB"[parity]
                    name += f"_m{mask:x}"
                literal = model.new_bool_var(name)
                model.add(literal == cp_model.LinearExpr.sum([place[i] for i in members]))
                at_time[key] = literal
                members_of[key] = tuple(members)
            first = items[members[0]]
            options.append(TimeOption(len(options), request.id, weekday, first.first_cell, first.end_cell, first.mask))
            literals.append(literal)
            option_members.append(tuple(members))
            people_of.append(request.shared)
    by_person_day: dict[tuple[str, int], list[TimeOption]] = defaultdict(list)
    for option, people in zip(options, people_of, strict=True):
        for person in people:
            by_person_day[(person, option.weekday)].append(option)
    for members in by_person_day.values():
        check_stop()
        for group in clash_groups(members):
            if len({options[i].request_id for i in group}) > 1:
                model.add_at_most_one([literals[i] for i in group])
                cliques.append([m for i in group for m in option_members[i]])
    return at_time, members_of


def add_hint(model: cp_model.CpModel, variables: Variables, chosen: Iterable[int]) -> None:
    """Hint a complete assignment of placements: the chosen candidates, everything else off.

    Written straight into the model's hint in bulk: one ``add_hint`` call per variable took seconds on
    hundreds of thousands of candidates.
    """
    model.clear_hints()
    chosen = set(chosen)
    items = variables.candidates.items
    met = {items[i].request_id for i in chosen}
    place = variables.place
    indices = list(place.indices()) if isinstance(place, Literals) else [v.index for v in place]
    values = [1 if i in chosen else 0 for i in range(len(indices))]
    indices += [v.index for v in variables.unmet.values()]
    values += [0 if r in met else 1 for r in variables.unmet]
    for key, literal in variables.at_time.items():
        indices.append(literal.index)
        values.append(1 if any(i in chosen for i in variables.at_time_members[key]) else 0)
    hint = model.proto.solution_hint
    hint.vars.extend(indices)
    hint.values.extend(values)


def add_hints(model: cp_model.CpModel, pairs: Iterable[tuple[cp_model.IntVar, int]]) -> None:
    """Append hints for further variables in bulk (after :func:`add_hint`)."""
    indices: list[int] = []
    values: list[int] = []
    for variable, value in pairs:
        indices.append(variable.index)
        values.append(int(value))
    hint = model.proto.solution_hint
    hint.vars.extend(indices)
    hint.values.extend(values)
