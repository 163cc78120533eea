"""AttendanceService and LearningService on SQLite and PostgreSQL: recording rules, audit, undo, the
spreadsheet import and export, the facts the report is built from, and the sizes fed back to planning."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AttendanceRecord, AuditEntry, Term
from models.types import Frequency, Outcome, SizeSource, Visibility
from scheduler.bootstrap import bootstrap
from scheduler.errors import InvalidInput, StaleEdit
from scheduler.reporting import figures as fig
from scheduler.services.attendance import AttendanceEntry, AttendanceService
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.learning import LearningService
from tests.builders import Borough, add_pantry_request

NOW = datetime(2027, 1, 20, 12, tzinfo=UTC)  # pantry on 8 and 15 Jan has happened, 22 and 29 Jan not yet


def book(sessions, borough: Borough, **fields) -> None:
    defaults = dict(
        room_id=borough.hall_id,
        organisation_id=borough.pantry_id,
        title="Food pantry",
        first_date=date(2027, 1, 8),
        last_date=date(2027, 1, 29),
        start=time(12),
        duration_min=180,
        frequency=Frequency.WEEKLY,
        attendance=40,
        term_id=borough.term_id,
    )
    defaults.update(fields)
    BookingService(sessions, "Tester").book(NewBooking(**defaults))  # type: ignore[arg-type]


@pytest.fixture
def booked(sessions: sessionmaker[Session], borough: Borough) -> Borough:
    book(sessions, borough)
    book(
        sessions,
        borough,
        room_id=borough.meeting_id,
        organisation_id=borough.advice_id,
        title="Debt advice",
        visibility=Visibility.PRIVATE,
        first_date=date(2027, 1, 12),
        last_date=None,
        start=time(10),
        duration_min=60,
        frequency=Frequency.ONCE,
        attendance=4,
    )
    return borough


@pytest.fixture
def service(sessions: sessionmaker[Session]) -> AttendanceService:
    return AttendanceService(sessions, "Front desk", clock=lambda: NOW)


def sheet(service: AttendanceService, borough: Borough, day: date):
    return service.day_sheet(borough.civic_id, day)


def count(sessions, entity) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(entity))


def test_recording_a_past_session_is_stored_and_audited(service, booked, sessions) -> None:
    row = sheet(service, booked, date(2027, 1, 8))[0]
    assert (row.title, row.start, row.past, row.record) == ("Food pantry", time(12), True, None)
    change = service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, 31, "  cold   day "))
    assert change.before is None and (change.after.headcount, change.after.note) == (31, "cold day")
    assert sheet(service, booked, date(2027, 1, 8))[0].record.headcount == 31
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "record-attendance")).one()
    assert entry.operator == "Front desk" and entry.entity_id == row.occurrence_id
    assert (
        entry.summary == "Attendance of Food pantry (Ilford Food Pantry) on Fri 08 Jan 2027 12:00–15:00: "
        "not recorded -> took place, 31"
    )


def test_a_session_that_has_not_happened_is_refused(service, booked, sessions) -> None:
    future = sheet(service, booked, date(2027, 1, 22))[0]
    assert not future.past
    with pytest.raises(InvalidInput, match="has not started yet"):
        service.record(AttendanceEntry(future.occurrence_id, Outcome.TOOK_PLACE, 10))
    assert count(sessions, AttendanceRecord) == 0


def test_a_headcount_only_when_the_session_took_place(service, booked) -> None:
    row = sheet(service, booked, date(2027, 1, 8))[0]
    with pytest.raises(InvalidInput, match="no-show: it cannot also have 3 people"):
        service.record(AttendanceEntry(row.occurrence_id, Outcome.NO_SHOW, 3))
    with pytest.raises(InvalidInput, match="give the number who came"):
        service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, None))
    assert service.record(AttendanceEntry(row.occurrence_id, Outcome.LATE_CANCEL)).after.headcount is None


def test_someone_elses_change_is_not_overwritten(service, booked) -> None:
    row = sheet(service, booked, date(2027, 1, 8))[0]
    service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, 31))
    with pytest.raises(StaleEdit, match="changed by someone else"):
        service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, 29), expected_version=0)
    assert service.state(row.occurrence_id).headcount == 31


def test_undo_and_redo_restore_the_previous_state(service, booked, sessions) -> None:
    occurrence_id = sheet(service, booked, date(2027, 1, 8))[0].occurrence_id
    first = service.record(AttendanceEntry(occurrence_id, Outcome.TOOK_PLACE, 31))
    second = service.record(AttendanceEntry(occurrence_id, Outcome.TOOK_PLACE, 35))
    undone = service.restore(occurrence_id, second.before, current_version=second.after.version)
    assert undone.after.headcount == 31
    cleared = service.restore(occurrence_id, first.before, current_version=undone.after.version)
    assert cleared.after is None and count(sessions, AttendanceRecord) == 0
    with pytest.raises(StaleEdit):  # an undo based on an old view refuses
        service.restore(occurrence_id, None, current_version=undone.after.version)
    redone = service.restore(occurrence_id, first.after, current_version=None)
    assert redone.after.headcount == 31


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_is_all_or_nothing_and_names_the_bad_line(service, booked, sessions, tmp_path) -> None:
    header = "date,start,hub,room,outcome,attendance,note"
    bad = write_csv(
        tmp_path / "bad.csv",
        [header, "2027-01-08,12:00,Ilford Civic Hub,Main Hall,,31,", "2027-01-22,12:00,Ilford Civic Hub,Main Hall,,9,"],
    )
    with pytest.raises(InvalidInput, match="has not started yet"):
        service.import_file(bad)
    assert count(sessions, AttendanceRecord) == 0
    unknown = write_csv(tmp_path / "unknown.csv", [header, "2027-01-08,13:00,Ilford Civic Hub,Main Hall,,31,"])
    with pytest.raises(
        InvalidInput, match="line 2: no session at Ilford Civic Hub, Main Hall on Fri 08 Jan 2027 13:00"
    ):
        service.import_file(unknown)
    good = write_csv(
        tmp_path / "good.csv",
        [
            header,
            "2027-01-08,12:00,Ilford Civic Hub,Main Hall,took place,31,",
            "2027-01-15,12:00,ilford civic hub,main hall,no show,,heating failed",
            "2027-01-12,10:00,Ilford Civic Hub,Meeting Room 1,,,",  # nothing to record: skipped
        ],
    )
    result = service.import_file(good)
    assert (result.recorded, result.unchanged) == (2, 0)
    assert service.import_file(good).unchanged == 2
    with sessions() as s:
        assert {r.source for r in s.scalars(select(AttendanceRecord))} == {"imported"}


def test_xlsx_import_and_csv_export_round_trip(service, booked, tmp_path) -> None:
    workbook = Workbook()
    sheet_ = workbook.active
    sheet_.append(["date", "start", "hub", "room", "outcome", "attendance"])
    sheet_.append([datetime(2027, 1, 8), time(12), "Ilford Civic Hub", "Main Hall", "Took place", 31])
    sheet_.append([date(2027, 1, 12), "10:00", "Ilford Civic Hub", "Meeting Room 1", "", 3])
    workbook.save(tmp_path / "week.xlsx")
    assert service.import_file(tmp_path / "week.xlsx").recorded == 2
    text = service.export_csv(date(2027, 1, 1), date(2027, 1, 31))
    lines = text.splitlines()
    assert lines[0] == "session_id,date,start,end,hub,room,title,organisation,outcome,attendance,note"
    # past sessions only: pantry 8 and 15 Jan, debt advice 12 Jan
    assert [line.split(",")[1:3] + line.split(",")[8:10] for line in lines[1:]] == [
        ["2027-01-08", "12:00", "took place", "31"],
        ["2027-01-12", "10:00", "took place", "3"],
        ["2027-01-15", "12:00", "", ""],
    ]
    (tmp_path / "back.csv").write_text(text.replace(",,\n", ",,\n"), encoding="utf-8")
    assert service.import_file(tmp_path / "back.csv").unchanged == 2  # the export reads back unchanged


def test_learning_facts_come_from_the_database(service, booked, sessions) -> None:
    rows = sheet(service, booked, date(2027, 1, 8)) + sheet(service, booked, date(2027, 1, 12))
    service.record(AttendanceEntry(rows[0].occurrence_id, Outcome.TOOK_PLACE, 31))
    service.record(AttendanceEntry(rows[1].occurrence_id, Outcome.NO_SHOW))
    data = LearningService(sessions).learning_data(booked.term_id)
    facts = {(s.title, s.day): s for s in data.term.sessions}
    assert len(facts) == 5  # 4 pantry Fridays + 1 debt advice
    assert (facts[("Food pantry", date(2027, 1, 8))].outcome, facts[("Food pantry", date(2027, 1, 8))].headcount) == (
        "took_place",
        31,
    )
    debt = facts[("Debt advice", date(2027, 1, 12))]
    assert (debt.visibility, debt.outcome, debt.start, debt.end, debt.room) == (
        "private",
        "no_show",
        600,
        660,
        "Meeting Room 1",
    )
    # Spring 2027 is 4 Jan - 26 Mar (82 days); Good Friday 26 Mar 2027 is a bank holiday
    assert len(data.term.open_days) == 81 and date(2027, 3, 26) not in data.term.open_days
    summary = fig.summary(data.term)
    assert (summary.sessions, summary.recorded, summary.held, summary.no_show, summary.attendance) == (5, 2, 1, 1, 31)


def add_autumn_with_attendance(sessions, borough: Borough) -> int:
    with sessions.begin() as s:
        autumn = Term(name="Autumn 2026", first_day=date(2026, 12, 1), last_day=date(2026, 12, 18))
        s.add(autumn)
        s.flush()
        autumn_id = autumn.id
    book(sessions, borough, first_date=date(2026, 12, 4), last_date=date(2026, 12, 18), term_id=autumn_id)
    service = AttendanceService(sessions, "Tester", clock=lambda: NOW)
    rows = service.sessions_between(date(2026, 12, 1), date(2026, 12, 18))
    for row, n in zip(rows, (30, 20, 27), strict=True):  # median 27
        service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, n))
    return add_pantry_request(sessions, borough, NOW, attendance=80, duration_min=180)


def test_a_continuing_request_is_suggested_last_terms_median(sessions, borough) -> None:
    request_id = add_autumn_with_attendance(sessions, borough)
    learning = LearningService(sessions, "Manager")
    suggestion = learning.suggested_size(borough.term_id, borough.pantry_id, " food Pantry ")
    assert (suggestion.median, suggestion.source) == (27, "median attendance of 3 held session(s) in Autumn 2026")
    assert learning.suggestions(borough.term_id)[request_id].median == 27
    assert learning.suggested_size(borough.term_id, borough.advice_id, "Food pantry") is None


def test_a_suggestion_counts_only_its_own_organisations_sessions(sessions, borough) -> None:
    """Another organisation's series of the same title, recorded too, changes neither suggestion."""
    add_autumn_with_attendance(sessions, borough)
    with sessions() as s:
        autumn_id = s.scalars(select(Term.id).where(Term.name == "Autumn 2026")).one()
    book(
        sessions,
        borough,
        room_id=borough.meeting_id,
        organisation_id=borough.advice_id,
        first_date=date(2026, 12, 7),
        last_date=date(2026, 12, 14),
        start=time(9),
        duration_min=60,
        attendance=5,
        term_id=autumn_id,
    )
    service = AttendanceService(sessions, "Tester", clock=lambda: NOW)
    advice_rows = [
        r for r in service.sessions_between(date(2026, 12, 1), date(2026, 12, 18)) if r.room == "Meeting Room 1"
    ]
    for row, n in zip(advice_rows, (4, 6), strict=True):
        service.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, n))
    learning = LearningService(sessions, "Manager")
    pantry = learning.suggested_size(borough.term_id, borough.pantry_id, "Food pantry")
    advice = learning.suggested_size(borough.term_id, borough.advice_id, "Food pantry")
    assert (pantry.median, advice.median) == (27, 5)


