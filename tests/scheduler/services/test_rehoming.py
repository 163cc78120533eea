"""Re-homing on a generated borough: a two-week whole-hub closure re-homes every session that has a home.

The result is verified three ways, none of them the code under test: the independent allocation checker
(`scheduler.allocation.check`) over every day of the closure; a brute-force search written here that finds
no free home left for any session that stays cancelled; and every cancelled session's reason naming the
rule in the way. Also: undo / redo as one step, a new reason keeps the plan, remove restores, a partial-day
closure displaces only what it overlaps.
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import (
    Closure,
    Facility,
    Hub,
    Occurrence,
    OpeningHours,
    Organisation,
    Request,
    RequestHub,
    RequestWindow,
    Room,
    Series,
    Team,
    Term,
)
from models.types import ClosureScope, Frequency, OccurrenceStatus, Sector, Visibility
from scheduler import allocation as alloc
from scheduler.bootstrap import bootstrap
from scheduler.errors import BookingRefused, StaleEdit
from scheduler.recurrence import to_local
from scheduler.services.booking import NewBooking
from scheduler.services.closures import ClosureDraft, accept_hub

NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
FIRST, LAST = date(2027, 2, 1), date(2027, 2, 12)
PHRASES = {  # what each blocking rule's sentence says
    "closed": "closure",
    "room-clash": "already booked",
    "team-clash": "already at",
    "capacity": "holds",
    "facilities": "has no",
    "step-free": "step-free",
    "opening-hours": "outside",
    "accepted-hubs": "accepts only",
}


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def generated_borough(sessions: sessionmaker[Session], seed: int) -> int:
    """Five hubs, a few rooms each, busy weekly series; returns the id of the hub that will close."""
    rng = random.Random(seed)
    with sessions.begin() as s:
        facilities = {k: Facility(key=k, name=k.title()) for k in ("hall", "kitchen", "private_room")}
        term = Term(name="Spring 2027", first_day=date(2027, 1, 4), last_day=date(2027, 3, 26))
        orgs = [Organisation(name=f"Group {n}", sector=Sector.RESIDENT) for n in range(6)]
        team = Team(name="Outreach worker")
        hubs = []
        for n in range(5):
            hub = Hub(name=f"Hub {n}", latitude=51.55 + 0.01 * n, longitude=0.05 + 0.01 * rng.random())
            for day in range(5):
                hub.opening_hours.append(OpeningHours(weekday=day, opens=time(9), closes=time(17)))
            for r in range(rng.randint(2, 4)):
                kinds = [f for f in facilities.values() if rng.random() < 0.4]
                hub.rooms.append(Room(name=f"Room {n}.{r}", capacity=rng.choice([4, 10, 20, 40]), facilities=kinds))
            hubs.append(hub)
        s.add_all([*hubs, *orgs, team, term])
        s.flush()
        ids = {"term": term.id, "team": team.id, "orgs": [o.id for o in orgs], "closing": hubs[0].id}
        rooms = [(room.id, room.hub_id, room.capacity) for hub in hubs for room in hub.rooms]
    services = bootstrap(sessions, "Test", clock=lambda: NOW)
    titles = 0
    for room_id, hub_id, capacity in rooms:
        busy = 6 if hub_id == ids["closing"] else 4
        for _ in range(busy):
            titles += 1
            first = FIRST + timedelta(days=rng.randrange(5))
            with contextlib.suppress(BookingRefused):  # taken by an earlier one: less busy there
                services.booking.book(
                    NewBooking(
                        room_id=room_id,
                        organisation_id=rng.choice(ids["orgs"]),
                        title=f"Session {titles}",
                        first_date=first - timedelta(days=7),
                        last_date=first + timedelta(days=14),
                        frequency=Frequency.WEEKLY,
                        start=time(rng.choice(range(9, 16))),
                        duration_min=rng.choice([60, 90, 120]),
                        attendance=rng.randint(1, capacity),
                        team_ids=(ids["team"],) if rng.random() < 0.1 else (),
                    )
                )
    # Half the closing hub's series come from a request: windows around their time, a second-choice hub.
    with sessions.begin() as s:
        closing = s.scalars(select(Series).join(Series.room).where(Room.hub_id == ids["closing"])).all()
        for series in closing[::2]:
            start = _minutes(series.start_local)
            request = Request(
                term_id=ids["term"],
                organisation_id=series.organisation_id,
                title=series.title,
                visibility=Visibility.PUBLIC,
                attendance=series.attendance,
                duration_min=series.duration_min,
                frequency=Frequency.WEEKLY,
                created_at=NOW,
            )
            low, high = max(9 * 60, start - 60), min(17 * 60, start + series.duration_min + 60)
            request.windows.append(
                RequestWindow(weekday=series.weekday, start=time(low // 60, low % 60), end=time(high // 60, high % 60))
            )
            request.hubs.append(RequestHub(hub_id=ids["closing"], preferred=True))
            others = s.scalars(select(Hub.id).where(Hub.id != ids["closing"]).order_by(Hub.id)).all()
            request.hubs.append(RequestHub(hub_id=rng.choice(others)))
            s.add(request)
            s.flush()
            series.request_id = request.id
    return ids["closing"]


def _accepts(occurrence: Occurrence, room: Room) -> bool:
    request = occurrence.series.request
    return request is None or not request.hubs or room.hub_id in {h.hub_id for h in request.hubs}


def _needs(occurrence: Occurrence) -> tuple[set[str], list[tuple[int, int, int]]]:
    """(facilities, [(weekday, low, high)]) as a manager reads the request (or the room it had)."""
    series = occurrence.series
    start = to_local(occurrence.start_utc)
    if series.request is not None:
        facilities = {f.key for f in series.request.facilities}
        windows = [(w.weekday, _minutes(w.start), _minutes(w.end)) for w in series.request.windows]
    else:
        facilities = {f.key for f in occurrence.room.facilities}
        windows = [(d, _minutes(start.time()), _minutes(start.time()) + series.duration_min) for d in range(7)]
    return facilities, windows


def free_homes(s: Session, occurrence: Occurrence, closed_hub: int) -> list[str]:
    """Brute force, independent of the search: every free room-time for a cancelled session that week."""
    series = occurrence.series
    day = to_local(occurrence.start_utc).date()
    monday = day - timedelta(days=day.weekday())
    facilities, windows = _needs(occurrence)
    live = s.scalars(select(Occurrence).where(Occurrence.status != OccurrenceStatus.CANCELLED)).all()
    team_ids = {t.id for t in series.teams}
    homes = []
    for room in s.scalars(select(Room)):
        if room.hub_id == closed_hub or not room.bookable or room.capacity < series.attendance:
            continue
        if not facilities <= {f.key for f in room.facilities} or not _accepts(occurrence, room):
            continue
        for weekday, low, high in windows:
            other = monday + timedelta(days=weekday)
            hours = [(_minutes(h.opens), _minutes(h.closes)) for h in room.hub.opening_hours if h.weekday == weekday]
            for start in range(low, high - series.duration_min + 1, 15):
                end = start + series.duration_min
                if not any(o <= start and end <= c for o, c in hours):
                    continue
                taken = False
                for o in live:
                    local_start, local_end = to_local(o.start_utc), to_local(o.end_utc)
                    if local_start.date() != other:
                        continue
                    overlap = _minutes(local_start.time()) < end and start < _minutes(local_end.time())
                    if overlap and (o.room_id == room.id or team_ids & {t.id for t in o.series.teams}):
                        taken = True
                        break
                if not taken:
                    homes.append(f"{room.name} {other} {start}")
    return homes


def checker_problems(s: Session, closed_hub: int) -> list[str]:
    """The independent allocation checker over every day of the closure, everything live as placed."""
    found = []
    rooms = {
        r.id: alloc.Room(
            id=r.id,
            hub=r.hub.name,
            capacity=r.capacity,
            facilities=frozenset(f.key for f in r.facilities),
            step_free=r.step_free,
            opening=tuple(alloc.Window(h.weekday, _minutes(h.opens), _minutes(h.closes)) for h in r.hub.opening_hours),
            name=r.name,
        )
        for r in s.scalars(select(Room))
    }
    day = FIRST
    while day <= LAST:
        requests, placements = [], []
        for o in s.scalars(select(Occurrence).where(Occurrence.status != OccurrenceStatus.CANCELLED)):
            start, end = to_local(o.start_utc), to_local(o.end_utc)
            if start.date() != day:
                continue
            assert o.room.hub_id != closed_hub, f"{o.series.title} still meets in the closed hub on {day}"
            facilities, _ = _needs(o) if o.series.request is not None else (set(), None)
            hubs = frozenset(h.hub.name for h in o.series.request.hubs) if o.series.request is not None else frozenset()
            first, last = _minutes(start.time()), _minutes(end.time())
            requests.append(
                alloc.Request(
                    id=o.id,
                    size=o.series.attendance,
                    duration=last - first,
                    windows=(alloc.Window(day.weekday(), first, last),),
                    acceptable_hubs=hubs,
                    facilities=frozenset(facilities),
                    shared=frozenset(t.name for t in o.series.teams),
                    title=o.series.title,
                )
            )
            placements.append(alloc.Placement(o.id, o.room_id, day.weekday(), first, last, dates=(day,)))
        problem = alloc.Problem(term=alloc.Term(day, day), rooms=tuple(rooms.values()), requests=tuple(requests))
        found += alloc.check(problem, placements)
        day += timedelta(days=1)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 11])
def test_a_two_week_hub_closure_rehomes_every_session_that_has_a_home(sessions, seed) -> None:
    closed_hub = generated_borough(sessions, seed)
    services = bootstrap(sessions, "Test", clock=lambda: NOW)
    draft = ClosureDraft(ClosureScope.HUB, FIRST, LAST, "Refurbishment", hub_id=closed_hub)
    plan = services.closures.plan_rehoming(draft)
    assert len(plan) >= 10, "the generated hub is busy"
    assert any(r.found for r in plan) and any(r.found and r.chosen.kind != "same-hub" for r in plan)
    for r in plan:
        if not r.found:
            assert r.reason and r.blocking, r
            assert all(PHRASES[rule] in r.reason for rule in r.blocking), (r.reason, r.blocking)
    added = services.closures.add(draft, plan)
    assert (added.moved, added.cancelled) == (sum(r.found for r in plan), sum(not r.found for r in plan))
    with sessions() as s:
        assert checker_problems(s, closed_hub) == []
        for r in plan:
            if not r.found:
                occurrence = s.get(Occurrence, r.occurrence_id)
                assert occurrence.status is OccurrenceStatus.CANCELLED
                assert free_homes(s, occurrence, closed_hub) == [], f"{r.title} had a home: {r.reason}"


@pytest.fixture
def demo_like(sessions):
    """The small borough with Hainault's hall used on two Wednesdays by a lunch club that accepts only Hainault."""
    from tests.builders import make_borough

    b = make_borough(sessions)
    services = bootstrap(sessions, "Test", clock=lambda: NOW)
    booked = services.booking.book(
        NewBooking(
            room_id=b.hainault_hall_id,
            organisation_id=b.pantry_id,
            title="Lunch club",
            first_date=date(2027, 2, 3),
            last_date=date(2027, 2, 10),
            frequency=Frequency.WEEKLY,
            start=time(11, 30),
            duration_min=180,
            attendance=35,
        )
    )
    with sessions.begin() as s:
        request = Request(
            term_id=b.term_id,
            organisation_id=b.pantry_id,
            title="Lunch club",
            visibility=Visibility.PUBLIC,
            attendance=35,
            duration_min=180,
            frequency=Frequency.WEEKLY,
            created_at=NOW,
        )
        request.windows.append(RequestWindow(weekday=2, start=time(11, 30), end=time(14, 30)))
        request.hubs.append(RequestHub(hub_id=b.hainault_id, preferred=True))
        s.add(request)
        s.flush()
        s.get(Series, booked.series_id).request_id = request.id
    return b, services


