"""Setting up a borough in the app: first start, the Administration window with undo, "New organisation…",
and the import check table. Real widgets offscreen, real services on SQLite."""

from __future__ import annotations

from datetime import date, time

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from desktop_app.admin.menu import NewOrganisationDialog
from desktop_app.admin.window import AdministrationWindow
from desktop_app.first_start import DEMO, OWN, FirstStartDialog, answer_first_start
from desktop_app.import_dialog import ImportDialog
from desktop_app.services import connect
from models import db
from scheduler.bootstrap import bootstrap
from scheduler.services.reference import ReferenceService
from tests.desktop_app.conftest import FRIDAY, RecordingPrompts, open_window
from tests.screenshots import screenshot_dir


@pytest.fixture
def empty(sqlite_url):
    services = connect(sqlite_url, "Tester", first_start=lambda setup: setup.start_empty())
    yield services
    services.close()


def admin_window(qtbot, services, prompts) -> AdministrationWindow:
    sessions = db.make_session_factory(services.engine)
    wired = bootstrap(sessions, "Tester")
    window = AdministrationWindow(wired.reference, wired.setup, prompts)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def check(widget, label: str) -> None:
    for i in range(widget.count()):
        if widget.item(i).text() == label:
            widget.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"no {label!r} in {[widget.item(i).text() for i in range(widget.count())]}")


def test_first_start_asks_and_own_borough_starts_empty(qtbot, sqlite_url, monkeypatch) -> None:
    monkeypatch.delenv("HUBSCHED_FIRST_START", raising=False)
    dialog = FirstStartDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(screenshot_dir() / "first-start.png"))
    dialog.own_button.click()
    assert dialog.choice == OWN
    asked = []
    services = connect(sqlite_url, "Tester", first_start=lambda s: asked.append(answer_first_start(s, lambda: OWN)))
    assert asked == [OWN] and services.directory.hubs() == []
    services.close()
    again = connect(sqlite_url, "Tester", first_start=lambda s: asked.append("asked again"))
    assert asked == [OWN]  # the choice is remembered
    again.close()


