"""Allocation benchmark (not part of the test suite).

Usage::

    python -m bench.allocation --requests 500 --rooms 48 --seed 1 --time-limit 10 [--json]
    python -m bench.allocation --contested --requests 800 --rooms 36 --time-limit 60
    python -m bench.allocation --suite [--quick] [--json]

``--suite`` runs every target of issue 14 and prints one table: target, measured, met. ``--contested``
generates an oversubscribed borough (most requests want the popular weekday mornings and evenings) and
compares the solver with first-come-first-served and most-constrained-first greedy.

Generates a seeded synthetic borough (6 hubs; halls, meeting rooms, interview booths, clinic and kitchen
spaces; 1-3 windows per request; sectors 30/30/40; 2% closed room-weeks; some shared people), then
reports: time to first solution, final status and gap to bound, priority-weighted requests placed versus
the greedy baseline; a second term (10% of requests with changed windows, 5% new requests, 2 rooms
closed) with how many previous placements of unchanged requests were kept; and the time to answer one
new request with everything else pinned. All figures are illustrative data, not Redbridge's.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from datetime import date, timedelta

from scheduler.allocation import (
    ExistingPlacement,
    Frequency,
    Policy,
    Problem,
    Progress,
    Request,
    Result,
    Room,
    Term,
    Window,
    check,
    greedy,
    most_constrained_first,
    solve,
    weighted_placed,
)
from scheduler.allocation.candidates import build_candidates
from scheduler.allocation.occupancy import Occupancy
from scheduler.allocation.scoring import fill_ratios, percentile

HUBS = (
    "Ilford Civic Hub",
    "Seven Kings Hub",
    "Gants Hill Hub",
    "Hainault Hub",
    "Wanstead Hub",
    "Woodford Hub",
)
# Neighbouring hubs, roughly by geography, so acceptable hubs form plausible clusters.
NEIGHBOURS = {
    "Ilford Civic Hub": ("Seven Kings Hub", "Gants Hill Hub"),
    "Seven Kings Hub": ("Ilford Civic Hub", "Hainault Hub"),
    "Gants Hill Hub": ("Ilford Civic Hub", "Wanstead Hub", "Woodford Hub"),
    "Hainault Hub": ("Seven Kings Hub", "Gants Hill Hub"),
    "Wanstead Hub": ("Gants Hill Hub", "Woodford Hub"),
    "Woodford Hub": ("Wanstead Hub", "Gants Hill Hub"),
}
SPRING = Term(date(2027, 1, 4), date(2027, 3, 26), ((date(2027, 2, 15), date(2027, 2, 19)),))
SUMMER = Term(date(2027, 4, 12), date(2027, 7, 16), ((date(2027, 5, 31), date(2027, 6, 4)),))

# (kind, share of rooms, capacity range, facility chances)
ROOM_TYPES = (
    ("hall", 0.15, (50, 120), {"kitchen": 0.4, "hearing_loop": 0.6, "av": 0.7}),
    ("meeting room", 0.35, (8, 24), {"av": 0.6, "hearing_loop": 0.3}),
    ("interview booth", 0.25, (2, 4), {"private": 1.0}),
    ("clinic room", 0.10, (4, 8), {"sink": 1.0, "private": 1.0}),
    ("kitchen space", 0.15, (12, 30), {"kitchen": 1.0, "sink": 1.0}),
)
# (kind, share of requests, size range, durations, facility needs with chances)
REQUEST_TYPES = (
    ("advice session", 0.40, (1, 4), (120, 180), {"private": 0.7}),
    ("group", 0.30, (6, 22), (90, 120), {"av": 0.2, "hearing_loop": 0.1}),
    ("lunch club", 0.13, (12, 35), (180,), {"kitchen": 1.0}),
    ("class", 0.12, (25, 70), (120,), {"hearing_loop": 0.3}),
    ("clinic", 0.05, (2, 6), (180,), {"sink": 1.0, "private": 1.0}),
)
SECTOR_SHARES = (("council", 0.3), ("partner", 0.3), ("resident", 0.4))
WINDOW_SHAPES = ((540, 750, 0.3), (570, 780, 0.15), (780, 1020, 0.3), (540, 1020, 0.1), (1020, 1200, 0.15))


def _pick(rng: random.Random, weighted: tuple) -> tuple:
    return rng.choices(weighted, weights=[item[1] for item in weighted])[0]


def _rooms(rng: random.Random, count: int, term: Term) -> tuple[Room, ...]:
    rooms = []
    saturday_hubs = {hub for hub in HUBS if rng.random() < 0.4}
    for number in range(count):
        # The civic hub gets about twice the rooms of the others.
        hub = HUBS[0] if number % 7 in (0, 6) else HUBS[1 + number % 7 % 5]
        kind, _share, (low, high), facilities = _pick(rng, ROOM_TYPES)
        opening = [Window(day, 540, 1020) for day in range(5)]
        if rng.random() < 0.5:
            opening = [Window(day, 540, 1200 if day in (1, 3) else 1020) for day in range(5)]
        if hub in saturday_hubs:
            opening.append(Window(5, 540, 780))
        closed = set()
        monday = term.first_day - timedelta(days=term.first_day.weekday())
        week = 0
        while monday + timedelta(days=7 * week) <= term.last_day:
            if rng.random() < 0.02:
                closed |= {monday + timedelta(days=7 * week + day) for day in range(7)}
            week += 1
        rooms.append(
            Room(
                id=number + 1,
                hub=hub,
                capacity=rng.randint(low, high),
                facilities=frozenset(f for f, chance in facilities.items() if rng.random() < chance),
                step_free=rng.random() < 0.85,
                opening=tuple(opening),
                closed_dates=frozenset(closed),
                name=f"{kind.title()} {number + 1}",
            )
        )
    return tuple(rooms)


def _windows(rng: random.Random, duration: int) -> tuple[Window, ...]:
    windows: set[Window] = set()
    for _ in range(rng.choice((1, 2, 2, 3))):
        day = 5 if rng.random() < 0.04 else rng.randrange(5)
        start, end, _share = _pick(rng, WINDOW_SHAPES)
        if day == 5:
            start, end = 540, 780
        end = max(end, start + duration)
        windows.add(Window(day, start, min(end, 1320)))
    return tuple(sorted(windows, key=lambda w: (w.weekday, w.start)))


def _request(rng: random.Random, number: int, people: list[str], organisations: dict[str, list[str]]) -> Request:
    kind, _share, (low, high), durations, needs = _pick(rng, REQUEST_TYPES)
    sector = _pick(rng, SECTOR_SHARES)[0]
    duration = rng.choice(durations)
    windows = _windows(rng, duration)
    home = rng.choice(HUBS)
    acceptable = {home, *rng.sample(NEIGHBOURS[home], rng.randint(0, 2))}
    frequency = rng.choices(list(Frequency), weights=(0.55, 0.25, 0.20))[0]
    preferred_times = ()
    if rng.random() < 0.3:
        w = windows[0]
        preferred_times = (Window(w.weekday, w.start, min(w.end, w.start + duration + 60)),)
    return Request(
        id=number,
        size=rng.randint(low, high),
        duration=duration,
        windows=windows,
        frequency=frequency,
        nth=rng.choice((1, 2, 3, 4, -1)),
        acceptable_hubs=frozenset(acceptable),
        preferred_hubs=frozenset({home}) if rng.random() < 0.7 else frozenset(),
        preferred_times=preferred_times,
        facilities=frozenset(f for f, chance in needs.items() if rng.random() < chance),
        step_free=rng.random() < 0.3,
        priority=rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 2, 1))[0],
        sector=sector,
        organisation=rng.choice(organisations[sector]),
        shared=frozenset({rng.choice(people)}) if rng.random() < 0.08 else frozenset(),
        arrival=number,
        title=f"{kind} {number}",
    )


def generate(requests: int, rooms: int, seed: int, term: Term = SPRING, grid: int = 30) -> Problem:
    """A seeded synthetic borough."""
    rng = random.Random(seed)
    people = [f"shared worker {i}" for i in range(max(3, requests // 40))]
    organisations = {
        "council": [f"council service {i}" for i in range(12)],
        "partner": [f"partner {i}" for i in range(15)],
        "resident": [f"resident group {i}" for i in range(max(10, requests // 4))],
    }
    request_list = [_request(rng, number + 1, people, organisations) for number in range(requests)]
    rng.shuffle(request_list)
    request_list = [replace(r, arrival=i) for i, r in enumerate(request_list)]
    return Problem(term, _rooms(rng, rooms, term), tuple(request_list), policy=Policy(grid=grid))


def second_term(problem: Problem, result: Result, seed: int) -> tuple[Problem, set[int]]:
    """Next term: 10% changed windows, 5% new requests, 2 rooms closed; returns it and the changed ids."""
    rng = random.Random(seed + 1000)
    requests = list(problem.requests)
    changed = set(rng.sample([r.id for r in requests], len(requests) // 10))
    requests = [replace(r, windows=_windows(rng, r.duration)) if r.id in changed else r for r in requests]
    people = sorted({p for r in requests for p in r.shared}) or ["shared worker 0"]
    organisations = {
        s: sorted({r.organisation for r in requests if r.sector == s}) or [f"{s} 0"]
        for s in ("council", "partner", "resident")
    }
    next_id = max(r.id for r in requests) + 1
    for offset in range(max(1, len(requests) // 20)):
        requests.append(replace(_request(rng, next_id + offset, people, organisations), arrival=len(requests)))
    closed_rooms = set(rng.sample([room.id for room in problem.rooms], 2))
    all_days = frozenset(
        SUMMER.first_day + timedelta(days=d) for d in range((SUMMER.last_day - SUMMER.first_day).days + 1)
    )
    rooms = tuple(
        replace(room, closed_dates=all_days if room.id in closed_rooms else _shift_closures(room, rng))
        for room in problem.rooms
    )
    previous = tuple(
        ExistingPlacement(p.request_id, p.room_id, p.weekday, p.start, p.week_parity, pinned=False)
        for p in result.placements
    )
    return Problem(SUMMER, rooms, tuple(requests), previous, problem.policy), changed


def _shift_closures(room: Room, rng: random.Random) -> frozenset[date]:
    closed = set()
    monday = SUMMER.first_day - timedelta(days=SUMMER.first_day.weekday())
    for week in range(15):
        if rng.random() < 0.02:
            closed |= {monday + timedelta(days=7 * week + day) for day in range(7)}
    return frozenset(closed)


def _solve(problem: Problem, time_limit: float, workers: int) -> tuple[Result, list[Progress]]:
    progress: list[Progress] = []
    result = solve(problem, time_limit=time_limit, on_progress=progress.append, num_workers=workers)
    return result, progress


def _time_to_within(progress: list[Progress], bound: float, gap: float) -> float | None:
    for report in progress:
        if report.stage == 1 and bound > 0 and (bound - report.objective) / bound <= gap:
            return report.elapsed
    return None


def benchmark(requests: int, rooms: int, seed: int, time_limit: float, workers: int = 2, grid: int = 30) -> dict:
    problem = generate(requests, rooms, seed, grid=grid)
    report: dict = {"requests": requests, "rooms": rooms, "seed": seed, "time_limit": time_limit, "grid": grid}

    started = time.monotonic()
    baseline = greedy(problem)
    report["greedy_seconds"] = round(time.monotonic() - started, 3)
    greedy_weight = weighted_placed(problem, [p.request_id for p in baseline])

    result, progress = _solve(problem, time_limit, workers)
    violations = check(problem, result.placements)
    weight = weighted_placed(problem, [p.request_id for p in result.placements])
    report["first_term"] = {
        "status": str(result.status),
        "wall_time": round(result.wall_time, 2),
        "time_to_first_solution": round(result.time_to_first_solution or -1, 2),
        "time_to_within_3pct": _round(_time_to_within(progress, result.best_bound, 0.03)),
        "time_to_within_1pct": _round(_time_to_within(progress, result.best_bound, 0.01)),
        "objective": round(result.objective, 2),
        "best_bound": round(result.best_bound, 2),
        "bound_source": str(result.bound_source),
        "static_bound": round(result.static_bound, 2),
        "gap_pct": round(100 * result.gap, 2),
        "placed": len(result.placements),
        "unmet": len(result.unmet),
        "weighted_placed": weight,
        "greedy_weighted_placed": greedy_weight,
        "greedy_placed": len(baseline),
        "ratio_vs_greedy": round(weight / greedy_weight, 3) if greedy_weight else None,
        "sectors": {s.sector: round(s.met_fraction, 3) for s in result.sectors},
        "penalty": result.penalty,
        "violations": len(violations),
    }

    next_problem, changed = second_term(problem, result, seed)
    second, _ = _solve(next_problem, time_limit, workers)
    now = {p.request_id: p for p in second.placements}
    closed_rooms = {room.id for room in next_problem.rooms if len(room.closed_dates) > 60}
    eligible = [p for p in result.placements if p.request_id not in changed]
    kept = [
        p
        for p in eligible
        if (q := now.get(p.request_id)) is not None
        and (q.room_id, q.weekday, q.start, q.week_parity) == (p.room_id, p.weekday, p.start, p.week_parity)
    ]
    open_eligible = [p for p in eligible if p.room_id not in closed_rooms]
    report["second_term"] = {
        "status": str(second.status),
        "wall_time": round(second.wall_time, 2),
        "gap_pct": round(100 * second.gap, 2),
        "previous_unchanged": len(eligible),
        "kept": len(kept),
        "kept_pct": round(100 * len(kept) / len(eligible), 1) if eligible else None,
        "previous_unchanged_outside_closed_rooms": len(open_eligible),
        "kept_pct_outside_closed_rooms": round(100 * len(kept) / len(open_eligible), 1) if open_eligible else None,
        "violations": len(check(next_problem, second.placements)),
    }

    report["first_term"]["fill_ratio_median"] = _ratio(problem, result, 0.5)
    report["first_term"]["fill_ratio_p90"] = _ratio(problem, result, 0.9)
    report["one_new_request"] = one_new_request(problem, result, seed, time_limit, workers)
    report["one_new_request_after_one_move"] = one_new_request_after_one_move(problem, result, time_limit, workers)
    return report


def _ratio(problem: Problem, result: Result, share: float) -> float | None:
    """Attendance / capacity at a percentile: 0.5 is the median placement, 0.9 the 90th percentile."""
    value = percentile(fill_ratios(problem, [(p.request_id, p.room_id) for p in result.placements]), share)
    return None if value is None else round(value, 3)


def _pinned_rest(problem: Problem, result: Result, unpinned: object = None) -> tuple[ExistingPlacement, ...]:
    return tuple(
        ExistingPlacement(p.request_id, p.room_id, p.weekday, p.start, p.week_parity, pinned=p.request_id != unpinned)
        for p in result.placements
    )


def _occupancy(problem: Problem, result: Result) -> tuple[Occupancy, dict]:
    """Who sits where in ``result`` (candidates of the pinned problem), and each request's candidate."""
    pinned = Problem(problem.term, problem.rooms, problem.requests, _pinned_rest(problem, result), problem.policy)
    candidates = build_candidates(pinned, [problem.request(p.request_id) for p in result.placements])
    occupancy = Occupancy()
    at = {}
    for request_id, indices in candidates.by_request.items():
        for index in indices:
            occupancy.add(candidates.items[index], problem.request(request_id))
            at[request_id] = candidates.items[index]
    return occupancy, at


