"""Every write path × every booking rule: each cell refuses, names what is in the way, and writes nothing.

One borough (built once per database kind and copied for each cell) holds a subject series, "Job club"
(Tuesdays 10:00–11:00 in the Main Hall, 12 Jan – 23 Mar 2027, skipping half-term, needing a kitchen, wifi
and step-free access, and the DWP work coach), and the obstacles the rules are about:

- Lunch club in the Twin Hall on Wednesdays 10:00–11:00          (room clash)
- Coach surgery with the DWP work coach, Thursdays 10:00–11:00    (shared person elsewhere)
- the Twin Hall closed on Tue 19 Jan ("Leaking roof")             (closure)
- Good Friday, Fri 26 Mar 2027                                     (bank holiday)
- half-term, 15–19 Feb                                             (term-time break)
- a Small Room for 5, a Basement with steps, a Bare Room without wifi, a Store that is not bookable.

Paths that put a session somewhere new (book, move a session, move the series, move this and following,
allocation apply, closure re-homing, .ics import) aim at a target that breaks exactly one rule. Paths that
bring a session back where it was (restore a session, restore a series, undo an accepted allocation)
first cancel it, then the rule is broken in its place, then the path is tried.

A cell is left out only where the path cannot express the rule (an imported session has no shared person
or facility needs; a regular series skips closed dates by design rather than being refused, which
tests/scheduler/services covers; a bank holiday cannot appear where a session already was).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import (
    Closure,
    Facility,
    Hub,
    Occurrence,
    OpeningHours,
    Organisation,
    Request,
    RequestWindow,
    Room,
    Series,
    Team,
    Term,
    TermBreak,
)
from models.types import ClosureScope, Frequency, Sector, Visibility
from scheduler.bootstrap import Services, bootstrap
from scheduler.errors import BookingRefused
from scheduler.feeds.importer import IcsImporter
from scheduler.recurrence import to_local
from scheduler.services.allocation import AllocationPreview
from scheduler.services.booking import NewBooking
from scheduler.services.closures import ClosureDraft, Rehoming
from tests.conftest import drop_pg_database, new_pg_database
from tests.dbdump import dump

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # before every session of the borough


def clock() -> datetime:
    return NOW


@dataclass(frozen=True)
class World:
    civic_id: int
    hall_id: int
    twin_hall_id: int
    annex_id: int
    small_id: int
    basement_id: int
    bare_id: int
    store_id: int
    meeting_id: int
    pantry_id: int
    advice_id: int
    coach_id: int
    term_id: int
    request_id: int
    job_club: int  # the subject series
    wifi_id: int


def build_world(sessions: sessionmaker[Session], services: Services) -> World:
    with sessions.begin() as s:
        kitchen, wifi = Facility(key="kitchen", name="Kitchen"), Facility(key="wifi", name="Wifi")
        civic = Hub(name="Ilford Civic Hub", area="Loxford", address="Clements Road", postcode="IG1 1EA")
        for day in range(5):
            civic.opening_hours.append(OpeningHours(weekday=day, opens=time(9), closes=time(17)))

        def room(name: str, capacity: int = 100, *, step_free: bool = True, bookable: bool = True, kit=None) -> Room:
            return Room(
                hub=civic,
                name=name,
                capacity=capacity,
                step_free=step_free,
                bookable=bookable,
                facilities=[kitchen, wifi] if kit is None else kit,
            )

        rooms = {
            "hall": room("Main Hall"),
            "twin": room("Twin Hall"),
            "annex": room("Annex"),
            "small": room("Small Room", 5),
            "basement": room("Basement", step_free=False),
            "bare": room("Bare Room", kit=[kitchen]),
            "store": room("Store", bookable=False),
            "meeting": room("Meeting Room", 12, kit=[]),
        }
        pantry = Organisation(name="Ilford Food Pantry", sector=Sector.RESIDENT)
        advice = Organisation(name="Citizens Advice Redbridge", sector=Sector.PARTNER)
        coach = Team(name="DWP work coach")
        term = Term(name="Spring 2027", first_day=date(2027, 1, 4), last_day=date(2027, 3, 26))
        term.breaks.append(TermBreak(name="Half-term", first_day=date(2027, 2, 15), last_day=date(2027, 2, 19)))
        s.add_all([civic, *rooms.values(), pantry, advice, coach, term])
        s.flush()
        request = Request(
            term=term,
            organisation=pantry,
            title="Job club",
            visibility=Visibility.PUBLIC,
            attendance=20,
            duration_min=60,
            frequency=Frequency.WEEKLY,
            step_free=True,
            runs_in_breaks=False,
            created_at=NOW,
            facilities=[kitchen, wifi],
            teams=[coach],
            windows=[RequestWindow(weekday=day, start=time(9), end=time(17)) for day in range(5)],
        )
        s.add(request)
        s.add(
            Closure(
                scope=ClosureScope.ROOM,
                room_id=rooms["twin"].id,
                first_day=date(2027, 1, 19),
                last_day=date(2027, 1, 19),
                reason="Leaking roof",
            )
        )
        s.flush()
        ids = {k: r.id for k, r in rooms.items()}
        people = (pantry.id, advice.id, coach.id, term.id, request.id, wifi.id, civic.id)
    pantry_id, advice_id, coach_id, term_id, request_id, wifi_id, civic_id = people
    booking = services.booking
    job_club = booking.book(
        NewBooking(
            room_id=ids["hall"],
            organisation_id=pantry_id,
            title="Job club",
            first_date=date(2027, 1, 12),
            last_date=date(2027, 3, 23),
            start=time(10),
            duration_min=60,
            frequency=Frequency.WEEKLY,
            attendance=20,
            term_id=term_id,
            request_id=request_id,
            runs_in_breaks=False,
            team_ids=(coach_id,),
        )
    )
    for title, room_id, first, teams in (
        ("Lunch club", ids["twin"], date(2027, 1, 13), ()),
        ("Coach surgery", ids["meeting"], date(2027, 1, 14), (coach_id,)),
    ):
        booking.book(
            NewBooking(
                room_id=room_id,
                organisation_id=advice_id,
                title=title,
                first_date=first,
                last_date=first + timedelta(weeks=10),
                start=time(10),
                duration_min=60,
                frequency=Frequency.WEEKLY,
                attendance=5,
                team_ids=teams,
            )
        )
    return World(
        civic_id=civic_id,
        hall_id=ids["hall"],
        twin_hall_id=ids["twin"],
        annex_id=ids["annex"],
        small_id=ids["small"],
        basement_id=ids["basement"],
        bare_id=ids["bare"],
        store_id=ids["store"],
        meeting_id=ids["meeting"],
        pantry_id=pantry_id,
        advice_id=advice_id,
        coach_id=coach_id,
        term_id=term_id,
        request_id=request_id,
        job_club=job_club.series_id,
        wifi_id=wifi_id,
    )


# -- the rules: a target that breaks each one, and how to break it where a session already is ----------


@dataclass(frozen=True)
class Rule:
    name: str
    pivot: date  # the session of Job club the change starts from
    room: str  # World attribute of the target room
    shift: int  # days from the pivot
    start: time
    says: str  # what the refusal must name


RULES = {
    r.name: r
    for r in (
        Rule("room clash", date(2027, 1, 19), "twin_hall_id", 1, time(10), "is already booked by Lunch club"),
        Rule("shared person", date(2027, 1, 19), "annex_id", 2, time(10), "DWP work coach is already at Coach surgery"),
        Rule("capacity", date(2027, 1, 19), "small_id", 0, time(13), "holds 5 people but 20 are expected"),
        Rule("opening hours", date(2027, 1, 19), "annex_id", 0, time(18), "outside opening hours"),
        Rule("closure", date(2027, 1, 19), "twin_hall_id", 0, time(13), "closure (Leaking roof)"),
        Rule("bank holiday", date(2027, 3, 23), "annex_id", 3, time(10), "bank holiday (Good Friday)"),
        Rule("term-time break", date(2027, 2, 9), "annex_id", 6, time(10), "term-time break (Half-term)"),
        Rule("step-free access", date(2027, 1, 19), "basement_id", 0, time(13), "has no step-free access"),
        Rule("facilities", date(2027, 1, 19), "bare_id", 0, time(13), "has no wifi"),
        Rule("bookable", date(2027, 1, 19), "store_id", 0, time(13), "is not bookable"),
    )
}


def break_in_place(rule: str, services: Services, w: World, pivot: date) -> None:
    """Make `rule` fail for Job club's (cancelled) session of `pivot`, where it was: Main Hall, 10:00."""
    sessions = services.sessions
    if rule in ("room clash", "shared person"):
        services.booking.book(
            NewBooking(
                room_id=w.hall_id if rule == "room clash" else w.meeting_id,
                organisation_id=w.advice_id,
                title="Lunch club extra" if rule == "room clash" else "Coach surgery extra",
                first_date=pivot,
                start=time(10),
                duration_min=60,
                team_ids=(w.coach_id,) if rule == "shared person" else (),
            )
        )
        return
    with sessions.begin() as s:
        hall = s.get(Room, w.hall_id)
        assert hall is not None
        if rule == "capacity":
            hall.capacity = 5
        elif rule == "opening hours":
            s.execute(update(OpeningHours).where(OpeningHours.weekday == 1).values(opens=time(12)))
        elif rule == "closure":
            s.add(
                Closure(
                    scope=ClosureScope.ROOM, room_id=w.hall_id, first_day=pivot, last_day=pivot, reason="Leaking roof"
                )
            )
        elif rule == "term-time break":
            s.add(TermBreak(term_id=w.term_id, name="Half-term", first_day=pivot, last_day=pivot))
        elif rule == "step-free access":
            hall.step_free = False
        elif rule == "facilities":
            hall.facilities = [f for f in hall.facilities if f.id != w.wifi_id]
        elif rule == "bookable":
            hall.bookable = False
        else:
            raise AssertionError(f"no way to break {rule} in place")


