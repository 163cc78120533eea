"""`hubsched attendance record|import|export|sizes`: what happened at past sessions, from the command line,
and the sizes learned from it for the next term.

Owns: the commands' arguments and output (one line per change, or JSON). The rules are
AttendanceService's. Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from models.vocabulary import SizeSource
from scheduler.commands.arguments import date_argument, time_argument
from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.services.attendance import AttendanceService

NAMES = frozenset({"attendance"})


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be negative")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("attendance", help="record, import or export what happened at past sessions")
    actions = parser.add_subparsers(dest="attendance_command", metavar="ACTION", required=True)

    record = actions.add_parser("record", help="record one session's attendance (a number, never names)")
    record.add_argument("--session", type=int, metavar="ID", help="the session's id (see `attendance export`)")
    record.add_argument("--hub", metavar="NAME")
    record.add_argument("--room", metavar="NAME")
    record.add_argument("--date", type=date_argument, metavar="DATE")
    record.add_argument("--start", type=time_argument, metavar="HH:MM")
    record.add_argument(
        "--outcome", default="", help="took-place (default when --count is given), late-cancel or no-show"
    )
    record.add_argument("--count", type=_count, metavar="N", help="how many came")
    record.add_argument("--note", default="", help="a short note (no names)")
    record.add_argument("--json", action="store_true")

    importing = actions.add_parser("import", help="record a CSV or XLSX sheet, one row per session (all or nothing)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--json", action="store_true")

    sizes = actions.add_parser(
        "sizes", help="sizes learned from last term's attendance for a term's requests; choose what room fit uses"
    )
    sizes.add_argument("--term", required=True, metavar="NAME", help='the term being planned, e.g. "Spring 2027"')
    sizes.add_argument("--use", choices=[s.value for s in SizeSource], help="what this term's allocation fits rooms to")
    sizes.add_argument("--json", action="store_true")

    export = actions.add_parser("export", help="write sessions and their attendance as CSV (the import's format)")
    export.add_argument("--from", dest="first", type=date_argument, required=True, metavar="DATE")
    export.add_argument("--to", dest="last", type=date_argument, required=True, metavar="DATE")
    export.add_argument("--hub", metavar="NAME")
    export.add_argument("--all", action="store_true", help="also sessions that have not happened yet")
    export.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of standard output")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    service = context.services.attendance
    if args.attendance_command == "record":
        return _record(args, context, service)
    if args.attendance_command == "import":
        result = service.import_file(args.file)
        if args.json:
            json.dump({"recorded": result.recorded, "unchanged": result.unchanged}, sys.stdout)
            print()
        else:
            print(f"imported {args.file.name}: {result.recorded} session(s) recorded, {result.unchanged} unchanged")
        return 0
    if args.attendance_command == "sizes":
        return _sizes(args, context)
    from scheduler.services.directory import DirectoryService

    hub_id = DirectoryService(context.sessions).hub_id(args.hub) if args.hub else None
    text = service.export_csv(args.first, args.last, hub_id=hub_id, past_only=not args.all)
    if args.out:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {text.count(chr(10)) - 1} session(s) to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _record(args: argparse.Namespace, context: CommandContext, service: AttendanceService) -> int:
    from scheduler.services.attendance import OUTCOME_LABELS, AttendanceEntry, parse_outcome
    from scheduler.services.directory import DirectoryService

    outcome = parse_outcome(args.outcome, headcount_given=args.count is not None)
    if outcome is None:
        raise InvalidInput("give --count N (it took place) or --outcome late-cancel / no-show")
    if args.session is not None:
        occurrence_id = args.session
    else:
        missing = [f"--{n}" for n in ("hub", "room", "date", "start") if getattr(args, n) is None]
        if missing:
            raise InvalidInput(
                "name the session with --session ID, or --hub, --room, --date and --start "
                f"({', '.join(missing)} missing)"
            )
        hub_id = DirectoryService(context.sessions).hub_id(args.hub)
        matches = [
            row
            for row in service.day_sheet(hub_id, args.date)
            if row.room.lower() == args.room.strip().lower() and row.start == args.start
        ]
        if not matches:
            raise InvalidInput(
                f"no session in {args.room}, {args.hub} on {args.date:%a %d %b %Y} at {args.start:%H:%M}"
            )
        occurrence_id = matches[0].occurrence_id
    change = service.record(AttendanceEntry(occurrence_id, outcome, args.count, args.note))
    after = change.after
    assert after is not None
    if args.json:
        json.dump(
            {
                "session_id": occurrence_id,
                "outcome": after.outcome.value,
                "attendance": after.headcount,
                "note": after.note,
                "changed": change.before != change.after,
            },
            sys.stdout,
        )
        print()
    else:
        what = OUTCOME_LABELS[after.outcome] + (f", {after.headcount} came" if after.headcount is not None else "")
        print(f"recorded {change.label}: {what}")
    return 0


def _sizes(args: argparse.Namespace, context: CommandContext) -> int:
    learning = context.services.learning
    term_id = learning.term_id(args.term)
    if args.use:
        learning.set_size_source(term_id, SizeSource(args.use))
    term = next(t for t in learning.terms() if t.id == term_id)
    rows = learning.suggestion_rows(term_id)
    if args.json:
        json.dump(
            {
                "term": term.name,
                "size_source": term.size_source,
                "suggestions": [
                    {"title": t, "organisation": o, "requested": r, "suggested": n, "source": src}
                    for t, o, r, n, src in rows
                ],
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    uses = "recorded attendance" if term.size_source == SizeSource.RECORDED.value else "the requested size"
    print(f"{term.name}: room fit uses {uses}")
    for title, organisation, requested, suggested, source in rows:
        print(f"  {title} ({organisation}): requested {requested}, suggested {suggested} — {source}")
    print(f"{len(rows)} request(s) continue a series with recorded attendance")
    return 0
