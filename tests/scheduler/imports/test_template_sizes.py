"""The requests template for a term suggests each continuing series' size from last term's attendance
(issue 16 §4), on SQLite and PostgreSQL: rows read back with openpyxl (and csv), and imported unchanged."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models.entities import Request, RequestHub, RequestWindow, Term
from models.types import Frequency, Outcome, Visibility
from scheduler import cli
from scheduler.services.attendance import AttendanceEntry, AttendanceService
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import Borough

BOOKED_AT = datetime(2026, 10, 1, 9, tzinfo=UTC)  # the autumn series were booked before they ran
RECORDED_AT = datetime(2027, 1, 2, 9, tzinfo=UTC)  # attendance entered after the autumn term ended
NOTES = ["Suggested size", "Size suggested from", "Last term"]


@pytest.fixture
def autumn(sessions, borough: Borough) -> Borough:
    """Autumn 2026 (2 Nov - 18 Dec) before the borough's Spring 2027, with:

    - Food pantry, Fridays 12:00-15:00 in Main Hall, booked for 40: 7 Fridays; recorded 31, 27, 14, 40, 22,
      one late cancellation and one no-show -> held [14, 22, 27, 31, 40], median 27.
    - Debt advice, Tuesdays 10:00-11:00 in Meeting Room 1, booked for 8: 4 of 7 recorded, 5, 6, 3, 4 ->
      [3, 4, 5, 6], median 4.5, rounded half up to 5.
    - Job club, Wednesdays 14:00-16:00 in Hainault's Main Hall, booked for 20: nothing recorded -> 20, as booked.
    - Conversation café, Thursdays, booked on to 25 Mar 2027: already runs in Spring, not in the template.
    - Benefits check, one session on 10 Nov: not a regular series, not in the template.
    """
    with sessions.begin() as s:
        s.add(Term(name="Autumn 2026", first_day=date(2026, 11, 2), last_day=date(2026, 12, 18)))
    booking = BookingService(sessions, "Tester", clock=lambda: BOOKED_AT)

    def book(**fields) -> None:
        defaults = dict(frequency=Frequency.WEEKLY, last_date=date(2026, 12, 18))
        booking.book(NewBooking(**{**defaults, **fields}))  # type: ignore[arg-type]

    book(room_id=borough.hall_id, organisation_id=borough.pantry_id, title="Food pantry",
         first_date=date(2026, 11, 6), start=time(12), duration_min=180, attendance=40)  # fmt: skip
    book(room_id=borough.meeting_id, organisation_id=borough.advice_id, title="Debt advice",
         visibility=Visibility.PRIVATE, first_date=date(2026, 11, 3), start=time(10), duration_min=60,
         attendance=8)  # fmt: skip
    book(room_id=borough.hainault_hall_id, organisation_id=borough.advice_id, title="Job club",
         first_date=date(2026, 11, 4), start=time(14), duration_min=120, attendance=20)  # fmt: skip
    book(room_id=borough.meeting_id, organisation_id=borough.pantry_id, title="Conversation café",
         first_date=date(2026, 11, 5), last_date=date(2027, 3, 25), start=time(14), duration_min=60,
         attendance=8)  # fmt: skip
    book(room_id=borough.meeting_id, organisation_id=borough.pantry_id, title="Benefits check",
         first_date=date(2026, 11, 10), last_date=None, frequency=Frequency.ONCE, start=time(15), duration_min=60,
         attendance=3)  # fmt: skip

    attendance = AttendanceService(sessions, "Front desk", clock=lambda: RECORDED_AT)
    rows = attendance.sessions_between(date(2026, 11, 2), date(2026, 12, 18))
    pantry = [r for r in rows if r.title == "Food pantry"]
    advice = [r for r in rows if r.title == "Debt advice"]
    assert (len(pantry), len(advice)) == (7, 7)
    for row, (outcome, n) in zip(
        pantry,
        [(Outcome.TOOK_PLACE, 31), (Outcome.TOOK_PLACE, 27), (Outcome.LATE_CANCEL, None), (Outcome.TOOK_PLACE, 14),
         (Outcome.NO_SHOW, None), (Outcome.TOOK_PLACE, 40), (Outcome.TOOK_PLACE, 22)],
        strict=True,
    ):  # fmt: skip
        attendance.record(AttendanceEntry(row.occurrence_id, outcome, n))
    for row, n in zip(advice[:4], (5, 6, 3, 4), strict=True):
        attendance.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, n))
    return borough


def sheet_rows(path) -> list[dict[str, object]]:
    sheet = load_workbook(path)["Requests"]
    headings = [str(c.value).removesuffix(" *") for c in sheet[1]]
    return [dict(zip(headings, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]


def spring_requests(sessions, borough: Borough) -> dict[str, Request]:
    with sessions() as s:
        found = s.scalars(
            select(Request)
            .where(Request.term_id == borough.term_id)
            .options(selectinload(Request.windows), selectinload(Request.hubs).selectinload(RequestHub.hub))
        ).all()
        return {
            r.title: (
                r.attendance,
                r.organisation.name,
                [(w.weekday, w.start, w.end) for w in r.windows],
                sorted((h.hub.name, h.preferred) for h in r.hubs),
                r.visibility.value,
                r.duration_min,
            )
            for r in found
        }


def test_the_template_suggests_each_continuing_series_size_and_says_where_it_came_from(
    sheets, autumn, tmp_path
) -> None:
    path = tmp_path / "spring.xlsx"
    assert sheets.template("requests", path, autumn.term_id) == 3
    rows = sheet_rows(path)
    # Hainault Hub's row first, then Ilford Civic Hub's by organisation
    assert [(r["Title"], r["Size"], r["Suggested size"], r["Size suggested from"]) for r in rows] == [
        ("Job club", 20, None, "no attendance recorded in Autumn 2026: the size booked last term"),
        ("Debt advice", 5, 5, "median attendance of 4 held session(s) in Autumn 2026"),
        ("Food pantry", 27, 27, "median attendance of 5 held session(s) in Autumn 2026"),
    ]
    pantry = rows[2]
    assert (pantry["Organisation"], pantry["Weekdays"], pantry["Time windows"], pantry["Acceptable hubs"]) == (
        "Ilford Food Pantry", "Fri", "12:00-15:00", "Ilford Civic Hub",
    )  # fmt: skip
    assert pantry["Last term"] == "Main Hall, Ilford Civic Hub, Fri 12:00-15:00, weekly, booked for 40"
    assert rows[1]["Visibility"] == "private"
    instructions = " ".join(c.value for c in load_workbook(path)["Instructions"]["B"] if c.value)
    assert "ran in Autumn 2026" in instructions and "importing ignores them" in instructions


def test_the_template_imported_unchanged_creates_requests_with_the_suggested_sizes(
    sheets, autumn, sessions, tmp_path
) -> None:
    path = tmp_path / "spring.xlsx"
    sheets.template("requests", path, autumn.term_id)
    check = sheets.apply("requests", path, autumn.term_id)
    assert check.ok and check.counts() == {"add": 3, "update": 0, "unchanged": 0}
    made = spring_requests(sessions, autumn)
    assert made == {
        "Food pantry": (27, "Ilford Food Pantry", [(4, time(12), time(15))], [("Ilford Civic Hub", True)],
                        "public", 180),
        "Debt advice": (5, "Citizens Advice Redbridge", [(1, time(10), time(11))], [("Ilford Civic Hub", True)],
                        "private", 60),
        "Job club": (20, "Citizens Advice Redbridge", [(2, time(14), time(16))], [("Hainault Hub", True)],
                     "public", 120),
    }  # fmt: skip
    # a second template now finds them requested, and importing it again changes nothing
    again = tmp_path / "again.xlsx"
    sheets.template("requests", again, autumn.term_id)
    assert sheets.check("requests", again, autumn.term_id).counts() == {"add": 0, "update": 0, "unchanged": 3}


def test_a_request_already_made_is_shown_as_it_stands_and_not_changed(sheets, autumn, sessions, tmp_path) -> None:
    with sessions.begin() as s:
        request = Request(term_id=autumn.term_id, organisation_id=autumn.pantry_id, title="Food Pantry",
                          visibility=Visibility.PUBLIC, attendance=80, duration_min=180, frequency=Frequency.WEEKLY,
                          created_at=RECORDED_AT)  # fmt: skip
        request.windows = [RequestWindow(weekday=4, start=time(11), end=time(16))]
        request.hubs = [RequestHub(hub_id=autumn.civic_id, preferred=True)]
        s.add(request)
    path = tmp_path / "spring.xlsx"
    sheets.template("requests", path, autumn.term_id)
    pantry = next(r for r in sheet_rows(path) if r["Organisation"] == "Ilford Food Pantry")
    assert (pantry["Title"], pantry["Size"], pantry["Suggested size"], pantry["Time windows"]) == (
        "Food Pantry", 80, 27, "11:00-16:00",
    )  # fmt: skip
    assert pantry["Size suggested from"] == (
        "already requested for Spring 2027 with size 80; not changed by importing this row "
        "(attendance suggests 27: median attendance of 5 held session(s) in Autumn 2026)"
    )
    check = sheets.apply("requests", path, autumn.term_id)
    assert check.counts() == {"add": 2, "update": 0, "unchanged": 1}
    assert spring_requests(sessions, autumn)["Food Pantry"][0] == 80


def test_the_csv_template_round_trips_too(sheets, autumn, sessions, tmp_path) -> None:
    path = tmp_path / "spring.csv"
    assert sheets.template("requests", path, autumn.term_id) == 3
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["Title"], r["Size"], r["Suggested size"]) for r in rows] == [
        ("Job club", "20", ""), ("Debt advice", "5", "5"), ("Food pantry", "27", "27"),
    ]  # fmt: skip
    assert sheets.apply("requests", path, autumn.term_id).counts()["add"] == 3
    assert {t: v[0] for t, v in spring_requests(sessions, autumn).items()} == {
        "Food pantry": 27, "Debt advice": 5, "Job club": 20,
    }  # fmt: skip


def test_without_a_term_the_template_stays_empty(sheets, autumn, tmp_path) -> None:
    path = tmp_path / "empty.xlsx"
    assert sheets.template("requests", path) == 0
    assert sheet_rows(path) == []
    assert [str(c.value) for c in load_workbook(path)["Requests"][1]][-1] == "Notes"


def test_the_command_line_fills_the_template_for_a_term(db_url, autumn, tmp_path, capsys) -> None:
    path = tmp_path / "spring.xlsx"
    code = cli.main(["--db", db_url, "template", "requests", str(path), "--term", "Spring 2027"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[-1] == "  3 row(s) filled in with the series continuing into Spring 2027"
    assert [r["Size"] for r in sheet_rows(path)] == [20, 5, 27]
    assert cli.main(["--db", db_url, "template", "rooms", str(path), "--term", "Spring 2027"]) == 2
    assert capsys.readouterr().err.strip().endswith("--term is for the requests template only")
