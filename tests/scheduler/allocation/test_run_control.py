"""Progress, cancel and time limits: the run always returns its best valid solution."""

from __future__ import annotations

import threading

from scheduler.allocation import Progress, Status, UnmetKind, check, greedy, solve
from scheduler.allocation.scoring import SCALE, stage1_value

from .helpers import random_borough


def test_cancel_is_honoured_and_returns_a_valid_solution():
    p = random_borough(200, 20, seed=7)
    stop = threading.Event()
    reports: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        reports.append(progress)
        stop.set()  # cancel as soon as the first solution is reported

    result = solve(p, time_limit=60, on_progress=on_progress, stop=stop, num_workers=2)
    # CANCELLED, not FEASIBLE or OPTIMAL: the stop ended the run, not the 60 s limit (no clock is read here).
    assert result.status is Status.CANCELLED
    assert reports
    assert check(p, result.placements) == []


def test_cancel_from_another_thread_while_searching():
    p = random_borough(400, 30, seed=8)
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    try:
        result = solve(p, time_limit=60, stop=stop, num_workers=2)
    finally:
        timer.cancel()
    assert result.status is Status.CANCELLED
    assert check(p, result.placements) == []


def test_stop_set_before_the_run():
    p = random_borough(30, 6, seed=9)
    stop = threading.Event()
    stop.set()
    result = solve(p, time_limit=60, stop=stop)
    assert result.status is Status.CANCELLED
    assert check(p, result.placements) == []


def test_time_limited_run_returns_best_valid_solution_with_explanations():
    p = random_borough(300, 20, seed=3)
    result = solve(p, time_limit=2.5, num_workers=2)
    # Whether or not the solver finished, the result is valid and at least as good as first-come-first-served.
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL, Status.UNKNOWN)
    assert check(p, result.placements) == []
    greedy_ids = [x.request_id for x in greedy(p)]
    assert result.objective >= stage1_value(p, greedy_ids) / SCALE
    assert result.objective <= result.best_bound + 1e-6
    # Every unmet request is explained, and none has a free slot left behind.
    assert {u.request_id for u in result.unmet} == {r.id for r in p.requests} - {
        x.request_id for x in result.placements
    }
    assert all(u.kind in (UnmetKind.BLOCKED, UnmetKind.NO_ROOM) for u in result.unmet)
    assert all(u.message for u in result.unmet)


def test_progress_reports_are_consistent():
    p = random_borough(60, 8, seed=4)
    reports: list[Progress] = []
    result = solve(p, time_limit=3, on_progress=reports.append)
    assert reports
    counts = [r.solutions_found for r in reports]
    assert counts == sorted(counts) and counts[-1] <= result.solutions_found
    stage1 = [r for r in reports if r.stage == 1]
    assert all(r.objective <= r.bound + 1e-6 for r in stage1)
    assert all(0 <= r.placed <= len(p.requests) for r in reports)
    assert [r.elapsed for r in reports] == sorted(r.elapsed for r in reports)
