"""`hubsched report term NAME [--pdf FILE] [--xlsx FILE] [--json]`: the term report for the Programme Board.

Owns: the command's arguments. The figures come from LearningService + scheduler.reporting (with
disclosure control on: the report may be published). The PDF needs Qt's PDF writer, which this Qt-free
module cannot import: the entry point (desktop_app/launcher.py) passes a renderer in the context.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext

NAMES = frozenset({"report"})


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="reports for the Hubs Programme Board")
    kinds = parser.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    term = kinds.add_parser("term", help="the term report: PDF (A4) and/or XLSX, or the figures as JSON")
    term.add_argument("term", metavar="TERM", help='e.g. "Spring 2027"')
    term.add_argument("--pdf", type=Path, metavar="FILE", help="write the A4 PDF report")
    term.add_argument("--xlsx", type=Path, metavar="FILE", help="write the same figures, one sheet per section")
    term.add_argument("--json", action="store_true", help="print the report's sections and tables as JSON")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    from scheduler.reporting.report import build_report

    service = context.services.learning
    report = build_report(service.learning_data(service.term_id(args.term)), disclosure=True)
    if args.pdf is None and args.xlsx is None and not args.json:
        raise InvalidInput("give --pdf FILE, --xlsx FILE or --json")
    for path in (args.pdf, args.xlsx):
        if path is None:
            continue
        if not str(path).strip() or path.is_dir():
            raise InvalidInput(f"cannot write {str(path) or 'an empty file name'}: give a file name, not a folder")
        if not path.parent.is_dir():
            raise InvalidInput(f"cannot write {path}: {path.parent} is not a folder")
    if args.pdf is not None and context.pdf_renderer is None:  # before any file is written
        raise InvalidInput("PDF output needs the desktop app's Qt; run the installed `hubsched` command")
    try:
        if args.xlsx is not None:
            from scheduler.reporting.xlsx import write_xlsx

            write_xlsx(report, args.xlsx)
            print(f"wrote {args.xlsx} ({len(report.sections)} sheets)")
        if args.pdf is not None:
            assert context.pdf_renderer is not None
            context.pdf_renderer(report, args.pdf)
            print(f"wrote {args.pdf}")
    except OSError as exc:
        raise InvalidInput(f"cannot write {exc.filename or 'the report'}: {exc.strerror or exc}") from None
    if args.json:
        json.dump(
            {
                "term": report.term,
                "disclosure_control": report.disclosure,
                "sections": [
                    {
                        "title": s.title,
                        "paragraphs": list(s.paragraphs),
                        "tables": [
                            {
                                "title": t.title,
                                "columns": list(t.columns),
                                "rows": [list(r) for r in t.rows],
                                "note": t.note,
                            }
                            for t in s.tables
                        ],
                    }
                    for s in report.sections
                ],
            },
            sys.stdout,
            indent=2,
        )
        print()
    return 0
