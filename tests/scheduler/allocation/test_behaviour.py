"""Soft behaviour on hand-made instances: fairness, stability, preferences, closures, spread, greedy."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.allocation import Change, ExistingPlacement, Status, check, greedy, meeting_dates, weighted_placed
from scheduler.allocation.candidates import build_candidates
from scheduler.allocation.engine import existing_candidates
from scheduler.allocation.extract import extract
from scheduler.allocation.greedy import greedy_choice, improve_preferences, keep_where_possible, return_home
from scheduler.allocation.scoring import stage2_value

from .helpers import TERM, Frequency, Window, problem, random_borough, request, room, solve_checked

# What extract() needs besides the placements (the figures do not matter here).
RUN = {
    "status": Status.FEASIBLE,
    "best_bound": 0.0,
    "wall_time": 0.0,
    "time_to_first_solution": None,
    "solutions_found": 0,
}


def test_worst_off_sector_gets_a_share():
    # Two slots (rooms 1 and 2 at one time); council asks twice at priority 4, residents once at 3.
    requests = [
        request(1, sector="council", priority=4),
        request(2, sector="council", priority=4),
        request(3, sector="resident", priority=3),
    ]
    fair = solve_checked(problem([room(1), room(2)], requests))
    assert 3 in {x.request_id for x in fair.placements}
    unfair = solve_checked(problem([room(1), room(2)], requests, fairness_weight=0.0))
    assert {x.request_id for x in unfair.placements} == {1, 2}
    resident = next(s for s in fair.sectors if s.sector == "resident")
    assert resident.met_fraction == 1.0


def test_previous_placement_kept_over_preference():
    wide = (Window(1, 540, 1020),)
    previous = [ExistingPlacement(1, 1, 1, 600)]
    result = solve_checked(problem([room(1), room(2, hub="Woodford Hub")], [request(1, windows=wide)], previous))
    placement = result.placements[0]
    assert (placement.room_id, placement.start, placement.change) == (1, 600, Change.UNCHANGED)


def test_time_change_costs_more_than_room_change_and_hub_more_than_room():
    # Request 1 had room 1 at Tue 10:00; a pin now takes it. Room 3 (same hub) at 10:00 beats room 2
    # (another hub) at 10:00, which beats room 1 at another time.
    wide = (Window(1, 540, 1020),)
    rooms = [room(1), room(2, hub="Woodford Hub"), room(3)]
    requests = [request(1, windows=wide), request(2, windows=wide)]
    existing = [ExistingPlacement(1, 1, 1, 600), ExistingPlacement(2, 1, 1, 600, pinned=True)]
    placement = solve_checked(problem(rooms, requests, existing)).placement_for(1)
    assert placement is not None
    assert (placement.room_id, placement.start, placement.change) == (3, 600, Change.ROOM)
    # Without room 3: another hub at the same time rather than the same room at another time.
    placement = solve_checked(problem(rooms[:2], requests, existing)).placement_for(1)
    assert placement is not None
    assert (placement.room_id, placement.start, placement.change) == (2, 600, Change.HUB)


def test_preferred_hub_and_time():
    wide = (Window(1, 540, 1020),)
    req = request(
        1,
        windows=wide,
        preferred_hubs=frozenset({"Hainault Hub"}),
        preferred_times=(Window(1, 840, 1020),),
    )
    placement = solve_checked(problem([room(1), room(2, hub="Hainault Hub")], [req])).placements[0]
    assert placement.room_id == 2
    assert placement.start >= 840


def test_sessions_lost_to_closures_are_avoided():
    closed = frozenset({date(2027, 1, 5), date(2027, 1, 12)})  # two Tuesdays
    result = solve_checked(problem([room(1, closed_dates=closed), room(2)], [request(1)]))
    assert result.placements[0].room_id == 2
    only = solve_checked(problem([room(1, closed_dates=closed)], [request(1)]))
    assert only.placements[0].lost_dates == tuple(sorted(closed))
    assert set(closed).isdisjoint(only.placements[0].dates)


def test_fewer_hubs_per_organisation():
    # Request 2 can only go to Hainault; request 1 prefers Wanstead but may use either hub.
    both = (Window(1, 540, 1020),)
    rooms = [room(1, hub="Wanstead Hub"), room(2, hub="Hainault Hub")]
    requests = [
        request(1, windows=both, organisation="Citizens Advice", preferred_hubs=frozenset({"Wanstead Hub"})),
        request(2, windows=both, organisation="Citizens Advice", acceptable_hubs=frozenset({"Hainault Hub"})),
    ]
    together = solve_checked(problem(rooms, requests, organisation_hub_weight=10))
    assert {x.room_id for x in together.placements} == {2}
    apart = solve_checked(problem(rooms, requests, organisation_hub_weight=0))
    assert {x.room_id for x in apart.placements} == {1, 2}


def test_meeting_dates_honour_breaks_fortnights_and_last_weekday():
    fortnightly = request(1, frequency=Frequency.FORTNIGHTLY)
    week_a = meeting_dates(TERM, fortnightly, 1, 0)
    assert week_a[0] == date(2027, 1, 5) and date(2027, 2, 16) not in week_a  # half-term Tuesday skipped
    assert all((d - week_a[0]).days % 14 == 0 for d in week_a)
    last = meeting_dates(TERM, request(2, frequency=Frequency.MONTHLY, nth=-1), 1, None)
    assert last == (date(2027, 1, 26), date(2027, 2, 23))  # the last Tuesday of March is after the term
    in_breaks = meeting_dates(TERM, request(3, runs_in_breaks=True), 1, None)
    assert date(2027, 2, 16) in in_breaks


def test_solver_beats_greedy_when_arrival_order_misleads():
    # The flexible request arrives first and greedily takes the only slot the rigid one fits.
    flexible = request(1, windows=(Window(1, 600, 720), Window(2, 600, 720)), arrival=0)
    rigid = request(2, windows=(Window(1, 600, 720),), arrival=1)
    p = problem([room(1)], [flexible, rigid])
    assert [x.request_id for x in greedy(p)] == [1]
    result = solve_checked(p)
    assert result.status is Status.OPTIMAL
    assert weighted_placed(p, [x.request_id for x in result.placements]) == 6


def test_moves_back_to_last_terms_places_keep_the_same_requests_met_and_never_cost_more():
    """keep_where_possible and return_home (stage 2's start and the final polish) on a drifted solution."""
    p = random_borough(60, 6, seed=3)
    candidates = build_candidates(p)
    last_term = greedy_choice(p, candidates)
    previous = tuple(
        ExistingPlacement(c.request_id, c.room_id, c.weekday, c.start, c.week_parity)
        for c in (candidates.items[i] for i in last_term)
    )
    p = replace(p, existing=previous)
    homes = existing_candidates(p, candidates)
    # A solution that ignores last term: the same requests in reverse order of arrival.
    met = {candidates.items[i].request_id for i in last_term}
    drifted = greedy_choice(p, candidates, order=[r.id for r in reversed(p.requests) if r.id in met])
    for chosen in (keep_where_possible(p, candidates, drifted, homes), return_home(p, candidates, drifted, homes)):
        items = [candidates.items[i] for i in chosen]
        assert {c.request_id for c in items} == {candidates.items[i].request_id for i in drifted}
        assert check(p, extract(p, candidates, chosen, **RUN).placements) == []
        assert len(set(chosen) & set(homes)) > len(set(drifted) & set(homes))
    polished = return_home(p, candidates, drifted, homes)
    assert stage2_value(p, [candidates.items[i] for i in polished]) <= stage2_value(
        p, [candidates.items[i] for i in drifted]
    )


def test_improving_preferences_keeps_the_same_requests_met_and_leaves_fixed_places_alone():
    """improve_preferences (stage 2's start): valid, same requests met, penalty lower, fixed ones unmoved."""
    p = random_borough(60, 6, seed=3)
    candidates = build_candidates(p)
    start = greedy_choice(p, candidates)
    fixed = start[::3]
    improved = improve_preferences(p, candidates, start, fixed=fixed, seconds=60)
    items = [candidates.items[i] for i in improved]
    assert {c.request_id for c in items} == {candidates.items[i].request_id for i in start}
    assert check(p, extract(p, candidates, improved, **RUN).placements) == []
    assert set(fixed) <= set(improved)
    before = stage2_value(p, [candidates.items[i] for i in start])
    assert stage2_value(p, items) < before
    # Nothing is fixed: at least as good, and no single move to a free place lowers the penalty further.
    free = improve_preferences(p, candidates, start, seconds=60)
    assert stage2_value(p, [candidates.items[i] for i in free]) <= stage2_value(p, items)
    assert improve_preferences(p, candidates, free, seconds=60) == free
