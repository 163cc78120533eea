"""Applying a spreadsheet check later: refused, naming what changed, when someone else changed a record it
matched (or added one it would add, or the file changed) after the check; nothing is written. SQLite and
PostgreSQL, through the service and through `hubsched import --expect CHECK.json`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, select

from models.entities import Organisation, Request, Room
from scheduler import backup as backups
from scheduler import cli
from scheduler.errors import StaleEdit
from scheduler.services.reference import OrganisationDraft, ReferenceService, RoomDraft
from scheduler.services.requests import RequestService
from tests.dbdump import dump
from tests.scheduler.imports.conftest import fill, request_row


def _rows(kind: str) -> list[dict[str, object]]:
    if kind == "requests":
        return [request_row(Size=14)]
    if kind == "rooms":
        return [{"Hub": "Ilford Civic Hub", "Room": "Main Hall", "Capacity": 90, "Facilities": "Kitchen"}]
    return [{"Name": "Ilford Food Pantry", "Sector": "resident", "Notes": "Thursdays too"}]


def _someone_else_changes(kind: str, sessions, borough) -> None:
    """Another manager's edit of the record the file's first row updates, through the app's own services."""
    if kind == "requests":
        requests = RequestService(sessions, "Someone else")
        with sessions() as s:
            request_id = s.scalar(select(Request.id).where(Request.title == "Housing advice"))
        draft, version = requests.draft_of(request_id)
        requests.update(request_id, version, replace(draft, duration_min=60))
    elif kind == "rooms":
        reference = ReferenceService(sessions, "Someone else")
        record = reference.room(borough.hall_id)
        reference.edit_room(record.id, record.version, replace(record.draft, capacity=80))
    else:
        reference = ReferenceService(sessions, "Someone else")
        record = reference.organisation(borough.pantry_id)
        reference.edit_organisation(record.id, record.version, replace(record.draft, default_priority=5))


EXPECTED = {
    "requests": "row 2: request Housing advice (Citizens Advice Redbridge) was changed by someone else",
    "rooms": "row 2: room Main Hall, Ilford Civic Hub was changed by someone else",
    "organisations": "row 2: organisation Ilford Food Pantry was changed by someone else",
}


@pytest.fixture
def with_request(sheets, borough, tmp_path) -> None:
    """Housing advice already imported once, so that the files below update it."""
    sheets.template("requests", tmp_path / "t.xlsx")
    sheets.apply("requests", fill(tmp_path / "t.xlsx", tmp_path / "first.xlsx", [request_row()]), borough.term_id)


@pytest.mark.parametrize("kind", ["requests", "rooms", "organisations"])
def test_a_record_changed_after_the_check_is_named_and_nothing_is_imported(
    kind, sheets, borough, with_request, sessions, engine: Engine, tmp_path
) -> None:
    sheets.template(kind, tmp_path / f"{kind}.xlsx")
    path = fill(tmp_path / f"{kind}.xlsx", tmp_path / f"{kind}-filled.xlsx", _rows(kind))
    term = borough.term_id if kind == "requests" else None
    checked = sheets.check(kind, path, term)
    assert checked.ok and [r.action for r in checked.rows] == ["update"]
    _someone_else_changes(kind, sessions, borough)
    before = dump(engine)
    with pytest.raises(StaleEdit) as refused:
        sheets.apply(kind, path, term, checked=checked)
    message = str(refused.value)
    assert EXPECTED[kind] in message and "after the check; nothing was imported" in message
    assert dump(engine) == before, "their change is kept and nothing of the file was written"
    # Checked again, the file applies over the change the user has now seen.
    again = sheets.check(kind, path, term)
    assert sheets.apply(kind, path, term, checked=again).counts()["update"] == 1


def test_a_row_the_check_saw_unchanged_is_not_overwritten_either(
    sheets, borough, with_request, sessions, engine, tmp_path
):
    path = tmp_path / "first.xlsx"  # the very file imported: every row unchanged
    checked = sheets.check("requests", path, borough.term_id)
    assert [r.action for r in checked.rows] == ["unchanged"]
    _someone_else_changes("requests", sessions, borough)
    before = dump(engine)
    with pytest.raises(StaleEdit, match=r"Housing advice \(Citizens Advice Redbridge\) was changed by someone else"):
        sheets.apply("requests", path, borough.term_id, checked=checked)
    assert dump(engine) == before


