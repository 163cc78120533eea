"""The demo's closures are added through ClosureService, so the sessions they displace are re-homed and
recorded, and the term report's closures section says what happened to them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models.entities import Closure, ClosureSession, Room, Series
from models.types import OccurrenceStatus
from resources import locate
from scheduler.bootstrap import bootstrap
from scheduler.recurrence import ClosureSpan, bank_holiday, to_local
from scheduler.reporting.report import build_report
from scheduler.services.demo import read_demo_file
from scheduler.services.learning import LearningService

# What each Autumn 2026 closure of resources/demo/borough.yaml displaces, worked out from its series:
# - Hainault Hub, 9-20 Nov: Manford Hall (Wed weekly) 11 and 18 Nov; IT Corner (Thu weekly) 12 and 19 Nov;
#   Interview Room (Tue fortnightly from 8 Sep: ... 3 Nov, 17 Nov) 17 Nov; Meeting Room (first Tuesday,
#   3 Nov) none -> 5.
# - Main Hall, Seven Kings Hub, Fri 16 Oct: the Friday 10:00 session -> 1.
# - IT Suite, Ilford Civic Hub, Mon 28 Sep 13:00-17:00: the Monday 15:30 session (not Tuesday's) -> 1.
# - Every hub, Wed 16 Dec 13:00-17:00: Manford Hall 11:30-14:30, Ilford Interview Booth 2 10:00-14:00,
#   Seven Kings Goodmayes Room 14:00-16:00 (Seven Kings Interview Booth 10:00-13:00 ends as it begins) -> 3.
# Wanstead's Village Hall closes in Spring 2027, where the demo has requests but no series: not this term's.
DISPLACED = {
    "Hainault Hub": 5,
    "Main Hall, Seven Kings Hub": 1,
    "IT Suite, Ilford Civic Hub (13:00–17:00)": 1,
    "Every hub (13:00–17:00)": 3,
}


def test_demo_closures_rehome_their_sessions_and_the_report_counts_them(sessions) -> None:
    services = bootstrap(sessions, "demo")
    services.demo.load(read_demo_file(locate("demo/borough.yaml")))
    learning = LearningService(sessions)
    data = learning.learning_data(learning.term_id("Autumn 2026"))
    closures = {c.where: (c.rehomed, c.cancelled) for c in data.term.closures}
    assert {where: moved + cancelled for where, (moved, cancelled) in closures.items()} == DISPLACED
    assert sum(moved for moved, _ in closures.values()) > 0  # the demo shows re-homing, not only cancelling

    with sessions() as s:
        effects = s.scalars(select(ClosureSession)).all()
        assert len(effects) == sum(DISPLACED.values())
        for effect in effects:
            closure = s.get(Closure, effect.closure_id)
            span = ClosureSpan(
                closure.scope, closure.first_day, closure.last_day, closure.reason, hub_id=closure.hub_id,
                room_id=closure.room_id, start=closure.start_local, end=closure.end_local,
            )  # fmt: skip
            occurrence = effect.occurrence
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            was = to_local(effect.was_start_utc)
            # it was inside the closure, and it no longer is: moved elsewhere or cancelled
            was_hub = s.get(Room, effect.was_room_id).hub_id
            assert span.covers(effect.was_room_id, was_hub, was.date(), was.time(), (was + (end - start)).time())
            if effect.effect == "moved":
                assert occurrence.status is not OccurrenceStatus.CANCELLED
                assert not span.covers(
                    occurrence.room_id, occurrence.room.hub_id, start.date(), start.time(), end.time()
                )
                assert not bank_holiday(start.date())
            else:
                assert occurrence.status is OccurrenceStatus.CANCELLED
        # the series stay whole: every Autumn series keeps its place outside the closures
        assert s.scalar(select(Series.id).where(Series.cancelled.is_(True))) is None

    section = build_report(data).section("Closures")
    moved = sum(m for m, _ in closures.values())
    cancelled = sum(c for _, c in closures.values())
    assert section.paragraphs[0].startswith(
        f"4 closures this term; {moved} sessions were re-homed and {cancelled} cancelled because of them"
    )
    table = {row[0]: row for row in section.tables[0].rows}
    assert table["Hainault Hub"][1:] == (
        "2026-11-09", "2026-11-20", "Refurbishment: roof repairs and hall redecoration", *closures["Hainault Hub"],
    )  # fmt: skip
    assert date(2027, 2, 1).isoformat() not in {row[1] for row in table.values()}
