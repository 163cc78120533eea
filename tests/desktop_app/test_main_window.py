"""The desktop app's start-up on the demo borough: hubs, rooms, day and week views, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QColor, QPalette

from desktop_app.app import choose_url, open_database
from desktop_app.item_models import Role
from desktop_app.main_window import WEEK
from models import db
from scheduler.services.directory import HubRow, RoomRow
from tests.desktop_app.conftest import open_window
from tests.screenshots import screenshot_dir

# Thu 8 Oct 2026, 11:20 in London: a busy day of the demo's Autumn term.
DEMO_NOW = datetime(2026, 10, 8, 10, 20, tzinfo=UTC)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#262626"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Mid, "#5a5a5a"),
        (QPalette.ColorRole.Dark, "#8a8a8a"),
        (QPalette.ColorRole.Highlight, "#3d8ee6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def test_second_start_does_not_load_the_demo_again(sqlite_url) -> None:
    first = open_database(sqlite_url, "Tester").hubs()
    second = open_database(sqlite_url, "Tester").hubs()
    assert [h.id for h in first] == [h.id for h in second]


def test_the_settings_database_is_used_unless_one_is_given(settings, monkeypatch) -> None:
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    assert choose_url(db.default_url(), settings) == db.default_url()
    settings.database_url = "sqlite:////tmp/elsewhere.sqlite3"
    assert choose_url(db.default_url(), settings) == "sqlite:////tmp/elsewhere.sqlite3"
    assert choose_url("sqlite:////tmp/given.sqlite3", settings) == "sqlite:////tmp/given.sqlite3"


def test_demo_borough_day_and_week_views_with_screenshots(qtbot, qtmodeltester, demo_services, settings, prompts):
    window = open_window(qtbot, demo_services, settings, prompts, now=DEMO_NOW)
    qtmodeltester.check(window.tree_model)
    qtmodeltester.check(window.room_proxy)
    hubs = [window.tree_model.item(row).text() for row in range(window.tree_model.rowCount())]
    assert hubs == sorted(hubs) and len(hubs) == 6 and "Hainault Hub" in hubs
    rooms = sum(window.tree_model.item(row).rowCount() for row in range(window.tree_model.rowCount()))
    assert 25 <= rooms <= 35

    # Keyboard in the tree: Down from the first hub reaches its first room.
    window.tree.setFocus()
    window.tree.setCurrentIndex(window.room_proxy.index(0, 0))
    assert isinstance(window.tree.currentIndex().data(Role.ROW), HubRow)
    qtbot.keyClick(window.tree, Qt.Key.Key_Down)
    assert isinstance(window.tree.currentIndex().data(Role.ROW), RoomRow)

    ilford = next(h.id for h in window._hubs if h.name == "Ilford Civic Hub")
    window.show_day(ilford, date(2026, 10, 8))
    qtmodeltester.check(window.sessions_model)
    assert window.sessions_model.rowCount() >= 3
    assert len(window.view.columns()) == 7
    window.view.scroll_to_time(QTime(8, 30).toPython())
    window.view.select(next(r for r in window.sessions_model.rows() if r.visibility == "private"))
    assert "Private" in window.details.toPlainText()
    shots = screenshot_dir()
    assert window.grab().save(str(shots / "day-view.png"))

    window.show_day(None, date(2026, 10, 8))
    assert len(window.view.columns()) == rooms
    assert window.view.horizontalScrollBar().maximum() > 0  # all hubs scroll sideways
    window.setPalette(dark_palette())  # readable in a dark theme too
    window.view.horizontalScrollBar().setValue(window.view.column_width * 8)
    assert window.grab().save(str(shots / "day-view-all-hubs-dark.png"))
    window.setPalette(QPalette())

    hall = next(r.id for r in window._rooms if r.name == "Main Hall" and r.hub == "Ilford Civic Hub")
    window.show_week(hall, date(2026, 10, 8))
    assert window.mode == WEEK and [c.day.isoweekday() for c in window.view.columns()] == list(range(1, 8))
    window.view.scroll_to_time(QTime(8, 30).toPython())
    window.view.select(None)
    assert window.grab().save(str(shots / "week-view.png"))

    dialog = window.new_booking(room_id=hall, day=date(2026, 10, 9), start=QTime(13, 0).toPython(), duration_min=90)
    dialog.organisation.setCurrentIndex(0)
    dialog.title_edit.setText("Warm space")
    dialog.attendance.setValue(30)
    assert not dialog.check() and "already booked by" in dialog.problems.text()
    dialog.adjustSize()
    assert dialog.grab().save(str(shots / "booking-dialog.png"))
    dialog.reject()

    finder = window.find_free_room()
    finder.people.setValue(15)
    finder.date_edit.setDate(finder.date_edit.date().fromString("2026-10-07", "yyyy-MM-dd"))
    finder.facilities.item(
        next(i for i in range(finder.facilities.count()) if "Hearing" in finder.facilities.item(i).text())
    ).setCheckState(Qt.CheckState.Checked)
    finder.step_free.setChecked(True)
    finder.preferred.setCurrentIndex(finder.preferred.findText("Seven Kings Hub"))
    rows = finder.search()
    assert rows and all(r.capacity >= 15 and r.step_free for r in rows)
    assert finder.grab().save(str(shots / "find-a-free-room.png"))


def test_starting_the_calendar_and_the_command_line_does_not_load_the_solver() -> None:
    """OR-Tools (and the pandas it pulls in) takes seconds; only the commands and windows that solve load it.

    The probe takes the real launch path: the `hubsched` entry point's module, the CLI's parser with every
    command group registered, the desktop app's start-up and its main window.
    """
    probe = (
        "import sys, desktop_app.launcher, desktop_app.app, desktop_app.main_window; "
        "from scheduler import cli; cli.build_parser(); "
        "import scheduler.bootstrap, scheduler.services.closures; "
        "print(any(m.startswith('ortools') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.stdout.strip() == "False"
