"""`hubsched outbox list|send|retry|discard|export`: the notifications outbox for scripting.

Owns: the commands' arguments and output. SMTP settings come from options (or $HUBSCHED_SMTP_HOST,
_PORT, _SECURITY, _USER, _SENDER); the password only from the system keyring (`outbox password` stores
it there, read from the terminal without echo). The work is done by OutboxService.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.errors import InvalidInput
from scheduler.notify.mail import SECURITY, DeliveryFailed, SmtpSettings, SmtpTransport, store_password

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext

NAMES = frozenset({"outbox"})


def _smtp_options(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--host", default=env("HUBSCHED_SMTP_HOST", ""), help="mail server host")
    parser.add_argument("--port", type=int, default=int(env("HUBSCHED_SMTP_PORT", "587")), help="default 587")
    parser.add_argument(
        "--security", choices=SECURITY, default=env("HUBSCHED_SMTP_SECURITY", "starttls"), help="default starttls"
    )
    parser.add_argument("--user", default=env("HUBSCHED_SMTP_USER", ""), help="login (password from the keyring)")
    parser.add_argument("--sender", default=env("HUBSCHED_SMTP_SENDER", ""), help="From: address")
    parser.add_argument("--cafile", default=env("HUBSCHED_SMTP_CAFILE", ""), help="also trust this CA (PEM)")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("outbox", help="notices to organisations: list, send, retry, discard, export")
    actions = parser.add_subparsers(dest="outbox_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="notices and their delivery state")
    listing.add_argument("--state", action="append", choices=["queued", "sending", "sent", "failed", "discarded"])
    listing.add_argument("--json", action="store_true", help="print the notices as JSON (with their text)")
    send = actions.add_parser("send", help="send every queued notice (each at most once)")
    send.add_argument("--id", type=int, action="append", help="only this notice (repeatable)")
    _smtp_options(send)
    password = actions.add_parser("password", help="store the SMTP password in the system keyring")
    _smtp_options(password)
    retry = actions.add_parser("retry", help="queue a failed or interrupted notice again")
    retry.add_argument("id", type=int)
    discard = actions.add_parser("discard", help="discard a queued notice")
    discard.add_argument("id", type=int)
    export = actions.add_parser("export", help="save notices as .eml files (when no mail server is set)")
    export.add_argument("--folder", type=Path, required=True)
    export.add_argument("--sender", default=os.environ.get("HUBSCHED_SMTP_SENDER", "hubs@example.org"))


def _settings(args: argparse.Namespace) -> SmtpSettings:
    settings = SmtpSettings(args.host, args.port, args.sender, args.security, args.user, cafile=args.cafile)
    settings.check()
    return settings


def run(args: argparse.Namespace, context: CommandContext) -> int:
    outbox = context.services.outbox
    action = args.outbox_action
    if action == "list":
        rows = outbox.list(args.state)
        if args.json:
            json.dump(
                [
                    {
                        "id": r.id,
                        "organisation": r.organisation,
                        "kind": r.kind,
                        "recipients": list(r.recipients),
                        "subject": r.subject,
                        "body": r.body,
                        "state": r.state,
                        "server_reply": r.server_reply,
                        "failure": r.failure,
                    }
                    for r in rows
                ],
                sys.stdout,
                indent=2,
            )
            print()
        for r in [] if args.json else rows:
            print(
                f"[{r.id}] {r.state_text:<10} {r.organisation}: {r.subject} -> {', '.join(r.recipients) or '(nobody)'}"
            )
        return 0
    if action == "password":
        settings = _settings(args)
        if not settings.username:
            raise InvalidInput("give --user: the password belongs to a login")
        store_password(settings, getpass.getpass(f"SMTP password for {settings.keyring_user}: "))
        print(f"stored in the system keyring for {settings.keyring_user}")
        return 0
    if action == "send":
        settings = _settings(args)
        try:
            with SmtpTransport(settings) as transport:
                done = outbox.send(transport, args.id)
        except DeliveryFailed as exc:
            raise InvalidInput(str(exc)) from None
        for r in done:
            print(f"[{r.id}] {r.organisation}: {r.state_text}")
        failed = sum(r.state == "failed" for r in done)
        print(f"{len(done) - failed} sent, {failed} failed")
        return 1 if failed else 0
    if action == "retry":
        outbox.retry(args.id)
        print(f"notice {args.id} queued again")
        return 0
    if action == "discard":
        outbox.discard(args.id)
        print(f"notice {args.id} discarded")
        return 0
    paths = [outbox.export_eml(r.id, args.folder, args.sender) for r in outbox.list(["queued", "failed"])]
    for path in paths:
        print(path)
    return 0