def test_first_start_answered_by_the_environment_loads_the_demo(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HUBSCHED_FIRST_START", DEMO)
    chosen = []
    services = connect(
        f"sqlite:///{tmp_path / 'd.sqlite3'}", "T", first_start=lambda s: chosen.append(answer_first_start(s))
    )
    assert chosen == [DEMO] and len(services.directory.hubs()) == 6
    services.close()


def test_set_up_a_small_borough_from_empty_through_the_administration_window(qtbot, empty, prompts) -> None:
    window = admin_window(qtbot, empty, prompts)
    assert window.checklist.isVisible() and "☐ Add your hubs" in window.checklist.text()
    hubs = window.show_tab("hubs")
    for name, hours in (
        ("Ilford Civic Hub", "Mon-Fri 09:00-17:00; Tue 18:00-21:00"),
        ("Hainault Hub", "Mon-Fri 9am-5pm"),
    ):
        hubs.start_new()
        qtbot.keyClicks(hubs.form.name, name)
        hubs.form.hours.setText(hours)
        assert hubs.save_button.isEnabled()
        hubs.save_button.click()
    hubs.start_new()
    hubs.form.name.setText("Ilford Civic Hub")
    hubs.form.hours.setText("Mon 25:00-26:00")
    assert not hubs.save_button.isEnabled()
    assert "already a hub called" in hubs.form.error_text("name") and "not a time" in hubs.form.error_text("hours")

    facilities = window.show_tab("facilities")
    facilities.start_new()
    facilities.form.name.setText("Kitchen")
    facilities.save_button.click()

    rooms = window.show_tab("rooms")
    for hub, name, capacity, kitchen in (
        ("Ilford Civic Hub", "Main Hall", 80, True),
        ("Ilford Civic Hub", "Meeting Room 1", 12, False),
        ("Hainault Hub", "Community Room", 40, True),
    ):
        rooms.start_new()
        rooms.form.hub.setCurrentIndex(rooms.form.hub.findText(hub))
        rooms.form.name.setText(name)
        rooms.form.capacity.setValue(capacity)
        if kitchen:
            check(rooms.form.facilities, "Kitchen")
        assert rooms.save_button.isEnabled(), rooms.form.error_text("name")
        rooms.save_button.click()

    orgs = window.show_tab("organisations")
    orgs.start_new()
    orgs.form.name.setText("Ilford Food Pantry")
    orgs.form.contacts.setPlainText("Ana Silva | Chair | ana@example.org | 020 8000 0000")
    orgs.save_button.click()
    teams = window.show_tab("teams")
    teams.start_new()
    teams.form.name.setText("DWP work coach")
    check(teams.form.organisations, "Ilford Food Pantry")
    teams.save_button.click()
    terms = window.show_tab("terms")
    terms.start_new()
    terms.form.name.setText("Spring 2027")
    terms.form.first_day.setDate(date(2027, 1, 4))
    terms.form.last_day.setDate(date(2027, 3, 26))
    terms.form.breaks.setPlainText("2027-02-15..2027-02-19 Half-term")
    terms.save_button.click()

    ref = window.reference
    assert [h.label for h in ref.hubs()] == ["Hainault Hub", "Ilford Civic Hub"]
    assert [(r.label, r.draft.capacity, r.draft.facility_keys) for r in ref.rooms()] == [
        ("Community Room, Hainault Hub", 40, ("kitchen",)),
        ("Main Hall, Ilford Civic Hub", 80, ("kitchen",)),
        ("Meeting Room 1, Ilford Civic Hub", 12, ()),
    ]
    assert ref.organisations()[0].draft.contacts[0].email == "ana@example.org"
    assert ref.teams()[0].context == "Ilford Food Pantry"
    assert ref.terms()[0].draft.breaks[0].name == "Half-term"
    assert not window.checklist.isVisible()
    assert prompts.errors == []

    # Edit, then undo and redo through the window's own stack.
    rooms = window.show_tab("rooms")
    assert rooms.select(next(r.id for r in ref.rooms() if r.draft.name == "Main Hall"))
    rooms.form.capacity.setValue(100)
    rooms.save_button.click()
    assert window.undo_action.text() == "&Undo Edit room Main Hall, Ilford Civic Hub"
    window.undo_action.trigger()
    assert next(r for r in ref.rooms() if r.draft.name == "Main Hall").draft.capacity == 80
    window.redo_action.trigger()
    assert next(r for r in ref.rooms() if r.draft.name == "Main Hall").draft.capacity == 100
    # Undo all the way back to an empty borough, then redo it all.
    while window.controller.stack.canUndo():
        window.undo_action.trigger()
    assert ref.hubs() == [] and ref.rooms() == [] and ref.terms() == []
    while window.controller.stack.canRedo():
        window.redo_action.trigger()
    assert len(ref.rooms()) == 3 and len(ref.hubs()) == 2 and prompts.errors == []
    window.resize(1180, 680)
    rooms = window.show_tab("rooms")
    rooms.select(next(r.id for r in ref.rooms() if r.draft.name == "Main Hall"))
    window.grab().save(str(screenshot_dir() / "administration.png"))


def test_rooms_table_sorts_and_filters(qtbot, qtmodeltester, small, prompts) -> None:
    window = admin_window(qtbot, small.services, prompts)
    rooms = window.show_tab("rooms")
    qtmodeltester.check(rooms.model)
    qtmodeltester.check(rooms.proxy)
    rooms.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # capacity, as numbers
    capacities = [rooms.proxy.index(r, 2).data() for r in range(rooms.proxy.rowCount())]
    assert capacities == ["100", "60", "12"]
    rooms.search.setText("hainault")
    assert rooms.proxy.rowCount() == 1


def test_shrinking_a_booked_room_lists_the_sessions_and_cancel_changes_nothing(qtbot, small, prompts) -> None:
    window = admin_window(qtbot, small.services, prompts)
    rooms = window.show_tab("rooms")
    rooms.select(small.borough.hall_id)
    rooms.form.capacity.setValue(20)
    prompts.confirmations = [False]
    rooms.save_button.click()
    assert "Food pantry (Ilford Food Pantry) on Fri 29 Jan 2027 12:00–14:00" in prompts.questions[-1]
    assert window.reference.room(small.borough.hall_id).draft.capacity == 100
    assert not window.controller.stack.canUndo()
    prompts.confirmations = [True]
    rooms.save_button.click()
    assert window.reference.room(small.borough.hall_id).draft.capacity == 20


def test_an_edit_someone_else_made_meanwhile_is_refused(qtbot, small, prompts) -> None:
    window = admin_window(qtbot, small.services, prompts)
    orgs = window.show_tab("organisations")
    orgs.select(small.borough.pantry_id)
    other = ReferenceService(db.make_session_factory(small.services.engine), "Someone Else")
    record = other.organisation(small.borough.pantry_id)
    from dataclasses import replace

    other.edit_organisation(record.id, record.version, replace(record.draft, notes="Theirs"))
    orgs.form.notes.setPlainText("Mine")
    orgs.save_button.click()
    assert prompts.errors and prompts.errors[-1][0] == "Changed elsewhere"
    assert window.reference.organisation(small.borough.pantry_id).draft.notes == "Theirs"


def test_merge_organisations_and_undo(qtbot, small, prompts) -> None:
    window = admin_window(qtbot, small.services, prompts)
    assert window.merge(small.borough.advice_id, small.borough.pantry_id)
    assert not window.reference.organisation(small.borough.advice_id).draft.active
    window.undo_action.trigger()
    assert window.reference.organisation(small.borough.advice_id).draft.active


def test_add_an_organisation_from_the_booking_dialog_and_book_it(qtbot, window, small) -> None:
    dialog = window.new_booking(room_id=small.borough.meeting_id, day=FRIDAY, start=time(14), duration_min=60)
    assert dialog.new_organisation_button.isVisible()
    dialog.new_organisation_button.click()
    new = dialog.findChild(NewOrganisationDialog)
    assert new is not None and not new.buttons.button(new.buttons.StandardButton.Ok).isEnabled()
    qtbot.keyClicks(new.name, "Seven Kings Tenants")
    new.contact.setText("Priya | Secretary | priya@example.org")
    new.buttons.button(new.buttons.StandardButton.Ok).click()
    assert dialog.organisation.currentText() == "Seven Kings Tenants (Resident-led)"
    dialog.title_edit.setText("Tenants' meeting")
    assert dialog.check()
    dialog.book_button.click()
    rows = small.services.occurrences.between(FRIDAY, FRIDAY)
    assert [(r.title, r.organisation) for r in rows if r.title == "Tenants' meeting"] == [
        ("Tenants' meeting", "Seven Kings Tenants")
    ]


def test_borough_menu_opens_administration_and_import(qtbot, window) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert "B&orough" in titles
    admin = window.open_administration()
    qtbot.addWidget(admin)
    assert admin.isVisible()
    dialog = window.open_import()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.kind.currentData() == "requests"


def test_import_check_shows_a_sortable_table_before_apply(qtbot, qtmodeltester, small, prompts, tmp_path) -> None:
    dialog = ImportDialog(small.services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    template = dialog.save_template(str(tmp_path / "requests.xlsx"))
    book = load_workbook(template)
    sheet = book["Requests"]
    good = ["Housing advice", None, "Citizens Advice Redbridge", None, 10, 90, "weekly", None, "Mon", "09:00-12:00",
            "Ilford Civic Hub"]  # fmt: skip
    sheet.append(good)
    sheet.append(["Lunch club", None, "Ilford Food Pantri", None, 30, 120, "weekly", None, "Wed", "11:00-14:00",
                  "Ilford Civic"])  # fmt: skip
    sheet.append(
        ["Yoga", None, "Ilford Food Pantry", None, 500, 60, "daily", None, "Thu", "10:00-11:00", "Hainault Hub"]
    )
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    dialog.file.setText(str(bad))
    result = dialog.check()
    qtmodeltester.check(dialog.model)
    assert result is not None and not result.ok and not dialog.apply_button.isEnabled()
    rows = [[dialog.proxy.index(r, c).data() for c in range(4)] for r in range(dialog.proxy.rowCount())]
    assert rows == [["3", "C", "Organisation", "Problem"], ["3", "K", "Acceptable hubs", "Problem"],
                    ["4", "G", "Frequency", "Problem"]]  # fmt: skip
    dialog.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert dialog.proxy.index(0, 2).data() == "Acceptable hubs"
    dialog.resize(960, 520)
    dialog.grab().save(str(screenshot_dir() / "import-check.png"))

    book = load_workbook(template)
    book["Requests"].append(good)
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    dialog.file.setText(str(fixed))
    assert dialog.check().ok and dialog.apply_button.isEnabled()
    with qtbot.waitSignal(dialog.imported):
        dialog.apply_button.click()
    assert "1 added" in dialog.summary.text()


def test_request_form_adds_a_new_organisation(qtbot, small, prompts) -> None:
    from desktop_app.planning.request_form import RequestForm
    from desktop_app.planning.services import PlanningServices

    form = RequestForm(PlanningServices.from_app(small.services), small.borough.term_id)
    qtbot.addWidget(form)
    form.show()
    form.new_organisation_button.click()
    new = form.findChild(NewOrganisationDialog)
    new.name.setText("Loxford Youth Club")
    new.buttons.button(new.buttons.StandardButton.Ok).click()
    assert form.organisation.currentText() == "Loxford Youth Club (resident)"
    organisations = ReferenceService(db.make_session_factory(small.services.engine), "t").organisations()
    assert form.draft().organisation_id == next(o.id for o in organisations if o.label == "Loxford Youth Club")


def test_the_administration_window_fits_1280_by_720(qtbot, small) -> None:
    window = admin_window(qtbot, small.services, RecordingPrompts())
    assert window.minimumSizeHint().width() <= 1280 and window.minimumSizeHint().height() <= 720
    dialog = ImportDialog(small.services, RecordingPrompts())
    qtbot.addWidget(dialog)
    assert dialog.minimumSizeHint().width() <= 1280 and dialog.minimumSizeHint().height() <= 720


def test_main_window_still_opens_on_the_demo(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    assert len(window.services.directory.hubs()) == 6
