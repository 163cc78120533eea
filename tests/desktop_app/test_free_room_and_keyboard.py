"""Find a free room (and book from it), keyboard-only operation, settings, and every item model."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QPersistentModelIndex, Qt, QTime
from PySide6.QtWidgets import QApplication

from desktop_app.item_models import Role
from desktop_app.main_window import DAY, WEEK
from desktop_app.prompts import Scope
from scheduler.services.directory import RoomRow
from tests.desktop_app.conftest import FRIDAY, open_window
from tests.desktop_app.test_calendar_workflows import live


def test_find_a_free_room_returns_only_rooms_that_fit_and_are_free(qtbot, qtmodeltester, window, small) -> None:
    dialog = window.find_free_room()
    dialog.people.setValue(10)
    dialog.window_start.setTime(QTime(9, 0))
    dialog.window_end.setTime(QTime(13, 0))
    dialog.duration.setValue(60)
    rows = dialog.search()
    qtmodeltester.check(dialog.model)
    assert rows and all(r.capacity >= 10 for r in rows)
    # The meeting room (12 people) is taken 10:00-11:00 by the advice drop-in; the hall 12:00-14:00.
    assert {r.start for r in rows if r.room_id == small.borough.meeting_id} == {
        time(9),
        time(11),
        time(11, 30),
        time(12),
    }
    assert time(12) not in {r.start for r in rows if r.room_id == small.borough.hall_id}
    assert rows[0].room_id == small.borough.meeting_id  # smallest room that fits first
    for slot in rows:
        assert small.services.booking.plan(
            slot.booking(dialog.query, organisation_id=small.borough.advice_id, title="x")
        ).ok

    dialog.people.setValue(50)
    assert {r.room_id for r in dialog.search()} == {small.borough.hall_id, small.borough.hainault_hall_id}

    # Book straight from the first result.
    dialog.people.setValue(10)
    dialog.search()
    dialog.results.selectRow(0)
    assert dialog.book_button.isEnabled()
    dialog.book_button.click()
    booking = window.active_dialog
    assert booking.room.currentData() == small.borough.meeting_id and booking.start_edit.time() == QTime(9, 0)
    booking.organisation.setCurrentIndex(booking.organisation.findData(small.borough.advice_id))
    booking.title_edit.setText("Form filling help")
    assert booking.check()
    booking.book_button.click()
    assert ("Form filling help", small.borough.meeting_id, FRIDAY, time(9)) in live(small)
    assert all(r.start != time(9) or r.room_id != small.borough.meeting_id for r in dialog.search())


def test_find_a_weekly_free_room_with_a_facility(qtbot, window, small) -> None:
    dialog = window.find_free_room()
    dialog.people.setValue(20)
    dialog.facilities.item(0).setCheckState(Qt.CheckState.Checked)  # Kitchen
    dialog.frequency.setCurrentIndex(1)  # weekly
    dialog.last_date.setDate(dialog.date_edit.date().addDays(14))
    dialog.window_start.setTime(QTime(11, 0))
    dialog.window_end.setTime(QTime(14, 0))
    rows = dialog.search()
    assert {(r.room_id, r.start) for r in rows} == {
        (small.borough.hall_id, time(11)),
        (small.borough.hall_id, time(14) if False else time(11)),
    }
    assert rows[0].sessions == 3


def test_keyboard_only_navigation_and_booking(qtbot, window, small, prompts) -> None:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # focus the calendar
    view = window.view
    assert QApplication.focusWidget() is view
    # Ctrl+Down steps through the sessions in column order.
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    first = view.selected_row()
    assert first is not None
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert view.selected_row() is not None and view.selected_row().id != first.id
    assert (
        window.details.accessibleName() == "Session details"
        and view.selected_row().title in window.details.toPlainText()
    )

    # Arrows walk the grid: to the meeting room column at 14:00, which is free; Enter opens the booking dialog.
    target = next(i for i, c in enumerate(view.columns()) if c.room_id == small.borough.meeting_id)
    view.cursor = (0, 0)
    for _ in range(target):
        qtbot.keyClick(view, Qt.Key.Key_Right)
    for _ in range((14 - window.settings.time_grid.day_start) * 2):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.selected_row() is None and view.cursor_cell()[1] == time(14)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    dialog = window.active_dialog
    assert dialog.isVisible() and dialog.room.currentData() == small.borough.meeting_id
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (dialog.organisation, dialog.organisation.lineEdit()))
    qtbot.keyClicks(QApplication.focusWidget(), "Citizens")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.title_edit
    qtbot.keyClicks(QApplication.focusWidget(), "Debt advice")
    qtbot.waitUntil(dialog.book_button.isEnabled)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert ("Debt advice", small.borough.meeting_id, FRIDAY, time(14)) in live(small)

    # Delete cancels the selected session (after the question), Ctrl+Z brings it back.
    window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.select(next(r for r in window.sessions_model.rows() if r.title == "Debt advice"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert ("Debt advice", small.borough.meeting_id, FRIDAY, time(14)) not in live(small)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ("Debt advice", small.borough.meeting_id, FRIDAY, time(14)) in live(small)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ("Debt advice", small.borough.meeting_id, FRIDAY, time(14)) not in live(small)

    # Shift+arrows move the selected session a grid step (the keyboard's drag), undoable like a drag.
    view.select(next(r for r in window.sessions_model.rows() if r.title == "Food pantry"))
    prompts.scopes = [Scope.SESSION]
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert ("Food pantry", small.borough.hall_id, FRIDAY, time(12, 30)) in live(small)
    assert view.selected_row() is not None and view.selected_row().title == "Food pantry"
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ("Food pantry", small.borough.hall_id, FRIDAY, time(12)) in live(small)

    # Dates: Alt+Right / Alt+Left / Alt+Home; Ctrl+2 switches to the week of the current room.
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current_date() == date(2027, 1, 16)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_date() == date(2027, 1, 14)
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    assert window.current_date() == FRIDAY
    qtbot.keyClick(view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.mode == WEEK and len(view.columns()) == 7
    assert prompts.errors == []


def test_filters_limit_the_tree_and_the_day_view(qtbot, qtmodeltester, window, small) -> None:
    qtmodeltester.check(window.tree_model)
    qtmodeltester.check(window.room_proxy)
    qtmodeltester.check(window.sessions_model)
    assert len(window.view.columns()) == 3
    window.capacity_filter.setValue(50)
    assert {c.room_id for c in window.view.columns()} == {small.borough.hall_id, small.borough.hainault_hall_id}
    rooms = []
    for hub in range(window.room_proxy.rowCount()):
        parent = window.room_proxy.index(hub, 0)
        rooms += [
            window.room_proxy.index(r, 0, parent).data(Role.ROW) for r in range(window.room_proxy.rowCount(parent))
        ]
    assert all(isinstance(r, RoomRow) and r.capacity >= 50 for r in rooms) and len(rooms) == 2
    window.facility_filter.setCurrentIndex(window.facility_filter.findData("Kitchen"))
    assert [c.room_id for c in window.view.columns()] == [small.borough.hall_id]
    qtmodeltester.check(window.room_proxy)
    window.capacity_filter.setValue(0)
    window.facility_filter.setCurrentIndex(0)
    # Activating a room in the tree shows its week.
    hub_index = window.room_proxy.index(1, 0)
    room_index = window.room_proxy.index(0, 0, hub_index)
    window.tree.activated.emit(QPersistentModelIndex(room_index).model().index(0, 0, hub_index))
    assert window.mode == WEEK and window.view.columns()[0].room_id == room_index.data(Role.ID)


def test_window_layout_and_last_view_are_remembered(qtbot, small, settings, prompts) -> None:
    first = open_window(qtbot, small.services, settings, prompts)
    first.show_week(small.borough.meeting_id, FRIDAY)
    first.zoom_by(1.25)
    first.close()
    second = open_window(qtbot, small.services, settings, prompts)
    assert second.mode == WEEK and second.week_room_id == small.borough.meeting_id
    assert abs(second.view.zoom - 1.5) < 1e-6
    second.set_mode(DAY)
    assert second.mode == DAY


def test_settings_test_the_database_and_switch_to_it(qtbot, window, small, tmp_path) -> None:
    dialog = window.open_settings()
    dialog.url.setText("postgresql://nobody@127.0.0.1:1/none")
    assert not dialog.test_connection()
    assert dialog.status.text().startswith(
        "Cannot connect: cannot open the database at postgresql://nobody@127.0.0.1:1/none"
    )
    dialog.accept()
    assert dialog.isVisible()  # not saved with a database that does not open
    dialog.url.setText("not a url")
    assert not dialog.test_connection() and "not a database URL" in dialog.status.text()
    dialog.day_start.setValue(7)
    dialog.url.setText(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert dialog.test_connection() and "6 hub" in dialog.status.text()  # a new file gets the demo borough
    dialog.accept()
    assert window.settings.database_url.endswith("other.sqlite3") and window.settings.time_grid.day_start == 7
    assert window.tree_model.rowCount() == 6 and window.controller.stack.count() == 0


def test_cancel_scope_can_be_declined(qtbot, window, small, prompts) -> None:
    before = live(small)
    window.view.select(next(r for r in window.sessions_model.rows() if r.title == "Food pantry"))
    prompts.scopes = [None]
    window.cancel_selected()
    assert live(small) == before and window.controller.stack.count() == 0
    prompts.scopes = [Scope.SESSION]


def test_every_focusable_control_has_an_accessible_name(qtbot, window, small) -> None:
    from PySide6.QtWidgets import QAbstractButton, QWidget

    window.view.select(window.sessions_model.rows()[0])
    dialogs = [window, window.new_booking(), window.find_free_room(), window.open_settings(), window.edit_selected()]
    window.view.select(window.sessions_model.rows()[0])
    dialogs.append(window.move_selected())
    unnamed = []
    for top in dialogs:
        for widget in top.findChildren(QWidget):
            if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(top):
                continue
            if type(widget).__name__ in ("QLineEdit", "QScrollBar") and widget.parent() is not None:
                parent = widget.parent()
                if parent.accessibleName() or type(parent).__name__ in (
                    "QComboBox",
                    "QDateEdit",
                    "QTimeEdit",
                    "QSpinBox",
                ):
                    continue  # the editor inside a named spin box or combo box, or a scroll bar
            named = widget.accessibleName() or (isinstance(widget, QAbstractButton) and widget.text())
            if not named:
                unnamed.append(f"{type(top).__name__}/{type(widget).__name__}/{widget.objectName()}")
    assert unnamed == []
    assert sum(len(top.findChildren(QWidget)) for top in dialogs) > 100
