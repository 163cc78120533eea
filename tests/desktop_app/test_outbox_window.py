"""Borough ▸ Outbox: review a closure's notices, edit one, discard one, send the rest to a real SMTP server
(aiosmtpd), save one as .eml and make its mailto: link; the password goes to the keyring, not QSettings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from PySide6.QtCore import QSettings, Qt

from desktop_app.outbox_window import OutboxWindow
from models.types import ClosureScope
from scheduler.bootstrap import bootstrap
from scheduler.services.closures import ClosureDraft
from tests import smtp_server as smtp_helpers
from tests.screenshots import screenshot_dir

memory_keyring = smtp_helpers.memory_keyring
smtp_server = smtp_helpers.smtp_server
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)


def queue_hainault_closure(demo_services) -> list[int]:
    services = bootstrap(demo_services.wired.sessions, "Tester", clock=lambda: NOW)
    services.allocation.apply(services.allocation.preview(services.allocation.term_id("Spring 2027"), time_limit=5))
    hainault = next(h.id for h in services.directory.hubs() if h.name == "Hainault Hub")
    draft = ClosureDraft(ClosureScope.HUB, date(2027, 2, 1), date(2027, 2, 12), "Roof repairs", hub_id=hainault)
    added = services.closures.add(draft, services.closures.plan_rehoming(draft))
    return services.outbox.queue_closure(added.closure_id)


def test_review_edit_discard_and_send_the_outbox(
    qtbot, demo_services, prompts, tmp_path, smtp_server, memory_keyring
) -> None:
    recorder, port = smtp_server
    ids = queue_hainault_closure(demo_services)
    assert len(ids) == 4
    qsettings = QSettings(str(tmp_path / "outbox.ini"), QSettings.Format.IniFormat)
    window = OutboxWindow(demo_services.wired.outbox, prompts, qsettings)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    assert window.table.rowCount() == 4
    window.select(ids[1])
    assert window.subject.text() == "Hainault Hub closure: changes to your sessions"
    assert window.body.toPlainText().startswith("Dear Hainault Lunch Club,")
    assert "Cranbrook Hall, Gants Hill Hub" in window.body.toPlainText()
    window.subject.setText("Hainault Hub closed 1–12 February: where your lunch club meets")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert demo_services.wired.outbox.get(ids[1]).subject.startswith("Hainault Hub closed 1–12 February")
    # Without a mail server: .eml and mailto.
    path = window.export_selected(tmp_path / "eml")
    assert path is not None and b"Subject: Hainault Hub closed" in path.read_bytes()
    assert window.mailto_url().startswith("mailto:hainault.lunchclub@example.com?subject=Hainault%20Hub%20closed")
    # Discard the tenants' notice.
    window.select(ids[2])
    assert "Tenants" in window.body.toPlainText()
    assert window.discard_selected()
    assert window.table.rowCount() == 3
    screenshot_path = screenshot_dir() / "outbox.png"
    assert window.grab().save(str(screenshot_path))

    # Settings: the password goes to the keyring only.
    window.host.setText("127.0.0.1")
    window.port.setValue(port)
    window.security.setCurrentIndex(window.security.findData("none"))
    window.user.setText("hubs")
    window.password.setText("s3cret")
    window.sender.setText("hubs@redbridge.example")
    assert window.test_server(), window.server_status.text()
    assert memory_keyring.passwords == {("hubsched-smtp", "hubs@127.0.0.1"): "s3cret"}
    assert all("s3cret" not in str(qsettings.value(k)) for k in qsettings.allKeys())
    with qtbot.waitSignal(window.sent) as sent:
        qtbot.mouseClick(window.send_all_button, Qt.MouseButton.LeftButton)
    assert not prompts.errors
    assert [r.state for r in sent.args[0]] == ["sent"] * 3
    subjects = {message_from_bytes(c, policy=policy.default)["Subject"] for _f, _r, c in recorder.messages}
    assert "Hainault Hub closed 1–12 February: where your lunch club meets" in subjects
    assert len(recorder.messages) == 3
    assert {window.table.item(n, 3).text() for n in range(3)} == {"Sent"}


def test_the_borough_menu_opens_the_outbox(qtbot, window) -> None:
    action = next(a for a in window.menuBar().actions() if a.text().replace("&", "") == "Borough")
    outbox = next(a for a in action.menu().actions() if a.text().replace("&", "") == "Outbox…")
    outbox.trigger()
    assert window.outbox_window.isVisible()
    window.outbox_window.close()