# -- the write paths --------------------------------------------------------------------------------------


@dataclass
class Cell:
    services: Services
    world: World
    rule: Rule
    preview: AllocationPreview

    def occurrence(self, day: date) -> tuple[int, int]:
        """Job club's session on `day`: its id and the series' version."""
        with self.services.sessions() as s:
            for o in s.scalars(select(Occurrence).order_by(Occurrence.start_utc)):
                if o.series.title == "Job club" and to_local(o.start_utc).date() == day:
                    return o.id, o.series.version
        raise AssertionError(f"Job club has no session on {day}")

    def series_version(self, series_id: int) -> int:
        with self.services.sessions() as s:
            series = s.get(Series, series_id)
            assert series is not None
            return series.version

    @property
    def target(self) -> tuple[int, date, time]:
        return getattr(self.world, self.rule.room), self.rule.pivot + timedelta(days=self.rule.shift), self.rule.start


Setup = Callable[[Cell], Callable[[], object] | None]


def book(cell: Cell) -> Callable[[], object]:
    room_id, day, start = cell.target
    w = cell.world
    booking = NewBooking(
        room_id=room_id,
        organisation_id=w.pantry_id,
        title="Job club extra",
        first_date=day,
        start=start,
        duration_min=60,
        attendance=20,
        term_id=w.term_id,
        request_id=w.request_id,
        runs_in_breaks=False,
        team_ids=(w.coach_id,),
    )
    return lambda: cell.services.booking.book(booking)


