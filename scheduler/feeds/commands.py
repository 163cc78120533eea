"""The `hubsched feeds ...` commands: publish, serve, list, reissue, import.

Owns: the feeds sub-commands' arguments and printing; the work is done by FeedService, publish,
make_server and IcsImporter. A user's mistake raises a HubSchedError, which the CLI prints as one line
with exit status 2. Implements the CommandGroup protocol of scheduler/cli_context.py.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from models.vocabulary import Visibility
from scheduler.commands.arguments import date_argument
from scheduler.errors import InvalidInput
from scheduler.feeds.limits import Limits

if TYPE_CHECKING:  # icalendar, waitress and the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.feeds.service import FeedService

NAMES = frozenset({"feeds"})
BASE_URL_VAR = "HUBSCHED_FEEDS_BASE_URL"


def _folder(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty folder name (give a folder such as /srv/hub-feeds)")
    return Path(text)


def _threads(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of threads") from None
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{value} threads is not between 0 and 64")
    return value


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def _host(text: str) -> str:
    """An IP address or a host name as RFC 1123 spells one; anything else is refused before any look-up."""
    host = text.strip()
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address or host name (e.g. 127.0.0.1 or 0.0.0.0)")
    return host


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is not between 0 and 65535")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    feeds = commands.add_parser("feeds", help="calendar feeds: publish, serve, list links, reissue, import .ics")
    actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True, parser_class=type(feeds))

    publish_cmd = actions.add_parser("publish", help="write every feed and index.json into a folder")
    publish_cmd.add_argument("directory", metavar="DIR", type=_folder)

    serve = actions.add_parser("serve", help="serve a published folder over HTTP")
    serve.add_argument("directory", metavar="DIR", type=_folder)
    serve.add_argument("--host", type=_host, default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--threads",
        type=_threads,
        default=Limits.threads,
        help=f"request threads; 0 answers in the serving thread, the fastest for feeds (default {Limits.threads})",
    )

    listing = actions.add_parser("list", help="print each feed's https and webcal subscription link")
    listing.add_argument("--base-url", metavar="URL", help=f"where DIR is served (default ${BASE_URL_VAR})")

    reissue = actions.add_parser("reissue", help="revoke an organisation's feed address and issue a new one")
    reissue.add_argument("--org", required=True, metavar="NAME", help="organisation")
    reissue.add_argument("--dir", type=_folder, metavar="DIR", help="republish this folder at once")

    importing = actions.add_parser("import", help="book the sessions of an .ics file into a room")
    importing.add_argument("file", metavar="FILE", type=Path)
    importing.add_argument("--hub", required=True, metavar="NAME")
    importing.add_argument("--room", required=True, metavar="NAME")
    importing.add_argument("--org", required=True, metavar="NAME", help="organisation the bookings are for")
    importing.add_argument(
        "--from", dest="first", type=date_argument, metavar="DATE", help="first date (default today)"
    )
    importing.add_argument(
        "--to", dest="last", type=date_argument, metavar="DATE", help="last date (default a year on)"
    )
    importing.add_argument(
        "--visibility",
        choices=[v.value for v in Visibility],
        default=Visibility.PRIVATE.value,
        help="how public feeds show the sessions (default private)",
    )
    importing.add_argument("--apply", action="store_true", help="book them (default: only report)")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.feeds.publish import check_target
    from scheduler.feeds.service import FeedService

    action = args.feeds_command
    if action == "publish":
        return _publish(FeedService(context.sessions), args.directory)
    if action == "serve":
        return _serve(args)
    if action == "list":
        return _list(args, context)
    if action == "reissue":
        if args.dir is not None:
            check_target(args.dir)  # before the old address is revoked: a refused command changes nothing
        token = FeedService(context.sessions).reissue(args.org)
        print(f"issued a new feed address for {args.org}: org/{token}.ics")
        if args.dir is not None:
            status = _publish(FeedService(context.sessions), args.dir)
            print(f"the old address answers 404 from now on wherever {args.dir} is served")
            return status
        print(
            "the old address keeps working until the served folder is published again: "
            "run `hubsched feeds publish DIR` now (or reissue with --dir DIR)"
        )
        return 0
    if action == "import":
        return _import(args, context)
    raise AssertionError(f"unhandled feeds action {action}")


def _publish(service: FeedService, directory: Path) -> int:
    from scheduler.feeds.publish import check_target, publish

    check_target(directory)  # before any organisation token is issued
    feeds = service.build_all()
    try:
        report = publish(feeds, directory)
    except OSError as exc:
        raise InvalidInput(f"cannot publish to {directory}: {exc.strerror or exc}") from None
    print(
        f"published {len(feeds)} feeds to {directory}: {len(report.written)} written, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
    )
    if report.temporaries:
        print(f"removed {len(report.temporaries)} temporary file(s) left by an interrupted publish")
    return 0


def _log_line(line: str) -> None:
    sys.stderr.write(line + "\n")  # one write() per line (print() makes two)
    sys.stderr.flush()


def _serve(args: argparse.Namespace) -> int:
    from scheduler.feeds.publish import read_index
    from scheduler.feeds.server import make_server

    if args.directory.is_dir():
        read_index(args.directory)  # a damaged index would answer 404 to everything: say so instead
    server = make_server(args.directory, args.host, args.port, log=_log_line, limits=Limits(threads=args.threads))
    host, port = server.server_address
    print(f"serving feeds from {args.directory} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # waitress itself ends on Ctrl+C; this is belt and braces
        server.serve_forever()
    return 0


def _list(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.feeds.service import FeedService

    base = args.base_url or os.environ.get(BASE_URL_VAR)
    if not base:
        raise InvalidInput(f"no base URL: give --base-url https://feeds.example.org or set ${BASE_URL_VAR}")
    for link in FeedService(context.sessions).links(base):
        print(f"{link.spec.kind:<12} {link.spec.name}")
        print(f"    {link.https}")
        print(f"    {link.webcal}")
    return 0


def _import(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.feeds.importer import MAX_FILE_BYTES, IcsImporter
    from scheduler.services.directory import DirectoryService

    directory = DirectoryService(context.sessions)
    room_id = directory.room_id(args.hub, args.room)
    organisation_id = directory.organisation_id(args.org)
    try:
        with args.file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # a larger file is refused by the importer, unread
    except OSError as exc:
        raise InvalidInput(f"cannot read {args.file}: {exc.strerror or exc}") from None
    importer = IcsImporter(context.sessions, context.services.booking)
    first, last = importer.window(args.first, args.last)
    options = dict(
        room_id=room_id,
        organisation_id=organisation_id,
        first=first,
        last=last,
        visibility=Visibility(args.visibility),
    )
    name = args.file.name
    if args.apply:
        report = importer.apply(raw, name, **options)
        print(f"imported {len(report.lines)} session(s) from {name} into {args.room}, {args.hub} for {args.org}")
        for note in report.left_out:
            print(f"  left out {note}")
        return 0
    report = importer.plan(raw, name, **options)
    print(f"{name}: {len(report.lines)} session(s) between {first} and {last} for {args.room}, {args.hub}")
    for line in report.lines:
        s = line.session
        status = "ok" if line.problem is None else "REFUSED"
        detail = "" if line.problem is None else f" — {line.problem}"
        print(f"  {status:<8} {s.day:%a %d %b %Y} {s.start:%H:%M} ({s.duration_min} min)  {s.title}{detail}")
    for note in report.left_out:
        print(f"  left out {note}")
    if report.problems:
        print(f"{len(report.problems)} problem(s): --apply would import nothing until they are fixed")
    elif report.lines:
        print("no problems: run again with --apply to book them all")
    sys.stdout.flush()
    return 0
