"""Small builders for hand-made allocation problems (pure: no Qt, no database)."""

from __future__ import annotations

from datetime import date

from scheduler.allocation import (
    ExistingPlacement,
    Frequency,
    Policy,
    Problem,
    Request,
    Result,
    Room,
    Term,
    Window,
    check,
    solve,
)

# Spring 2027 with half-term 15-19 Feb (illustrative).
TERM = Term(date(2027, 1, 4), date(2027, 3, 26), ((date(2027, 2, 15), date(2027, 2, 19)),))
WEEKDAYS_OPEN = tuple(Window(day, 9 * 60, 17 * 60) for day in range(5))
TUE_10_TO_12 = (Window(1, 600, 720),)


def room(room_id: int | str, hub: str = "Ilford Civic Hub", capacity: int = 20, **fields: object) -> Room:
    fields.setdefault("opening", WEEKDAYS_OPEN)
    return Room(id=room_id, hub=hub, capacity=capacity, **fields)  # type: ignore[arg-type]


def request(request_id: int | str, **fields: object) -> Request:
    fields.setdefault("size", 10)
    fields.setdefault("duration", 120)
    fields.setdefault("windows", TUE_10_TO_12)
    fields.setdefault("arrival", request_id if isinstance(request_id, int) else 0)
    return Request(id=request_id, **fields)  # type: ignore[arg-type]


def problem(
    rooms: list[Room], requests: list[Request], existing: list[ExistingPlacement] | None = None, **policy: object
) -> Problem:
    return Problem(TERM, tuple(rooms), tuple(requests), tuple(existing or ()), Policy(**policy))  # type: ignore[arg-type]


def solve_checked(p: Problem, time_limit: float = 10.0) -> Result:
    """Solve and assert the independent checker finds nothing wrong."""
    result = solve(p, time_limit=time_limit, num_workers=2)
    assert check(p, result.placements) == []
    placed = {x.request_id for x in result.placements}
    unmet = {u.request_id for u in result.unmet}
    assert placed.isdisjoint(unmet)
    assert placed | unmet == {r.id for r in p.requests}
    return result


__all__ = ["TERM", "TUE_10_TO_12", "Frequency", "Window", "problem", "request", "room", "solve_checked"]


def random_borough(requests: int, rooms: int, seed: int) -> Problem:
    """A larger random instance for run-control tests (independent of the benchmark's generator)."""
    import random

    rng = random.Random(seed)
    hubs = ["Ilford Civic Hub", "Seven Kings Hub", "Gants Hill Hub", "Hainault Hub", "Wanstead Hub", "Woodford Hub"]
    room_list = [
        Room(
            id=i,
            hub=hubs[i % 6],
            capacity=rng.choice((4, 12, 20, 40, 80)),
            facilities=frozenset(f for f in ("kitchen", "private", "av") if rng.random() < 0.3),
            opening=WEEKDAYS_OPEN,
        )
        for i in range(rooms)
    ]
    request_list = []
    for i in range(requests):
        day = rng.randrange(5)
        start = rng.choice((540, 600, 780, 840))
        request_list.append(
            Request(
                id=i,
                size=rng.choice((2, 8, 15, 30)),
                duration=rng.choice((60, 90, 120)),
                windows=(Window(day, start, start + 180), Window((day + 2) % 5, 540, 1020)),
                frequency=rng.choice(list(Frequency)),
                nth=rng.choice((1, 2, 3, 4, -1)),
                acceptable_hubs=frozenset(rng.sample(hubs, 3)),
                facilities=frozenset({"kitchen"}) if rng.random() < 0.1 else frozenset(),
                priority=rng.randint(1, 5),
                sector=rng.choice(("council", "partner", "resident")),
                organisation=f"org {rng.randrange(requests // 3 + 1)}",
                shared=frozenset({f"person {rng.randrange(5)}"}) if rng.random() < 0.1 else frozenset(),
                arrival=i,
            )
        )
    return Problem(TERM, tuple(room_list), tuple(request_list))
