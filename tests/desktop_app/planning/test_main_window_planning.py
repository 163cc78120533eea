"""The hub calendar opens the planning window; an accepted allocation shows in the calendar at once."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from tests.desktop_app.conftest import open_window


def test_an_accepted_allocation_appears_in_the_hub_calendar(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    hub_id = demo_services.directory.hub_id("Ilford Civic Hub")
    window.show_day(hub_id, date(2027, 1, 15))
    before = {row.title for row in window.sessions_model.rows()}
    planning = window.open_planning()
    qtbot.waitExposed(planning)
    assert window.open_planning() is planning, "one planning window per database"
    try:
        assert planning.term.currentText().startswith("Autumn 2026") or planning.term.count() >= 2
        planning.term.setCurrentIndex(planning.term.findData(planning.services.allocation.term_id("Spring 2027")))
        panel = planning.allocation
        panel.budget.setValue(5.0)
        with qtbot.waitSignal(panel.preview_ready, timeout=60_000) as ready:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.idle)
        preview = ready.args[0]
        fridays = {p.title for p in preview.placements if p.weekday == 4 and p.hub == "Ilford Civic Hub"}
        assert fridays
        with qtbot.waitSignal(planning.bookings_changed):
            qtbot.mouseClick(planning.review.accept_button, Qt.MouseButton.LeftButton)
        shown = {row.title for row in window.sessions_model.rows()}
        assert fridays <= shown, f"calendar shows {sorted(shown)}; before it showed {sorted(before)}"
        assert window.view.viewport().isVisible()
        assert planning.requests.model.row_at(0).status in ("placed", "unmet")

        # Edit → Undo takes the whole allocation back in one step; Redo accepts it again.
        assert window.undo_action.isEnabled() and "allocation of Spring 2027" in window.undo_action.text()
        window.undo_action.trigger()
        assert not fridays & {row.title for row in window.sessions_model.rows()} - before
        assert {r.status for r in planning.requests.model.rows()} == {"pending"}
        window.redo_action.trigger()
        assert fridays <= {row.title for row in window.sessions_model.rows()}
        assert not prompts.errors
    finally:
        planning.close()
    assert planning.idle
    # Bank-holiday weeks aside, the next Friday shows them too.
    window.show_day(hub_id, date(2027, 1, 15) + timedelta(days=7))
    assert fridays <= {row.title for row in window.sessions_model.rows()}