def move_session(cell: Cell) -> Callable[[], object]:
    occurrence_id, version = cell.occurrence(cell.rule.pivot)
    room_id, day, start = cell.target
    return lambda: cell.services.booking.move_occurrence(occurrence_id, version, room_id=room_id, day=day, start=start)


def move_series(cell: Cell, *, following: bool) -> Callable[[], object]:
    room_id, _, start = cell.target
    version = cell.series_version(cell.world.job_club)
    return lambda: cell.services.booking.move_series(
        cell.world.job_club,
        version,
        room_id=room_id,
        start=start,
        day_shift=cell.rule.shift,
        from_date=cell.rule.pivot if following else None,
    )


def restore_session(cell: Cell) -> Callable[[], object]:
    occurrence_id, version = cell.occurrence(cell.rule.pivot)
    version = cell.services.booking.cancel_occurrence(occurrence_id, version)
    break_in_place(cell.rule.name, cell.services, cell.world, cell.rule.pivot)
    return lambda: cell.services.booking.restore_occurrence(occurrence_id, version)


def restore_series(cell: Cell) -> Callable[[], object]:
    booking = cell.services.booking
    w = cell.world
    cancellation = booking.cancel_series_undoably(
        w.job_club, cell.series_version(w.job_club), from_date=cell.rule.pivot
    )
    break_in_place(cell.rule.name, cell.services, w, cell.rule.pivot)
    return lambda: booking.restore_series(w.job_club, cancellation.version, cancellation)