def test_allocation_uses_recorded_attendance_only_when_the_term_says_so(sessions, borough) -> None:
    request_id = add_autumn_with_attendance(sessions, borough)
    allocation = bootstrap(sessions, "Manager").allocation
    problem, _ = allocation.build_problem(borough.term_id)
    assert problem.request(request_id).size == 80  # requested size by default
    LearningService(sessions, "Manager").set_size_source(borough.term_id, SizeSource.RECORDED)
    problem, _ = allocation.build_problem(borough.term_id)
    assert problem.request(request_id).size == 27
    preview = allocation.preview(borough.term_id, time_limit=5)
    assert preview.size_note == (
        "Room fit used recorded attendance (median of last term) for 1 of 1 requests, "
        "the requested size for the others."
    )
    with sessions() as s:
        assert s.scalars(select(AuditEntry.summary).where(AuditEntry.action == "set-size-source")).one() == (
            "Spring 2027: room fit uses recorded attendance"
        )


def test_closures_of_the_term_carry_their_rehoming_counts(service, booked, sessions) -> None:
    from models.types import ClosureScope
    from scheduler.services.closures import ClosureDraft

    # closing Main Hall on Fri 22 Jan displaces that day's pantry; with no re-homing plan it is cancelled
    bootstrap(sessions, "Manager").closures.add(
        ClosureDraft(ClosureScope.ROOM, date(2027, 1, 22), date(2027, 1, 22), "Floor repair", room_id=booked.hall_id)
    )
    data = LearningService(sessions).learning_data(booked.term_id)
    assert [(c.where, c.reason, c.rehomed, c.cancelled) for c in data.term.closures] == [
        ("Main Hall, Ilford Civic Hub", "Floor repair", 0, 1)
    ]
    assert len(data.term.sessions) == 4  # the cancelled session no longer counts as booked


def test_undoing_several_sessions_is_all_or_nothing(service, booked, sessions) -> None:
    rows = sheet(service, booked, date(2027, 1, 8)) + sheet(service, booked, date(2027, 1, 15))
    changes = service.record_many([AttendanceEntry(r.occurrence_id, Outcome.TOOK_PLACE, 20) for r in rows])
    # someone corrects the second session meanwhile
    other = AttendanceService(sessions, "Someone Else", clock=lambda: NOW)
    other.record(AttendanceEntry(rows[1].occurrence_id, Outcome.TOOK_PLACE, 22))
    with pytest.raises(StaleEdit, match="Fri 15 Jan 2027"):
        service.restore_many([(c.occurrence_id, c.before, c.after.version) for c in changes])
    # the first session was not undone either
    assert service.state(rows[0].occurrence_id).headcount == 20
