"""Ctrl+K search in the calendar window: results as you type, Enter jumps to and selects the session."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from desktop_app.calendar.search import SearchDialog
from desktop_app.item_models import Role
from tests.desktop_app.conftest import open_window
from tests.screenshots import screenshot_dir


def open_search(qtbot, window) -> SearchDialog:
    assert window.search_action.shortcut() == QKeySequence("Ctrl+K")
    window.search_action.trigger()
    dialog = window.search_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_typing_shows_matches_with_pattern_and_next_date(qtbot, qtmodeltester, window) -> None:
    dialog = open_search(qtbot, window)
    qtbot.keyClicks(dialog.query, "PANTRY")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    qtmodeltester.check(dialog.model)
    text = dialog.model.index(0).data()
    assert "Food pantry" in text and "Weekly on Fri 12:00" in text
    assert "Fri 08 Jan 2027 12:00" in text  # the tests' real clock is before January 2027


def test_enter_jumps_to_the_session_and_selects_it(qtbot, window, small) -> None:
    window.show_day(None, date(2027, 3, 1))
    dialog = open_search(qtbot, window)
    qtbot.keyClicks(dialog.query, "advice drop")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    hit = dialog.model.index(0).data(Role.ROW)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert window.current_date() == date(2027, 1, 15)
    assert window.view.selected_id == hit.occurrence_id
    assert window.view.selected_row().title == "Advice drop-in"
    assert "Advice drop-in" in window.details.toPlainText()
    rect = window.view.block_rect(hit.occurrence_id)
    assert window.view.viewport().rect().intersects(rect.toRect())


def test_nothing_found_says_so(qtbot, window) -> None:
    dialog = open_search(qtbot, window)
    qtbot.keyClicks(dialog.query, "zumba")
    qtbot.waitUntil(lambda: "Nothing matches" in dialog.status.text())
    assert dialog.model.rowCount() == 0


def test_search_screenshot_on_the_demo_borough(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    dialog = open_search(qtbot, window)
    qtbot.keyClicks(dialog.query, "cafe")
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
    assert all("caf" in dialog.model.index(i).data().lower() for i in range(dialog.model.rowCount()))
    dialog.grab().save(str(screenshot_dir() / "search.png"))
