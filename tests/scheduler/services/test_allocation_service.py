"""The allocation service on the demo borough: preview, apply, re-run, stability, atomicity, CLI."""

from __future__ import annotations

import itertools
import json
from datetime import date, time

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Base, Request, RequestHub, RequestWindow, Series, Term
from models.types import Frequency, RequestStatus
from scheduler import cli
from scheduler.bootstrap import bootstrap
from scheduler.errors import BookingClash, StaleEdit
from scheduler.recurrence import LONDON
from scheduler.services.allocation import AllocationService, first_meeting
from scheduler.services.booking import BookingService, NewBooking


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from the demo borough, copied from a template rather than loaded again."""
    return demo_db_url


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> AllocationService:
    return bootstrap(sessions, "Allocator").allocation


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: 'exactly as before' means this is equal."""
    with engine.connect() as connection:
        return {
            table.name: sorted(connection.execute(select(table)).all(), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_preview_writes_nothing_and_explains_every_unmet_request(demo, engine) -> None:
    before = dump(engine)
    preview = demo.preview(demo.term_id("Spring 2027"), time_limit=10)
    assert dump(engine) == before
    assert preview.status == "optimal"
    assert len(preview.placements) + len(preview.unmet) == 40
    assert preview.unmet, "the demo has requests competing for the same slots"
    for unmet in preview.unmet:
        assert unmet.title in unmet.message and unmet.kind in ("blocked", "no_room")
    assert {s.sector for s in preview.sectors} == {"council", "partner", "resident"}
    # Most of Autumn's groups keep their slot in Spring (stability against last term).
    counts = preview.counts
    assert counts["unchanged"] >= 25 and counts["new"] + counts["moved"] + counts["unchanged"] == counts["placed"]


def test_apply_writes_series_statuses_and_an_audit_entry(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    preview = demo.preview(term_id, time_limit=10)
    applied = demo.apply(preview)
    assert applied.created == len(preview.placements) and applied.unmet == len(preview.unmet)
    with sessions() as s:
        series = {x.request_id: x for x in s.scalars(select(Series).where(Series.term_id == term_id))}
        requests = list(s.scalars(select(Request).where(Request.term_id == term_id)))
        for request in requests:
            if request.status is RequestStatus.PLACED:
                placed = series[request.id]
                row = next(p for p in preview.placements if p.request_id == request.id)
                assert (placed.room_id, placed.weekday, placed.start_local) == (row.room_id, row.weekday, row.start)
                live = [o for o in placed.occurrences if o.status != "cancelled"]
                assert live and all(o.start_utc.astimezone(LONDON).time() == row.start for o in live)
                assert date(2027, 3, 26) not in {o.start_utc.astimezone(LONDON).date() for o in live}  # Good Friday
                if request.frequency is Frequency.FORTNIGHTLY:
                    days = sorted(o.start_utc.astimezone(LONDON).date() for o in live)
                    assert all((b - a).days % 14 == 0 for a, b in itertools.pairwise(days))
            else:
                assert request.status is RequestStatus.UNMET and request.status_reason
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "apply-allocation")).one()
        assert entry.operator == "Allocator" and "Spring 2027" in entry.summary


def test_running_again_with_nothing_changed_moves_nothing(demo, engine) -> None:
    term_id = demo.term_id("Spring 2027")
    demo.apply(demo.preview(term_id, time_limit=10))
    again = demo.preview(term_id, time_limit=10)
    assert again.counts["moved"] == 0 and again.counts["new"] == 0
    before = dump(engine)
    applied = demo.apply(again)
    assert (applied.created, applied.moved, applied.withdrawn) == (0, 0, 0)
    after = dump(engine)
    assert {k: v for k, v in after.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }


def test_a_failure_in_the_middle_of_apply_leaves_the_database_exactly_as_before(demo, sessions, engine) -> None:
    """A one-off booked after the preview clashes with a placement that apply writes late in its loop."""
    term_id = demo.term_id("Spring 2027")
    preview = demo.preview(term_id, time_limit=10)
    victim = preview.placements[-1]
    first = next(p for p in preview.placements if p.request_id != victim.request_id)
    with sessions() as s:
        organisation_id = s.get(Request, first.request_id).organisation_id
    with sessions() as s:
        day = first_meeting(s.get(Term, term_id), victim.weekday, victim.week_parity)
    BookingService(sessions, "Someone else").book(
        NewBooking(
            room_id=victim.room_id,
            organisation_id=organisation_id,
            title="Late one-off",
            first_date=day,
            start=victim.start,
            duration_min=15,
        )
    )
    before = dump(engine)
    with pytest.raises(BookingClash, match="Late one-off"):
        demo.apply(preview)
    assert dump(engine) == before


def test_apply_refuses_a_preview_made_before_a_request_changed(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    preview = demo.preview(term_id, time_limit=10)
    with sessions.begin() as s:
        request = s.scalars(select(Request).where(Request.term_id == term_id)).first()
        request.attendance += 1
    with pytest.raises(StaleEdit, match="changed since this preview"):
        demo.apply(preview)


def test_allocate_command_json_carries_each_explanation(demo_sqlite_url, capsys) -> None:
    sqlite_url = demo_sqlite_url
    assert cli.main(["--db", sqlite_url, "allocate", "--term", "Spring 2027", "--time-limit", "10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "optimal" and data["counts"]["placed"] == len(data["placements"])
    assert data["unmet"] and all(u["explanation"] for u in data["unmet"])
    assert {s["sector"] for s in data["sectors"]} == {"council", "partner", "resident"}
    unmet_id = data["unmet"][0]["request_id"]
    assert (
        cli.main(["--db", sqlite_url, "allocate", "--term", "Spring 2027", "--explain", str(unmet_id), "--apply"]) == 0
    )
    out = capsys.readouterr().out
    assert f"What it would take to meet request {unmet_id}: To place" in out
    assert "applied:" in out and "Unmet:" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--term", "Summer 2031"], "unknown term 'Summer 2031'; known terms: Autumn 2026, Spring 2027"),
        (["--term", "Spring 2027", "--time-limit", "0"], "time limit must be between 0 and 3600"),
        (["--term", "Spring 2027", "--time-limit", "soon"], "'soon' is not a number of seconds"),
    ],
)
def test_allocate_bad_input(demo_sqlite_url, capsys, args, message) -> None:
    sqlite_url = demo_sqlite_url
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(cli.main(["--db", sqlite_url, "allocate", *args]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_one_new_request_with_everything_else_pinned_is_placed_around_them(demo, sessions) -> None:
    term_id = demo.term_id("Spring 2027")
    demo.apply(demo.preview(term_id, time_limit=10))
    with sessions.begin() as s:
        for series in s.scalars(select(Series).where(Series.term_id == term_id)):
            series.pinned = True
        template = s.scalars(select(Request).where(Request.term_id == term_id, Request.status == "placed")).first()
        newcomer = Request(
            term_id=term_id,
            organisation_id=template.organisation_id,
            title="Newcomer drop-in",
            visibility=template.visibility,
            attendance=5,
            duration_min=60,
            frequency=Frequency.WEEKLY,
            priority=3,
            created_at=template.created_at,
            windows=[],
            hubs=[],
        )
        newcomer.windows = [RequestWindow(weekday=2, start=time(9), end=time(17))]
        newcomer.hubs = [RequestHub(hub_id=h.hub_id, preferred=False) for h in template.hubs]
        s.add(newcomer)
    preview = demo.preview(term_id, time_limit=10)
    assert preview.counts["moved"] == 0
    assert [p.change for p in preview.placements if p.title == "Newcomer drop-in"] == ["new"]
    assert all(p.change == "pinned" for p in preview.placements if p.title != "Newcomer drop-in")


def test_preview_works_around_a_manual_booking_and_apply_succeeds(demo, sessions) -> None:
    """A one-off booked by hand where the preview would meet: the new preview leaves that time alone."""
    term_id = demo.term_id("Spring 2027")
    first = demo.preview(term_id, time_limit=10)
    taken = next(p for p in first.result.placements if p.dates)
    day, start = taken.dates[0], taken.start
    with sessions() as s:
        organisation = s.get(Request, int(taken.request_id)).organisation
        organisation_id, organisation_name = organisation.id, organisation.name
    BookingService(sessions, "Hub manager").book(
        NewBooking(
            room_id=int(taken.room_id),
            organisation_id=organisation_id,
            title="Hand-booked surgery",
            first_date=day,
            start=time(start // 60, start % 60),
            duration_min=30,
        )
    )
    preview = demo.preview(term_id, time_limit=10)
    busy = next(r for r in preview.problem.rooms if r.id == taken.room_id).busy
    label = f"Hand-booked surgery ({organisation_name}) {day:%a %d %b} {start // 60:02d}:{start % 60:02d}"
    assert [(b.label, b.start, b.end) for b in busy if b.day == day] == [(label, start, start + 30)]
    for p in preview.result.placements:
        if p.room_id == taken.room_id and day in p.dates:
            assert p.end <= start or start + 30 <= p.start, f"request {p.request_id} is on top of the manual booking"
    applied = demo.apply(preview)
    assert applied.created + applied.moved + applied.unchanged == len(preview.placements)