def test_nothing_fits_says_why_and_offers_the_relaxation_that_works(demo_like, sessions) -> None:
    b, services = demo_like
    draft = ClosureDraft(ClosureScope.HUB, FIRST, LAST, "Roof repairs", hub_id=b.hainault_id)
    plan = services.closures.plan_rehoming(draft)
    assert [r.found for r in plan] == [False, False]
    assert "Lunch club needs a room for 35 people on Wednesdays 11:30–14:30" in plan[0].reason
    assert "Ilford Food Pantry accepts only Hainault Hub" in plan[0].reason
    assert "accepted-hubs" in plan[0].blocking
    assert {a.relaxation for a in plan[0].relaxed} == {"accept Ilford Civic Hub for these two weeks"}
    relaxed = accept_hub(plan, "Ilford Civic Hub")
    assert [(r.room, r.start) for r in relaxed] == [("Main Hall, Ilford Civic Hub", time(11, 30))] * 2
    added = services.closures.add(draft, relaxed)
    assert (added.moved, added.cancelled) == (2, 0)


def test_apply_undo_redo_edit_and_remove(demo_like, sessions) -> None:
    b, services = demo_like
    closures = services.closures
    draft = ClosureDraft(ClosureScope.HUB, FIRST, LAST, "Roof repairs", hub_id=b.hainault_id)
    plan = closures.plan_rehoming(draft)
    # The manager cancels the first, relaxes the second.
    plan = [plan[0].choose(None), plan[1].choose(plan[1].relaxed[0])]
    added = closures.add(draft, plan)
    assert (added.moved, added.cancelled) == (1, 1)

    def where() -> list[tuple[str, str, str]]:
        with sessions() as s:
            rows = s.scalars(select(Occurrence).join(Occurrence.series).where(Series.title == "Lunch club"))
            return sorted((str(o.start_utc.date()), o.room.hub.name, o.status.value) for o in rows)

    after = where()
    undone = closures.undo(added)
    assert where() == [("2027-02-03", "Hainault Hub", "confirmed"), ("2027-02-10", "Hainault Hub", "confirmed")]
    with sessions() as s:
        assert s.scalars(select(Closure)).first() is None
    redone = closures.add(undone.draft, [p for p in undone.plan])
    assert where() == after
    # A new reason keeps what the closure did.
    closures.edit(
        redone.closure_id, ClosureDraft(ClosureScope.HUB, FIRST, LAST, "Roof and gutters", hub_id=b.hainault_id)
    )
    assert where() == after
    # Undo after an edit is refused, naming what changed.
    with pytest.raises(StaleEdit, match="edited since"):
        closures.undo(redone)
    # Shorter: the cancelled session of 3 Feb stays inside; the moved one of 10 Feb stays moved.
    closures.edit(
        redone.closure_id, ClosureDraft(ClosureScope.HUB, FIRST, date(2027, 2, 5), "Roof", hub_id=b.hainault_id)
    )
    assert where() == after
    assert closures.restorable(redone.closure_id)[0][1] == ""  # free again once the closure goes
    removed = closures.remove(redone.closure_id)
    assert removed.restored == 1
    assert where()[0] == ("2027-02-03", "Hainault Hub", "confirmed")


