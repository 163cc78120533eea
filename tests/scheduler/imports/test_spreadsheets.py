"""Templates, checked all-or-nothing imports and round-tripping exports, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models.entities import AuditEntry, Contact, Organisation, Request, Room
from models.types import Frequency, Visibility
from scheduler.imports.service import BookingFilter, ImportRefused
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.requests import RequestService
from tests.scheduler.imports.conftest import fill, request_row


def table_counts(sessions) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Request, Organisation, Room, AuditEntry))


# --- templates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["requests", "rooms", "organisations"])
def test_template_has_header_lists_and_instructions(kind, sheets, borough, tmp_path) -> None:
    path = tmp_path / f"{kind}.xlsx"
    sheets.template(kind, path)
    book = load_workbook(path)
    assert book.sheetnames == [kind.capitalize(), "Lists", "Instructions"]
    header = [c.value for c in book.worksheets[0][1]]
    assert header[0].endswith(" *")
    lists = book["Lists"]
    columns = {lists.cell(row=1, column=c).value: c for c in range(1, lists.max_column + 1)}
    hubs = [lists.cell(row=r, column=columns["hubs"]).value for r in range(2, 4)]
    assert hubs == ["Hainault Hub", "Ilford Civic Hub"]
    validations = {str(v.sqref): v.formula1 for v in book.worksheets[0].data_validations.dataValidation}
    assert any(f.startswith("Lists!") for f in validations.values())
    instructions = [c.value for c in book["Instructions"]["B"] if c.value]
    assert any("*" in line or "row" in line for line in instructions)


def test_requests_template_offers_sectors_hubs_facilities_weekdays_frequency(sheets, borough, tmp_path) -> None:
    path = tmp_path / "requests.xlsx"
    sheets.template("requests", path)
    book = load_workbook(path)
    header = [str(c.value).rstrip(" *") for c in book["Requests"][1]]
    lists = book["Lists"]
    names = [lists.cell(row=1, column=c).value for c in range(1, lists.max_column + 1)]
    validated = {}
    for v in book["Requests"].data_validations.dataValidation:
        column_letter = str(v.sqref)[0]
        list_letter = v.formula1.split("$")[1]
        validated[header[ord(column_letter) - 65]] = names[ord(list_letter) - 65]
    assert validated["Sector"] == "sectors"
    assert validated["Acceptable hubs"] == "hubs"
    assert validated["Facilities"] == "facilities"
    assert validated["Weekdays"] == "weekdays"
    assert validated["Frequency"] == "frequencies"


# --- import ----------------------------------------------------------------------------------------------------


def test_import_requests_adds_them_and_a_new_organisation(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(
        tmp_path / "t.xlsx",
        tmp_path / "filled.xlsx",
        [
            request_row(Notes="Bring leaflets", **{"Shared person": "DWP work coach"}),
            request_row(
                Title="Knit and natter",
                Organisation="Hainault Knitters",
                Sector="resident",
                Size=8,
                Duration=60,
                Frequency="monthly",
                **{"Week of month": "last", "Weekdays": "Thu", "Time windows": "2:30 PM - 4:30 PM"},
                **{"Acceptable hubs": "Hainault Hub, Ilford Civic Hub", "Preferred hubs": "Hainault Hub"},
            ),
        ],
    )
    check = sheets.check("requests", path, borough.term_id)
    assert check.ok and [r.action for r in check.rows] == ["add", "add"]
    assert check.rows[1].detail == "new organisation Hainault Knitters"
    sheets.apply("requests", path, borough.term_id)
    rows = {r.title: r for r in RequestService(sessions, "t").list(borough.term_id)}
    assert rows["Housing advice"].windows == "Mon 09:00–12:00, Wed 09:00–12:00"
    assert rows["Knit and natter"].windows == "Thu 14:30–16:30"
    assert rows["Knit and natter"].preferred_hubs == ("Hainault Hub",)
    with sessions() as s:
        knit = s.scalars(select(Request).where(Request.title == "Knit and natter")).one()
        assert knit.nth == -1 and knit.frequency is Frequency.MONTHLY and knit.organisation.sector.value == "resident"
        assert s.scalars(select(Request).where(Request.title == "Housing advice")).one().notes == "Bring leaflets"


def test_importing_the_same_file_twice_updates_instead_of_duplicating(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    first = fill(tmp_path / "t.xlsx", tmp_path / "a.xlsx", [request_row()])
    sheets.apply("requests", first, borough.term_id)
    again = sheets.apply("requests", first, borough.term_id)
    assert [r.action for r in again.rows] == ["unchanged"]
    changed = fill(tmp_path / "t.xlsx", tmp_path / "b.xlsx", [request_row(Size=12, Title="housing ADVICE")])
    result = sheets.apply("requests", changed, borough.term_id)
    assert [(r.action, r.detail) for r in result.rows] == [("update", "updates it")]
    rows = RequestService(sessions, "t").list(borough.term_id)
    assert [(r.title, r.attendance) for r in rows] == [("housing ADVICE", 12)]


def test_one_bad_row_means_nothing_is_imported(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(
        tmp_path / "t.xlsx",
        tmp_path / "f.xlsx",
        [
            request_row(),
            request_row(Title="Second", Organisation="New Group", Sector="resident"),
            request_row(Title="Third", Size=0),
        ],
    )
    before = table_counts(sessions)
    with pytest.raises(ImportRefused) as refused:
        sheets.apply("requests", path, borough.term_id)
    assert [str(p) for p in refused.value.check.problems] == [
        "Requests, row 4, column E (Size): 0 is out of range (the expected attendance is 1 to 2000)"
    ]
    assert table_counts(sessions) == before


def _twenty_mistakes() -> tuple[list[dict[str, object]], list[tuple[int, str]]]:
    """Twenty rows, each with one seeded mistake, and the (row, column) each must be reported at."""
    rows = [
        (request_row(Title=None), "A"),
        (request_row(Organisation="Citizens Advise Redbridge"), "C"),
        (request_row(Organisation="New Group", Sector="charity"), "D"),
        (request_row(Size="ten"), "E"),
        (request_row(Size=101), "E"),  # bigger than any acceptable room
        (request_row(Duration=5), "F"),
        (request_row(Frequency="daily"), "G"),
        (request_row(Frequency="monthly", **{"Week of month": "5th"}), "H"),
        (request_row(Weekdays="Mon, Funday"), "I"),
        (request_row(**{"Time windows": "12:00-09:00"}), "J"),
        (request_row(**{"Time windows": "09:00-10:00"}), "J"),  # shorter than the 90-minute session
        (request_row(**{"Acceptable hubs": "Ilford Civic"}), "K"),
        (request_row(**{"Preferred hubs": "Hainault Hub"}), "L"),  # preferred but not acceptable
        (request_row(Facilities="Sauna"), "M"),
        (request_row(**{"Step-free": "maybe"}), "N"),
        (request_row(Visibility="secret"), "O"),
        (request_row(**{"Shared person": "Nobody"}), "P"),
        (request_row(Priority=9), "Q"),
        (request_row(**{"Runs in half-term": "sometimes"}), "R"),
        (request_row(Visibility="generic"), "B"),  # generic needs a public title
    ]
    filled = [dict(row, Title=row.get("Title") and f"Request {i}") for i, (row, _) in enumerate(rows)]
    return filled, [(i + 2, column) for i, (_, column) in enumerate(rows)]


def test_twenty_seeded_mistakes_are_reported_exactly_with_their_cells(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    rows, expected = _twenty_mistakes()
    path = fill(tmp_path / "t.xlsx", tmp_path / "mistakes.xlsx", [*rows, request_row(Title="Fine")])
    before = table_counts(sessions)
    check = sheets.check("requests", path, borough.term_id)
    assert [(p.row, p.column) for p in check.problems] == expected
    assert all(p.sheet == "Requests" and p.message for p in check.problems)
    assert "did you mean Citizens Advice Redbridge?" in check.problems[1].message
    assert "did you mean Ilford Civic Hub?" in check.problems[11].message
    assert "Ilford Civic Hub, holds 100" in check.problems[4].message or "holds 100" in check.problems[4].message
    with pytest.raises(ImportRefused):
        sheets.apply("requests", path, borough.term_id)
    assert table_counts(sessions) == before


def test_rooms_import_adds_updates_and_protects_booked_capacity(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("rooms", tmp_path / "t.xlsx")
    path = fill(
        tmp_path / "t.xlsx",
        tmp_path / "rooms.xlsx",
        [
            {"Hub": "Hainault Hub", "Room": "Booth 1", "Capacity": 4, "Step-free": "no"},
            {"Hub": "Ilford Civic Hub", "Room": "Main Hall", "Capacity": 120, "Facilities": "Kitchen"},
        ],
    )
    result = sheets.apply("rooms", path, None)
    assert [(r.action, r.label) for r in result.rows] == [
        ("add", "Booth 1, Hainault Hub"),
        ("update", "Main Hall, Ilford Civic Hub"),
    ]
    BookingService(sessions, "t").book(
        NewBooking(borough.hall_id, borough.pantry_id, "Food pantry", date(2099, 1, 16), time(12), 60, attendance=80)
    )
    shrink = fill(
        tmp_path / "t.xlsx", tmp_path / "s.xlsx", [{"Hub": "Ilford Civic Hub", "Room": "Main Hall", "Capacity": 50}]
    )
    check = sheets.check("rooms", shrink, None)
    assert [(p.row, p.column) for p in check.problems] == [(2, "C")]
    assert "80 expected at 1 booked session" in check.problems[0].message


def test_organisations_import_with_contacts(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("organisations", tmp_path / "t.xlsx")
    path = fill(
        tmp_path / "t.xlsx",
        tmp_path / "orgs.xlsx",
        [
            {"Name": "Redbridge CVS", "Sector": "partner", "Contact name": "Jo", "Contact email": "jo@cvs.org"},
            {"Name": "Redbridge CVS", "Sector": "partner", "Contact name": "Ali", "Contact phone": "0208"},
            {"Name": "Ilford Food Pantry", "Sector": "resident", "Default priority": 4, "Notes": "Fridays"},
        ],
    )
    result = sheets.apply("organisations", path, None)
    assert sorted((r.action, r.label) for r in result.rows) == [
        ("add", "Redbridge CVS"),
        ("update", "Ilford Food Pantry"),
    ]
    with sessions() as s:
        assert sorted(s.scalars(select(Contact.name))) == ["Ali", "Jo"]
        assert (
            s.scalars(select(Organisation).where(Organisation.name == "Ilford Food Pantry")).one().default_priority == 4
        )
    bad = fill(tmp_path / "t.xlsx", tmp_path / "bad.xlsx", [{"Name": "X", "Sector": "partner", "Contact email": "x@"}])
    assert [(p.row, p.column) for p in sheets.check("organisations", bad, None).problems] == [(2, "F"), (2, "H")]


# --- export and round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("kind", ["requests", "rooms", "organisations"])
def test_export_then_import_changes_nothing(kind, suffix, sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    seed = fill(
        tmp_path / "t.xlsx",
        tmp_path / "seed.xlsx",
        [
            request_row(
                Notes="n", Visibility="generic", **{"Public title": "Advice session", "Shared person": "DWP work coach"}
            ),
            request_row(
                Title="Lunch club", Organisation="Ilford Food Pantry", Size=30, Duration=120, Facilities="Kitchen",
                Weekdays="Tue, Thu", **{"Time windows": "Tue 11:00-14:00; Thu 12:00-15:00", "Runs in half-term": "yes"},
            ),
            request_row(Title="Surgery", Frequency="monthly", **{"Week of month": "2", "Weekdays": "Fri"}),
        ],
    )  # fmt: skip
    sheets.apply("requests", seed, borough.term_id)
    with sessions.begin() as s:
        s.add(Contact(organisation_id=borough.pantry_id, name="Ana", role="Chair", email="a@b.org", phone="1"))
    exported = tmp_path / f"export{suffix}"
    sheets.export(kind, exported, term_id=borough.term_id)
    before = table_counts(sessions)
    with sessions() as s:
        versions = sorted(s.scalars(select(Request.version)))
    check = sheets.apply(kind, exported, borough.term_id)
    assert check.rows and {r.action for r in check.rows} == {"unchanged"}
    after = table_counts(sessions)
    assert after[:3] == before[:3] and after[3] == before[3] + 1  # only the import's own audit entry
    with sessions() as s:
        assert sorted(s.scalars(select(Request.version))) == versions


def test_export_requests_carries_the_allocation_result(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    sheets.apply("requests", fill(tmp_path / "t.xlsx", tmp_path / "a.xlsx", [request_row()]), borough.term_id)
    with sessions.begin() as s:
        request = s.scalars(select(Request)).one()
        request.status = "unmet"
        request.status_reason = "Housing advice: no room free on Mon or Wed 09:00–12:00"
    path = tmp_path / "out.csv"
    sheets.export("requests", path, term_id=borough.term_id)
    with path.open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert rows[0]["Status"] == "unmet" and rows[0]["Reason if unmet"].startswith("Housing advice: no room")


def test_export_bookings_per_session_and_per_series_with_filters(sheets, borough, sessions, tmp_path) -> None:
    booking = BookingService(sessions, "t")
    booking.book(
        NewBooking(
            borough.hall_id, borough.pantry_id, "Food pantry", date(2027, 1, 8), time(12), 180,
            frequency=Frequency.WEEKLY, last_date=date(2027, 1, 29), attendance=40, visibility=Visibility.PUBLIC,
        )
    )  # fmt: skip
    booking.book(NewBooking(borough.hainault_hall_id, borough.advice_id, "Advice", date(2027, 1, 11), time(10), 60))
    path = tmp_path / "b.xlsx"
    assert sheets.export("bookings", path, bookings=BookingFilter(date(2027, 1, 1), date(2027, 1, 31))) == 5
    assert (
        sheets.export(
            "bookings", path, bookings=BookingFilter(date(2027, 1, 1), date(2027, 1, 31), hub_id=borough.civic_id)
        )
        == 4
    )
    n = sheets.export("bookings", path, bookings=BookingFilter(date(2027, 1, 1), date(2027, 1, 31), per_series=True))
    assert n == 2
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["Hub", "Room", "Organisation", "Title"]
    n = sheets.export(
        "bookings", path, bookings=BookingFilter(date(2027, 1, 1), date(2027, 1, 31), organisation_id=borough.advice_id)
    )
    assert n == 1
