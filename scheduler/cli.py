"""The `hubsched` command line: composition root for the CLI.

Owns: parsing arguments, wiring engine -> session factory -> services once, printing results, and turning
every user mistake (bad date, unknown hub, clash, unreachable database) into one line on stderr and exit
status 2. With no sub-command it hands over to the desktop app through the `launch_gui` callable the
entry point passes in (this module never imports Qt).
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError, OperationalError

from models import db
from models.types import Frequency, Visibility
from resources import locate
from scheduler.cli_context import CommandContext, CommandGroup
from scheduler.commands import allocate as allocate_commands
from scheduler.commands import attendance as attendance_commands
from scheduler.commands import closures as closure_commands
from scheduler.commands import outbox as outbox_commands
from scheduler.commands import reference as reference_commands
from scheduler.commands import report as report_commands
from scheduler.commands import spreadsheets as spreadsheet_commands
from scheduler.errors import DatabaseUnavailable, HubSchedError, InvalidInput
from scheduler.feeds import commands as feed_commands
from scheduler.services.booking import NewBooking
from scheduler.services.demo import read_demo_file
from scheduler.services.directory import DirectoryService
from scheduler.services.queries import OccurrenceQueries

EXIT_USER_ERROR = 2
# Feature packages add their commands here (each a CommandGroup module).
COMMAND_GROUPS: tuple[CommandGroup, ...] = (
    allocate_commands,
    closure_commands,
    feed_commands,
    outbox_commands,
    attendance_commands,
    report_commands,
    reference_commands,
    spreadsheet_commands,
)
GuiLauncher = Callable[[str, str], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line naming the problem (and exit 2), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _time(text: str) -> time:
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time (use HH:MM)") from None
    return parsed


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hubsched",
        description="Hub Scheduler: rooms and sessions of Redbridge's community hubs. "
        "With no command, starts the desktop app.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"SQLAlchemy database URL (default: ${db.ENV_VAR} or an SQLite file in your user data folder)",
    )
    parser.add_argument("--operator", metavar="NAME", help="your name for the audit log (default: login name)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser("demo", help="load the demo borough into an empty database")
    demo.add_argument("--reset", action="store_true", help="delete everything first, then load the demo")

    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", metavar="ACTION", required=True, parser_class=_Parser)
    db_commands.add_parser("upgrade", help="create or upgrade the schema to the latest version")

    occurrences = commands.add_parser("occurrences", help="list sessions between two dates")
    occurrences.add_argument("--from", dest="first", type=_date, required=True, metavar="DATE")
    occurrences.add_argument("--to", dest="last", type=_date, required=True, metavar="DATE")
    occurrences.add_argument("--hub", metavar="NAME")
    occurrences.add_argument("--room", metavar="NAME", help="with --hub: only this room")
    occurrences.add_argument("--json", action="store_true", help="print JSON instead of a table")

    book = commands.add_parser("book", help="book a one-off session or a regular series")
    book.add_argument("--hub", required=True, metavar="NAME")
    book.add_argument("--room", required=True, metavar="NAME")
    book.add_argument("--org", required=True, metavar="NAME", help="organisation")
    book.add_argument("--title", required=True)
    book.add_argument("--public-title", default="", help="what public feeds show")
    book.add_argument("--visibility", choices=[v.value for v in Visibility], default="public")
    book.add_argument("--hide-location", action="store_true", help="never show where it is in public")
    book.add_argument("--date", dest="first", type=_date, required=True, metavar="DATE", help="(first) date")
    book.add_argument("--start", type=_time, required=True, metavar="HH:MM")
    length = book.add_mutually_exclusive_group(required=True)
    length.add_argument("--end", type=_time, metavar="HH:MM")
    length.add_argument("--duration", type=_positive, metavar="MINUTES")
    book.add_argument("--repeat", choices=["weekly", "fortnightly", "monthly"], help="make it a series")
    book.add_argument("--until", type=_date, metavar="DATE", help="last date of a series")
    book.add_argument("--nth", type=int, choices=[1, 2, 3, 4, -1], help="monthly: nth weekday (-1 = last)")
    book.add_argument("--term", metavar="NAME", help="the term the series belongs to (ends with it)")
    book.add_argument("--skip-breaks", action="store_true", help="do not meet in term-time breaks")
    book.add_argument("--attendance", type=_positive, default=1, metavar="N")
    book.add_argument("--json", action="store_true")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _fail(message: str) -> int:
    print(f"hubsched: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR


def _run(args: argparse.Namespace, context: CommandContext) -> int:
    if args.command == "db":
        db.upgrade(context.engine)
        print(f"database {db.display_url(context.url)} is at schema revision {db.current_revision(context.engine)}")
        return 0
    context.ready()
    if args.command == "demo":
        summary = context.services.demo.load(read_demo_file(locate("demo/borough.yaml")), reset=args.reset)
        print(
            f"loaded the demo borough: {summary.hubs} hubs, {summary.rooms} rooms, "
            f"{summary.organisations} organisations, {summary.series} series ({summary.sessions} sessions), "
            f"{summary.requests} requests"
        )
        return 0
    if args.command == "occurrences":
        return _occurrences(args, context)
    if args.command == "book":
        return _book(args, context)
    for group in COMMAND_GROUPS:
        if args.command in group.NAMES:
            return group.run(args, context)
    raise AssertionError(f"unhandled command {args.command}")


def _occurrences(args: argparse.Namespace, context: CommandContext) -> int:
    if args.last < args.first:
        raise InvalidInput(f"--to {args.last} is before --from {args.first}")
    directory = DirectoryService(context.sessions)
    hub_id = directory.hub_id(args.hub) if args.hub else None
    room_id = None
    if args.room:
        if not args.hub:
            raise InvalidInput("--room needs --hub (room names repeat across hubs)")
        room_id = directory.room_id(args.hub, args.room)
    rows = OccurrenceQueries(context.sessions).between(args.first, args.last, hub_id=hub_id, room_id=room_id)
    if args.json:
        json.dump([row.as_json() for row in rows], sys.stdout, indent=2)
        print()
        return 0
    for row in rows:
        print(
            f"{row.start_local:%a %d %b %Y} {row.start_local:%H:%M}–{row.end_local:%H:%M}  "
            f"{row.hub:<18} {row.room:<24} {row.title} ({row.organisation})"
            + ("" if row.status == "confirmed" else f"  [{row.status}]")
        )
    print(f"{len(rows)} session(s)")
    return 0


def _book(args: argparse.Namespace, context: CommandContext) -> int:
    directory = DirectoryService(context.sessions)
    room_id = directory.room_id(args.hub, args.room)
    organisation_id = directory.organisation_id(args.org)
    term_id = directory.term_id(args.term) if args.term else None
    if args.end is not None:
        duration = (datetime.combine(args.first, args.end) - datetime.combine(args.first, args.start)).seconds // 60
        if args.end <= args.start:
            raise InvalidInput(f"end {args.end:%H:%M} is not after start {args.start:%H:%M}")
    else:
        duration = args.duration
    if not args.repeat and (args.until or args.nth):
        raise InvalidInput("--until and --nth only apply with --repeat")
    booking = NewBooking(
        room_id=room_id,
        organisation_id=organisation_id,
        title=args.title,
        public_title=args.public_title,
        visibility=Visibility(args.visibility),
        hide_location=args.hide_location,
        first_date=args.first,
        last_date=args.until,
        start=args.start,
        duration_min=duration,
        frequency=Frequency(args.repeat) if args.repeat else Frequency.ONCE,
        nth=args.nth,
        term_id=term_id,
        runs_in_breaks=not args.skip_breaks,
        attendance=args.attendance,
    )
    result = context.services.booking.book(booking)
    if args.json:
        print(
            json.dumps(
                {
                    "series_id": result.series_id,
                    "uid": result.uid,
                    "sessions": result.sessions,
                    "skipped": [{"date": s.day.isoformat(), "reason": s.reason} for s in result.skipped],
                }
            )
        )
        return 0
    print(f"booked {args.title} in {args.room}, {args.hub}: {result.sessions} session(s) (series {result.series_id})")
    for skipped in result.skipped:
        print(f"  skipped {skipped.day:%a %d %b %Y}: {skipped.reason}")
    return 0


def main(
    argv: Sequence[str] | None = None,
    *,
    launch_gui: GuiLauncher | None = None,
    pdf_renderer: Callable[[Any, Path], None] | None = None,
) -> int:
    """Run the command line; returns the exit status (0 ok, 2 a user mistake)."""
    args = build_parser().parse_args(argv)
    operator = args.operator or os.environ.get("HUBSCHED_OPERATOR") or getpass.getuser()
    url = db.resolve_url(args.db)
    if args.command is None:
        if launch_gui is None:
            return _fail("the desktop app is not available from this entry point; give a command")
        return launch_gui(url, operator)
    context: CommandContext | None = None
    try:
        context = CommandContext(url, operator)
        context.pdf_renderer = pdf_renderer
        return _run(args, context)
    except HubSchedError as exc:
        return _fail(str(exc))
    except db.DatabaseUrlError as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        return _fail(str(DatabaseUnavailable(f"cannot open database {db.display_url(url)}: {_first_line(exc)}")))
    except DBAPIError as exc:
        return _fail(f"the database refused the change: {_first_line(exc)}")
    except BrokenPipeError:
        # The reader went away (`hubsched feeds list | head`): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if context is not None:
            context.engine.dispose()  # close pooled connections now, not whenever they are collected


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
