"""The demo borough: loads on both databases, obeys every booking rule, and reads as the issue asks."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import Closure, Hub, Organisation, Request, Room, Series, Term
from models.types import OccurrenceStatus
from resources import locate
from scheduler import cli
from scheduler.bootstrap import bootstrap
from scheduler.errors import InvalidInput
from scheduler.recurrence import bank_holiday
from scheduler.services.demo import AlreadyLoaded, read_demo_file

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def demo_data() -> dict:
    return read_demo_file(locate("demo/borough.yaml"))


def test_demo_loads_with_the_issues_proportions(sessions: sessionmaker[Session], demo_data: dict) -> None:
    summary = bootstrap(sessions, "demo").demo.load(demo_data)
    assert summary.hubs == 6
    assert 25 <= summary.rooms <= 35
    assert 17 <= summary.organisations <= 25
    assert 25 <= summary.series <= 35
    assert 35 <= summary.requests <= 45
    with sessions() as s:
        assert {h.name for h in s.scalars(select(Hub))} == {
            "Ilford Civic Hub",
            "Seven Kings Hub",
            "Gants Hill Hub",
            "Hainault Hub",
            "Wanstead Hub",
            "Woodford Hub",
        }
        sectors = Counter(o.sector.value for o in s.scalars(select(Organisation)))
        assert set(sectors) == {"council", "partner", "resident"}
        spring = s.scalars(select(Term).where(Term.name == "Spring 2027")).one()
        assert (spring.first_day, spring.last_day) == (date(2027, 1, 4), date(2027, 3, 26))
        assert [(b.first_day, b.last_day) for b in spring.breaks] == [(date(2027, 2, 15), date(2027, 2, 19))]
        requests = list(s.scalars(select(Request)))
        assert all(r.term_id == spring.id and r.status == "pending" for r in requests)
        private = [r for r in requests if r.visibility == "private"]
        assert private and any(r.hide_location for r in private)
        assert {r.frequency.value for r in requests} == {"weekly", "fortnightly", "monthly"}
        assert all(s_.term.name == "Autumn 2026" for s_ in s.scalars(select(Series)))


def test_demo_sessions_obey_closures_bank_holidays_and_hours(demo_sessions: sessionmaker[Session]) -> None:
    with demo_sessions() as s:
        closures = list(s.scalars(select(Closure)))
        assert closures, "the demo should show closures at work"
        for series in s.scalars(select(Series)):
            # the live sessions, where they run: a session a closure displaced was re-homed (another room,
            # hub or day) or cancelled by ClosureService
            for occurrence in series.occurrences:
                if occurrence.status is OccurrenceStatus.CANCELLED:
                    continue
                start = occurrence.start_utc.astimezone(LONDON)
                end = occurrence.end_utc.astimezone(LONDON)
                hub = occurrence.room.hub
                hours = [(w.opens, w.closes) for w in hub.opening_hours if w.weekday == start.weekday()]
                assert bank_holiday(start.date()) is None
                assert any(o <= start.time() and end.time() <= c for o, c in hours)
                for closure in closures:
                    hit_room = (
                        closure.scope == "borough"
                        or closure.room_id == occurrence.room_id
                        or (closure.scope == "hub" and closure.hub_id == hub.id)
                    )
                    in_days = closure.first_day <= start.date() <= closure.last_day
                    in_time = closure.start_local is None or (
                        closure.start_local < end.time() and start.time() < closure.end_local
                    )
                    assert not (hit_room and in_days and in_time), (series.title, start)
                room: Room = occurrence.room
                assert series.attendance <= room.capacity


def test_demo_refuses_to_mix_with_an_existing_borough(demo_sessions: sessionmaker[Session], demo_data: dict) -> None:
    sessions = demo_sessions  # the demo borough, loaded once per test worker and copied
    with pytest.raises(AlreadyLoaded, match="--reset"):
        bootstrap(sessions, "demo").demo.load(demo_data)
    again = bootstrap(sessions, "demo").demo.load(demo_data, reset=True)
    with sessions() as s:
        assert len(s.scalars(select(Hub)).all()) == again.hubs == 6


def test_demo_data_with_a_bad_reference_names_it_and_writes_nothing(
    sessions: sessionmaker[Session], demo_data: dict
) -> None:
    broken = {**demo_data, "series": [{**demo_data["series"][0], "room": "Ballroom"}]}
    with pytest.raises(InvalidInput, match="series #1: unknown room"):
        bootstrap(sessions, "demo").demo.load(broken)
    with sessions() as s:
        assert s.scalars(select(Hub)).first() is None


def test_demo_then_autumn_occurrences_from_the_command_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's check: no session on a bank holiday or closure; wall-clock time kept across 25 Oct 2026."""
    assert cli.main(["--db", sqlite_url, "demo"]) == 0
    assert "loaded the demo borough: 6 hubs" in capsys.readouterr().out
    assert cli.main(["--db", sqlite_url, "occurrences", "--from", "2026-09-01", "--to", "2026-12-31", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) > 300
    by_series: dict[int, set[time]] = {}
    offsets: Counter[tuple[int, str]] = Counter()
    for row in rows:
        start_local = datetime.fromisoformat(row["start_local"])
        start_utc = datetime.fromisoformat(row["start_utc"].replace("Z", "+00:00"))
        assert start_utc.astimezone(LONDON) == start_local
        assert bank_holiday(start_local.date()) is None, row
        by_series.setdefault(row["series_id"], set()).add(start_local.time())
        offsets[(row["series_id"], start_local.strftime("%z"))] += 1
    assert all(len(times) == 1 for times in by_series.values()), "a series' wall-clock time moved"
    crossing = {sid for sid, zone in offsets if zone == "+0100"} & {sid for sid, zone in offsets if zone == "+0000"}
    assert len(crossing) >= 20, "most series should run on both sides of the 25 October change"
    # Hainault Hub's closure in the demo is honoured.
    engine = db.make_engine(sqlite_url)
    with db.make_session_factory(engine)() as s:
        for closure in s.scalars(select(Closure).where(Closure.scope == "hub")):
            hub = closure.hub.name
            hit = [
                r
                for r in rows
                if r["hub"] == hub
                and closure.first_day <= datetime.fromisoformat(r["start_local"]).date() <= closure.last_day
            ]
            assert hit == []
    engine.dispose()
