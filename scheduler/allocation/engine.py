"""The public entry point: ``solve`` runs the lexicographic two-stage allocation.

This module owns the orchestration: build once, stage 1 (maximise priority-weighted met demand plus the
worst-off sector's level) with a complete greedy hint seeded by existing placements, then stage 2
(minimise preference, stability, closure and spread penalties) with stage 1's value kept, starting from
stage 1's met requests put back in last term's places where still free, then a fill-in of any request a
time-limited run left out although a slot was free, a polish moving requests back to last term's place
where that is free and no dearer, then extraction. The time limit covers everything, model building
included.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from .candidates import Cancelled, Candidates, build_candidates
from .explain import explain_moves
from .extract import extract
from .greedy import greedy_choice, improve_preferences, keep_where_possible, return_home
from .model import Variables, add_hint, add_hints, build_model
from .occupancy import Occupancy
from .problem import Problem
from .relaxation import stage1_bound
from .result import BoundSource, Phase, Progress, Result, Status, UnmetKind, UnmetRequest, format_time
from .runner import ProgressCallback, run
from .scoring import SCALE, fairness_level, stage1_value

# Above this many candidates a single light presolve pass wins: measured on the benchmark, CP-SAT's full
# presolve spent 10 s of a 60 s run on 1,500 requests and ended further from the bound (7.7% vs 4.3%).
LARGE_MODEL = 20_000

# Up to this many candidates both stages run with CP-SAT's strongest linear relaxation (``runner.run``'s
# ``strong_lp``): on 500 x 48 (25,000 candidates) it proves stage 2 optimal in about 2 s of deterministic
# time where the default never did, and the second term's stage 1 (with the keep-in-place reward) in 3 s
# instead of not in 7 (stage 1 without that reward is proven as fast without it, so it does not use it);
# on 1,500 x 60 (114,000) its relaxation is too slow to help the search. Above it stage 1 runs with no linear
# relaxation at all: measured on 1,500 x 60, stage 1 alone for 40 s at load 4-6 reached 4,757.6, 4,771.9 and
# 4,754.4 without it against 4,728.9 and 4,752.4 with CP-SAT's default one (whose bound stays at the static
# maximum there anyway; the engine's Lagrangian relaxation gives the bound).
STRONG_LP_MODEL = 60_000

# Time for the Lagrangian bound when stage 1 is not proven: this share of the time limit, at most this long.
# It comes out of stage 2's time (preferences), not stage 1's. On 1,500 x 60 at load 5: 4,863 after 3 s and
# 4,853 after 6 s (about 1,400 steps); before, 3 s gave 4,888-4,922 with fairness counted in full.
RELAXATION_SHARE = 0.1
RELAXATION_SECONDS = 6.0

# At most this share of the time limit goes to improving stage 2's start in Python (``improve_preferences``).
IMPROVE_SHARE = 0.05

# Below this much time left, stage 2 is skipped: CP-SAT needs a moment for presolve alone.
MIN_STAGE_SECONDS = 0.05

# Time kept back from stage 2 for the final polish (``return_home``), per existing placement: measured at
# 0.02 s for 370 and 0.2-0.5 s for 1,100 previous placements on the benchmark.
POLISH_SECONDS_PER_PLACEMENT = 0.0003


# When stage 1 is proven best for the keep-in-place policy, at most this share of the time left (and this
# many seconds) goes to bounding met demand alone.
PURE_BOUND_SHARE = 0.2
PURE_BOUND_SECONDS = 5.0


def existing_candidates(problem: Problem, candidates: Candidates) -> list[int]:
    """Indices of candidates that reproduce existing (pinned or last term's) placements exactly."""
    found = []
    for placement in problem.existing:
        for index in candidates.by_request.get(placement.request_id, ()):
            candidate = candidates.items[index]
            if (candidate.room_id, candidate.weekday, candidate.start, candidate.week_parity) == (
                placement.room_id,
                placement.weekday,
                placement.start,
                placement.week_parity,
            ):
                found.append(index)
                break
    return found


def stage1_hint(problem: Problem, candidates: Candidates, stop: threading.Event | None = None) -> list[int]:
    """Stage 1's starting point: existing placements where still possible (higher priorities first), then
    the better (by stage 1's objective) of two greedy orders: arrival, and fewest candidate placements per
    priority unit first.

    The second order places the hard-to-place and important requests while they still fit; measured on the
    benchmark it starts 1,500 requests at 4,408 instead of 4,003 (stage 1's objective, priority units).
    """
    # Last term's places, the higher priorities first: where two of them now clash (the new term's dates
    # bring a fortnightly and a monthly session into the same week), the rule keeps the higher priority.
    first = sorted(
        existing_candidates(problem, candidates),
        key=lambda i: -problem.request(candidates.items[i].request_id).priority,
    )
    arrival = greedy_choice(problem, candidates, first=first)
    if stop is not None and stop.is_set():
        return arrival
    tight = sorted(problem.requests, key=lambda r: len(candidates.by_request.get(r.id, ())) / r.priority)
    tightest = greedy_choice(problem, candidates, first=first, order=[r.id for r in tight])

    def value(chosen: list[int]) -> int:
        return stage1_value(problem, [candidates.items[i].request_id for i in chosen])

    return max((arrival, tightest), key=value)


def complete_hint(
    model: cp_model.CpModel, problem: Problem, variables: Variables, chosen: list[int], values: Sequence[int]
) -> None:
    """Hint a complete solution: ``chosen`` meets the same requests as the solution ``values`` (so the met
    count, fairness level and organisations with something placed are the same) but may put them elsewhere.
    """
    add_hint(model, variables, chosen)
    items = variables.candidates.items
    used = {(problem.request(items[i].request_id).organisation, items[i].hub) for i in chosen}
    orgs = {problem.request(items[i].request_id).organisation for i in chosen}
    pairs = [(variable, int(key in used)) for key, variable in variables.org_hub.items()]
    pairs += [(variable, int(org in orgs)) for org, variable in variables.org_any.items()]
    pairs += [(v, values[v.index]) for v in (variables.placed, variables.fairness) if v is not None]
    add_hints(model, pairs)


def kept_value(variables: Variables, chosen: Sequence[int]) -> int:
    """The keep-in-place reward of a solution (``Variables.stage1_with_keep`` minus ``stage1``)."""
    chosen = set(chosen)
    return sum(w for i, w in zip(variables.keep, variables.keep_weights, strict=True) if i in chosen)


def relaxation_bound(
    problem: Problem,
    candidates: Candidates,
    variables: Variables,
    chosen: Sequence[int],
    *,
    seconds: float,
    stop: threading.Event | None = None,
) -> int:
    """Stage 1's bound from the Lagrangian relaxation of met demand and the fairness term
    (``relaxation.stage1_bound``), in stage 1 units, rounded up.

    Before, only met demand was relaxed and the fairness term was counted in full (its level with every
    placeable request met): on 1,500 x 60 that was about 30 of the 100 points between solution and bound.
    """
    items = candidates.items
    aim = stage1_value(problem, [items[i].request_id for i in chosen]) / SCALE
    relaxed = stage1_bound(problem, candidates, variables.cliques, target=aim, seconds=seconds, stop=stop)
    return math.ceil(SCALE * relaxed * (1 + 1e-9))


def pin_clashes(problem: Problem, candidates: Candidates) -> list[str]:
    """Messages for pinned placements that clash with each other (then nothing else can be solved)."""
    occupancy = Occupancy()
    messages = []
    for placement in problem.existing:
        if not placement.pinned:
            continue
        for index in candidates.by_request.get(placement.request_id, ()):
            candidate = candidates.items[index]
            request = problem.request(candidate.request_id)
            for other, via in occupancy.conflicts(candidate, request):
                where = problem.room(candidate.room_id).label if via == "room" else f"shared '{via}'"
                messages.append(
                    f"{request.label} and {problem.request(other.request_id).label} are both pinned to "
                    f"{where} at {format_time(candidate.weekday, candidate.start)}"
                )
            occupancy.add(candidate, request)
    return messages


def static_maximum(problem: Problem, candidates: Candidates) -> int:
    """Stage 1's value if every request with at least one possible place were met (fairness in full, if the
    sectors' demand allows): no allocation can score more, whatever the solver says."""
    return stage1_value(problem, [r.id for r in problem.requests if candidates.by_request.get(r.id)])


def solve(
    problem: Problem,
    *,
    time_limit: float,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    num_workers: int | None = None,
    random_seed: int = 0,
    debug_names: bool = False,
) -> Result:
    """Allocate the term's requests to rooms and times.

    Args:
        problem: rooms, requests, existing placements, term and policy.
        time_limit: seconds for the whole call (building, both stages, extraction); always applied.
        on_progress: called with a :class:`~scheduler.allocation.result.Progress` as each phase starts
            (candidates, model, start, search, finish) and at each solution; during the search from the
            solver's thread (a GUI must hand it over to its own thread, e.g. with a queued signal).
        stop: set it from any thread to cancel, also while the model is being built. The result then has
            status CANCELLED and holds the best valid solution found so far.
        num_workers: CP-SAT workers; default ``problem.policy.num_workers``.
        random_seed: CP-SAT's seed.
        debug_names: name every CP-SAT variable readably (slower; for reading a dump of the model).

    Returns:
        The result; status is data (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN or CANCELLED), never raised.
        INFEASIBLE only happens when pinned placements are invalid or clash; ``messages`` says which.
        ``objective <= best_bound <= static_bound`` always holds.
    """
    started = time.monotonic()
    workers = num_workers or problem.policy.num_workers

    def elapsed() -> float:
        return time.monotonic() - started

    static = 0  # stage 1 units (SCALE times priority units)
    found = [0]  # solutions so far, for phase reports between and after the stages

    def report(phase: Phase, detail: str, objective: float = 0.0, placed: int = 0, stage: int = 0) -> None:
        if on_progress is not None:
            on_progress(Progress(stage, found[0], placed, objective, static / SCALE, elapsed(), phase, detail))

    try:
        report(Phase.CANDIDATES, "listing every room and time each request could have")
        candidates = build_candidates(
            problem,
            stop=stop,
            on_step=lambda done, total: report(Phase.CANDIDATES, f"listing places: {done:,} of {total:,} requests"),
        )
        static = static_maximum(problem, candidates)
        report(Phase.MODEL, f"stating the rules over {len(candidates.items):,} possible placements")
        model, variables = build_model(
            problem,
            candidates=candidates,
            stop=stop,
            debug_names=debug_names,
            on_phase=lambda text: report(Phase.MODEL, text),
            keep_rule=True,
        )
    except Cancelled:
        # Nothing solved yet: the empty allocation is the only valid one we have.
        return _finish(
            problem,
            build_candidates(problem, []),
            [],
            status=Status.CANCELLED,
            solver_bound=None,
            static=static or stage1_value(problem, [r.id for r in problem.requests]),
            wall_time=elapsed(),
            time_to_first_solution=None,
            solutions_found=0,
            messages=("Cancelled while building the model.",),
            unmet=tuple(
                UnmetRequest(r.id, UnmetKind.NOT_PLACED, f"{r.label}: cancelled before any allocation was found.")
                for r in problem.requests
            ),
        )

    errors = [*variables.pin_errors, *pin_clashes(problem, candidates)]
    if errors:
        unmet = tuple(
            UnmetRequest(r.id, UnmetKind.PIN_CONFLICT, "Not allocated: " + "; ".join(errors) + ".")
            for r in problem.requests
        )
        return _finish(
            problem,
            candidates,
            [],
            status=Status.INFEASIBLE,
            solver_bound=0,
            static=static,
            wall_time=elapsed(),
            time_to_first_solution=None,
            solutions_found=0,
            messages=tuple(errors),
            unmet=unmet,
        )

    # Stage 1 starts from a complete solution: last term's placements where still possible, then
    # first-come-first-served. It makes the first solution immediate and nudges stage 1 towards stability.
    report(Phase.START, "a first-come-first-served starting point")
    hint = stage1_hint(problem, candidates, stop)
    hint_met = [candidates.items[i].request_id for i in hint]
    report(Phase.START, "starting point ready", stage1_value(problem, hint_met) / SCALE, len(hint))
    add_hint(model, variables, hint)
    if variables.fairness is not None:
        add_hints(model, [(variables.fairness, fairness_level(problem, hint_met))])
    # A request stays in last term's place unless a higher-priority request needs it: keeping it is worth
    # its own priority again (see ``Variables.stage1_with_keep``).
    model.maximize(variables.stage1_with_keep())
    has_stage2 = not isinstance(variables.stage2, int)
    remaining = time_limit - elapsed()
    share = problem.policy.stage1_time_share if has_stage2 else 1.0

    def honest(bound: float) -> int:
        # The keep reward is never negative, so the solver's bound on stage 1 plus it bounds stage 1 too.
        return min(static, int(bound + 1e-6))

    def stage1_reading(objective: float, bound: float) -> tuple[float, float, float | None]:
        return round(objective) / SCALE, honest(bound) / SCALE, None

    report(Phase.SEARCH, "stage 1: meeting as much demand as possible", stage=1)
    first = run(
        model,
        variables,
        time_limit=remaining * share,
        num_workers=workers,
        stage=1,
        started=started,
        reading=stage1_reading,
        on_progress=on_progress,
        stop=stop,
        random_seed=random_seed,
        light_presolve=len(variables.place) > LARGE_MODEL,
        # Met demand alone is proven fast with the default relaxation; with the keep-in-place reward it
        # needs the strong one (see STRONG_LP_MODEL).
        strong_lp=bool(variables.keep) and len(variables.place) <= STRONG_LP_MODEL,
        no_lp=len(variables.place) > STRONG_LP_MODEL,
        shown=variables.stage1,
    )
    if not first.has_solution:
        # The hint is valid, so it is still the best valid solution we have.
        status = Status.CANCELLED if first.stopped else Status.UNKNOWN
        if first.status == cp_model.INFEASIBLE:
            status = Status.INFEASIBLE
        return _finish(
            problem,
            candidates,
            hint if status is not Status.INFEASIBLE else [],
            status=status,
            solver_bound=honest(first.bound) if first.bound else None,
            static=static,
            wall_time=elapsed(),
            time_to_first_solution=None,
            solutions_found=0,
            messages=("The solver found no solution in time; this is the greedy allocation.",),
        )

    found[0] = first.solutions
    first_value = stage1_value(problem, [candidates.items[i].request_id for i in first.chosen])
    first_bound = honest(first.bound)
    chosen = first.chosen
    solutions = first.solutions
    optimal = first_optimal = first.status == cp_model.OPTIMAL
    stopped = first.stopped
    if optimal and variables.keep and first_bound > first_value and not stopped:
        # Proven best for the policy (keep people in place unless a higher-priority request needs it), but
        # its bound includes the keep reward. A short run on met demand alone, started from the policy's
        # answer, measures how much demand the policy leaves out, so the bound shown is about demand.
        model.maximize(variables.stage1)
        model.clear_hints()
        add_hints(model, ((v, first.values[v.index]) for v in variables.all_variables()))
        pure = run(
            model,
            variables,
            time_limit=min(PURE_BOUND_SHARE * (time_limit - elapsed()), PURE_BOUND_SECONDS),
            num_workers=workers,
            stage=1,
            started=started,
            stop=stop,
            random_seed=random_seed,
        )
        if pure.has_solution or pure.bound:
            first_bound = min(first_bound, honest(pure.objective if pure.status == cp_model.OPTIMAL else pure.bound))
        stopped = pure.stopped
    bound_source = BoundSource.SOLVER
    if not optimal and not stopped and first_bound > first_value:
        # CP-SAT's own bound on large models stays at the static maximum (its relaxation is too slow to
        # solve there): a Lagrangian relaxation gives an honest, usually much tighter one in a second or two.
        report(Phase.SEARCH, "bounding the best possible (relaxation)", first_value / SCALE, len(first.chosen), 1)
        relaxed = relaxation_bound(
            problem,
            candidates,
            variables,
            first.chosen,
            seconds=min(RELAXATION_SHARE * time_limit, RELAXATION_SECONDS),
            stop=stop,
        )
        if relaxed < first_bound:
            first_bound, bound_source = max(relaxed, first_value), BoundSource.RELAXATION
    remaining = time_limit - elapsed()
    if has_stage2 and not stopped and remaining > MIN_STAGE_SECONDS:
        # Keep stage 1's value. Start from its met requests, each back in last term's place where that
        # is still free: a complete, valid and far more stable start than a solution that drifted.
        model.add(variables.stage1 >= first_value)
        if variables.keep:
            # Keeping people in place ranks above every preference: stage 2 may not give up any of stage
            # 1's keep-in-place value for a nicer room or time elsewhere (before, it could: moving a kept
            # request cost 5-20 penalty points, less than what the move saved others, and the moved
            # request's reason then named a request of the same or a lower priority).
            model.add(variables.keep_reward() >= kept_value(variables, first.chosen))
        if problem.existing:
            previous = existing_candidates(problem, candidates)
            start = return_home(
                problem, candidates, keep_where_possible(problem, candidates, first.chosen, previous), previous
            )
            if kept_value(variables, start) < kept_value(variables, first.chosen):
                # The greedy moves home can, when last term's places now clash, keep less than stage 1 did:
                # then stage 1's own answer is the start (it meets the constraint above).
                start = first.chosen
            # Nicer places for the others; whoever is in last term's place stays there. Then home again
            # whoever a move left a free way back (the model's keep rule allows no free kept place).
            start = improve_preferences(problem, candidates, start, fixed=previous, seconds=IMPROVE_SHARE * time_limit)
            start = return_home(problem, candidates, start, previous)
        else:
            start = improve_preferences(
                problem, candidates, first.chosen, seconds=IMPROVE_SHARE * time_limit, stop=stop
            )
        complete_hint(model, problem, variables, start, first.values)
        model.minimize(variables.stage2)

        def stage2_reading(objective: float, _bound: float) -> tuple[float, float, float | None]:
            return first_value / SCALE, first_bound / SCALE, objective

        polish = POLISH_SECONDS_PER_PLACEMENT * len(problem.existing)
        report(
            Phase.SEARCH,
            "stage 2: preferences, stability and right-sized rooms, keeping stage 1's demand",
            first_value / SCALE,
            len(first.chosen),
            stage=2,
        )
        second = run(
            model,
            variables,
            time_limit=max(MIN_STAGE_SECONDS, time_limit - elapsed() - polish),
            num_workers=workers,
            stage=2,
            started=started,
            reading=stage2_reading,
            on_progress=on_progress,
            stop=stop,
            solutions_before=solutions,
            random_seed=random_seed,
            light_presolve=len(variables.place) > LARGE_MODEL,
            strong_lp=len(variables.place) <= STRONG_LP_MODEL,
        )
        if second.has_solution:
            chosen = second.chosen
        solutions = found[0] = second.solutions
        optimal = optimal and second.status == cp_model.OPTIMAL
        stopped = second.stopped
    elif has_stage2:
        optimal = False

    # A time-limited run may leave a request out although a slot is free; place such requests in arrival
    # order so every unmet request is genuinely blocked.
    report(Phase.FINISH, "filling free places and explaining what is unmet")
    chosen = greedy_choice(problem, candidates, keep=chosen)
    if problem.existing and not stopped:
        # When stage 1 was not proven, whoever sits in a kept request's place without needing it moves to a
        # free place of its own and the kept request goes home, even at some cost in preferences.
        chosen = return_home(
            problem, candidates, chosen, existing_candidates(problem, candidates), keep_first=not first_optimal
        )
    status = Status.CANCELLED if stopped else Status.OPTIMAL if optimal else Status.FEASIBLE
    return _finish(
        problem,
        candidates,
        chosen,
        status=status,
        solver_bound=first_bound,
        bound_source=bound_source,
        static=static,
        wall_time=elapsed(),
        time_to_first_solution=first.first_solution_at,
        solutions_found=solutions,
    )


def _finish(
    problem: Problem,
    candidates: Candidates,
    chosen: list[int],
    *,
    status: Status,
    solver_bound: int | None,
    bound_source: BoundSource = BoundSource.SOLVER,
    static: int,
    wall_time: float,
    time_to_first_solution: float | None,
    solutions_found: int,
    messages: tuple[str, ...] = (),
    unmet: tuple[UnmetRequest, ...] | None = None,
) -> Result:
    """Extract the result with its honest bound: the solver's where it is below the static maximum."""
    result = extract(
        problem,
        candidates,
        chosen,
        status=status,
        best_bound=0.0,
        wall_time=wall_time,
        time_to_first_solution=time_to_first_solution,
        solutions_found=solutions_found,
        messages=messages,
        unmet=unmet,
    )
    objective_units = round(result.objective * SCALE)
    if solver_bound is not None and solver_bound < static:
        bound, source = max(solver_bound, objective_units), bound_source
    else:
        bound, source = max(static, objective_units), BoundSource.STATIC
    if status is Status.OPTIMAL and bound == objective_units:
        source = BoundSource.PROVEN
    policy = problem.policy
    return replace(
        result,
        best_bound=bound / SCALE,
        static_bound=max(static, objective_units) / SCALE,
        bound_source=source,
        fairness_weight=policy.fairness_weight,
        sector_targets=tuple(policy.sector_targets.items()),
        placements=explain_moves(problem, candidates, result.placements),
    )
