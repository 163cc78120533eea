"""Explanations: blockers name who is in the way; what_would_it_take lists the fewest moves and drops."""

from __future__ import annotations

from scheduler.allocation import Change, ExistingPlacement, UnmetKind, what_would_it_take

from .helpers import Window, problem, request, room, solve_checked


def test_what_would_it_take_moves_a_flexible_request():
    # Request 1 may also meet on Wednesday; request 2 only on Tuesday. A pin keeps request 1 on Tuesday
    # in the solved term, so request 2 is unmet, and the answer is "move request 1 to Wednesday".
    flexible = request(1, windows=(Window(1, 600, 720), Window(2, 600, 720)))
    p = problem([room(1)], [flexible, request(2)])
    forced = problem([room(1)], [flexible, request(2)], [ExistingPlacement(1, 1, 1, 600, pinned=True)])
    result = solve_checked(forced)
    assert [u.request_id for u in result.unmet] == [2]
    answer = what_would_it_take(p, result, 2, time_limit=5)
    assert answer.possible
    assert [(m.request_id, m.change) for m in answer.moves] == [(1, Change.TIME)]
    assert answer.moves[0].after is not None and answer.moves[0].after.weekday == 2
    assert answer.drops == ()
    assert answer.placement is not None and answer.placement.weekday == 1
    assert "move request 1" in answer.message


def test_what_would_it_take_drops_when_nothing_can_move():
    p = problem([room(1)], [request(1, priority=5), request(2, priority=1)])
    result = solve_checked(p)
    assert [u.request_id for u in result.unmet] == [2]
    answer = what_would_it_take(p, result, 2, time_limit=5)
    assert answer.possible
    assert [d.request_id for d in answer.drops] == [1]
    assert "drop request 1" in answer.message


def test_what_would_it_take_impossible_even_alone():
    p = problem([room(1, capacity=5)], [request(1, size=30)])
    result = solve_checked(p)
    answer = what_would_it_take(p, result, 1, time_limit=5)
    assert not answer.possible
    assert answer.message.startswith("Impossible even alone")
    assert answer.rejections and "too small" in answer.message


def test_what_would_it_take_names_pinned_blockers():
    pin = ExistingPlacement(1, 1, 1, 600, pinned=True)
    p = problem([room(1)], [request(1), request(2)], [pin])
    result = solve_checked(p)
    answer = what_would_it_take(p, result, 2, time_limit=5)
    assert not answer.possible
    assert answer.pinned_blockers == (1,)


def test_blockers_count_the_room_times_each_request_takes():
    # Request 3 fits room 1 or room 2 at Tue 10:00; requests 1 and 2 hold them.
    p = problem([room(1), room(2)], [request(1, priority=5), request(2, priority=5), request(3, priority=1)])
    result = solve_checked(p)
    unmet = result.unmet[0]
    assert unmet.request_id == 3 and unmet.kind is UnmetKind.BLOCKED
    assert unmet.candidate_slots == 2
    assert sorted((b.request_id, b.slots) for b in unmet.blockers) == [(1, 1), (2, 1)]
