"""`hubsched allocate`: run the term allocation from the command line, preview it, optionally apply it.

Owns: the command's arguments, the live progress line on a terminal, the summary table and the JSON form
(which carries each unmet request's explanation). The work is done by AllocationService.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler import allocation as alloc
    from scheduler.cli_context import CommandContext
    from scheduler.services.allocation import AllocationPreview

NAMES = frozenset({"allocate"})


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"time limit must be between 0 and 3600 seconds, got {text}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("allocate", help="allocate a term's requests to rooms and times (CP-SAT)")
    parser.add_argument("--term", required=True, metavar="NAME", help='e.g. "Spring 2027"')
    parser.add_argument("--time-limit", type=_seconds, default=10.0, metavar="S", help="seconds (default 10)")
    parser.add_argument("--apply", action="store_true", help="write the result (otherwise only a preview)")
    parser.add_argument("--json", action="store_true", help="print the preview as JSON")
    parser.add_argument(
        "--explain",
        type=int,
        metavar="REQUEST_ID",
        action="append",
        default=[],
        help="also say what it would take to meet this unmet request (repeatable)",
    )


class _ProgressLine:
    """One line rewritten in place on a terminal; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._live = stream.isatty()

    def __call__(self, progress: alloc.Progress) -> None:
        if self._live:
            self._stream.write(
                f"\r  stage {progress.stage}  solutions {progress.solutions_found:>3}  placed {progress.placed:>4}  "
                f"objective {progress.objective:>9.1f}  bound {progress.bound:>9.1f}  {progress.elapsed:5.1f} s"
            )
            self._stream.flush()

    def close(self) -> None:
        if self._live:
            self._stream.write("\r" + " " * 100 + "\r")
            self._stream.flush()


def preview_as_json(preview: AllocationPreview) -> dict[str, Any]:
    return {
        "term": preview.term_name,
        "status": preview.status,
        "objective": preview.objective,
        "best_bound": preview.best_bound,
        "gap": preview.gap,
        "wall_time": round(preview.wall_time, 3),
        "time_to_first_solution": preview.time_to_first_solution,
        "solutions_found": preview.solutions_found,
        "counts": preview.counts,
        "sectors": [
            {
                "sector": s.sector,
                "requested": s.requested,
                "met": s.met,
                "met_share": round(s.met_share, 4),
                "target": s.target,
            }
            for s in preview.sectors
        ],
        "placements": [
            {
                "request_id": p.request_id,
                "title": p.title,
                "organisation": p.organisation,
                "sector": p.sector,
                "change": p.change,
                "hub": p.hub,
                "room": p.room,
                "when": p.when,
                "weekday": p.weekday,
                "start": p.start.strftime("%H:%M"),
                "end": p.end.strftime("%H:%M"),
                "week_parity": p.week_parity,
                "sessions": p.sessions,
                "lost_to_closures": p.lost_to_closures,
                "previous": p.previous,
            }
            for p in preview.placements
        ],
        "unmet": [
            {
                "request_id": u.request_id,
                "title": u.title,
                "organisation": u.organisation,
                "sector": u.sector,
                "kind": u.kind,
                "explanation": u.message,
                "blockers": list(u.blockers),
            }
            for u in preview.unmet
        ],
        "messages": list(preview.messages),
        "size_note": preview.size_note,
    }


def print_summary(preview: AllocationPreview, out: TextIO) -> None:
    counts = preview.counts
    print(
        f"Allocation of {preview.term_name}: {preview.status}, {preview.wall_time:.2f} s, "
        f"gap to bound {preview.gap:.1%}",
        file=out,
    )
    print(
        f"  placed {counts['placed']}  (new {counts['new']}, moved {counts['moved']}, "
        f"unchanged {counts['unchanged']})   unmet {counts['unmet']}",
        file=out,
    )
    print("  sector      met / requested (priority-weighted)", file=out)
    for sector in preview.sectors:
        print(f"  {sector.sector:<10} {sector.met:>4} / {sector.requested:<4} {sector.met_share:6.1%}", file=out)
    moved = [p for p in preview.placements if p.moved]
    if moved:
        print("Moved:", file=out)
        for p in moved:
            print(f"  {p.title} ({p.organisation}): {p.previous} -> {p.room}, {p.hub} {p.when}", file=out)
    if preview.unmet:
        print("Unmet:", file=out)
        for u in preview.unmet:
            print(f"  [{u.request_id}] {u.message}", file=out)
    for message in preview.messages:
        print(f"Note: {message}", file=out)
    if preview.size_note:
        print(f"Note: {preview.size_note}", file=out)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    service = context.services.allocation
    term_id = service.term_id(args.term)
    line = _ProgressLine(sys.stderr)
    try:
        preview = service.preview(term_id, time_limit=args.time_limit, on_progress=line)
    finally:
        line.close()
    unmet_ids = {u.request_id for u in preview.unmet}
    explanations = {}
    for request_id in args.explain:
        if request_id not in unmet_ids:
            raise InvalidInput(f"request {request_id} is not among the unmet requests of {preview.term_name}")
        explanations[request_id] = service.what_would_it_take(preview, request_id)
    if args.json:
        data = preview_as_json(preview)
        data["what_would_it_take"] = {str(k): v for k, v in explanations.items()}
    else:
        print_summary(preview, sys.stdout)
        for request_id, text in explanations.items():
            print(f"What it would take to meet request {request_id}: {text}")
    if args.apply:
        applied = service.apply(preview)
        summary = (
            f"applied: {applied.created} series created, {applied.moved} re-placed, {applied.unchanged} kept, "
            f"{applied.withdrawn} withdrawn, {applied.unmet} requests unmet"
        )
        if args.json:
            data["applied"] = summary
        else:
            print(summary)
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
    return 0
