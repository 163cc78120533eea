"""The issue's "done when", in the app: from an empty database, 2 hubs and 5 rooms set up in the
Administration window, 30 requests imported from the template through File ▸ Import…, then the term
allocated and the feeds published (through the same services the planning window uses)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from desktop_app.import_dialog import ImportDialog
from desktop_app.planning.services import PlanningServices
from desktop_app.services import connect
from scheduler.feeds.publish import publish
from tests.desktop_app.test_administration import admin_window, check
from tests.scheduler.test_borough_setup_end_to_end import thirty_requests


@pytest.mark.slow
def test_empty_database_to_a_planned_term_in_the_app(qtbot, sqlite_url, prompts, tmp_path) -> None:
    services = connect(sqlite_url, "New Manager", first_start=lambda setup: setup.start_empty())
    window = admin_window(qtbot, services, prompts)
    hubs = window.show_tab("hubs")
    for name in ("Ilford Civic Hub", "Hainault Hub"):
        hubs.start_new()
        hubs.form.name.setText(name)
        hubs.form.hours.setText("Mon-Fri 09:00-17:00")
        hubs.save_button.click()
    facilities = window.show_tab("facilities")
    facilities.start_new()
    facilities.form.name.setText("Kitchen")
    facilities.save_button.click()
    rooms = window.show_tab("rooms")
    for hub, name, capacity, kitchen, step_free in (
        ("Ilford Civic Hub", "Main Hall", 60, True, True),
        ("Ilford Civic Hub", "Meeting Room 1", 30, False, True),
        ("Ilford Civic Hub", "Interview Booth", 12, False, True),
        ("Hainault Hub", "Community Room", 40, True, True),
        ("Hainault Hub", "Quiet Room", 12, False, False),
    ):
        rooms.start_new()
        rooms.form.hub.setCurrentIndex(rooms.form.hub.findText(hub))
        rooms.form.name.setText(name)
        rooms.form.capacity.setValue(capacity)
        rooms.form.step_free.setChecked(step_free)
        if kitchen:
            check(rooms.form.facilities, "Kitchen")
        rooms.save_button.click()
    terms = window.show_tab("terms")
    terms.start_new()
    terms.form.name.setText("Spring 2027")
    terms.form.first_day.setDate(date(2027, 1, 4))
    terms.form.last_day.setDate(date(2027, 3, 26))
    terms.form.breaks.setPlainText("2027-02-15..2027-02-19 Half-term")
    terms.save_button.click()
    assert len(window.reference.rooms()) == 5 and prompts.errors == []

    dialog = ImportDialog(services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    template = dialog.save_template(str(tmp_path / "requests.xlsx"))
    book = load_workbook(template)
    for row in thirty_requests():
        book["Requests"].append(row)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    dialog.file.setText(str(filled))
    result = dialog.check()
    assert result is not None and result.ok and result.counts()["add"] == 30
    with qtbot.waitSignal(dialog.imported):
        dialog.apply_button.click()

    planning = PlanningServices.from_app(services)
    term_id = planning.directory.term_id("Spring 2027")
    assert len(planning.requests.list(term_id)) == 30
    preview = planning.allocation.preview(term_id, time_limit=5)
    applied = planning.allocation.apply(preview)
    assert applied.created == preview.counts["placed"] >= 20
    report = publish(planning.feeds.build_all(), tmp_path / "feeds")
    assert report.written and (tmp_path / "feeds" / "index.json").exists()
    services.close()
