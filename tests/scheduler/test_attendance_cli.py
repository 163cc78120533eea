"""`hubsched attendance ...` and `hubsched report term ...` as a user runs them (Qt-free parts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import db
from scheduler import cli
from tests.learning_borough import make_learning_borough
from tests.scheduler.test_cli import row_counts


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    engine = db.make_engine(migrated_sqlite_url)
    make_learning_borough(db.make_session_factory(engine), record=False)
    engine.dispose()
    return migrated_sqlite_url


def run(url: str, *args: str) -> int:
    return cli.main(["--db", url, "--operator", "Tester", *args])


def test_record_then_export(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["attendance", "record", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--date", "2026-11-06"]
    assert run(url, *args, "--start", "12:00", "--count", "31", "--note", "rain") == 0
    assert capsys.readouterr().out == (
        "recorded Food pantry (Ilford Food Pantry) on Fri 06 Nov 2026 12:00–15:00: took place, 31 came\n"
    )
    assert run(url, "attendance", "export", "--from", "2026-11-01", "--to", "2026-11-30") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 6  # header + 4 pantry Fridays + 2 debt advice Tuesdays
    pantry = next(line for line in lines if ",2026-11-06," in line)
    assert pantry.endswith(",Food pantry,Ilford Food Pantry,took place,31,rain")


def test_import_a_sheet_then_mistakes_are_one_line(url: str, tmp_path: Path, capsys) -> None:
    sheet = tmp_path / "week.csv"
    sheet.write_text(
        "date,start,hub,room,outcome,attendance\n"
        "2026-11-06,12:00,Ilford Civic Hub,Main Hall,,31\n"
        "2026-11-03,10:00,Ilford Civic Hub,Meeting Room 1,no-show,\n",
        encoding="utf-8",
    )
    assert run(url, "attendance", "import", str(sheet), "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"recorded": 2, "unchanged": 0}
    before = row_counts(url)
    sheet.write_text("date,start,hub,room,outcome,attendance\n2026-11-06,12:00,Ilford Civic Hub,Main Hall,maybe,3\n")
    assert run(url, "attendance", "import", str(sheet)) == 2
    assert capsys.readouterr().err == (
        "hubsched: error: line 2: 'maybe' is not an outcome (took place, late cancel or no-show)\n"
    )
    assert run(url, "attendance", "record", "--session", "1") == 2
    assert "give --count N" in capsys.readouterr().err
    assert row_counts(url) == before


def test_report_xlsx_and_json_without_qt(url: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "report.xlsx"
    assert run(url, "report", "term", "Autumn 2026", "--xlsx", str(path), "--json") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {path} (8 sheets)\n")
    data = json.loads(out.split("\n", 1)[1])
    assert data["disclosure_control"] is True and data["sections"][0]["title"] == "Term report: Autumn 2026"
    assert load_workbook(path, read_only=True).sheetnames[0] == "Summary"
    # the Qt-free CLI cannot write the PDF; the installed entry point passes the renderer
    assert run(url, "report", "term", "Autumn 2026", "--pdf", str(tmp_path / "r.pdf")) == 2
    assert "PDF output needs the desktop app's Qt" in capsys.readouterr().err
    assert run(url, "report", "term", "Winter 2030", "--json") == 2
    assert "unknown term 'Winter 2030'; known terms: Autumn 2026, Spring 2027" in capsys.readouterr().err


def test_sizes_lists_suggestions_and_sets_the_terms_choice(url: str, capsys) -> None:
    for day, count in (("2026-11-06", "30"), ("2026-11-13", "26"), ("2026-11-20", "14")):
        args = ["attendance", "record", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--date", day]
        assert run(url, *args, "--start", "12:00", "--count", count) == 0
    capsys.readouterr()
    assert run(url, "attendance", "sizes", "--term", "Spring 2027", "--use", "recorded", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    # no Spring request continues the pantry yet: nothing to suggest, but the choice is saved
    assert data == {"term": "Spring 2027", "size_source": "recorded", "suggestions": []}
    assert run(url, "attendance", "sizes", "--term", "Spring 2027") == 0
    assert capsys.readouterr().out.splitlines()[0] == "Spring 2027: room fit uses recorded attendance"
