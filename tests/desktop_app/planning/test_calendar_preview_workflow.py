"""Reviewing an allocation in the hub calendar: "Show in calendar" draws the proposal on the day or week the
calendar shows, writes nothing, and the layer goes when it is toggled off, discarded, accepted or closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from PySide6.QtCore import Qt

from desktop_app.main_window import MainWindow
from desktop_app.planning.planning_window import PlanningWindow
from scheduler.services.allocation import AllocationPreview
from tests.desktop_app.conftest import open_window
from tests.scheduler.services.test_allocation_service import dump
from tests.screenshots import screenshot_dir

WEDNESDAY = date(2027, 1, 20)  # Ilford has new, moved and unchanged placements on Wednesdays
ILFORD = "Ilford Civic Hub"


Reviewing = tuple[MainWindow, PlanningWindow, AllocationPreview]


def meets(preview: AllocationPreview, request_id: int, day: date) -> bool:
    placement = preview.result.placement_for(request_id)
    return placement is not None and day in placement.dates


def ilford_on(preview: AllocationPreview, day: date) -> set[int]:
    """The requests the proposal places at Ilford that meet on `day`."""
    return {p.request_id for p in preview.placements if p.hub == ILFORD and meets(preview, p.request_id, day)}


@pytest.fixture
def reviewing(qtbot, demo_services, settings, prompts) -> Iterator[Reviewing]:
    """The hub calendar on Ilford, Wed 20 Jan 2027, and a Spring 2027 proposal under review."""
    window = open_window(qtbot, demo_services, settings, prompts)
    window.show_day(demo_services.directory.hub_id(ILFORD), WEDNESDAY)
    window.view.scroll_to_time(time(9))
    planning = window.open_planning()
    qtbot.waitExposed(planning)
    try:
        planning.term.setCurrentIndex(planning.term.findData(planning.services.allocation.term_id("Spring 2027")))
        planning.tabs.setCurrentWidget(planning.allocate_tab)
        panel = planning.allocation
        panel.budget.setValue(5.0)
        with qtbot.waitSignal(panel.preview_ready, timeout=60_000) as ready:
            qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.idle)
        yield window, planning, ready.args[0]
    finally:
        planning.close()
    assert planning.idle, "a planning thread outlived the test"
    assert not prompts.errors


def test_show_in_calendar_draws_the_proposal_for_the_day_shown_and_writes_nothing(qtbot, reviewing) -> None:
    window, planning, preview = reviewing
    view, button = window.view, planning.review.calendar_button
    before = dump(window.services.engine)
    plain = view.viewport().grab().toImage()
    assert button.isEnabled() and not button.isChecked() and button.accessibleName() == "Show in calendar"
    assert not view.preview_sessions() and not window.proposal_label.isVisible()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    expected = ilford_on(preview, WEDNESDAY)
    shown = view.preview_sessions()
    assert expected and {s.request_id for s in shown} == expected
    assert all(s.day == WEDNESDAY for s in shown) and {s.kind for s in shown} >= {"new", "moved"}
    assert all(rect.width() > 0 and rect.height() > 0 for rect, _ in view.preview_rects())
    assert view.viewport().grab().toImage() != plain, "the proposal is painted"
    assert window.proposal_label.isVisible()
    assert window.proposal_label.text().startswith("Showing proposed allocation for Spring 2027")
    assert f"{len(shown)} proposed" in window.statusBar().currentMessage()
    window.activateWindow()
    assert window.grab().save(str(screenshot_dir() / "calendar-preview.png"))

    # The layer follows the calendar: the next day, then one room's week.
    window.step_date(1)
    thursday = date(2027, 1, 21)
    assert {s.request_id for s in view.preview_sessions()} == ilford_on(preview, thursday)
    room_id = shown[0].room_id
    window.show_week(room_id, WEDNESDAY)
    week = view.preview_sessions()
    assert week and {s.room_id for s in week} == {room_id}
    assert {(s.request_id, s.day) for s in week} == {
        (p.request_id, d)
        for p in preview.placements
        if p.room_id == room_id
        for d in preview.result.placement_for(p.request_id).dates
        if date(2027, 1, 18) <= d <= date(2027, 1, 24)
    }
    assert dump(window.services.engine) == before, "showing a proposal writes nothing"

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isChecked() and not view.preview_sessions() and not window.proposal_label.isVisible()


def test_discarding_accepting_or_closing_clears_the_preview(qtbot, reviewing) -> None:
    window, planning, preview = reviewing
    review, view = planning.review, window.view
    review.calendar_button.click()
    assert view.preview_sessions()
    review.discard()
    assert not review.calendar_button.isChecked() and not review.calendar_button.isEnabled()
    assert not view.preview_sessions() and window.proposal is None

    review.set_preview(preview)
    review.calendar_button.click()
    assert view.preview_sessions()
    planning.close()
    assert not view.preview_sessions() and not window.proposal_label.isVisible()

    planning = window.open_planning()
    review = planning.review
    review.set_preview(preview)
    review.calendar_button.click()
    with qtbot.waitSignal(planning.bookings_changed):
        qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    assert not view.preview_sessions() and window.proposal is None
    # The accepted placements are now real sessions of the day.
    titles = {row.title for row in window.sessions_model.rows()}
    assert {p.title for p in preview.placements if p.request_id in ilford_on(preview, WEDNESDAY)} <= titles