def _placed_at(cell: Cell, room_id: int, weekday: int, start: time) -> AllocationPreview:
    """The stored preview with Job club's request placed where the cell says (the solver is not asked)."""
    (row,) = [p for p in cell.preview.placements if p.request_id == cell.world.request_id]
    end = (datetime.combine(date.min, start) + timedelta(minutes=60)).time()
    return replace(
        cell.preview,
        placements=(replace(row, room_id=room_id, weekday=weekday, start=start, end=end, change="time"),),
        unmet=(),
    )


def allocation_apply(cell: Cell) -> Callable[[], object]:
    room_id, day, start = cell.target
    preview = _placed_at(cell, room_id, day.weekday(), start)
    return lambda: cell.services.allocation.apply(preview)


def allocation_undo(cell: Cell) -> Callable[[], object]:
    undo = cell.services.allocation_undo
    accepted = undo.accept(_placed_at(cell, cell.world.annex_id, 0, time(13)))  # Job club to Mondays 13:00
    break_in_place(cell.rule.name, cell.services, cell.world, cell.rule.pivot)
    return lambda: undo.undo(accepted)


def closure_rehoming(cell: Cell) -> Callable[[], object]:
    occurrence_id, version = cell.occurrence(cell.rule.pivot)
    room_id, day, start = cell.target
    draft = ClosureDraft(
        ClosureScope.ROOM, cell.rule.pivot, cell.rule.pivot, "Boiler repair", room_id=cell.world.hall_id
    )
    plan = [
        Rehoming(
            occurrence_id=occurrence_id,
            series_version=version,
            title="Job club",
            organisation="Ilford Food Pantry",
            was="Main Hall 10:00",
            day=day,
            room_id=room_id,
            room="target",
            start=start,
            end=(datetime.combine(day, start) + timedelta(minutes=60)).time(),
            note="",
        )
    ]
    return lambda: cell.services.closures.add(draft, plan)


def closure_undo(cell: Cell) -> Callable[[], object]:
    """A closure re-homed the session to the Annex, 13:00; the rule then breaks where it was; undo the closure."""
    occurrence_id, version = cell.occurrence(cell.rule.pivot)
    pivot = cell.rule.pivot
    draft = ClosureDraft(ClosureScope.ROOM, pivot, pivot, "Boiler repair", room_id=cell.world.hall_id)
    plan = [
        Rehoming(
            occurrence_id=occurrence_id,
            series_version=version,
            title="Job club",
            organisation="Ilford Food Pantry",
            was="Main Hall 10:00",
            day=pivot,
            room_id=cell.world.annex_id,
            room="Annex",
            start=time(13),
            end=time(14),
            note="",
        )
    ]
    added = cell.services.closures.add(draft, plan)
    break_in_place(cell.rule.name, cell.services, cell.world, pivot)
    return lambda: cell.services.closures.undo(added)


def ics_import(cell: Cell) -> Callable[[], object]:
    room_id, day, start = cell.target
    raw = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:extra@test\r\n"
        f"DTSTAMP:20270101T000000Z\r\nDTSTART;TZID=Europe/London:{day:%Y%m%d}T{start:%H%M}00\r\n"
        "DURATION:PT1H\r\nSUMMARY:Job club extra\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    importer = IcsImporter(cell.services.sessions, cell.services.booking)
    return lambda: importer.apply(
        raw, "extra.ics", room_id=room_id, organisation_id=cell.world.pantry_id, first=day, last=day
    )


EVERY_RULE = tuple(RULES)
IN_PLACE = tuple(r for r in RULES if r != "bank holiday")
PATHS: dict[str, tuple[Setup, tuple[str, ...]]] = {
    "book": (book, EVERY_RULE),
    "move session": (move_session, EVERY_RULE),
    "move whole series": (lambda c: move_series(c, following=False), EVERY_RULE),
    "move this and following": (lambda c: move_series(c, following=True), EVERY_RULE),
    "restore session (undo cancel)": (restore_session, IN_PLACE),
    "restore series (undo cancel)": (restore_series, IN_PLACE),
    "undo accepted allocation": (allocation_undo, IN_PLACE),
    "allocation apply": (
        allocation_apply,
        tuple(r for r in RULES if r not in ("closure", "bank holiday", "term-time break")),
    ),
    "closure re-homing": (closure_rehoming, EVERY_RULE),
    # A closed room takes no booking, so nothing can take the session's place while it is away.
    "undo a closure": (closure_undo, tuple(r for r in IN_PLACE if r != "room clash")),
    ".ics import": (ics_import, ("room clash", "opening hours", "closure", "bank holiday", "bookable")),
}
CELLS = [pytest.param(path, rule, id=f"{path}-{rule}") for path, (_, rules) in PATHS.items() for rule in rules]