def one_new_request(problem: Problem, result: Result, seed: int, time_limit: float, workers: int) -> dict:
    """One new request with everything else pinned; the request is drawn until it has a free place."""
    occupancy, _at = _occupancy(problem, result)
    rng = random.Random(seed + 2000)
    people = sorted({p for r in problem.requests for p in r.shared}) or ["shared worker 0"]
    organisations = {s: [f"{s} new"] for s in ("council", "partner", "resident")}
    next_id = max(r.id for r in problem.requests) + 1
    draws = 0
    while draws < 500:
        draws += 1
        new = replace(_request(rng, next_id, people, organisations), arrival=10**6, shared=frozenset())
        own = build_candidates(problem, [new])
        if any(occupancy.is_free(c, new) for c in own.items):
            break
    else:
        return {"found": False}
    placed_ids = {p.request_id for p in result.placements}
    one_more = Problem(
        problem.term,
        problem.rooms,
        (*(r for r in problem.requests if r.id in placed_ids), new),
        _pinned_rest(problem, result),
        problem.policy,
    )
    started = time.monotonic()
    answer = solve(one_more, time_limit=time_limit, num_workers=workers)
    return {
        "found": True,
        "draws": draws,
        "seconds": round(time.monotonic() - started, 3),
        "status": str(answer.status),
        "placed": answer.placement_for(new.id) is not None,
        "violations": len(check(one_more, answer.placements)),
    }


