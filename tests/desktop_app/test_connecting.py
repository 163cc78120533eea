"""Connecting never freezes the window: it runs on a worker thread behind a busy dialog, and a server that
accepts the connection but never answers is given up on at the connect timeout, in plain words."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer

from desktop_app.connecting import connect_with_progress
from desktop_app.services import AppServices, connect
from scheduler.errors import DatabaseUnavailable


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on localhost that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_local_database_connects_off_the_gui_thread(qtbot, sqlite_url) -> None:
    services = connect_with_progress(lambda: connect(sqlite_url, "Tester", timeout=5), where="test", timeout=5)
    assert isinstance(services, AppServices)
    assert services.directory.hubs()
    services.close()


def test_a_server_that_never_answers_times_out_in_words_without_freezing(qtbot, silent_server) -> None:
    url = f"postgresql://nobody@127.0.0.1:{silent_server}/hubs"
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with pytest.raises(DatabaseUnavailable) as refused:
        connect_with_progress(lambda: connect(url, "Tester", timeout=2), where="test server", timeout=2)
    timer.stop()
    assert "did not answer within 2 seconds" in str(refused.value)
    assert len(ticks) >= 10, "the GUI thread's event loop kept running while connecting"