# -- one borough per database kind, copied for each cell ---------------------------------------------------


@dataclass(frozen=True)
class Template:
    kind: str
    source: str  # a SQLite file to copy, or the PostgreSQL database's URL
    world: World
    preview: AllocationPreview
    engine: Engine | None = None  # PostgreSQL: one engine for every cell, so statements compile once


def _prepare(url: str) -> tuple[World, AllocationPreview]:
    engine = db.make_engine(url)  # at the schema's head: a copy of a template
    sessions = db.make_session_factory(engine)
    services = bootstrap(sessions, "Matrix", clock=clock)
    world = build_world(sessions, services)
    preview = services.allocation.preview(world.term_id, time_limit=10)
    engine.dispose()
    return world, preview


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "matrix.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield Template("sqlite", str(path), *_prepare(f"sqlite:///{path}"))
        return
    server = request.getfixturevalue("pg_server")
    url = new_pg_database(server, request.getfixturevalue("pg_template"))
    world, preview = _prepare(url)
    engine = db.make_engine(url)
    yield Template("postgresql", url, world, preview, engine)
    engine.dispose()
    drop_pg_database(server, url)


@pytest.fixture
def cell_services(template: Template, tmp_path: Path) -> Iterator[Services]:
    """The borough for one cell: a copied SQLite file, or (PostgreSQL) one transaction rolled back after.

    On PostgreSQL every service transaction becomes a savepoint inside the cell's outer transaction, which
    is far quicker than a database per cell and leaves the borough as it was for the next cell.
    """
    if template.kind == "sqlite":
        path = tmp_path / "cell.sqlite3"
        shutil.copyfile(template.source, path)
        engine = db.make_engine(f"sqlite:///{path}")
        yield bootstrap(db.make_session_factory(engine), "Matrix", clock=clock)
        engine.dispose()
        return
    assert template.engine is not None
    connection = template.engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    yield bootstrap(sessions, "Matrix", clock=clock)
    outer.rollback()
    connection.close()


@pytest.mark.parametrize(("path", "rule"), CELLS)
def test_every_write_path_refuses_every_broken_rule_and_writes_nothing(
    path: str, rule: str, template: Template, cell_services: Services
) -> None:
    setup, _ = PATHS[path]
    cell = Cell(cell_services, template.world, RULES[rule], template.preview)
    attempt = setup(cell)
    assert attempt is not None
    bind = cell_services.sessions.kw["bind"]
    before = dump(bind)
    with pytest.raises(BookingRefused) as refused:
        attempt()
    assert RULES[rule].says in str(refused.value), f"{path} / {rule}: {refused.value}"
    assert dump(bind) == before, f"{path} / {rule} wrote to the database although it was refused"


def test_every_path_can_write_when_no_rule_is_broken(template: Template, cell_services: Services) -> None:
    """The control: the same paths succeed where nothing is in the way (the Annex, 13:00)."""
    w = template.world
    for path, pivot, shift in (
        ("book", date(2027, 1, 19), -1),
        ("move session", date(2027, 1, 19), 0),
        ("move this and following", date(2027, 1, 26), 0),
    ):
        cell = Cell(cell_services, w, Rule("none", pivot, "annex_id", shift, time(13), ""), template.preview)
        setup, _ = PATHS[path]
        attempt = setup(cell)
        assert attempt is not None
        attempt()
    with cell_services.sessions() as s:
        annex = [
            (to_local(o.start_utc).date(), o.series.title)
            for o in s.scalars(
                select(Occurrence).where(Occurrence.room_id == w.annex_id).order_by(Occurrence.start_utc)
            )
        ]
    assert annex[:3] == [
        (date(2027, 1, 18), "Job club extra"),
        (date(2027, 1, 19), "Job club"),
        (date(2027, 1, 26), "Job club"),
    ]
