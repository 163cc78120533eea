"""Booking, moving, cancelling and editing in the hub calendar, with undo and redo, on real services."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtTest import QTest

from desktop_app.main_window import MainWindow
from desktop_app.prompts import Scope
from tests.desktop_app.conftest import FRIDAY, SmallWorld


def live(world: SmallWorld, first: date = date(2027, 1, 1), last: date = date(2027, 2, 28)):
    return [
        (r.title, r.room_id, r.start_local.date(), r.start_local.time())
        for r in world.services.occurrences.between(first, last, include_cancelled=False)
    ]


def column_of(window: MainWindow, room_id: int) -> int:
    return next(i for i, c in enumerate(window.view.columns()) if c.room_id == room_id)


def row_titled(window: MainWindow, title: str, day: date = FRIDAY):
    return next(r for r in window.sessions_model.rows() if r.title == title and r.start_local.date() == day)


def drag(qtbot, window: MainWindow, start: QPoint, end: QPoint) -> None:
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    QTest.mouseMove(viewport, middle)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drag_session(qtbot, window: MainWindow, title: str, room_id: int, at: time) -> None:
    row = row_titled(window, title)
    target = window.view.point_for(column_of(window, room_id), at)
    rect = window.view.block_rect(row.id)
    start = QPoint(int(rect.center().x()), int(rect.top()) + 6)
    drag(qtbot, window, start, target + QPoint(0, 5))


def test_book_through_the_dialog_then_undo_and_redo(qtbot, window, small) -> None:
    dialog = window.new_booking(room_id=small.borough.meeting_id, day=FRIDAY, start=time(14), duration_min=90)
    dialog.organisation.setCurrentIndex(dialog.organisation.findData(small.borough.pantry_id))
    dialog.title_edit.setText("Budgeting workshop")
    dialog.attendance.setValue(8)
    assert dialog.check() and dialog.book_button.isEnabled()
    assert "1 session" in dialog.problems.text()
    dialog.book_button.click()
    assert ("Budgeting workshop", small.borough.meeting_id, FRIDAY, time(14)) in live(small)
    assert any(r.title == "Budgeting workshop" for r in window.sessions_model.rows())
    assert window.undo_action.text() == "&Undo Book Budgeting workshop"
    window.undo_action.trigger()
    assert not any(t == "Budgeting workshop" for t, *_ in live(small))
    window.redo_action.trigger()
    assert ("Budgeting workshop", small.borough.meeting_id, FRIDAY, time(14)) in live(small)


def test_book_a_monthly_series_through_the_dialog(qtbot, window, small) -> None:
    dialog = window.new_booking(room_id=small.borough.meeting_id, day=FRIDAY, start=time(15), duration_min=60)
    dialog.organisation.setCurrentIndex(dialog.organisation.findData(small.borough.advice_id))
    dialog.title_edit.setText("Pension clinic")
    dialog.frequency.setCurrentIndex(3)
    dialog.nth.setCurrentIndex(dialog.nth.findData(3))
    dialog.last_date.setDate(QDate(2027, 3, 31))
    assert dialog.check(), dialog.problems.text()
    dialog.accept()
    sessions = [d for t, _, d, _ in live(small, last=date(2027, 6, 30)) if t == "Pension clinic"]
    assert sessions == [date(2027, 1, 15), date(2027, 2, 19), date(2027, 3, 19)]


def test_a_clash_is_refused_in_the_dialog_with_the_clashing_booking_named(qtbot, window, small) -> None:
    before = live(small)
    dialog = window.new_booking(room_id=small.borough.hall_id, day=FRIDAY, start=time(13), duration_min=60)
    dialog.organisation.setCurrentIndex(dialog.organisation.findData(small.borough.advice_id))
    dialog.title_edit.setText("Tea and talk")
    assert not dialog.check()
    assert "Food pantry (Ilford Food Pantry) on Fri 15 Jan 2027 12:00–14:00" in dialog.problems.text()
    assert not dialog.book_button.isEnabled()
    dialog.accept()  # Enter on a refused booking does nothing
    assert live(small) == before and dialog.isVisible()
    dialog.start_edit.setTime(dialog.start_edit.time().addSecs(3600))  # 14:00: free
    assert dialog.check()
    dialog.attendance.setValue(500)
    assert not dialog.check() and "holds 100 people but 500 are expected" in dialog.problems.text()


def test_book_by_dragging_across_free_time(qtbot, window, small) -> None:
    column = column_of(window, small.borough.meeting_id)
    drag(qtbot, window, window.view.point_for(column, time(14)), window.view.point_for(column, time(15, 20)))
    dialog = window.active_dialog
    assert dialog is not None and dialog.isVisible()
    assert (dialog.room.currentData(), dialog.start_edit.time().hour(), dialog.duration.value()) == (
        small.borough.meeting_id,
        14,
        90,
    )
    dialog.organisation.setCurrentIndex(dialog.organisation.findData(small.borough.advice_id))
    dialog.title_edit.setText("Housing surgery")
    assert dialog.check(), dialog.problems.text()
    dialog.book_button.click()
    assert ("Housing surgery", small.borough.meeting_id, FRIDAY, time(14)) in live(small)
    assert window.view.block_rect(row_titled(window, "Housing surgery").id) is not None


def test_move_one_session_by_drag_then_undo_and_redo(qtbot, window, small, prompts) -> None:
    prompts.scopes = [Scope.SESSION]
    drag_session(qtbot, window, "Food pantry", small.borough.hainault_hall_id, time(15))
    assert prompts.questions and "only the session of Fri 15 Jan" in prompts.questions[0]
    moved = ("Food pantry", small.borough.hainault_hall_id, FRIDAY, time(15))
    assert moved in live(small)
    assert ("Food pantry", small.borough.hall_id, date(2027, 1, 22), time(12)) in live(small)  # others stay
    assert window.undo_action.text().startswith("&Undo Move Food pantry on Fri 15 Jan")
    window.undo_action.trigger()
    assert ("Food pantry", small.borough.hall_id, FRIDAY, time(12)) in live(small) and moved not in live(small)
    window.redo_action.trigger()
    assert moved in live(small)
    assert prompts.errors == []


def test_move_the_whole_series_by_drag_then_undo_and_redo(qtbot, window, small, prompts) -> None:
    before = live(small)
    prompts.scopes = [Scope.SERIES]
    drag_session(qtbot, window, "Food pantry", small.borough.hainault_hall_id, time(14))
    pantry = [(room, day, at) for title, room, day, at in live(small) if title == "Food pantry"]
    assert pantry == [(small.borough.hainault_hall_id, date(2027, 1, d), time(14)) for d in (8, 15, 22, 29)]
    assert window.undo_action.text() == "&Undo Move series Food pantry"
    window.undo_action.trigger()
    assert live(small) == before
    window.redo_action.trigger()
    assert [(r, d, a) for t, r, d, a in live(small) if t == "Food pantry"] == pantry


def test_move_this_and_following_by_drag_splits_the_series_and_undo_joins_it(qtbot, window, small, prompts) -> None:
    before = live(small)
    series_before = {row.series_id for row in window.sessions_model.rows() if row.title == "Food pantry"}
    prompts.scopes = [Scope.FOLLOWING]
    drag_session(qtbot, window, "Food pantry", small.borough.hainault_hall_id, time(14))  # the 15 Jan session
    pantry = [(room, day, at) for title, room, day, at in live(small) if title == "Food pantry"]
    assert pantry == [
        (small.borough.hall_id, date(2027, 1, 8), time(12)),  # before the chosen session: untouched
        *[(small.borough.hainault_hall_id, date(2027, 1, d), time(14)) for d in (15, 22, 29)],
    ]
    assert window.undo_action.text() == "&Undo Move Food pantry from Fri 15 Jan on"
    window.undo_action.trigger()
    assert live(small) == before
    rows = small.services.occurrences.between(date(2027, 1, 1), date(2027, 1, 31), include_cancelled=False)
    assert {r.series_id for r in rows if r.title == "Food pantry"} == series_before, "undo joined the split"
    window.redo_action.trigger()
    assert [(r, d, a) for t, r, d, a in live(small) if t == "Food pantry"] == pantry
    assert prompts.errors == []


def test_a_refused_drop_shows_the_reason_and_changes_nothing(qtbot, window, small, prompts) -> None:
    before = live(small)
    prompts.scopes = [Scope.SESSION]
    drag_session(qtbot, window, "Food pantry", small.borough.meeting_id, time(9, 30))  # over the advice drop-in
    assert live(small) == before
    assert len(prompts.errors) == 1
    title, message = prompts.errors[0]
    assert title == "Cannot move Food pantry on Fri 15 Jan"
    assert "holds 12 people but 40 are expected" in message and "Advice drop-in" in message
    assert window.controller.stack.count() == 0


def test_cancel_a_session_and_the_series_then_undo(qtbot, window, small, prompts) -> None:
    before = live(small)
    window.view.select(row_titled(window, "Food pantry"))
    prompts.scopes = [Scope.SESSION]
    window.cancel_action.trigger()
    assert ("Food pantry", small.borough.hall_id, FRIDAY, time(12)) not in live(small)
    assert window.undo_action.text() == "&Undo Cancel Food pantry on Fri 15 Jan"
    window.undo_action.trigger()
    assert live(small) == before

    window.view.select(row_titled(window, "Food pantry"))
    prompts.scopes = [Scope.FOLLOWING]
    window.cancel_selected()
    assert [d for t, _, d, _ in live(small) if t == "Food pantry"] == [date(2027, 1, 8)]
    window.undo_action.trigger()
    assert live(small) == before
    window.redo_action.trigger()
    assert [d for t, _, d, _ in live(small) if t == "Food pantry"] == [date(2027, 1, 8)]


def test_edit_details_then_undo_and_the_details_panel_shows_history(qtbot, window, small) -> None:
    window.view.select(row_titled(window, "Food pantry"))
    panel = window.details.toPlainText()
    assert "Ilford Food Pantry" in panel and "Resident-led" in panel and "Weekly on Fri 12:00–14:00" in panel
    dialog = window.edit_selected()
    dialog.title_edit.setText("Community pantry")
    dialog.visibility.setCurrentIndex(2)  # private
    dialog.accept()
    row = row_titled(window, "Community pantry")
    assert row.visibility == "private"
    window.view.select(row)
    assert "Private: not in public feeds" in window.details.toPlainText()
    assert "Edited the details of Community pantry" in window.details.toPlainText()
    window.undo_action.trigger()
    assert row_titled(window, "Food pantry").visibility == "public"


def test_a_stale_edit_is_explained_and_the_calendar_reloaded(qtbot, window, small, prompts, someone_else) -> None:
    row = row_titled(window, "Food pantry")
    someone_else.rename_series(small.pantry_series, row.series_version, title="Pantry (renamed)", public_title="")
    prompts.scopes = [Scope.SESSION]
    drag_session(qtbot, window, "Food pantry", small.borough.hall_id, time(14))
    assert len(prompts.errors) == 1
    title, message = prompts.errors[0]
    assert title == "Booking changed elsewhere" and "reloaded" in message
    assert any(r.title == "Pantry (renamed)" for r in window.sessions_model.rows())
    assert ("Pantry (renamed)", small.borough.hall_id, FRIDAY, time(12)) in live(small)
    # After the reload the same move works.
    prompts.scopes = [Scope.SESSION]
    drag_session(qtbot, window, "Pantry (renamed)", small.borough.hall_id, time(14))
    assert ("Pantry (renamed)", small.borough.hall_id, FRIDAY, time(14)) in live(small)


def test_an_undo_refused_by_the_services_is_reported_and_dropped(qtbot, window, small, prompts) -> None:
    prompts.scopes = [Scope.SESSION]
    drag_session(qtbot, window, "Food pantry", small.borough.hall_id, time(14, 30))
    small.services.booking.book(
        small.services.booking.plan.__self__
        and __import__("scheduler.services.booking", fromlist=["NewBooking"]).NewBooking(
            room_id=small.borough.hall_id,
            organisation_id=small.borough.advice_id,
            title="Late lunch",
            first_date=FRIDAY,
            start=time(12),
            duration_min=60,
        )
    )
    window.undo_action.trigger()
    assert prompts.errors and "Late lunch" in prompts.errors[-1][1]
    assert window.controller.stack.count() == 0


def test_move_the_series_without_dragging_through_the_move_dialog(qtbot, window, small, prompts) -> None:
    before = live(small)
    window.view.select(row_titled(window, "Food pantry"))
    dialog = window.move_selected()
    dialog.room.setCurrentIndex(dialog.room.findData(small.borough.hainault_hall_id))
    dialog.date_edit.setDate(QDate(2027, 1, 14))  # Thursday: the whole series moves a day earlier
    dialog.start_edit.setTime(dialog.start_edit.time().addSecs(-3600))
    dialog.scope_choice.setCurrentIndex(dialog.scope_choice.findData(Scope.SERIES))
    dialog.accept()
    assert prompts.questions == [] and prompts.errors == []
    assert [(r, d, a) for t, r, d, a in live(small) if t == "Food pantry"] == [
        (small.borough.hainault_hall_id, date(2027, 1, d), time(11)) for d in (7, 14, 21, 28)
    ]
    window.undo_action.trigger()
    assert live(small) == before
