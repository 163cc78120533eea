"""`hubsched allocate`: run the term allocation from the command line, preview it, optionally apply it.

Owns: the command's arguments (including a fairness policy for one run, overriding the term's stored
setting: weight and sector targets; and a side-by-side run with fairness off), the live progress line on a
terminal, the summary in plain words (met demand, how close to the best possible and which bound that is
measured against) and the JSON form (which carries each unmet request's explanation and each move's
reason). The work is done by AllocationService.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from scheduler import allocation as alloc  # pure dataclasses: the solver itself loads on first use
from scheduler.allocation.scoring import fill_ratios, percentile
from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.services.allocation import AllocationPreview, AppliedAllocation
    from scheduler.services.fairness import FairnessSetting

NAMES = frozenset({"allocate"})


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"time limit must be between 0 and 3600 seconds, got {text}")
    return value


def parse_weight(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"the fairness weight must be between 0 and 10, got {text}")
    return value


def parse_share(text: str) -> tuple[str, float]:
    sector, _, share = text.partition("=")
    sector = sector.strip().lower()
    if sector not in alloc.SECTORS:
        raise argparse.ArgumentTypeError(f"unknown sector {sector!r} in {text!r}; sectors: {', '.join(alloc.SECTORS)}")
    try:
        value = float(share.rstrip("%")) / (100 if share.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not SECTOR=SHARE, e.g. resident=0.4") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a sector's target share must be between 0 and 1, got {text}")
    return sector, value


BOUND_WORDS = {
    alloc.BoundSource.PROVEN: "proven: nothing better exists",
    alloc.BoundSource.SOLVER: "measured against the solver's proven bound",
    alloc.BoundSource.RELAXATION: "measured against a relaxation: no room-time or shared person used twice, "
    "but requests may share them in fractions",
    alloc.BoundSource.STATIC: "measured against the static maximum: every request that has any possible room met",
}


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
    parser.add_argument(
        "--fairness-weight",
        type=parse_weight,
        metavar="W",
        help="for this run only: how much the worst-off sector's share counts, as a share of all demand (0 turns "
        "fairness off; default: the term's setting, see `hubsched terms fairness`)",
    )
    parser.add_argument(
        "--sector-target",
        type=parse_share,
        action="append",
        default=[],
        metavar="SECTOR=SHARE",
        help="for this run only: a sector's target share of demand, e.g. resident=0.4 (repeatable; sectors not "
        "named get 0; default: the term's setting, see `hubsched terms fairness`)",
    )
    parser.add_argument(
        "--compare-fairness-off",
        action="store_true",
        help="also run with fairness off and show both side by side: what the policy costs and whom it helps",
    )


class _ProgressLine:
    """One line rewritten in place on a terminal; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._live = stream.isatty()

    def __call__(self, progress: alloc.Progress) -> None:
        if not self._live:
            return
        if progress.phase is not alloc.Phase.SEARCH or progress.solutions_found == 0:
            text = f"  {progress.elapsed:5.1f} s  {progress.detail}"
        else:
            text = (
                f"  {progress.elapsed:5.1f} s  stage {progress.stage}  placed {progress.placed:>4}  "
                f"met demand {progress.objective:>8.1f} of at most {progress.bound:>8.1f}"
            )
        self._stream.write("\r" + text[:99].ljust(99))
        self._stream.flush()

    def close(self) -> None:
        if self._live:
            self._stream.write("\r" + " " * 100 + "\r")
            self._stream.flush()


FAIRNESS_SOURCES = {
    "term": "the term's setting",
    "default": "the default (nothing set for this term)",
    "run": "given for this run only; the term's setting is unchanged",
}


def fairness_policy(preview: AllocationPreview) -> dict[str, Any]:
    """The run's fairness policy, where it came from and (when a run overrode it) the term's own setting."""
    result = preview.result
    data: dict[str, Any] = {
        "weight": result.fairness_weight,
        "sector_targets": dict(result.sector_targets),
        "source": preview.fairness_source,
        "meaning": FAIRNESS_SOURCES.get(preview.fairness_source, preview.fairness_source),
    }
    if preview.term_fairness is not None:
        term = preview.term_fairness
        data["term_setting"] = {"weight": term.weight, "sector_targets": dict(term.shares), "source": term.source}
    return data


