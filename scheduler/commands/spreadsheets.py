"""`hubsched template|import|export`: spreadsheets in and out from the command line.

Owns: the arguments and printing; the work is done by SpreadsheetService. An import with problems prints
every problem (sheet, row, column: what is wrong) and exits 2 with nothing imported; `--check` only checks;
`--expect CHECK.json` applies only what a saved check (`--check --json`) showed.
Implements the CommandGroup protocol of scheduler/cli_context.py.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.commands.arguments import date_argument
from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.imports.service import ImportCheck

NAMES = frozenset({"template", "import", "export"})
IMPORTABLE = ["requests", "rooms", "organisations"]


def register(commands: argparse._SubParsersAction) -> None:
    template = commands.add_parser("template", help="write a spreadsheet template to fill in (.xlsx)")
    template.add_argument("kind", choices=IMPORTABLE)
    template.add_argument("file", type=Path, metavar="FILE", help=".xlsx (with lists and instructions) or .csv")
    template.add_argument(
        "--term",
        metavar="NAME",
        help="requests: pre-fill the series continuing from the term before, sized from recorded attendance",
    )

    importing = commands.add_parser("import", help="check a filled-in spreadsheet and import all of it, or nothing")
    importing.add_argument("kind", choices=IMPORTABLE)
    importing.add_argument("file", type=Path, metavar="FILE", help=".xlsx or .csv")
    importing.add_argument("--term", metavar="NAME", help="the term requests are for (requests only)")
    importing.add_argument("--check", action="store_true", help="only check and say what would change")
    importing.add_argument("--json", action="store_true", help="print the check as JSON")
    importing.add_argument(
        "--expect",
        type=Path,
        metavar="CHECK.json",
        help="import only what this saved check showed (from --check --json); refused if the file or a record "
        "it matched changed since",
    )

    export = commands.add_parser("export", help="write bookings, requests, rooms or organisations to .xlsx or .csv")
    export.add_argument("kind", choices=["bookings", *IMPORTABLE])
    export.add_argument("file", type=Path, metavar="FILE", help=".xlsx or .csv")
    export.add_argument("--term", metavar="NAME", help="requests: the term")
    export.add_argument("--from", dest="first", type=date_argument, metavar="DATE", help="bookings: first date")
    export.add_argument("--to", dest="last", type=date_argument, metavar="DATE", help="bookings: last date")
    export.add_argument("--hub", metavar="NAME", help="bookings: only this hub")
    export.add_argument("--room", metavar="NAME", help="bookings: with --hub, only this room")
    export.add_argument("--org", metavar="NAME", help="bookings: only this organisation")
    export.add_argument("--per-series", action="store_true", help="bookings: one row per series, not per session")


def check_as_json(check: ImportCheck) -> dict:
    return {
        "kind": check.kind,
        "file": check.file,
        "sheet": check.sheet,
        "ok": check.ok,
        "counts": check.counts(),
        "problems": [{**asdict(p), "text": str(p)} for p in check.problems],
        "rows": [asdict(r) for r in check.rows],
        "digest": check.digest,
        "basis": [asdict(b) for b in check.basis],
    }


def saved_check(path: Path, kind: str, file: Path) -> ImportCheck:
    """The check saved by `import KIND FILE --check --json > CHECK.json`, for `--expect`."""
    from scheduler.imports.service import Basis, ImportCheck

    wrong = f"{path} is not a saved check of {file.name} (save one with: hubsched import {kind} {file} --check --json)"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        check = ImportCheck(
            data["kind"],
            data["file"],
            data["sheet"],
            (),
            (),
            tuple(Basis(**entry) for entry in data["basis"]),
            data["digest"],
        )
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(wrong) from None
    if check.kind != kind or check.file != file.name or not data.get("ok") or not check.digest:
        raise InvalidInput(wrong)
    return check


def run(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.imports.service import BookingFilter, ImportRefused, SpreadsheetService
    from scheduler.services.directory import DirectoryService

    service = SpreadsheetService(context.sessions, context.operator, clock=context.services.booking.clock)
    directory = DirectoryService(context.sessions)
    term_id = directory.term_id(args.term) if getattr(args, "term", None) else None
    if args.command == "template":
        if args.file.suffix.lower() not in {".xlsx", ".csv"}:
            raise InvalidInput(f"{args.file.name}: templates are .xlsx workbooks or .csv files")
        if term_id is not None and args.kind != "requests":
            raise InvalidInput("--term is for the requests template only")
        filled = service.template(args.kind, args.file, term_id)
        print(f"wrote the {args.kind} template to {args.file}")
        if term_id is not None:
            print(f"  {filled} row(s) filled in with the series continuing into {args.term}")
        return 0
    if args.command == "import":
        if args.kind == "requests" and term_id is None:
            raise InvalidInput("say which term the requests are for: --term NAME")
        if not args.file.exists():
            raise InvalidInput(f"{args.file} does not exist")
        if args.check and args.expect:
            raise InvalidInput("--check only checks; --expect applies a saved check: give one of them")
        expected = saved_check(args.expect, args.kind, args.file) if args.expect else None
        if args.check:
            check = service.check(args.kind, args.file, term_id)
        else:
            try:
                check = service.apply(args.kind, args.file, term_id, checked=expected)
            except ImportRefused as refused:
                check = refused.check
        _report(check, args.json, applied=not args.check and check.ok)
        if not check.ok:
            print(
                f"hubsched: error: {len(check.problems)} problem(s) in {check.file}; nothing imported",
                file=sys.stderr,
            )
            return 2
        return 0
    # export
    bookings = None
    if args.kind == "bookings":
        if args.first is None or args.last is None:
            raise InvalidInput("give the dates of the bookings to export: --from DATE --to DATE")
        hub_id = directory.hub_id(args.hub) if args.hub else None
        room_id = None
        if args.room:
            if not args.hub:
                raise InvalidInput("--room needs --hub (room names repeat across hubs)")
            room_id = directory.room_id(args.hub, args.room)
        org_id = directory.organisation_id(args.org) if args.org else None
        bookings = BookingFilter(args.first, args.last, hub_id, room_id, org_id, args.per_series)
    elif args.kind == "requests" and term_id is None:
        raise InvalidInput("say which term's requests to export: --term NAME")
    if args.file.suffix.lower() not in {".xlsx", ".csv"}:
        raise InvalidInput(f"{args.file.name}: export to a .xlsx or .csv file")
    count = service.export(args.kind, args.file, term_id=term_id, bookings=bookings)
    print(f"wrote {count} {args.kind} row(s) to {args.file}")
    return 0


def _report(check: ImportCheck, as_json: bool, *, applied: bool) -> None:
    if as_json:
        data = check_as_json(check)
        data["applied"] = applied
        json.dump(data, sys.stdout, indent=2)
        print()
        return
    for problem in check.problems:
        print(problem)
    if check.ok:
        counts = check.counts()
        verb = "imported" if applied else "would import"
        print(f"{check.file}: {verb} {counts['add']} new, {counts['update']} updated, {counts['unchanged']} unchanged")
        for row in check.rows:
            if row.action != "unchanged":
                print(f"  row {row.row}: {row.action} {row.label}" + (f" ({row.detail})" if row.detail else ""))
