"""Borough ▸ Outbox sends on a worker thread: while a real SMTP server (aiosmtpd) takes its time the window keeps
handling events and shows a moving busy bar with the send buttons disabled; the result is shown afterwards.
A server that cannot be reached is said in a dialog, and nothing is marked sent."""

from __future__ import annotations

import socket
import threading

from PySide6.QtCore import QSettings, Qt, QTimer

from desktop_app.outbox_window import OutboxWindow
from tests import smtp_server as smtp_helpers
from tests.screenshots import screenshot_dir

memory_keyring = smtp_helpers.memory_keyring
smtp_server = smtp_helpers.smtp_server


def queue_notices(services, count: int) -> list[int]:
    outbox = services.wired.outbox
    organisations = [o for o in services.directory.organisations()][:count]
    return [outbox.queue_feed_link(o.id, f"https://feeds.example.org/hubs/{o.id}.ics") for o in organisations]


def outbox_window(qtbot, services, prompts, tmp_path, port: int) -> OutboxWindow:
    qsettings = QSettings(str(tmp_path / "outbox.ini"), QSettings.Format.IniFormat)
    window = OutboxWindow(services.wired.outbox, prompts, qsettings)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.host.setText("127.0.0.1")
    window.port.setValue(port)
    window.security.setCurrentIndex(window.security.findData("none"))
    window.user.setText("hubs")
    window.password.setText("s3cret")
    window.sender.setText("hubs@redbridge.example")
    return window


def test_sending_runs_off_the_gui_thread_with_a_busy_bar(
    qtbot, demo_services, prompts, tmp_path, smtp_server, memory_keyring
) -> None:
    recorder, port = smtp_server
    ids = queue_notices(demo_services, 3)
    window = outbox_window(qtbot, demo_services, prompts, tmp_path, port)
    assert window.table.rowCount() == len(ids) == 3

    released = threading.Event()
    seen: dict[str, object] = {}

    def hold_first_message(count: int) -> None:
        # The server waits for the GUI thread: only its event loop can release it.
        if count == 1:
            seen["server_thread"] = threading.current_thread()
            seen["released"] = released.wait(timeout=20)

    recorder.after_data = hold_first_message

    def while_sending() -> None:
        seen["busy"] = window.busy.isVisible()
        seen["status"] = window.server_status.text()
        seen["buttons"] = [b.isEnabled() for b in (window.send_all_button, window.send_one_button, window.test_button)]
        seen["again"] = window.send(only_selected=False)  # a second click meanwhile sends nothing twice
        window.busy.grab().save(str(screenshot_dir() / "outbox-sending-busy.png"))
        window.grab().save(str(screenshot_dir() / "outbox-sending.png"))
        released.set()

    with qtbot.waitSignal(window.sent, timeout=30_000) as sent:
        qtbot.mouseClick(window.send_all_button, Qt.MouseButton.LeftButton)
        assert window.sending, "the click returned while the notices are still being sent"
        QTimer.singleShot(100, while_sending)
    qtbot.waitUntil(lambda: not window.sending)
    assert seen["released"], "the window's events were not handled while sending"
    assert seen["busy"] is True and seen["status"] == "Sending…"
    assert seen["buttons"] == [False, False, False]
    assert seen["again"] is None
    assert not prompts.errors
    assert [r.state for r in sent.args[0]] == ["sent"] * 3
    assert len(recorder.messages) == 3
    assert window.server_status.text() == "3 sent, 0 failed."
    assert not window.busy.isVisible()
    assert window.send_all_button.isEnabled() and window.test_button.isEnabled()
    assert {window.table.item(n, 3).text() for n in range(3)} == {"Sent"}


def test_an_unreachable_server_is_said_after_the_attempt(
    qtbot, demo_services, prompts, tmp_path, memory_keyring
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ids = queue_notices(demo_services, 2)
    window = outbox_window(qtbot, demo_services, prompts, tmp_path, port)
    worker = window.send(only_selected=False)
    assert worker is not None
    qtbot.waitUntil(lambda: not window.sending and bool(prompts.errors), timeout=30_000)
    assert prompts.errors[-1][0] == "Cannot send"
    assert window.server_status.text() == "Nothing was sent."
    assert not window.busy.isVisible() and window.send_all_button.isEnabled()
    assert [demo_services.wired.outbox.get(i).state for i in ids] == ["queued", "queued"]
