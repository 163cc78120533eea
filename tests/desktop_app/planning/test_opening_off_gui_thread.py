"""Opening the planning window reads its data on a worker thread: the calendar keeps handling events meanwhile,
shows a busy cursor and says so in its status bar, and the window then shows what was read."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.desktop_app.conftest import open_window


def test_the_planning_window_loads_off_the_gui_thread(qtbot, demo_services, settings, prompts, monkeypatch) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    requests = demo_services.wired.requests
    real_list = requests.list
    released = threading.Event()
    seen: dict[str, object] = {}

    def slow_list(term_id: int):
        seen["thread"] = threading.current_thread()
        # Only the GUI thread's event loop can release this: a load on the GUI thread would wait in vain.
        seen["released"] = released.wait(timeout=20)
        return real_list(term_id)

    monkeypatch.setattr(requests, "list", slow_list)

    def while_loading() -> None:
        cursor = QApplication.overrideCursor()
        seen["cursor"] = None if cursor is None else cursor.shape()
        seen["status"] = window.statusBar().currentMessage()
        seen["again"] = window.open_planning()  # a second Ctrl+Shift+T meanwhile opens nothing more
        released.set()

    QTimer.singleShot(50, while_loading)
    planning = window.open_planning()
    assert seen["thread"] is not threading.main_thread()
    assert seen["released"], "the GUI thread's events were not handled while the planning data was read"
    assert seen["cursor"] == Qt.CursorShape.BusyCursor
    assert seen["status"] == "Opening the planning window…"
    assert seen["again"] is None
    assert planning is not None and window.planning_window is planning
    qtbot.waitExposed(planning)
    try:
        assert QApplication.overrideCursor() is None and window.statusBar().currentMessage() == ""
        # The window shows what the worker read: the term with requests, its requests, hubs and feed links.
        term_id = demo_services.directory.next_term_with_requests(window.today())
        assert planning.term_id == term_id
        assert planning.requests.model.rowCount() == len(real_list(term_id)) > 0
        assert planning.requests.hub.count() == 1 + len(demo_services.directory.hubs())
        assert planning.feeds.model.rowCount() > 0
        assert planning.closures.hub.count() == len(demo_services.directory.hubs())
        assert not prompts.errors
    finally:
        planning.close()


def test_a_failed_load_is_said_in_a_dialog(qtbot, demo_services, settings, prompts, monkeypatch) -> None:
    from scheduler.errors import DatabaseUnavailable

    window = open_window(qtbot, demo_services, settings, prompts)

    def unreachable():
        raise DatabaseUnavailable("the database server stopped answering")

    monkeypatch.setattr(demo_services.directory, "terms", unreachable)
    assert window.open_planning() is None
    assert window.planning_window is None
    assert prompts.errors and "stopped answering" in prompts.errors[-1][1]
    assert QApplication.overrideCursor() is None