def fill(preview: AllocationPreview) -> dict[str, float | None]:
    """Median and 90th percentile of attendance / room capacity over the placements."""
    ratios = fill_ratios(preview.problem, [(p.request_id, p.room_id) for p in preview.result.placements])
    return {"median": _round(percentile(ratios, 0.5)), "p90": _round(percentile(ratios, 0.9))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def preview_as_json(preview: AllocationPreview) -> dict[str, Any]:
    result = preview.result
    reasons = {p.request_id: p.reason for p in result.placements}
    return {
        "term": preview.term_name,
        "status": preview.status,
        # "objective"/"best_bound"/"gap" are kept for scripts; "met_demand"/"best_possible" say the same.
        "objective": preview.objective,
        "best_bound": preview.best_bound,
        "gap": preview.gap,
        "met_demand": preview.objective,
        "best_possible": preview.best_bound,
        "bound": {
            "kind": str(result.bound_source),
            "value": result.best_bound,
            "static_maximum": result.static_bound,
            "meaning": BOUND_WORDS[result.bound_source],
        },
        "fairness": fairness_policy(preview),
        "attendance_to_capacity": fill(preview),
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
                "reason": reasons.get(p.request_id, ""),
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


def closeness(preview: AllocationPreview) -> str:
    """ "within 2.3% of the best possible (measured against ...)", in plain words."""
    result = preview.result
    if result.bound_source is alloc.BoundSource.PROVEN:
        return "the best possible (proven)"
    return f"within {preview.gap:.1%} of the best possible ({BOUND_WORDS[result.bound_source]})"


STATUS_WORDS = {
    "optimal": "finished",
    "feasible": "a good result, not proven best in the time limit",
    "cancelled": "stopped; the best result found so far",
    "unknown": "no solution in time; the first-come-first-served allocation",
    "infeasible": "pinned placements break the rules",
}


def print_summary(preview: AllocationPreview, out: TextIO) -> None:
    counts = preview.counts
    result = preview.result
    print(
        f"Allocation of {preview.term_name}: {STATUS_WORDS.get(preview.status, preview.status)}, "
        f"{preview.wall_time:.2f} s",
        file=out,
    )
    print(f"  met demand {preview.objective:g}: {closeness(preview)}", file=out)
    targets = ", ".join(f"{sector} {share:.0%}" for sector, share in result.sector_targets)
    weight = result.fairness_weight
    source = FAIRNESS_SOURCES.get(preview.fairness_source, preview.fairness_source)
    if preview.fairness_source == "run" and preview.term_fairness is not None:
        source += f": {preview.term_fairness.describe()}"
    print(
        "  fairness policy: " + (f"weight {weight:g}, sector targets {targets}" if weight else "off") + f" — {source}",
        file=out,
    )
    ratios = fill(preview)
    if ratios["median"] is not None:
        print(
            f"  room fit (attendance / capacity): median {ratios['median']:.0%}, 90th percentile {ratios['p90']:.0%}",
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
            reason = result.placement_for(p.request_id)
            if reason is not None and reason.reason:
                print(f"    {reason.reason}", file=out)
    if preview.unmet:
        print("Unmet:", file=out)
        for u in preview.unmet:
            print(f"  [{u.request_id}] {u.message}", file=out)
    for message in preview.messages:
        print(f"Note: {message}", file=out)
    if preview.size_note:
        print(f"Note: {preview.size_note}", file=out)


def side_by_side(with_fairness: AllocationPreview, without: AllocationPreview) -> dict[str, Any]:
    """What the fairness policy costs and whom it helps: met share per sector with it and without it."""
    off = {s.sector: s for s in without.sectors}
    return {
        "met_demand": {"with_fairness": with_fairness.objective, "without": without.objective},
        "placed": {"with_fairness": len(with_fairness.placements), "without": len(without.placements)},
        "sectors": [
            {
                "sector": s.sector,
                "met_share_with_fairness": round(s.met_share, 4),
                "met_share_without": round(off[s.sector].met_share, 4) if s.sector in off else None,
            }
            for s in with_fairness.sectors
        ],
    }


def print_side_by_side(comparison: dict[str, Any], out: TextIO) -> None:
    placed = comparison["placed"]
    print(
        f"With fairness off: {placed['without']} placed instead of {placed['with_fairness']}; met share by sector:",
        file=out,
    )
    for row in comparison["sectors"]:
        without = row["met_share_without"]
        print(
            f"  {row['sector']:<10} {row['met_share_with_fairness']:6.1%} with fairness, "
            + ("—" if without is None else f"{without:6.1%} without"),
            file=out,
        )


def _policy(args: argparse.Namespace, term: FairnessSetting) -> alloc.Policy | None:
    """This run's own policy when --fairness-weight or --sector-target is given (None: the term's setting).

    What is not given comes from the term's setting; given targets replace all of them (unnamed sectors 0).
    """
    if args.fairness_weight is None and not args.sector_target:
        return None
    from scheduler.services.fairness import check_policy

    targets = dict(term.shares)
    if args.sector_target:
        targets = {sector: 0.0 for sector in targets} | dict(args.sector_target)
    weight = term.weight if args.fairness_weight is None else args.fairness_weight
    check_policy(weight, targets)
    return replace(term.policy(), fairness_weight=weight, sector_targets=targets)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    service = context.services.allocation
    term_id = service.term_id(args.term)
    term_fairness = context.services.fairness.setting(term_id)
    policy = _policy(args, term_fairness)
    line = _ProgressLine(sys.stderr)
    try:
        preview = service.preview(term_id, time_limit=args.time_limit, on_progress=line, policy=policy)
        comparison = None
        if args.compare_fairness_off:
            off = replace(policy or term_fairness.policy(), fairness_weight=0.0)
            without = service.preview(term_id, time_limit=args.time_limit, on_progress=line, policy=off)
            comparison = side_by_side(preview, without)
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
        if comparison is not None:
            data["fairness_off"] = comparison
    else:
        print_summary(preview, sys.stdout)
        if comparison is not None:
            print_side_by_side(comparison, sys.stdout)
        for request_id, text in explanations.items():
            print(f"What it would take to meet request {request_id}: {text}")
    if args.apply:
        applied = service.apply(preview)
        summary = "applied: " + accept_summary(preview, applied)
        if args.json:
            data["applied"] = summary
        else:
            print(summary)
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
    return 0


def accept_summary(preview: AllocationPreview, applied: AppliedAllocation) -> str:
    """What accepting wrote, in the review's own terms: a series booked this term for a request that kept
    last term's place counts as kept, not as new (the review said "unchanged")."""
    counts = preview.counts
    written = applied.created + applied.moved
    return (
        f"{counts['placed']} placed ({counts['new']} new, {counts['moved']} moved, {counts['unchanged']} unchanged "
        f"or pinned); {written} series written to the calendar, {applied.unchanged} already there, "
        f"{applied.withdrawn} withdrawn; {applied.unmet} requests unmet"
    )