def one_new_request_after_one_move(problem: Problem, result: Result, time_limit: float, workers: int) -> dict:
    """A new request that fits only where one placed session sits, which can move elsewhere; everything
    else pinned. The solver must move that one session to let the new request in."""
    occupancy, at = _occupancy(problem, result)
    next_id = max(r.id for r in problem.requests) + 1
    for placement in sorted(result.placements, key=lambda p: str(p.request_id)):
        mover = problem.request(placement.request_id)
        here = at.get(mover.id)
        if here is None or mover.shared:
            continue
        new = replace(
            mover,
            id=next_id,
            windows=(Window(placement.weekday, placement.start, placement.end),),
            acceptable_hubs=frozenset({problem.room(placement.room_id).hub}),
            preferred_hubs=frozenset(),
            preferred_times=(),
            priority=5,
            arrival=10**6,
            organisation="newcomer",
            title="new request",
        )
        occupancy.remove(here, mover)
        try:
            own = build_candidates(problem, [new]).items
            free = [c for c in own if occupancy.is_free(c, new)]
            only_there = bool(free) and all(c.room_id == here.room_id and c.clashes_in_time(here) for c in free)
            if not only_there:
                continue
            moves = build_candidates(problem, [mover]).items
            elsewhere = [
                m
                for m in moves
                if occupancy.is_free(m, mover)
                and any(not (m.room_id == c.room_id and m.clashes_in_time(c)) for c in free)
            ]
            if not elsewhere:
                continue
        finally:
            occupancy.add(here, mover)
        placed_ids = {p.request_id for p in result.placements}
        one_more = Problem(
            problem.term,
            problem.rooms,
            (*(r for r in problem.requests if r.id in placed_ids), new),
            _pinned_rest(problem, result, unpinned=mover.id),
            problem.policy,
        )
        started = time.monotonic()
        answer = solve(one_more, time_limit=time_limit, num_workers=workers)
        moved = answer.placement_for(mover.id)
        return {
            "found": True,
            "seconds": round(time.monotonic() - started, 3),
            "status": str(answer.status),
            "placed": answer.placement_for(new.id) is not None,
            "moved_placed": moved is not None,
            "reason": moved.reason if moved is not None else "",
            "violations": len(check(one_more, answer.placements)),
        }
    return {"found": False}