def test_a_partial_day_closure_displaces_only_what_it_overlaps(demo_like) -> None:
    b, services = demo_like
    afternoon = ClosureDraft(
        ClosureScope.ROOM,
        date(2027, 2, 3),
        date(2027, 2, 3),
        "Floor",
        room_id=b.hainault_hall_id,
        start=time(15),
        end=time(17),
    )
    assert services.closures.plan_rehoming(afternoon) == []
    lunchtime = ClosureDraft(
        ClosureScope.ROOM,
        date(2027, 2, 3),
        date(2027, 2, 3),
        "Floor",
        room_id=b.hainault_hall_id,
        start=time(14),
        end=time(17),
    )
    plan = services.closures.plan_rehoming(lunchtime)
    assert [r.was_day for r in plan] == [date(2027, 2, 3)]


def test_a_single_room_closure_is_a_blocked_stretch_of_that_room_only_in_the_calendar(demo_like) -> None:
    b, services = demo_like
    services.closures.add(
        ClosureDraft(
            ClosureScope.ROOM,
            date(2027, 2, 3),
            date(2027, 2, 3),
            "Floor polishing",
            room_id=b.hainault_hall_id,
            start=time(15),
            end=time(17),
        )
    )
    spans = services.calendar.blocked([b.hainault_hall_id, b.hall_id], date(2027, 2, 3), date(2027, 2, 3))
    closures = [(s.room_id, s.start, s.end, s.reason) for s in spans if s.kind == "closure"]
    assert closures == [(b.hainault_hall_id, time(15), time(17), "Closed: Floor polishing")]
