"""`hubsched hubs|rooms|orgs|teams|terms ...` and `hubsched init` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from models import db
from scheduler import cli
from scheduler.commands import reference as reference_commands
from tests.builders import make_borough


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    engine = db.make_engine(migrated_sqlite_url)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    return migrated_sqlite_url


def hubsched(url: str, *args: str) -> int:
    return cli.main(["--db", url, "--operator", "Tester", *args])


def test_init_starts_an_empty_borough_once(sqlite_url, capsys) -> None:
    assert hubsched(sqlite_url, "init") == 0
    assert "Add your hubs and their opening hours" in capsys.readouterr().out
    assert hubsched(sqlite_url, "init", "--demo") == 2
    assert capsys.readouterr().err.startswith("hubsched: error: this database already holds a borough")


def test_init_demo_loads_the_demo(tmp_path, capsys) -> None:
    assert hubsched(f"sqlite:///{tmp_path / 'demo.sqlite3'}", "init", "--demo") == 0
    assert capsys.readouterr().out.startswith("loaded the demo borough: 6 hubs")


def test_hubs_without_an_action_lists_them_with_hours(url, capsys) -> None:
    assert hubsched(url, "hubs") == 0
    out = capsys.readouterr().out
    assert "Ilford Civic Hub — Clements Road, Ilford IG1 1EA" in out
    assert "open Mon 09:00-17:00; Tue 09:00-17:00 18:00-21:00; Wed-Fri 09:00-17:00; Sun 00:00-12:00" in out


def test_add_edit_and_list_as_json(url, capsys) -> None:
    assert hubsched(url, "rooms", "add", "Booth", "--hub", "Hainault Hub", "--capacity", "4", "--steps") == 0
    assert hubsched(url, "rooms", "edit", "Booth", "--hub", "Hainault Hub", "--capacity", "6", "--json") == 0
    edited = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert edited["capacity"] == 6 and edited["step_free"] is False and edited["version"] == 2
    assert hubsched(url, "rooms", "list", "--hub", "Hainault Hub", "--json") == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["Booth", "Main Hall"]


def test_a_mistake_is_one_line_with_a_suggestion(url, capsys) -> None:
    assert hubsched(url, "rooms", "add", "Booth", "--hub", "Hainalt Hub", "--capacity", "4") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean Hainault Hub?" in err


def test_a_change_under_booked_sessions_lists_them_and_needs_yes(url, capsys, monkeypatch) -> None:
    booking = [
        "book", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--org", "Ilford Food Pantry", "--title",
        "Food pantry", "--date", "2027-01-15", "--start", "12:00", "--end", "15:00", "--attendance", "40",
    ]  # fmt: skip
    assert hubsched(url, *booking) == 0
    capsys.readouterr()
    assert hubsched(url, "rooms", "edit", "Main Hall", "--hub", "Ilford Civic Hub", "--capacity", "20") == 2
    err = capsys.readouterr().err
    assert "  Food pantry (Ilford Food Pantry) on Fri 15 Jan 2027 12:00–15:00" in err
    assert err.splitlines()[-1].endswith(
        "(give --yes to go ahead) affects 1 booked session(s): " + err.splitlines()[0].strip()
    )
    assert hubsched(url, "rooms", "list", "--json") == 0
    assert [r["capacity"] for r in json.loads(capsys.readouterr().out) if r["name"] == "Main Hall"][1] == 100
    assert hubsched(url, "rooms", "edit", "Main Hall", "--hub", "Ilford Civic Hub", "--capacity", "20", "--yes") == 0


def test_orgs_merge_and_terms(url, capsys) -> None:
    assert hubsched(url, "orgs", "add", "Ilford Pantry", "--sector", "resident", "--contact", "Sam|Lead|s@x.org") == 0
    assert hubsched(url, "orgs", "merge", "Ilford Pantry", "--into", "Ilford Food Pantry") == 0
    assert (
        "Merged Ilford Pantry into Ilford Food Pantry: 0 request(s), 0 booking(s), 1 contact(s)"
        in capsys.readouterr().out
    )
    assert hubsched(url, "terms", "add", "Summer 2027", "--from", "12/04/2027", "--to", "2027-07-21",
                    "--follows", "Spring 2027") == 0  # fmt: skip
    assert hubsched(url, "terms", "list") == 0
    assert "Summer 2027          Mon 12 Apr 2027 – Wed 21 Jul 2027  (follows Spring 2027)" in capsys.readouterr().out
    assert hubsched(url, "teams", "add", "Health visitor", "--org", "Citizens Advice Redbridge") == 0
    assert hubsched(url, "teams", "retire", "Health visitor") == 0
    assert hubsched(url, "terms", "retire", "Summer 2027") == 0


def test_exception_specs_are_read() -> None:
    spec = reference_commands.parse_exception("2026-12-01..2027-02-28 Thu 09:00-21:00 Winter late")
    assert (spec.weekday, spec.opens.hour, spec.closes.hour, spec.note) == (3, 9, 21, "Winter late")
    closed = reference_commands.parse_exception("22/01/2027 closed Boiler repair")
    assert closed.opens is None and closed.first_day == closed.last_day == datetime(2027, 1, 22, tzinfo=UTC).date()


def test_template_import_check_and_export_from_the_command_line(url, tmp_path, capsys) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "rooms.xlsx"
    assert hubsched(url, "template", "rooms", str(template)) == 0
    book = load_workbook(template)
    book["Rooms"].append(["Hainault Hub", "Booth", 4, None, "no"])
    book["Rooms"].append(["Hainalt Hub", "Other", "many"])
    book.save(template)
    capsys.readouterr()
    assert hubsched(url, "import", "rooms", str(template), "--check") == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Rooms, row 3, column A (Hub): unknown hub 'Hainalt Hub' (did you mean Hainault Hub?); "
        "known hubs: Hainault Hub, Ilford Civic Hub",
        "Rooms, row 3, column C (Capacity): 'many' is not a whole number (capacity is 1 to 2000)",
    ]
    assert err == f"hubsched: error: 2 problem(s) in {template.name}; nothing imported\n"
    book["Rooms"].delete_rows(3)
    book.save(template)
    assert hubsched(url, "import", "rooms", str(template), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] and data["counts"] == {"add": 1, "update": 0, "unchanged": 0}
    booking = [
        "book", "--hub", "Hainault Hub", "--room", "Booth", "--org", "Ilford Food Pantry", "--title", "Chat",
        "--date", "2027-01-15", "--start", "10:00", "--end", "11:00", "--repeat", "weekly", "--until", "2027-01-29",
    ]  # fmt: skip
    assert hubsched(url, *booking) == 0
    out_file = tmp_path / "bookings.csv"
    assert hubsched(url, "export", "bookings", str(out_file), "--from", "2027-01-01", "--to", "2027-01-31",
                    "--hub", "Hainault Hub") == 0  # fmt: skip
    assert "wrote 3 bookings row(s)" in capsys.readouterr().out
    assert out_file.read_text(encoding="utf-8-sig").splitlines()[1].startswith("2027-01-15,10:00,11:00,Hainault Hub")
    assert hubsched(url, "export", "bookings", str(out_file), "--from", "2027-01-01") == 2
    assert "give the dates" in capsys.readouterr().err
