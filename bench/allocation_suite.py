"""``python -m bench.allocation --suite``: every allocation target of issue 14 in one table.

Owns the list of targets, how each is measured and the table (target, measured, met). It is a benchmark,
not a test: wall-clock figures depend on the machine, so the README quotes the table with the command and
the machine's load. It may import the services (the demo borough is loaded into a temporary SQLite file);
it must not import desktop_app or PySide6.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.allocation import (
    _ratio,
    _solve,
    contested,
    generate,
    one_new_request,
    one_new_request_after_one_move,
    second_term,
)
from scheduler.allocation import Phase, Problem, Progress, Result, Status, check, solve
from scheduler.allocation.candidates import build_candidates
from scheduler.allocation.model import build_model
from scheduler.allocation.occupancy import Occupancy
from scheduler.bootstrap import bootstrap


@dataclass
class Row:
    target: str
    measured: str
    met: bool | None  # None: reported, no target


def demo_problem() -> Problem:
    """Spring 2027 of the demo borough, as the allocation service builds it (temporary SQLite file)."""
    from models import db
    from resources import locate
    from scheduler.services.demo import read_demo_file

    folder = tempfile.mkdtemp(prefix="hubsched-bench-")
    engine = db.make_engine(f"sqlite:///{os.path.join(folder, 'demo.sqlite')}")
    db.upgrade(engine)
    sessions = db.make_session_factory(engine)
    bootstrap(sessions, "bench").demo.load(read_demo_file(locate("demo/borough.yaml")))
    service = bootstrap(sessions, "bench").allocation
    problem, _ = service.build_problem(service.term_id("Spring 2027"))
    engine.dispose()
    return problem


def kept_share(first: Problem, result: Result, nxt: Problem, changed: set, second: Result) -> tuple[float, float]:
    """(% kept of unchanged requests' placements whose room is still open, % kept of all of them)."""
    now = {p.request_id: p for p in second.placements}
    closed = {room.id for room in nxt.rooms if len(room.closed_dates) > 60}
    eligible = [p for p in result.placements if p.request_id not in changed]
    kept = [
        p
        for p in eligible
        if (q := now.get(p.request_id)) is not None
        and (q.room_id, q.weekday, q.start, q.week_parity) == (p.room_id, p.weekday, p.start, p.week_parity)
    ]
    open_eligible = [p for p in eligible if p.room_id not in closed]
    return 100 * len(kept) / max(1, len(open_eligible)), 100 * len(kept) / max(1, len(eligible))


def kept_ceiling(result: Result, nxt: Problem, changed: set) -> float:
    """The most unchanged requests (room still open) whose places can all stay at once in the second term,
    everything else ignored, as a share of them (``kept_share``'s first figure): where two kept places now
    clash only one can stay. Maximised by CP-SAT over the model's own clash groups (at most 30 s)."""
    from ortools.sat.python import cp_model

    closed = {room.id for room in nxt.rooms if len(room.closed_dates) > 60}
    eligible = [p for p in result.placements if p.request_id not in changed and p.room_id not in closed]
    _model, variables = build_model(nxt)

    def key(x) -> tuple:
        return (x.request_id, x.room_id, x.weekday, x.start, x.week_parity)

    index = {key(c): c.index for c in variables.candidates.items}
    model = cp_model.CpModel()
    stays = {index[key(p)]: model.new_bool_var("") for p in eligible if key(p) in index}
    for clique in variables.cliques:
        members = [stays[i] for i in clique if i in stays]
        if len(members) > 1:
            model.add_at_most_one(members)
    model.maximize(sum(stays.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 30
    solver.solve(model)
    # The solver's bound: an upper bound on the ceiling even if 30 s did not prove it.
    return 100 * solver.best_objective_bound / max(1, len(eligible))


def why_moved(first: Problem, result: Result, nxt: Problem, changed: set, second: Result) -> Counter:
    """Why each unchanged request (room still open) is not in last term's place, by the issue's rule.

    * ``kept places now clash``: its place clashes with another unchanged request's, kept (the new term's
      dates make a fortnightly and a monthly session meet in the same week): only one can stay. The rule
      keeps the higher priority; the same or lower stays when moving it would drop it (meeting a request
      at all outweighs keeping another in place) or, with fairness on, its sector is the worst off;
    * ``a higher priority took it``: a newcomer, a changed request, or one moved there itself in a chain;
    * ``the same or lower priority took it``: not a kept clash. Under the engine's keep rule it is left for
      a taker kept in its own last term's place whose windows changed (counted as changed here, not kept)
      and for the greedy steps after the solver (before the rule, fairness made such moves pay: the
      taker's sector was the worst off);
    * ``place no longer possible``: the place is not a candidate any more (closures, hours);
    * ``place free``: nobody sits there (a move the rule does not allow).
    """
    candidates = build_candidates(nxt)
    closed = {room.id for room in nxt.rooms if len(room.closed_dates) > 60}
    before = {e.request_id: e for e in nxt.existing}
    now = {q.request_id: q for q in second.placements}

    def key(x) -> tuple:
        return (x.room_id, x.weekday, x.start, x.week_parity)

    index = {(c.request_id, *key(c)): c.index for c in candidates.items}
    occupancy = Occupancy()
    for q in second.placements:
        occupancy.add(candidates.items[index[(q.request_id, *key(q))]], nxt.request(q.request_id))
    reasons: Counter = Counter()
    for e in result.placements:
        if e.request_id in changed or e.room_id in closed:
            continue
        q = now.get(e.request_id)
        if q is not None and key(q) == key(e):
            continue
        request = nxt.request(e.request_id)
        i = index.get((e.request_id, *key(e)))
        if i is None:
            reasons["place no longer possible"] += 1
            continue
        takers = [nxt.request(other.request_id) for other, _via in occupancy.conflicts(candidates.items[i], request)]
        if not takers:
            reasons["place free"] += 1
            continue
        higher = any(t.priority > request.priority for t in takers)
        kept = [t for t in takers if t.id in before and t.id not in changed and key(now[t.id]) == key(before[t.id])]
        if kept:
            stays = "a higher priority" if any(t.priority > request.priority for t in kept) else "the same or lower"
            reasons[f"kept places now clash, {stays} stays"] += 1
        else:
            reasons["a higher priority took it" if higher else "the same or lower priority took it"] += 1
    return reasons


def stop_latency(problem: Problem, trigger: Callable[[Progress], bool] | None, after: float | None = None) -> dict:
    """Seconds from setting the stop handle to ``solve`` returning; set on the first progress report
    ``trigger`` accepts, or ``after`` seconds into the run."""
    stop = threading.Event()
    set_at: list[float] = []

    def fire() -> None:
        if not stop.is_set():
            set_at.append(time.monotonic())
            stop.set()

    def on_progress(progress: Progress) -> None:
        if trigger is not None and trigger(progress):
            fire()

    timer = threading.Timer(after, fire) if after is not None else None
    if timer is not None:
        timer.start()
    result = solve(problem, time_limit=120, on_progress=on_progress, stop=stop, num_workers=2)
    returned = time.monotonic()
    if timer is not None:
        timer.cancel()
    return {
        "latency": returned - set_at[0] if set_at else None,
        "status": str(result.status),
        "violations": len(check(problem, result.placements)),
    }


def progress_silence(problem: Problem, time_limit: float) -> dict:
    """Time to the first progress report and the longest silence between reports before the search."""
    times: list[tuple[float, Phase]] = []
    started = time.monotonic()
    solve(problem, time_limit=time_limit, on_progress=lambda p: times.append((time.monotonic() - started, p.phase)))
    first_search = next((t for t, phase in times if phase is Phase.SEARCH), None)
    # Only the reports before the search: the closing report ("filling free places") comes after it, and
    # when stage 1 found solutions within the run it made the whole search count as silence (7.3 s in a
    # 9 s run; 3.7 s in a 5 s one).
    before_search = [
        t for t, phase in times if phase is not Phase.SEARCH and (first_search is None or t <= first_search)
    ]
    marks = [0.0, *before_search, *([first_search] if first_search is not None else [])]
    return {
        "first": times[0][0] if times else None,
        "longest_silence": max(b - a for a, b in itertools.pairwise(marks)),
    }


def lp_bound(problem: Problem) -> float | None:
    """An upper bound on stage 1 from a linear relaxation solved by GLOP (bench only: it takes longer than
    a whole allocation run). Relaxed: one place per request and no double booking of rooms, placements
    fractional, shared people ignored; met demand from that, plus the fairness term at the level meeting
    every placeable request would give (no allocation's worst-off sector does better). A relaxation can only
    be looser than the real problem, so this is a valid bound, usually below the static one."""
    from ortools.linear_solver import pywraplp

    from scheduler.allocation.scoring import SCALE, stage1_value

    model, variables = build_model(problem)
    proto = model.proto
    solver = pywraplp.Solver.CreateSolver("GLOP")
    xs = [solver.NumVar(0.0, 1.0, "") for _ in proto.variables]
    people = {v.index for v in variables.at_time.values()}
    for ct in proto.constraints:
        if ct.has_exactly_one():
            literals, low = ct.exactly_one.literals, 1.0
        elif ct.has_at_most_one():
            literals, low = ct.at_most_one.literals, -solver.infinity()
        else:
            continue
        if any(literal in people for literal in literals):
            continue
        row = solver.Constraint(low, 1.0)
        for literal in literals:
            row.SetCoefficient(xs[literal], 1.0)
    objective = solver.Objective()
    for request in problem.requests:
        objective.SetCoefficient(xs[variables.unmet[request.id].index], float(request.priority))
    objective.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    unmet = objective.Value()
    met = sum(r.priority for r in problem.requests) - unmet
    # Stage 1 in priority units is met demand + coefficient * z / SCALE; z is monotone in the met set, so
    # its value with every placeable request met bounds it: that is the static maximum's fairness part.
    placeable = [r.id for r in problem.requests if variables.candidates.by_request.get(r.id)]
    fairness_part = stage1_value(problem, placeable) / SCALE - sum(problem.request(r).priority for r in placeable)
    return met + fairness_part


def _reasons(reasons: Counter) -> str:
    return "; ".join(f"{why} {count}" for why, count in reasons.most_common()) or "none moved"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def run_suite(*, quick: bool = False, as_json: bool = False, workers: int = 2) -> int:
    rows: list[Row] = []
    figures: dict = {}
    violations = 0
    seeds = (1,) if quick else (1, 2, 3)
    repeats = 1 if quick else 3

    def say(text: str) -> None:
        print(f"[suite {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    # The demo borough.
    say("demo")
    demo = demo_problem()
    result = solve(demo, time_limit=10, num_workers=workers)
    violations += len(check(demo, result.placements))
    rows.append(
        Row(
            "demo proven optimal in under 1 s",
            f"{result.status}, {result.wall_time:.2f} s",
            result.status is Status.OPTIMAL and result.wall_time < 1,
        )
    )
    demo_ratios = (_ratio(demo, result, 0.5), _ratio(demo, result, 0.9))
    rows.append(Row("demo: attendance / capacity, median and 90th percentile", f"{demo_ratios}", None))

    # 500 x 48: optimal in 10 s, stability over seeds and repeats, the one-new-request benches.
    kept_500: list[float] = []
    kept_500_all: list[float] = []
    moves_500: Counter = Counter()
    ceiling_500: list[float] = []
    for seed in seeds:
        say(f"500 x 48 seed {seed}")
        problem = generate(500, 48, seed)
        result, _ = _solve(problem, 10, workers)
        violations += len(check(problem, result.placements))
        if seed == 1:
            rows.append(
                Row(
                    "500 x 48 proven optimal in 10 s",
                    f"{result.status}, {result.wall_time:.1f} s, at most {100 * result.gap:.2f}% from the best",
                    result.status is Status.OPTIMAL,
                )
            )
            rows.append(
                Row(
                    "500 x 48: attendance / capacity, median and 90th percentile",
                    f"{(_ratio(problem, result, 0.5), _ratio(problem, result, 0.9))}",
                    None,
                )
            )
            say("one new request")
            one = one_new_request(problem, result, seed, 10, workers)
            moved = one_new_request_after_one_move(problem, result, 10, workers)
            figures["one_new_request"] = one
            figures["one_new_request_after_one_move"] = moved
            violations += one.get("violations", 0) + moved.get("violations", 0)
            rows.append(
                Row(
                    "one new request that fits, everything else pinned: under 2 s",
                    f"{one.get('seconds')} s, placed: {one.get('placed')}" if one.get("found") else "none found",
                    bool(one.get("found") and one["placed"] and one["seconds"] < 2),
                )
            )
            rows.append(
                Row(
                    "one new request that fits only after moving one session: under 2 s",
                    f"{moved.get('seconds')} s, placed: {moved.get('placed')}" if moved.get("found") else "none found",
                    bool(moved.get("found") and moved["placed"] and moved["seconds"] < 2),
                )
            )
            say("fairness off, side by side")
            off = replace(problem, policy=replace(problem.policy, fairness_weight=0.0))
            unfair, _ = _solve(off, 10, workers)
            shares = lambda r: ", ".join(f"{s.sector} {s.met_fraction:.0%}" for s in r.sectors)  # noqa: E731
            rows.append(
                Row(
                    "fairness policy (weight 0.25) vs off, 500 x 48: met share by sector",
                    f"on: {shares(result)}; off: {shares(unfair)}",
                    None,
                )
            )
        nxt, changed = second_term(problem, result, seed)
        ceiling_500.append(kept_ceiling(result, nxt, changed))
        for _ in range(repeats):
            second, _ = _solve(nxt, 10, workers)
            violations += len(check(nxt, second.placements))
            open_share, all_share = kept_share(problem, result, nxt, changed, second)
            kept_500.append(open_share)
            kept_500_all.append(all_share)
            moves_500 += why_moved(problem, result, nxt, changed, second)
    rows.append(
        Row(
            "second term, 500 x 48: >= 95% of unchanged requests kept (room still open)",
            f"{min(kept_500):.1f}-{max(kept_500):.1f}% ({min(kept_500_all):.1f}-{max(kept_500_all):.1f}% counting "
            f"the 2 closed rooms), {len(kept_500)} runs",
            min(kept_500) >= 95,
        )
    )
    rows.append(Row("second term, 500 x 48: why the others moved (all runs)", _reasons(moves_500), None))
    rows.append(
        Row(
            "second term, 500 x 48: most unchanged requests that can stay at once (kept places clash)",
            ", ".join(f"seed {seed} {_pct(c)}" for seed, c in zip(seeds, ceiling_500, strict=True)),
            None,
        )
    )
    rows.append(
        Row(
            "second term, 500 x 48: spread <= 3 points over seeds and repeats",
            f"{max(kept_500) - min(kept_500):.1f} points",
            max(kept_500) - min(kept_500) <= 3,
        )
    )

    # 1,500 x 60: model build, gap at 60 s, stability.
    say("1,500 x 60 build")
    big = generate(1500, 60, 1)
    started = time.monotonic()
    candidates = build_candidates(big)
    listed = time.monotonic() - started
    started = time.monotonic()
    build_model(big, candidates=candidates)
    built = time.monotonic() - started
    rows.append(
        Row(
            "model build, 1,500 x 60: under 1.5 s",
            f"{built:.2f} s (plus {listed:.2f} s listing {len(candidates.items):,} candidates)",
            built < 1.5,
        )
    )
    say("1,500 x 60 progress")
    silence = progress_silence(big, 5)
    rows.append(
        Row(
            "progress from the start: first report within 0.2 s, no silence over 2 s before the search",
            f"first after {silence['first']:.3f} s, longest silence {silence['longest_silence']:.2f} s",
            silence["first"] < 0.2 and silence["longest_silence"] < 2,
        )
    )
    say("1,500 x 60 stop")
    latencies = {
        "while listing candidates": stop_latency(big, lambda p: p.phase is Phase.CANDIDATES),
        "while building the model": stop_latency(big, lambda p: p.phase is Phase.MODEL and "double" in p.detail),
        "as the search starts": stop_latency(big, lambda p: p.phase is Phase.SEARCH and p.stage == 1),
        "8 s into the run": stop_latency(big, None, after=8.0),
    }
    worst = max(v["latency"] for v in latencies.values() if v["latency"] is not None)
    violations += sum(v["violations"] for v in latencies.values())
    rows.append(
        Row(
            "stop honoured within 200 ms at any point, 1,500 x 60",
            "; ".join(f"{k} {1000 * v['latency']:.0f} ms" for k, v in latencies.items() if v["latency"] is not None),
            worst < 0.2,
        )
    )
    kept_1500: list[float] = []
    kept_1500_all: list[float] = []
    moves_1500: Counter = Counter()
    ceiling_1500: list[float] = []
    for seed in seeds:
        say(f"1,500 x 60 seed {seed}")
        problem = big if seed == 1 else generate(1500, 60, seed)
        result, _ = _solve(problem, 60, workers)
        violations += len(check(problem, result.placements))
        if seed == 1:
            rows.append(
                Row(
                    "1,500 x 60 within 2% of the honest bound at 60 s",
                    f"at most {100 * result.gap:.2f}% from the best possible ({result.bound_source}); "
                    f"{result.objective:.1f} of {result.best_bound:.1f}",
                    result.gap <= 0.02,
                )
            )
            say("1,500 x 60 LP bound")
            lp = lp_bound(problem)
            if lp is not None:
                rows.append(
                    Row(
                        "1,500 x 60: distance to the LP relaxation bound (GLOP, bench only)",
                        f"at most {100 * max(0.0, lp - result.objective) / lp:.2f}% (LP bound {lp:.1f})",
                        None,
                    )
                )
        nxt, changed = second_term(problem, result, seed)
        ceiling_1500.append(kept_ceiling(result, nxt, changed))
        for _ in range(repeats if seed == 1 else 1):
            second, _ = _solve(nxt, 60, workers)
            violations += len(check(nxt, second.placements))
            open_share, all_share = kept_share(problem, result, nxt, changed, second)
            kept_1500.append(open_share)
            kept_1500_all.append(all_share)
            moves_1500 += why_moved(problem, result, nxt, changed, second)
    rows.append(
        Row(
            "second term, 1,500 x 60: >= 90% of unchanged requests kept (room still open)",
            f"{min(kept_1500):.1f}-{max(kept_1500):.1f}% ({min(kept_1500_all):.1f}-{max(kept_1500_all):.1f}% "
            f"counting the 2 closed rooms), {len(kept_1500)} runs",
            min(kept_1500) >= 90,
        )
    )
    rows.append(Row("second term, 1,500 x 60: why the others moved (all runs)", _reasons(moves_1500), None))
    rows.append(
        Row(
            "second term, 1,500 x 60: most unchanged requests that can stay at once (kept places clash)",
            ", ".join(f"seed {seed} {_pct(c)}" for seed, c in zip(seeds, ceiling_1500, strict=True)),
            None,
        )
    )
    rows.append(
        Row(
            "second term, 1,500 x 60: spread <= 3 points",
            f"{max(kept_1500) - min(kept_1500):.1f} points over {len(kept_1500)} runs",
            max(kept_1500) - min(kept_1500) <= 3,
        )
    )

    # Contested borough.
    say("contested 800 x 36")
    fight = contested(800, 36, 1, 60, workers)
    figures["contested"] = fight
    violations += fight["violations"]
    rows.append(
        Row(
            "contested 800 x 36, 60 s: >= 1.15x first-come-first-served",
            f"{fight['ratio_vs_fcfs']}x ({fight['solver']} vs {fight['first_come_first_served']})",
            fight["ratio_vs_fcfs"] >= 1.15,
        )
    )
    rows.append(
        Row(
            "contested 800 x 36, 60 s: >= 1.10x the better greedy",
            f"{fight['ratio_vs_better_greedy']}x (most-constrained-first {fight['most_constrained_first']})",
            fight["ratio_vs_better_greedy"] >= 1.10,
        )
    )
    rows.append(Row("hard-rule violations in every run (independent checker)", str(violations), violations == 0))

    figures["kept_500"] = kept_500
    figures["kept_1500"] = kept_1500
    if as_json:
        json.dump({"rows": [r.__dict__ for r in rows], "figures": figures}, sys.stdout, indent=2)
        print()
    else:
        print_rows(rows)
    return 0


def print_rows(rows: list[Row]) -> None:
    width = max(len(r.target) for r in rows)
    measured = max(len(r.measured) for r in rows)
    print(f"| {'target':<{width}} | {'measured':<{measured}} | met |")
    print(f"|{'-' * (width + 2)}|{'-' * (measured + 2)}|-----|")
    for r in rows:
        met = "n/a" if r.met is None else "yes" if r.met else "NO"
        print(f"| {r.target:<{width}} | {r.measured:<{measured}} | {met:<3} |")
