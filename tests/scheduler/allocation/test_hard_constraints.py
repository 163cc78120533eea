"""One test per hard rule: it holds in the solution, and it is the named reason when it leaves a request out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from scheduler.allocation import BusyTime, Change, ExistingPlacement, Requirement, Status, UnmetKind, check, solve

from .helpers import TERM, Frequency, Window, problem, request, room, solve_checked


def _unmet(result, request_id):
    return next(u for u in result.unmet if u.request_id == request_id)


def test_no_double_booking_in_a_room():
    p = problem([room(1)], [request(1, priority=3), request(2, priority=2)])
    result = solve_checked(p)
    assert [x.request_id for x in result.placements] == [1]
    unmet = _unmet(result, 2)
    assert unmet.kind is UnmetKind.BLOCKED
    assert [(b.request_id, b.via) for b in unmet.blockers] == [(1, "room")]
    assert "request 1" in unmet.message


def test_capacity():
    p = problem([room(1, capacity=8), room(2, capacity=30)], [request(1, size=25)])
    assert solve_checked(p).placements[0].room_id == 2
    result = solve_checked(problem([room(1, capacity=8, name="Booth")], [request(1, size=25)]))
    unmet = _unmet(result, 1)
    assert unmet.kind is UnmetKind.NO_ROOM
    assert [(r.room_id, r.requirement) for r in unmet.rejections] == [(1, Requirement.CAPACITY)]
    assert "too small" in unmet.message and "Booth" in unmet.message


def test_facilities():
    kitchen = frozenset({"kitchen"})
    p = problem([room(1), room(2, facilities=kitchen)], [request(1, facilities=kitchen)])
    assert solve_checked(p).placements[0].room_id == 2
    unmet = _unmet(solve_checked(problem([room(1)], [request(1, facilities=kitchen)])), 1)
    assert unmet.rejections[0].requirement is Requirement.FACILITIES
    assert "kitchen" in unmet.message


def test_step_free():
    p = problem([room(1, step_free=False), room(2)], [request(1, step_free=True)])
    assert solve_checked(p).placements[0].room_id == 2
    unmet = _unmet(solve_checked(problem([room(1, step_free=False)], [request(1, step_free=True)])), 1)
    assert unmet.rejections[0].requirement is Requirement.STEP_FREE


def test_opening_hours():
    # Open on Tuesday only until 11:00: a 10:00-12:00 session does not fit, a 60-minute one does.
    short_day = (Window(1, 540, 660),)
    placed = solve_checked(problem([room(1, opening=short_day)], [request(1, duration=60)]))
    assert (placed.placements[0].start, placed.placements[0].end) == (600, 660)
    unmet = _unmet(solve_checked(problem([room(1, opening=short_day)], [request(1)])), 1)
    assert unmet.rejections[0].requirement is Requirement.OPENING_HOURS


def test_allowed_windows():
    windows = (Window(3, 780, 900),)
    result = solve_checked(problem([room(1)], [request(1, windows=windows)]))
    assert (result.placements[0].weekday, result.placements[0].start) == (3, 780)
    # A 90-minute window cannot hold a 120-minute session in any room.
    unmet = _unmet(solve_checked(problem([room(1)], [request(1, windows=(Window(3, 780, 870),))])), 1)
    assert unmet.kind is UnmetKind.NO_ROOM
    assert unmet.rejections[0].requirement is Requirement.OPENING_HOURS


def test_acceptable_hubs():
    rooms = [room(1, hub="Wanstead Hub"), room(2, hub="Hainault Hub")]
    result = solve_checked(problem(rooms, [request(1, acceptable_hubs=frozenset({"Hainault Hub"}))]))
    assert result.placements[0].room_id == 2
    unmet = _unmet(solve_checked(problem(rooms[:1], [request(1, acceptable_hubs=frozenset({"Hainault Hub"}))])), 1)
    assert unmet.rejections[0].requirement is Requirement.HUB
    assert "Hainault Hub" in unmet.message


def test_shared_person_never_in_two_places():
    coach = frozenset({"DWP work coach"})
    ilford, seven_kings = frozenset({"Ilford Civic Hub"}), frozenset({"Seven Kings Hub"})
    p = problem(
        [room(1), room(2, hub="Seven Kings Hub")],
        [
            request(1, shared=coach, acceptable_hubs=ilford, priority=4),
            request(2, shared=coach, acceptable_hubs=seven_kings),
        ],
    )
    result = solve_checked(p)
    assert len(result.placements) == 1
    unmet = result.unmet[0]
    assert unmet.kind is UnmetKind.BLOCKED
    assert [(b.request_id, b.via) for b in unmet.blockers] == [(1, "DWP work coach")]
    # Without the shared person both fit, one in each room.
    assert len(solve_checked(problem([room(1), room(2)], [request(1), request(2)])).placements) == 2


def test_pinned_placement_kept_exactly():
    wide = (Window(1, 540, 1020),)
    pin = ExistingPlacement(1, 2, 1, 14 * 60, pinned=True)
    p = problem(
        [room(1), room(2)],
        [request(1, windows=wide, preferred_hubs=frozenset({"Elsewhere"})), request(2, windows=wide)],
        [pin],
    )
    result = solve_checked(p)
    placement = result.placement_for(1)
    assert placement is not None
    assert (placement.room_id, placement.weekday, placement.start, placement.change) == (2, 1, 840, Change.PINNED)


def test_pinned_clash_is_infeasible_with_reason():
    pins = [ExistingPlacement(1, 1, 1, 600, pinned=True), ExistingPlacement(2, 1, 1, 660, pinned=True)]
    later = (Window(1, 600, 840),)
    result = solve(problem([room(1)], [request(1), request(2, windows=later)], pins), time_limit=5)
    assert result.status is Status.INFEASIBLE
    assert result.placements == ()
    assert any("both pinned" in m for m in result.messages)
    assert all(u.kind is UnmetKind.PIN_CONFLICT for u in result.unmet)


def test_pinned_outside_its_windows_is_infeasible_with_reason():
    pins = [ExistingPlacement(1, 1, 3, 600, pinned=True)]
    result = solve(problem([room(1)], [request(1)], pins), time_limit=5)
    assert result.status is Status.INFEASIBLE
    assert any("outside its allowed windows" in m for m in result.messages)


def test_closed_on_every_date_is_a_named_reason():
    every_day = frozenset(TERM.first_day + timedelta(days=d) for d in range(90))
    unmet = _unmet(solve_checked(problem([room(1, closed_dates=every_day)], [request(1)])), 1)
    assert unmet.rejections[0].requirement is Requirement.CLOSED


def test_fortnightly_requests_share_a_slot_on_alternate_weeks():
    fortnightly = {"frequency": Frequency.FORTNIGHTLY}
    result = solve_checked(problem([room(1)], [request(1, **fortnightly), request(2, **fortnightly)]))
    assert sorted(x.week_parity for x in result.placements) == [0, 1]
    # A weekly request meets every week, so it cannot share with either.
    mixed = solve_checked(problem([room(1)], [request(1, **fortnightly), request(2, priority=1)]))
    assert len(mixed.placements) == 1


def test_monthly_requests_clash_only_on_the_weeks_they_meet():
    monthly = {"frequency": Frequency.MONTHLY}
    first_and_third = [request(1, nth=1, **monthly), request(2, nth=3, **monthly)]
    assert len(solve_checked(problem([room(1)], first_and_third)).placements) == 2
    # The 4th and the last Tuesday coincide in months with four Tuesdays (February 2027).
    fourth_and_last = [request(1, nth=4, **monthly), request(2, nth=-1, **monthly)]
    assert len(solve_checked(problem([room(1)], fourth_and_last)).placements) == 1
    # ... and a monthly request clashes with a weekly one.
    assert len(solve_checked(problem([room(1)], [request(1, nth=2, **monthly), request(2)])).placements) == 1


# Bookings made outside the allocation (one-offs, hand-made series) on Tuesday 12 January 2027, week B.
TUE_12_JAN = date(2027, 1, 12)
FLU_CLINIC = BusyTime(TUE_12_JAN, 630, 660, "Flu clinic (NHS) Tue 12 Jan 10:30")


def test_bookings_outside_the_allocation_are_never_overlapped():
    result = solve_checked(problem([room(1, busy=(FLU_CLINIC,)), room(2)], [request(1, priority=5)]))
    assert result.placements[0].room_id == 2
    # The room is free on other dates, so a fortnightly request can meet there in the other week.
    fortnightly = solve_checked(problem([room(1, busy=(FLU_CLINIC,))], [request(1, frequency=Frequency.FORTNIGHTLY)]))
    assert [(p.room_id, p.week_parity) for p in fortnightly.placements] == [(1, 0)]
    # A booking on a date the room is closed takes nothing away: that session is lost anyway.
    closed = solve_checked(problem([room(1, busy=(FLU_CLINIC,), closed_dates=frozenset({TUE_12_JAN}))], [request(1)]))
    assert closed.placements[0].lost_dates == (TUE_12_JAN,)


def test_bookings_outside_the_allocation_are_a_named_reason():
    unmet = _unmet(solve_checked(problem([room(1, name="Main Hall", busy=(FLU_CLINIC,))], [request(1)])), 1)
    assert unmet.kind is UnmetKind.NO_ROOM
    assert [(r.room_id, r.requirement) for r in unmet.rejections] == [(1, Requirement.BUSY)]
    assert "Main Hall" in unmet.message and "Flu clinic (NHS) Tue 12 Jan 10:30" in unmet.message
    # Blocked on Tuesday by a placed request and on Wednesday by an outside booking: both are named.
    wednesday = BusyTime(date(2027, 1, 13), 600, 720, "Police surgery (Met) Wed 13 Jan 10:00")
    flexible = request(2, windows=(Window(1, 600, 720), Window(2, 600, 720)), priority=1)
    result = solve_checked(problem([room(1, busy=(wednesday,))], [request(1, priority=5), flexible]))
    unmet = _unmet(result, 2)
    assert unmet.kind is UnmetKind.BLOCKED
    assert "request 1" in unmet.message and "Police surgery (Met) Wed 13 Jan 10:00" in unmet.message


def test_shared_person_already_booked_elsewhere():
    coach = frozenset({"DWP work coach"})
    job_fair = BusyTime(date(2027, 1, 19), 540, 600 + 15, "Job fair (DWP) Tue 19 Jan 09:00")
    p = replace(problem([room(1), room(2)], [request(1, shared=coach)]), team_busy={"DWP work coach": (job_fair,)})
    result = solve_checked(p)
    unmet = _unmet(result, 1)
    assert unmet.kind is UnmetKind.NO_ROOM and {r.requirement for r in unmet.rejections} == {Requirement.BUSY}
    assert "'DWP work coach' booked elsewhere: Job fair (DWP) Tue 19 Jan 09:00" in unmet.message
    # A request that does not need the coach is not affected.
    assert len(solve_checked(replace(p, requests=(request(1),))).placements) == 1


def test_checker_flags_a_session_on_top_of_an_outside_booking():
    free = problem([room(1)], [request(1, shared=frozenset({"coach"}))])
    placements = solve_checked(free).placements
    busy_room = replace(free, rooms=(room(1, busy=(FLU_CLINIC,)),))
    assert any("already booked on 2027-01-12" in v for v in check(busy_room, placements))
    busy_coach = replace(free, team_busy={"coach": (FLU_CLINIC,)})
    assert any("shared 'coach' is already booked" in v for v in check(busy_coach, placements))


def test_pinned_on_top_of_an_outside_booking_is_infeasible_with_reason():
    pins = [ExistingPlacement(1, 1, 1, 600, pinned=True)]
    result = solve(problem([room(1, busy=(FLU_CLINIC,))], [request(1)], pins), time_limit=5)
    assert result.status is Status.INFEASIBLE
    assert any("Flu clinic" in m for m in result.messages)
