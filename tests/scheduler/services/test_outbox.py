"""The notifications outbox against a real SMTP server (aiosmtpd on 127.0.0.1).

Notices are written per organisation after a closure, name only that organisation's sessions, go to the
contacts flagged "receives notices", are sent with a login whose password is in the keyring (an in-memory
keyring backend configured here), record the server's reply or the failure, can be retried, and are
delivered exactly once even when the sender is killed in the middle of a batch and started again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from models.entities import Closure, Contact
from models.types import ClosureScope, Frequency, Visibility
from scheduler.bootstrap import bootstrap
from scheduler.notify.mail import SmtpSettings, SmtpTransport, check_connection, store_password
from scheduler.services.booking import NewBooking
from scheduler.services.closures import ClosureDraft
from tests import smtp_server as smtp_helpers

NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


memory_keyring = smtp_helpers.memory_keyring  # fixtures shared with the outbox window's test
smtp_server = smtp_helpers.smtp_server
tls_server = smtp_helpers.tls_server


@pytest.fixture
def closed(sessions, borough):
    """Hainault's hall closed for two weeks: the pantry's lunch club and the advice service's private
    session are displaced; notices are queued for both organisations."""
    services = bootstrap(sessions, "Manager", clock=lambda: NOW)
    services.booking.book(
        NewBooking(
            room_id=borough.hainault_hall_id,
            organisation_id=borough.pantry_id,
            title="Lunch club",
            first_date=date(2027, 2, 3),
            last_date=date(2027, 2, 10),
            frequency=Frequency.WEEKLY,
            start=time(11, 30),
            duration_min=120,
            attendance=20,
        )
    )
    services.booking.book(
        NewBooking(
            room_id=borough.hainault_hall_id,
            organisation_id=borough.advice_id,
            title="Domestic abuse outreach",
            public_title="Advice session",
            visibility=Visibility.PRIVATE,
            first_date=date(2027, 2, 4),
            start=time(10),
            duration_min=60,
            attendance=2,
        )
    )
    with sessions.begin() as s:
        s.add_all(
            [
                Contact(
                    organisation_id=borough.pantry_id, name="Chair", email="chair@pantry.example", receives_notices=True
                ),
                Contact(organisation_id=borough.pantry_id, name="Treasurer", email="money@pantry.example"),
                Contact(
                    organisation_id=borough.advice_id,
                    name="Office",
                    email="office@advice.example",
                    receives_notices=True,
                ),
            ]
        )
    draft = ClosureDraft(
        ClosureScope.HUB, date(2027, 2, 1), date(2027, 2, 12), "Roof repairs", hub_id=borough.hainault_id
    )
    added = services.closures.add(draft, services.closures.plan_rehoming(draft))
    ids = services.outbox.queue_closure(added.closure_id)
    assert len(ids) == 2
    return services


def settings(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, "hubs@redbridge.example", security="none", username="hubs")


def test_notices_go_to_the_flagged_contacts_and_name_only_their_own_sessions(
    closed, smtp_server, memory_keyring
) -> None:
    recorder, port = smtp_server
    store_password(settings(port), "s3cret")
    assert memory_keyring.passwords == {("hubsched-smtp", "hubs@127.0.0.1"): "s3cret"}
    assert "250" in check_connection(settings(port))
    with SmtpTransport(settings(port)) as transport:
        done = closed.outbox.send(transport)
    assert [r.state for r in done] == ["sent", "sent"]
    assert all(r.server_reply.startswith("250 OK queued as") for r in done)
    by_rcpt = {
        tuple(rcpts): message_from_bytes(content, policy=policy.default)
        for _sender, rcpts, content in recorder.messages
    }
    assert set(by_rcpt) == {("chair@pantry.example",), ("office@advice.example",)}
    pantry = by_rcpt[("chair@pantry.example",)]
    assert pantry["Subject"] == "Hainault Hub closure: changes to your sessions"
    assert pantry["From"] == "hubs@redbridge.example"
    text = pantry.get_content()
    assert text.startswith("Dear Ilford Food Pantry,")
    assert "Hainault Hub is closed from Mon 1 Feb to Fri 12 Feb 2027 (Roof repairs)" in text
    assert "Lunch club, Wed 3 Feb 2027 11:30–13:30 at Main Hall, Hainault Hub" in text
    assert "Domestic abuse outreach" not in text and "Citizens Advice" not in text
    advice = by_rcpt[("office@advice.example",)].get_content()
    assert "Domestic abuse outreach" in advice and "Lunch club" not in advice
    # Nothing is sent twice.
    with SmtpTransport(settings(port)) as transport:
        assert closed.outbox.send(transport) == []
    assert len(recorder.messages) == 2


def test_a_refused_message_fails_with_the_reason_and_can_be_retried(closed, smtp_server, memory_keyring) -> None:
    recorder, port = smtp_server
    recorder.refuse = {"chair@pantry.example"}
    with SmtpTransport(settings(port), password="s3cret") as transport:
        done = closed.outbox.send(transport)
    failed = next(r for r in done if r.organisation == "Ilford Food Pantry")
    assert failed.state == "failed" and "550 no such mailbox here" in failed.failure
    recorder.refuse = set()
    closed.outbox.retry(failed.id)
    with SmtpTransport(settings(port), password="s3cret") as transport:
        again = closed.outbox.send(transport)
    assert [(r.id, r.state) for r in again] == [(failed.id, "sent")]


def test_a_wrong_password_is_refused_before_anything_is_claimed(closed, smtp_server, memory_keyring) -> None:
    _recorder, port = smtp_server
    store_password(settings(port), "wrong")
    from scheduler.notify.mail import DeliveryFailed

    with pytest.raises(DeliveryFailed, match="cannot use the mail server"), SmtpTransport(settings(port)) as transport:
        closed.outbox.send(transport)
    assert {r.state for r in closed.outbox.list()} == {"queued"}


@pytest.mark.slow
def test_killed_mid_batch_and_restarted_each_message_is_delivered_exactly_once(
    closed, smtp_server, db_url, sessions
) -> None:
    recorder, port = smtp_server
    # More notices: one per organisation per change, so queue the closure's notices twice more.
    with sessions() as s:
        closure = s.scalars(select(Closure)).one().id
    closed.outbox.queue_closure(closure)
    closed.outbox.queue_closure(closure)
    queued = [r.id for r in closed.outbox.list(["queued"])]
    assert len(queued) == 6
    sender: list[subprocess.Popen] = []

    def kill_after_second(count: int) -> None:
        if count == 2:  # the message is in; the sender dies before it can record that
            os.kill(sender[0].pid, signal.SIGKILL)

    recorder.after_data = kill_after_second
    command = [
        sys.executable,
        "-c",
        "import sys; from scheduler import cli; sys.exit(cli.main(sys.argv[1:]))",
        "--db",
        db_url,
        "outbox",
        "send",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--security",
        "none",
        "--sender",
        "hubs@redbridge.example",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sender.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    _out, err = sender[0].communicate(timeout=60)
    assert sender[0].returncode == -signal.SIGKILL, (_out.decode(), err.decode())
    assert len(recorder.messages) == 2
    interrupted = closed.outbox.list(["sending"])
    assert len(interrupted) == 1 and "may have been delivered" in interrupted[0].state_text

    recorder.after_data = None
    restart = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert restart.returncode == 0, restart.stderr
    ids = [message_from_bytes(content, policy=policy.default)["Message-ID"] for _s, _r, content in recorder.messages]
    assert sorted(ids) == sorted(f"<notice-{i}@hubsched.local>" for i in queued)  # each exactly once
    states = {r.id: r.state for r in closed.outbox.list()}
    assert sorted(states.values()) == ["sending"] + ["sent"] * 5


def test_notices_carry_the_organisation_s_feed_link_and_a_reissued_link_is_a_notice(closed, borough) -> None:
    outbox = closed.outbox
    outbox.use_feed_links("https://feeds.redbridge.example/hubs")
    notice = outbox.get(outbox.queue_feed_link(borough.pantry_id, "https://feeds.redbridge.example/hubs/org/new.ics"))
    assert notice.recipients == ("chair@pantry.example",)
    assert "https://feeds.redbridge.example/hubs/org/new.ics" in notice.body
    with closed.sessions() as s:
        closure = s.scalars(select(Closure)).one().id
    again = [outbox.get(i) for i in outbox.queue_closure(closure)]
    pantry = next(n for n in again if n.organisation == "Ilford Food Pantry")
    assert "Your calendar feed always shows your sessions as they are now:\nhttps://feeds.redbridge.example/hubs/" in (
        pantry.body
    )


def test_starttls_and_ssl_with_a_login(closed, tls_server, memory_keyring) -> None:
    recorder, port, security, cafile = tls_server
    secure = SmtpSettings("127.0.0.1", port, "hubs@redbridge.example", security, "hubs", cafile=cafile)
    store_password(secure, "s3cret")
    with SmtpTransport(secure) as transport:
        done = closed.outbox.send(transport)
    assert [r.state for r in done] == ["sent", "sent"]
    assert len(recorder.messages) == 2
    # Without trusting the server's certificate nothing is claimed.
    from scheduler.notify.mail import DeliveryFailed

    untrusted = SmtpSettings("127.0.0.1", port, "hubs@redbridge.example", security, "hubs")
    with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpTransport(untrusted).__enter__()