def generate_contested(requests: int, rooms: int, seed: int, popular: float = 0.75) -> Problem:
    """An oversubscribed borough: rooms open 09:00-21:00 on weekdays, and ``popular`` of the requests
    only accept weekday mornings (09:30-12:30) or evenings (18:00-21:00), as in real hubs."""
    base = generate(requests, rooms, seed)
    rng = random.Random(seed + 5000)
    weekdays = tuple(Window(day, 540, 1260) for day in range(5))
    room_list = tuple(replace(room, opening=weekdays) for room in base.rooms)
    request_list = []
    for request in base.requests:
        if rng.random() < popular:
            shapes = rng.sample(((570, 750), (1080, 1260)), rng.choice((1, 1, 2)))
            days = rng.sample(range(5), rng.choice((1, 2)))
            windows = tuple(
                sorted(
                    {Window(day, start, max(end, start + request.duration)) for day in days for start, end in shapes},
                    key=lambda w: (w.weekday, w.start),
                )
            )
            request = replace(request, windows=tuple(w for w in windows if w.end <= 1260) or request.windows)
            if request.preferred_times:
                request = replace(request, preferred_times=())
        request_list.append(request)
    return Problem(base.term, room_list, tuple(request_list), policy=base.policy)


def contested(requests: int, rooms: int, seed: int, time_limit: float, workers: int = 2) -> dict:
    problem = generate_contested(requests, rooms, seed)
    fcfs = weighted_placed(problem, [p.request_id for p in greedy(problem)])
    tight = weighted_placed(problem, [p.request_id for p in most_constrained_first(problem)])
    result, _ = _solve(problem, time_limit, workers)
    weight = weighted_placed(problem, [p.request_id for p in result.placements])
    demand = sum(r.priority for r in problem.requests)
    return {
        "requests": requests,
        "rooms": rooms,
        "seed": seed,
        "time_limit": time_limit,
        "status": str(result.status),
        "wall_time": round(result.wall_time, 2),
        "demand": demand,
        "solver": weight,
        "first_come_first_served": fcfs,
        "most_constrained_first": tight,
        "ratio_vs_fcfs": round(weight / fcfs, 3) if fcfs else None,
        "ratio_vs_better_greedy": round(weight / max(fcfs, tight), 3) if max(fcfs, tight) else None,
        "gap_pct": round(100 * result.gap, 2),
        "bound_source": str(result.bound_source),
        "violations": len(check(problem, result.placements)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _print_table(report: dict) -> None:
    first, second = report["first_term"], report["second_term"]
    one, moved = report["one_new_request"], report["one_new_request_after_one_move"]
    rows = [
        ("instance", f"{report['requests']} requests x {report['rooms']} rooms, seed {report['seed']}"),
        ("time limit (s), grid (min)", f"{report['time_limit']}, {report['grid']}"),
        ("status", first["status"]),
        ("wall time (s)", first["wall_time"]),
        ("time to first solution (s)", first["time_to_first_solution"]),
        (
            "time to within 3% / 1% of final bound (s)",
            f"{first['time_to_within_3pct']} / {first['time_to_within_1pct']}",
        ),
        ("met demand / best possible", f"{first['objective']} / {first['best_bound']} ({first['bound_source']})"),
        ("how far from the best possible", f"at most {first['gap_pct']}%"),
        ("placed / unmet", f"{first['placed']} / {first['unmet']}"),
        (
            "priority-weighted placed: solver / greedy",
            f"{first['weighted_placed']} / {first['greedy_weighted_placed']}",
        ),
        ("ratio vs greedy", first["ratio_vs_greedy"]),
        ("attendance / capacity: median, 90th percentile", f"{first['fill_ratio_median']}, {first['fill_ratio_p90']}"),
        ("sector met fraction", ", ".join(f"{k} {v}" for k, v in first["sectors"].items())),
        ("hard-rule violations (independent check)", first["violations"]),
        ("second term: status, gap", f"{second['status']}, {second['gap_pct']}%"),
        (
            "second term: kept of unchanged previous",
            f"{second['kept']} / {second['previous_unchanged']} ({second['kept_pct']}%)",
        ),
        ("  ... excluding the 2 closed rooms", f"{second['kept_pct_outside_closed_rooms']}%"),
        ("one new request, rest pinned (s)", _one_text(one)),
        ("one new request after moving one session (s)", _one_text(moved)),
    ]
    _print_rows(rows)


def _one_text(one: dict) -> str:
    if not one.get("found"):
        return "no such request found"
    return f"{one['seconds']} ({one['status']}, placed: {one['placed']})"


def _print_rows(rows: list[tuple[str, object]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=None, help="default 500 (800 with --contested)")
    parser.add_argument("--rooms", type=int, default=None, help="default 48 (36 with --contested)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (default 10; 60 with --contested)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--grid", type=int, default=30, help="time grid in minutes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--contested", action="store_true", help="oversubscribed mornings and evenings")
    parser.add_argument("--suite", action="store_true", help="run every target and print target, measured, met")
    parser.add_argument("--quick", action="store_true", help="with --suite: one seed and one run per target")
    args = parser.parse_args(argv)
    if args.suite:
        from bench.allocation_suite import run_suite

        return run_suite(quick=args.quick, as_json=args.json, workers=args.workers)
    if args.contested:
        report = contested(args.requests or 800, args.rooms or 36, args.seed, args.time_limit or 60.0, args.workers)
        if args.json:
            json.dump(report, sys.stdout, indent=2)
            print()
        else:
            _print_rows(list(report.items()))
        return 0
    report = benchmark(
        args.requests or 500, args.rooms or 48, args.seed, args.time_limit or 10.0, args.workers, args.grid
    )
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
