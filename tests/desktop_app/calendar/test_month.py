"""Month view: a hub's or a room's month, each day with its sessions or a count; a click opens the day."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop_app.calendar.month import MonthView, month_grid_start
from desktop_app.main_window import DAY
from tests.desktop_app.conftest import FRIDAY, open_window
from tests.screenshots import screenshot_dir


def test_month_grid_starts_on_the_monday_before_the_first():
    assert month_grid_start(date(2027, 1, 15)) == date(2026, 12, 28)
    assert month_grid_start(date(2027, 2, 3)) == date(2027, 2, 1)


def test_a_hubs_month_lists_each_days_sessions(qtbot, window, small) -> None:
    window.set_mode("month-hub")
    assert window.calendar_stack.currentWidget() is window.month_view
    month = window.month_view
    assert [r.title for r in month.sessions_on(FRIDAY)] == ["Advice drop-in", "Food pantry"]
    assert month.day_lines(FRIDAY) == ["10:00 Advice drop-in", "12:00 Food pantry"]
    assert [r.title for r in month.sessions_on(date(2027, 1, 22))] == ["Food pantry"]
    assert window.statusBar().currentMessage().startswith("5 sessions")  # 4 pantry + 1 drop-in in January


def test_a_crowded_day_shows_a_count_then_what_fits(qtbot, window, small) -> None:
    window.set_mode("month-hub")
    rows = window.month_view.sessions_on(FRIDAY)
    month = MonthView()
    qtbot.addWidget(month)
    line = month.fontMetrics().height()
    month.resize(700, month._heading() + 6 * (2 * line + 8))  # room for the day number and one line
    month.set_month(FRIDAY, rows, FRIDAY)
    assert month.lines_that_fit() == 1
    assert month.day_lines(FRIDAY) == ["2 sessions"]
    month.resize(700, month._heading() + 6 * (3 * line + 8))
    assert month.day_lines(FRIDAY) == ["10:00 Advice drop-in", "12:00 Food pantry"]


def test_a_rooms_month_shows_only_that_room_and_next_steps_a_month(qtbot, window, small) -> None:
    window.show_week(small.borough.hall_id, FRIDAY)
    window.set_mode("month-room")
    assert [r.title for r in window.month_view.sessions_on(FRIDAY)] == ["Food pantry"]
    window.step_date(1)
    assert window.current_date() == date(2027, 2, 1)
    assert window.month_view.month == date(2027, 2, 1)


def test_clicking_a_day_opens_it_in_the_day_view(qtbot, window, small) -> None:
    window.set_mode("month-hub")
    month = window.month_view
    rect = month.cell_rect(date(2027, 1, 22))
    QTest.mouseClick(month, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.center().y())))
    assert window.mode == DAY and window.current_date() == date(2027, 1, 22)
    assert window.calendar_stack.currentWidget() is window.view


def test_month_screenshot_on_the_demo_borough(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    window.show_day(None, date(2026, 10, 7))
    window.set_mode("month-hub")
    assert window.month_view.sessions_on(date(2026, 10, 7))
    window.grab().save(str(screenshot_dir() / "month.png"))
