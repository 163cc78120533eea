"""Closing Hainault Hub for two weeks in the planning window: plan, choose an alternative, the relaxation,
confirm, apply, undo, redo, edit the reason, remove and restore — on the demo borough with Spring 2027
allocated."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import QDate, Qt, QTime

from models.types import ClosureScope
from tests.desktop_app.planning.conftest import screenshot


def hainault_sessions(demo_services) -> list[tuple[date, str, str, str]]:
    rows = demo_services.occurrences.between(date(2027, 2, 1), date(2027, 2, 12), include_cancelled=True)
    wanted = {
        "Lunch club",
        "Warm space (Hainault)",
        "Tenants' association meeting",
        "Money and benefits check (Hainault)",
    }
    return sorted((r.start_local.date(), r.title, r.hub, r.status) for r in rows if r.title in wanted)


@pytest.mark.slow
def test_close_hainault_choose_apply_undo_redo_edit_remove(
    qtbot, qtmodeltester, allocated, planning, demo_services, prompts
) -> None:
    panel = planning.closures
    planning.tabs.setCurrentWidget(panel)
    before = hainault_sessions(demo_services)
    panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.HUB.value))
    panel.hub.setCurrentIndex(panel.hub.findText("Hainault Hub"))
    panel.first_day.setDate(QDate(2027, 2, 1))
    panel.last_day.setDate(QDate(2027, 2, 12))
    qtbot.keyClicks(panel.reason, "Roof repairs")
    with qtbot.waitSignal(panel.plan_ready, timeout=60_000) as ready:
        qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.idle and panel.apply_button.isEnabled())
    plan = ready.args[0]
    qtmodeltester.check(panel.rehoming)
    assert len(plan) == 6 and sum(r.found for r in plan) == 5
    tenants = next(i for i, r in enumerate(plan) if r.title == "Tenants' association meeting")
    assert "accepts only Hainault Hub" in plan[tenants].reason

    # The reason is shown for the selected session, with the relaxation as one button.
    panel.rehoming_table.selectRow(tenants)
    assert "accepts only Hainault Hub" in panel.reason_label.text()
    assert panel.relax_button.isEnabled() and "Ilford Civic Hub" in panel.relax_button.text()
    screenshot(panel, "closure-plan")
    # Choose another alternative for the first warm space (its second), and keep the tenants cancelled.
    warm = next(i for i, r in enumerate(plan) if r.title == "Warm space (Hainault)")
    panel.rehoming_table.selectRow(warm)
    assert panel.choice.count() == len(plan[warm].options) + 1
    panel.choice.setCurrentIndex(1)
    panel.choice.activated.emit(1)
    assert panel.plan[warm].chosen == plan[warm].alternatives[1]
    # A new reason keeps the plan (and the choice).
    qtbot.keyClicks(panel.reason, " and gutters")
    assert panel.plan is not None and panel.plan[warm].chosen == plan[warm].alternatives[1]

    with qtbot.waitSignal(panel.closure_added):
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert not prompts.errors
    question = prompts.questions[-1]
    assert "These move:" in question and "These are cancelled:" in question and "Tenants' association" in question
    applied = hainault_sessions(demo_services)
    assert applied != before
    assert next(s for s in applied if s[1] == "Tenants' association meeting")[3] == "cancelled"
    assert panel.undo_button.isEnabled()

    panel.undo_button.click()
    assert hainault_sessions(demo_services) == before
    assert not any(r.reason == "Roof repairs and gutters" for r in panel.closures.rows())
    panel.redo_button.click()
    assert hainault_sessions(demo_services) == applied
    assert not prompts.errors

    # Edit the reason of the stored closure: nothing else changes.
    row = next(i for i, r in enumerate(panel.closures.rows()) if r.reason == "Roof repairs and gutters")
    panel.closure_table.selectRow(row)
    assert panel.load_selected()
    panel.reason.setText("Roof repairs (contractor delayed)")
    assert panel.edit_selected() is not None
    assert any(r.reason == "Roof repairs (contractor delayed)" for r in panel.closures.rows())
    assert hainault_sessions(demo_services) == applied

    # Remove it and restore the tenants' meeting.
    row = next(i for i, r in enumerate(panel.closures.rows()) if r.reason == "Roof repairs (contractor delayed)")
    panel.closure_table.selectRow(row)
    assert panel.remove_selected()
    assert "restore 1 of the 1 session(s)" in prompts.questions[-1]
    restored = hainault_sessions(demo_services)
    assert next(s for s in restored if s[1] == "Tenants' association meeting")[2:] == ("Hainault Hub", "confirmed")
    assert not prompts.errors


@pytest.mark.slow
def test_the_calendar_s_edit_menu_undoes_an_applied_closure(qtbot, demo_services, settings, prompts) -> None:
    from tests.desktop_app.conftest import open_window

    window = open_window(qtbot, demo_services, settings, prompts)
    planning = window.open_planning()
    qtbot.waitExposed(planning)
    try:
        services = planning.services
        services.allocation.apply(services.allocation.preview(services.allocation.term_id("Spring 2027"), time_limit=5))
        panel = planning.closures
        planning.tabs.setCurrentWidget(panel)
        panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.HUB.value))
        panel.hub.setCurrentIndex(panel.hub.findText("Hainault Hub"))
        panel.first_day.setDate(QDate(2027, 2, 1))
        panel.last_day.setDate(QDate(2027, 2, 12))
        panel.reason.setText("Roof repairs")
        before = hainault_sessions(demo_services)
        with qtbot.waitSignal(panel.plan_ready, timeout=60_000):
            panel.plan_rehoming()
        qtbot.waitUntil(lambda: panel.idle)
        with qtbot.waitSignal(panel.closure_added):
            panel.apply()
        applied = hainault_sessions(demo_services)
        assert applied != before
        assert services.outbox is not None and len(services.outbox.list(["queued"])) == 4
        assert window.undo_action.isEnabled() and "Add closure (Roof repairs)" in window.undo_action.text()
        window.undo_action.trigger()
        assert hainault_sessions(demo_services) == before
        assert services.outbox.list(["queued"]) == []  # the notices about it went with it
        window.redo_action.trigger()
        assert hainault_sessions(demo_services) == applied
        assert len(services.outbox.list(["queued"])) == 4
        assert not prompts.errors
    finally:
        planning.close()


def test_a_room_closed_for_part_of_a_day_displaces_only_what_it_overlaps(qtbot, allocated, planning) -> None:
    panel = planning.closures
    panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.ROOM.value))
    panel.room.setCurrentIndex(panel.room.findText("Manford Hall, Hainault Hub"))
    panel.first_day.setDate(QDate(2027, 2, 3))
    panel.last_day.setDate(QDate(2027, 2, 3))
    panel.reason.setText("Floor polishing")
    panel.all_day.setChecked(False)
    assert panel.from_time.isEnabled()
    panel.from_time.setTime(QTime(15, 0))
    panel.to_time.setTime(QTime(17, 0))
    assert panel.show_displaced() and panel.displaced.rows() == []  # lunch club ends at 14:30
    panel.from_time.setTime(QTime(14, 0))
    assert panel.show_displaced()
    assert [r.title for r in panel.displaced.rows()] == ["Lunch club"]
    assert (panel.draft().start, panel.draft().end) == (time(14), time(17))
