"""The desktop app's start-up and hubs-and-rooms window, driven offscreen with real widgets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.app import open_database
from desktop_app.main_window import ROW_ROLE, MainWindow
from scheduler.services.directory import HubRow, RoomRow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_first_start_loads_the_demo_and_lists_every_hub(qtbot, qtmodeltester, sqlite_url) -> None:
    directory = open_database(sqlite_url, "Tester")
    window = MainWindow(directory)
    qtbot.addWidget(window)
    window.show()
    qtmodeltester.check(window.model)
    hubs = [window.model.item(row).text() for row in range(window.model.rowCount())]
    assert hubs == sorted(hubs) and len(hubs) == 6 and "Hainault Hub" in hubs
    rooms = sum(window.model.item(row).rowCount() for row in range(window.model.rowCount()))
    assert 25 <= rooms <= 35

    # Keyboard: Down from the first hub selects its first room and shows its details.
    window.tree.setFocus()
    window.tree.setCurrentIndex(window.model.index(0, 0))
    qtbot.keyClick(window.tree, Qt.Key.Key_Down)
    current = window.tree.currentIndex().data(ROW_ROLE)
    assert isinstance(current, RoomRow)
    assert current.name in window.details.text() and f"Holds {current.capacity} people" in window.details.text()
    window.tree.setCurrentIndex(window.model.index(0, 0))
    assert isinstance(window.tree.currentIndex().data(ROW_ROLE), HubRow)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "hubs-and-rooms.png"))


def test_second_start_does_not_load_the_demo_again(sqlite_url) -> None:
    first = open_database(sqlite_url, "Tester").hubs()
    second = open_database(sqlite_url, "Tester").hubs()
    assert [h.id for h in first] == [h.id for h in second]