def test_a_record_someone_else_added_after_the_check_is_not_updated_instead(
    sheets, borough, sessions, engine, tmp_path
):
    sheets.template("rooms", tmp_path / "rooms.xlsx")
    row = {"Hub": "Hainault Hub", "Room": "Studio", "Capacity": 20}
    path = fill(tmp_path / "rooms.xlsx", tmp_path / "filled.xlsx", [row])
    checked = sheets.check("rooms", path)
    assert [r.action for r in checked.rows] == ["add"]
    ReferenceService(sessions, "Someone else").add_room(RoomDraft(borough.hainault_id, "Studio", 12))
    before = dump(engine)
    with pytest.raises(StaleEdit, match="row 2: room Studio, Hainault Hub was added by someone else after the check"):
        sheets.apply("rooms", path, checked=checked)
    assert dump(engine) == before
    with sessions() as s:
        assert s.scalar(select(Room.capacity).where(Room.name == "Studio")) == 12


def test_a_new_organisation_someone_else_added_meanwhile_is_named(sheets, borough, sessions, engine, tmp_path):
    sheets.template("requests", tmp_path / "t.xlsx")
    row = request_row(Title="Knit and natter", Organisation="Hainault Knitters", Sector="resident")
    path = fill(tmp_path / "t.xlsx", tmp_path / "filled.xlsx", [row])
    checked = sheets.check("requests", path, borough.term_id)
    assert checked.ok and "new organisation" in checked.rows[0].detail
    reference = ReferenceService(sessions, "Someone else")
    reference.add_organisation(OrganisationDraft("Hainault Knitters", borough_sector(sessions, borough)))
    before = dump(engine)
    with pytest.raises(StaleEdit, match="organisation Hainault Knitters was added by someone else"):
        sheets.apply("requests", path, borough.term_id, checked=checked)
    assert dump(engine) == before


def borough_sector(sessions, borough):
    with sessions() as s:
        return s.get(Organisation, borough.pantry_id).sector  # resident, as the file says


def test_a_file_changed_after_the_check_is_refused(sheets, borough, with_request, engine, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(tmp_path / "t.xlsx", tmp_path / "filled.xlsx", [request_row(Size=14)])
    checked = sheets.check("requests", path, borough.term_id)
    fill(tmp_path / "t.xlsx", path, [request_row(Size=40)])
    before = dump(engine)
    with pytest.raises(StaleEdit, match=r"filled\.xlsx changed since it was checked; nothing was imported"):
        sheets.apply("requests", path, borough.term_id, checked=checked)
    assert dump(engine) == before


def test_a_check_nobody_overtook_applies(sheets, borough, with_request, sessions, tmp_path) -> None:
    sheets.template("requests", tmp_path / "t.xlsx")
    path = fill(tmp_path / "t.xlsx", tmp_path / "filled.xlsx", [request_row(Size=14), request_row(Title="New")])
    checked = sheets.check("requests", path, borough.term_id)
    assert sheets.apply("requests", path, borough.term_id, checked=checked).counts() == {
        "add": 1,
        "update": 1,
        "unchanged": 0,
    }
    with sessions() as s:
        assert s.scalar(select(Request.attendance).where(Request.title == "Housing advice")) == 14


def _cli(url: str, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = cli.main(["--db", url, *args])
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_cli_applies_a_saved_check_or_says_in_one_line_what_changed(
    sheets, borough, sessions, engine, db_url, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv(backups.DAILY_VAR, "0")
    monkeypatch.chdir(tmp_path)
    sheets.template("rooms", tmp_path / "rooms.xlsx")
    fill(tmp_path / "rooms.xlsx", tmp_path / "filled.xlsx", _rows("rooms"))
    status, out, _ = _cli(db_url, capsys, "import", "rooms", "filled.xlsx", "--check", "--json")
    assert status == 0
    (tmp_path / "check.json").write_text(out, encoding="utf-8")
    _someone_else_changes("rooms", sessions, borough)
    before = dump(engine)
    status, _, err = _cli(db_url, capsys, "import", "rooms", "filled.xlsx", "--expect", "check.json")
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert "row 2: room Main Hall, Ilford Civic Hub was changed by someone else" in err
    assert dump(engine) == before
    # A check saved for another file is not taken for this one.
    fill(tmp_path / "rooms.xlsx", tmp_path / "other.xlsx", _rows("rooms"))
    status, _, err = _cli(db_url, capsys, "import", "rooms", "other.xlsx", "--expect", "check.json")
    assert status == 2 and "check.json is not a saved check of other.xlsx" in err
    # Checked again and saved: it applies.
    status, out, _ = _cli(db_url, capsys, "import", "rooms", "filled.xlsx", "--check", "--json")
    (tmp_path / "check.json").write_text(out, encoding="utf-8")
    status, out, err = _cli(db_url, capsys, "import", "rooms", "filled.xlsx", "--expect", "check.json")
    assert status == 0 and "imported 0 new, 1 updated" in out, err
