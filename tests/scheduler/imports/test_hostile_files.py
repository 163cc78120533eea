"""Hostile and awkward files: each works or is refused with one clear line, and refusing changes nothing.

Time and memory limits are measured in bench/imports.py, not asserted here.
"""

from __future__ import annotations

import zipfile
from datetime import date, time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models.entities import AuditEntry, Request
from scheduler import cli
from scheduler.imports import values
from scheduler.imports.workbook import MAX_ROWS, MAX_UNPACKED_BYTES, UnreadableFile
from tests.scheduler.imports.conftest import fill, request_row

HEADINGS = [
    "Title", "Organisation", "Size", "Duration", "Frequency", "Weekdays", "Time windows", "Acceptable hubs",
]  # fmt: skip


def counts(sessions) -> tuple[int, int]:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Request)), s.scalar(
            select(func.count()).select_from(AuditEntry)
        )


def refused(sheets, borough, path: Path, sessions) -> str:
    before = counts(sessions)
    with pytest.raises(UnreadableFile) as error:
        sheets.apply("requests", path, borough.term_id)
    assert counts(sessions) == before
    message = str(error.value)
    assert "\n" not in message and path.name in message
    return message


def test_an_xlsx_that_is_not_a_zip_is_refused(sheets, borough, sessions, tmp_path) -> None:
    path = tmp_path / "requests.xlsx"
    path.write_text("Title,Organisation\nthis is really a CSV\n")
    assert "is not an .xlsx workbook (not a zip file)" in refused(sheets, borough, path, sessions)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(sheets, borough, sessions, tmp_path) -> None:
    path = tmp_path / "bomb.xlsx"
    chunk = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
            member.write(chunk)
    assert path.stat().st_size < 1024 * 1024  # small on disk, huge unpacked
    assert "refusing it" in refused(sheets, borough, path, sessions)


@pytest.fixture(scope="module")
def huge_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workbook and a CSV of 100,000 rows, written once for both databases (writing takes seconds)."""
    folder = tmp_path_factory.mktemp("huge")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Requests")
    sheet.append(HEADINGS)
    row = ["Advice", "Citizens Advice Redbridge"]  # two cells a row keep writing the file quick
    for _ in range(100_000):
        sheet.append(row)
    book.save(folder / "huge.xlsx")
    (folder / "huge.csv").write_text(",".join(HEADINGS) + "\n" + (",".join(row) + "\n") * 100_000)
    return folder / "huge.xlsx", folder / "huge.csv"


@pytest.mark.slow
def test_a_hundred_thousand_rows_are_refused_after_reading_only_the_limit(
    sheets, borough, sessions, huge_files
) -> None:
    for path in huge_files:
        assert f"more than {MAX_ROWS} rows" in refused(sheets, borough, path, sessions)


def test_formulas_are_refused_naming_the_cell(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(tmp_path / "t.xlsx", tmp_path / "f.xlsx", [request_row(Size="=5*2")])
    message = refused(sheets, borough, path, sessions)
    assert "cell E2 has a formula; type the value instead" in message


def test_merged_cells_are_refused(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(tmp_path / "t.xlsx", tmp_path / "m.xlsx", [request_row(), request_row(Title="Other")])
    book = load_workbook(path)
    book.worksheets[0].merge_cells("C2:C3")
    book.save(path)
    assert "merged cells (C2:C3)" in refused(sheets, borough, path, sessions)


def test_a_csv_with_a_utf8_bom_and_12_hour_times_imports(sheets, borough, sessions, tmp_path) -> None:
    path = tmp_path / "requests.csv"
    path.write_bytes(
        (
            ",".join(HEADINGS)
            + "\r\nConversation café,Citizens Advice Redbridge,8,60,weekly,Wed,2:30 PM-4:30 PM,Ilford Civic Hub\r\n"
        ).encode("utf-8-sig")
    )
    check = sheets.apply("requests", path, borough.term_id)
    assert check.ok and [r.label for r in check.rows] == ["Conversation café (Citizens Advice Redbridge)"]
    with sessions() as s:
        request = s.scalars(select(Request)).one()
        assert (request.windows[0].start, request.windows[0].end) == (time(14, 30), time(16, 30))


def test_times_and_numbers_stored_as_spreadsheet_values_import(sheets, borough, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(tmp_path / "t.xlsx", tmp_path / "v.xlsx", [request_row(Size=10.0, Duration="90")])
    assert sheets.apply("requests", path, borough.term_id).ok


def test_a_missing_required_column_is_one_line(sheets, borough, sessions, tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Title,Organisation\nAdvice,Citizens Advice Redbridge\n")
    assert "lacks the column(s) Size, Duration" in refused(sheets, borough, path, sessions)


def test_an_unrelated_file_type_is_refused(sheets, borough, sessions, tmp_path) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert "only .xlsx workbooks and .csv files" in refused(sheets, borough, path, sessions)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2027-01-04", date(2027, 1, 4)), ("04/01/2027", date(2027, 1, 4)), ("4 Jan 2027", date(2027, 1, 4))],
)
def test_dates_typed_as_text_are_read_day_first(typed, expected) -> None:
    assert values.parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2:30 PM", time(14, 30)), ("2pm", time(14)), ("14.30", time(14, 30)), ("12:15 am", time(0, 15)), (0.5, time(12))],
)
def test_times_as_people_type_them(typed, expected) -> None:
    assert values.parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "14", "13:00 PM", "noonish"])
def test_times_that_are_not_times_say_what_is_accepted(typed) -> None:
    with pytest.raises(ValueError, match=r"use HH:MM|12-hour"):
        values.parse_time(typed)


def test_the_cli_prints_one_line_for_a_hostile_file(borough, db_url, tmp_path, capsys) -> None:
    path = tmp_path / "requests.xlsx"
    path.write_bytes(b"not a zip at all")
    code = cli.main(["--db", db_url, "import", "requests", str(path), "--term", "Spring 2027"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("hubsched: error: requests.xlsx is not an .xlsx workbook")
