"""Property test: on random small instances every solution passes the independent checker.

The checker (``scheduler.allocation.check``) walks the term day by day and compares clock minutes; it
shares no code with the candidate filter, the date arithmetic or the model. Rooms and shared people carry
random bookings made outside the allocation, which no session may overlap.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.allocation import (
    BusyTime,
    ExistingPlacement,
    Frequency,
    Policy,
    Problem,
    Request,
    Room,
    Status,
    Window,
    check,
    greedy,
    solve,
)
from scheduler.allocation.scoring import SCALE, stage1_value

from .helpers import TERM

HUBS = ("A", "B")
FACILITIES = ("kitchen", "private")


@st.composite
def windows(draw: st.DrawFn, count: int) -> tuple[Window, ...]:
    found = []
    for _ in range(count):
        day = draw(st.integers(0, 2))
        start = draw(st.sampled_from((540, 555, 600, 630, 780)))
        length = draw(st.sampled_from((60, 90, 120, 180, 240)))
        found.append(Window(day, start, min(start + length, 1200)))
    return tuple(found)


@st.composite
def busy_times(draw: st.DrawFn) -> tuple[BusyTime, ...]:
    """Bookings made outside the allocation, on term dates (mostly the Mon-Wed the windows use)."""
    found = []
    for _ in range(draw(st.integers(0, 3))):
        day = TERM.first_day + timedelta(days=draw(st.integers(0, 70)))
        start = draw(st.sampled_from((540, 570, 600, 615, 660, 780)))
        length = draw(st.sampled_from((15, 30, 60, 120)))
        found.append(BusyTime(day, start, start + length, f"booking {day} {start}"))
    return tuple(found)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    term_days = list(range(0, 60, 7))
    rooms = tuple(
        Room(
            id=i,
            hub=draw(st.sampled_from(HUBS)),
            capacity=draw(st.sampled_from((4, 10, 30))),
            facilities=frozenset(draw(st.sets(st.sampled_from(FACILITIES)))),
            step_free=draw(st.booleans()),
            opening=draw(windows(draw(st.integers(1, 3)))),
            closed_dates=frozenset(
                TERM.first_day + timedelta(days=d + draw(st.integers(0, 2)))
                for d in draw(st.sets(st.sampled_from(term_days), max_size=2))
            ),
            busy=draw(busy_times()),
        )
        for i in range(draw(st.integers(1, 3)))
    )
    requests = tuple(
        Request(
            id=i,
            size=draw(st.sampled_from((2, 8, 20))),
            duration=draw(st.sampled_from((45, 60, 90, 120))),
            windows=draw(windows(draw(st.integers(1, 2)))),
            frequency=draw(st.sampled_from(list(Frequency))),
            nth=draw(st.sampled_from((1, 2, 3, 4, -1))),
            acceptable_hubs=frozenset(draw(st.sets(st.sampled_from(HUBS)))),
            facilities=frozenset(draw(st.sets(st.sampled_from(FACILITIES), max_size=1))),
            step_free=draw(st.booleans()),
            priority=draw(st.integers(1, 5)),
            sector=draw(st.sampled_from(("council", "partner", "resident"))),
            organisation=draw(st.sampled_from(("x", "y", "z"))),
            shared=frozenset(draw(st.sets(st.sampled_from(("coach", "organiser")), max_size=1))),
            arrival=i,
            runs_in_breaks=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 7)))
    )
    # Previous placements (sometimes pinned) taken from a greedy run keep pins mutually consistent.
    team_busy = {person: draw(busy_times()) for person in ("coach", "organiser")}
    base = Problem(TERM, rooms, requests, policy=Policy(grid=draw(st.sampled_from((15, 30)))), team_busy=team_busy)
    existing = tuple(
        ExistingPlacement(p.request_id, p.room_id, p.weekday, p.start, p.week_parity, pinned=draw(st.booleans()))
        for p in greedy(base)
        if draw(st.booleans())
    )
    return Problem(TERM, rooms, requests, existing, base.policy, team_busy)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_solution_passes_the_independent_checker(problem: Problem) -> None:
    result = solve(problem, time_limit=5, num_workers=2)
    assert result.status is Status.OPTIMAL
    assert check(problem, result.placements) == []
    placed = {p.request_id for p in result.placements}
    assert placed | {u.request_id for u in result.unmet} == {r.id for r in problem.requests}
    assert all(u.message for u in result.unmet)
    # Optimal stage 1 is never worse than first-come-first-served.
    baseline = greedy(problem)
    assert check(problem, baseline) == []
    assert result.objective >= stage1_value(problem, [p.request_id for p in baseline]) / SCALE - 1e-9
