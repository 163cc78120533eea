"""Allocation benchmark (not part of the test suite).

Usage::

    python -m bench.allocation --requests 500 --rooms 48 --seed 1 --time-limit 10 [--json]

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
    solve,
    weighted_placed,
)

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

    # One new request with everything else pinned.
    pins = tuple(
        ExistingPlacement(p.request_id, p.room_id, p.weekday, p.start, p.week_parity, pinned=True)
        for p in result.placements
    )
    rng = random.Random(seed + 2000)
    people = sorted({p for r in problem.requests for p in r.shared}) or ["shared worker 0"]
    organisations = {s: [f"{s} new"] for s in ("council", "partner", "resident")}
    new = replace(_request(rng, max(r.id for r in problem.requests) + 1, people, organisations), arrival=10**6)
    placed_ids = {p.request_id for p in result.placements}
    one_more = Problem(
        problem.term,
        problem.rooms,
        (*(r for r in problem.requests if r.id in placed_ids), new),
        pins,
        problem.policy,
    )
    started = time.monotonic()
    answer = solve(one_more, time_limit=time_limit, num_workers=workers)
    report["one_new_request"] = {
        "seconds": round(time.monotonic() - started, 3),
        "status": str(answer.status),
        "placed": answer.placement_for(new.id) is not None,
        "violations": len(check(one_more, answer.placements)),
    }
    return report


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _print_table(report: dict) -> None:
    first, second, one = report["first_term"], report["second_term"], report["one_new_request"]
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
        ("objective / bound", f"{first['objective']} / {first['best_bound']}"),
        ("gap to bound", f"{first['gap_pct']}%"),
        ("placed / unmet", f"{first['placed']} / {first['unmet']}"),
        (
            "priority-weighted placed: solver / greedy",
            f"{first['weighted_placed']} / {first['greedy_weighted_placed']}",
        ),
        ("ratio vs greedy", first["ratio_vs_greedy"]),
        ("sector met fraction", ", ".join(f"{k} {v}" for k, v in first["sectors"].items())),
        ("hard-rule violations (independent check)", first["violations"]),
        ("second term: status, gap", f"{second['status']}, {second['gap_pct']}%"),
        (
            "second term: kept of unchanged previous",
            f"{second['kept']} / {second['previous_unchanged']} ({second['kept_pct']}%)",
        ),
        ("  ... excluding the 2 closed rooms", f"{second['kept_pct_outside_closed_rooms']}%"),
        ("one new request, rest pinned (s)", f"{one['seconds']} ({one['status']}, placed: {one['placed']})"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rooms", type=int, default=48)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--grid", type=int, default=30, help="time grid in minutes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = benchmark(args.requests, args.rooms, args.seed, args.time_limit, args.workers, args.grid)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
