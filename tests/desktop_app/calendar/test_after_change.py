"""What is true after every change, undo and redo: details, selection and status follow; the session a
change touched is scrolled into view and selected; dependent dialogs refresh or close; undo restores the
status exactly."""

from __future__ import annotations

from datetime import date, time

from desktop_app.calendar.view.layout import minutes
from desktop_app.prompts import Scope
from tests.desktop_app.conftest import FRIDAY
from tests.desktop_app.test_calendar_workflows import column_of, drag_session, row_titled


def in_view(window, occurrence_id: int) -> bool:
    rect = window.view.block_rect(occurrence_id)
    return rect is not None and window.view.viewport().rect().intersects(rect.toRect())


def test_after_a_drag_move_and_its_undo_the_details_show_the_room_it_is_in(qtbot, window, small) -> None:
    advice = row_titled(window, "Advice drop-in")
    window.view.select(advice)
    assert "Meeting Room 1" in window.details.toPlainText()
    drag_session(qtbot, window, "Advice drop-in", small.borough.hainault_hall_id, time(10))
    moved = window.view.selected_row()
    assert moved is not None and moved.id == advice.id and moved.room_id == small.borough.hainault_hall_id
    assert "Hainault" in window.details.toPlainText() and "moved" in window.details.toPlainText()
    assert window.change_label.text().startswith("Done: Move Advice drop-in")
    assert in_view(window, advice.id)

    window.undo_action.trigger()
    back = window.view.selected_row()
    assert back is not None and back.id == advice.id and back.room_id == small.borough.meeting_id
    assert back.status == "confirmed"  # the undo restores the status exactly, not "moved"
    details = window.details.toPlainText()
    assert "Meeting Room 1" in details and "(moved)" not in details
    assert window.change_label.text().startswith("Undone: Move Advice drop-in")

    window.redo_action.trigger()
    assert window.view.selected_row().room_id == small.borough.hainault_hall_id
    assert "Hainault" in window.details.toPlainText()


def test_a_move_to_another_day_shows_that_day_with_the_session_selected(qtbot, window, small) -> None:
    advice = row_titled(window, "Advice drop-in")
    window.view.select(advice)
    window.request_move(advice, small.borough.meeting_id, date(2027, 1, 20), time(16), scope=Scope.SESSION)
    assert window.current_date() == date(2027, 1, 20)
    assert window.view.selected_id == advice.id and in_view(window, advice.id)
    window.undo_action.trigger()
    assert window.current_date() == FRIDAY and window.view.selected_id == advice.id


def test_a_new_booking_is_scrolled_into_view_and_selected(qtbot, window, small) -> None:
    window.view.scroll_to_time(time(8))
    dialog = window.new_booking(room_id=small.borough.hainault_hall_id, day=date(2027, 1, 21), start=time(16))
    dialog.organisation.setCurrentIndex(dialog.organisation.findData(small.borough.advice_id))
    dialog.title_edit.setText("Late advice")
    assert dialog.check(), dialog.problems.text()
    dialog.book_button.click()
    selected = window.view.selected_row()
    assert selected is not None and selected.title == "Late advice"
    assert window.current_date() == date(2027, 1, 21)
    assert in_view(window, selected.id)
    assert "Late advice" in window.details.toPlainText()


def test_the_free_room_dialog_refreshes_after_a_booking(qtbot, window, small) -> None:
    finder = window.find_free_room()
    finder.duration.setValue(60)
    before = {(r.room_id, r.start) for r in finder.search()}
    assert (small.borough.meeting_id, time(9)) in before
    finder.results.selectRow(
        next(
            i for i, r in enumerate(finder.model.rows()) if (r.room_id, r.start) == (small.borough.meeting_id, time(9))
        )
    )
    finder.book_button.click()
    booking = window.active_dialog
    booking.organisation.setCurrentIndex(booking.organisation.findData(small.borough.advice_id))
    booking.title_edit.setText("Form filling")
    assert booking.check(), booking.problems.text()
    booking.book_button.click()
    assert finder.isVisible()
    after = {(r.room_id, r.start) for r in finder.model.rows()}
    assert (small.borough.meeting_id, time(9)) not in after


def test_undo_closes_a_move_dialog_opened_on_the_old_state(qtbot, window, small) -> None:
    pantry = row_titled(window, "Food pantry")
    window.view.select(pantry)
    window.request_move(pantry, small.borough.hall_id, FRIDAY, time(15), scope=Scope.SESSION)
    dialog = window.move_selected()
    assert dialog.isVisible()
    window.undo_action.trigger()
    assert not dialog.isVisible()
    assert minutes(window.view.selected_row().start_local.time()) == 12 * 60
    assert column_of(window, small.borough.hall_id) is not None
