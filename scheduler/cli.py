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
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from models.vocabulary import Frequency, Visibility
from scheduler import validation
from scheduler.cli_context import CommandContext, CommandGroup
from scheduler.commands import allocate as allocate_commands
from scheduler.commands import attendance as attendance_commands
from scheduler.commands import closures as closure_commands
from scheduler.commands import outbox as outbox_commands
from scheduler.commands import reference as reference_commands
from scheduler.commands import report as report_commands
from scheduler.commands import spreadsheets as spreadsheet_commands
from scheduler.commands.arguments import date_argument, time_argument
from scheduler.errors import HubSchedError, InvalidInput, ValidationError
from scheduler.feeds import commands as feed_commands

# Building the parser and `--help` import nothing of the database library or the services: every command
# imports what it uses when it runs (tests/scheduler/test_cli_imports.py keeps it so).

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


def _file(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file name")
    return Path(text)


def _confirm(question: str, yes: bool) -> None:
    """Go on only with --yes or a typed 'yes' at a terminal; otherwise refuse, changing nothing."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput(f"{question} Add --yes to confirm (nothing was changed)")
    answer = input(f"{question} Type 'yes' to go on: ").strip().lower()
    if answer not in {"y", "yes"}:
        raise InvalidInput("not confirmed; nothing was changed")


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
        help="SQLAlchemy database URL (default: $HUBSCHED_DB or an SQLite file in your user data folder)",
    )
    parser.add_argument("--operator", metavar="NAME", help="your name for the audit log (default: login name)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser("demo", help="load the demo borough into an empty database")
    demo.add_argument(
        "--reset", action="store_true", help="delete everything first (after an automatic backup), then load the demo"
    )
    demo.add_argument("--yes", action="store_true", help="with --reset: do not ask for confirmation")

    save = commands.add_parser("backup", help="write a backup of the whole database to FILE")
    save.add_argument(
        "file", type=_file, metavar="FILE", help="an SQLite file, or a portable export when FILE ends in .jsonl"
    )
    load = commands.add_parser("restore", help="replace the whole database by a backup (after backing it up)")
    load.add_argument("file", type=_file, metavar="FILE", help="a backup made by `hubsched backup`")
    load.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", metavar="ACTION", required=True, parser_class=_Parser)
    db_commands.add_parser("upgrade", help="create or upgrade the schema to the latest version")

    occurrences = commands.add_parser("occurrences", help="list sessions between two dates")
    occurrences.add_argument("--from", dest="first", type=date_argument, required=True, metavar="DATE")
    occurrences.add_argument("--to", dest="last", type=date_argument, required=True, metavar="DATE")
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
    book.add_argument("--date", dest="first", type=date_argument, required=True, metavar="DATE", help="(first) date")
    book.add_argument("--start", type=time_argument, required=True, metavar="HH:MM")
    length = book.add_mutually_exclusive_group(required=True)
    length.add_argument("--end", type=time_argument, metavar="HH:MM")
    length.add_argument("--duration", type=_positive, metavar="MINUTES")
    book.add_argument("--repeat", choices=["weekly", "fortnightly", "monthly"], help="make it a series")
    book.add_argument("--until", type=date_argument, metavar="DATE", help="last date of a series")
    book.add_argument("--nth", type=int, choices=[1, 2, 3, 4, -1], help="monthly: nth weekday (-1 = last)")
    book.add_argument("--term", metavar="NAME", help="the term the series belongs to (ends with it)")
    book.add_argument("--skip-breaks", action="store_true", help="do not meet in term-time breaks")
    book.add_argument("--attendance", type=_positive, default=1, metavar="N")
    book.add_argument("--json", action="store_true")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _one_line(message: str) -> str:
    """`message` with control characters and line breaks (often echoed from what was typed) written as escapes,
    so that a refusal is always one line."""
    return "".join(repr(char)[1:-1] if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in message)


def _fail(message: str) -> int:
    print(f"hubsched: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_USER_ERROR


def _run(args: argparse.Namespace, context: CommandContext) -> int:
    from models import db

    if args.command == "restore":
        return _restore(args, context)
    context.ready()
    if args.command == "db":
        print(f"database {db.display_url(context.url)} is at schema revision {db.current_revision(context.engine)}")
        return 0
    if args.command == "backup":
        from scheduler import backup as backups

        made = backups.backup(context.engine, args.file)
        print(f"backed up {db.display_url(context.url)} to {made}")
        return 0
    if args.command == "demo":
        from resources import locate
        from scheduler import backup as backups
        from scheduler.services.demo import read_demo_file

        data = read_demo_file(locate("demo/borough.yaml"))
        if args.reset and backups.has_data(context.engine):
            _confirm(
                f"This deletes everything in {db.display_url(context.url)}, bookings and audit log included.", args.yes
            )
            made = context.backups.before(context.engine, context.url, "before-reset")
            if made is not None:
                print(f"backed up the database first to {made}")
        summary = context.services.demo.load(data, reset=args.reset)
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


def _restore(args: argparse.Namespace, context: CommandContext) -> int:
    from models import db
    from scheduler import backup as backups

    verified = backups.verify(args.file)  # before anything is touched, even the schema
    try:
        _confirm(
            f"This replaces everything in {db.display_url(context.url)} by the backup {args.file} "
            f"(schema {verified.schema}, {verified.rows} rows).",
            args.yes,
        )
    finally:
        verified.close()
    context.ready()
    made = context.backups.before(context.engine, context.url, "before-restore")
    if made is not None:
        print(f"backed up the database first to {made}")
    restored = backups.restore(context.engine, args.file)
    print(f"restored {db.display_url(context.url)} from {args.file}: {restored.rows} rows")
    return 0


def _occurrences(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.services.directory import DirectoryService
    from scheduler.services.queries import OccurrenceQueries

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
    from scheduler.services.booking import NewBooking
    from scheduler.services.directory import DirectoryService

    title = validation.clean_title("--title", args.title)
    public_title = validation.clean_title("--public-title", args.public_title, required=False)
    window = validation.BookingWindow.from_environment()
    today = date.today()
    window.check("--date", args.first, today)
    if args.until is not None:
        window.check("--until", args.until, today)
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
        title=title,
        public_title=public_title,
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
    from sqlalchemy.exc import SQLAlchemyError

    from models import db
    from scheduler.database import describe_database_error

    # An empty --operator is a mistake, as an empty --db is: only a missing one falls back.
    operator = args.operator
    if operator is None:
        operator = os.environ.get("HUBSCHED_OPERATOR") or getpass.getuser()
    try:
        operator = validation.clean_text("--operator", operator, max_length=120, required=True)
        url = db.resolve_url(args.db)
    except (ValidationError, db.DatabaseUrlError) as exc:
        return _fail(str(exc))
    if args.command is None:
        if launch_gui is None:
            return _fail("the desktop app is not available from this entry point; give a command")
        return launch_gui(url, operator)
    context: CommandContext | None = None
    try:
        context = CommandContext(url, operator)
        context.pdf_renderer = pdf_renderer
        try:
            return _run(args, context)
        finally:
            context.engine.dispose()
    except HubSchedError as exc:
        return _fail(str(exc))
    except (db.DatabaseUrlError, db.SchemaError, SQLAlchemyError) as exc:
        return _fail(str(describe_database_error(exc, url)))
    except BrokenPipeError:
        # The reader went away (`hubsched feeds list | head`): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if context is not None:
            context.engine.dispose()  # close pooled connections now, not whenever they are collected


if __name__ == "__main__":
    sys.exit(main())
