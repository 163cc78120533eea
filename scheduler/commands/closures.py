"""`hubsched closures list|add|edit|remove`: closures and their re-homing plans from the command line.

Owns: the commands' arguments, finding the hub or room named, the printed plan (each displaced session,
where it would go or why not) and its JSON form (`displaced`, `rehomed`, `cancelled`, each cancelled one
with its `reason`). The work is done by ClosureService; `--apply` applies closure and plan in one
transaction.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from datetime import date, time
from typing import TYPE_CHECKING, Any

from scheduler.commands.arguments import date_argument, time_argument
from scheduler.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # the services load the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.services.closures import AddedClosure, ClosureDraft, Rehoming

NAMES = frozenset({"closures"})


def _hours(text: str) -> tuple[time, time]:
    try:
        first, last = text.split("-")
        return time_argument(first), time_argument(last)
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time range (use HH:MM-HH:MM)") from None


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("closures", help="list, add, edit or remove closures; re-home what they displace")
    actions = parser.add_subparsers(dest="closures_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="closures (and bank holidays) between two dates")
    listing.add_argument("--from", dest="first", type=date_argument, required=True, metavar="D")
    listing.add_argument("--to", dest="last", type=date_argument, required=True, metavar="D")
    listing.add_argument("--json", action="store_true", help="print the closures as JSON")

    def plan_options(sub: argparse.ArgumentParser, required: bool) -> None:
        sub.add_argument("--hub", metavar="H", help="the hub that closes (or the room's hub)")
        sub.add_argument("--room", metavar="R", help="only this room of the hub closes")
        sub.add_argument("--borough", action="store_true", help="every hub closes")
        sub.add_argument("--from", dest="first", type=date_argument, required=required, metavar="D")
        sub.add_argument("--to", dest="last", type=date_argument, required=required, metavar="D")
        sub.add_argument("--hours", type=_hours, metavar="HH:MM-HH:MM", help="closed only between these times")
        sub.add_argument("--reason", required=required, metavar="TEXT", help="shown to the groups affected")
        sub.add_argument(
            "--accept",
            metavar="HUB",
            action="append",
            default=[],
            help="the relaxation: sessions that fit nowhere they accept go to this hub (repeatable)",
        )
        sub.add_argument("--apply", action="store_true", help="apply closure and plan (otherwise only the plan)")
        sub.add_argument("--json", action="store_true", help="print the plan as JSON")
        sub.add_argument("--no-notify", action="store_true", help="with --apply: queue no notices in the outbox")

    add = actions.add_parser("add", help="plan (and with --apply, add) a closure")
    plan_options(add, True)
    edit = actions.add_parser("edit", help="change a closure's dates, hours, scope or reason")
    edit.add_argument("id", type=int, metavar="ID")
    plan_options(edit, False)
    edit.add_argument("--all-day", action="store_true", help="closed all day (drop --hours)")
    remove = actions.add_parser("remove", help="remove a closure, restoring the sessions it cancelled if free")
    remove.add_argument("id", type=int, metavar="ID")
    remove.add_argument("--no-restore", action="store_true", help="leave the cancelled sessions cancelled")


def _scope(args: argparse.Namespace, context: CommandContext, base: ClosureDraft | None) -> ClosureDraft:
    from models.vocabulary import ClosureScope
    from scheduler.services.closures import ClosureDraft

    hubs = context.services.directory.hubs()
    draft = base or ClosureDraft(ClosureScope.BOROUGH, args.first, args.last, args.reason or "")
    if args.borough:
        draft = replace(draft, scope=ClosureScope.BOROUGH, hub_id=None, room_id=None)
    elif args.hub or args.room:
        if not args.hub:
            raise InvalidInput("name the room's hub with --hub")
        hub = next((h for h in hubs if h.name.lower() == args.hub.lower()), None)
        if hub is None:
            raise NotFound(f"no hub called {args.hub!r} (see `hubsched hubs`)")
        if args.room:
            room = next((r for r in hub.rooms if r.name.lower() == args.room.lower()), None)
            if room is None:
                raise NotFound(f"{hub.name} has no room called {args.room!r}")
            draft = replace(draft, scope=ClosureScope.ROOM, hub_id=hub.id, room_id=room.id)
        else:
            draft = replace(draft, scope=ClosureScope.HUB, hub_id=hub.id, room_id=None)
    elif base is None:
        raise InvalidInput("say what closes: --hub H [--room R], or --borough")
    if args.first:
        draft = replace(draft, first_day=args.first)
    if args.last:
        draft = replace(draft, last_day=args.last)
    if args.reason:
        draft = replace(draft, reason=args.reason)
    if getattr(args, "all_day", False):
        draft = replace(draft, start=None, end=None)
    if args.hours:
        draft = replace(draft, start=args.hours[0], end=args.hours[1])
    return draft


def plan_as_json(plan: list[Rehoming]) -> dict[str, Any]:
    def where(r: Rehoming) -> dict[str, Any]:
        return {"occurrence_id": r.occurrence_id, "title": r.title, "organisation": r.organisation, "was": r.was}

    return {
        "displaced": [where(r) for r in plan],
        "rehomed": [
            where(r)
            | {
                "room": r.room,
                "day": r.day.isoformat(),
                "start": f"{r.start:%H:%M}" if r.start else None,
                "end": f"{r.end:%H:%M}" if r.end else None,
                "kind": r.chosen.kind if r.chosen else None,
                "note": r.note,
            }
            for r in plan
            if r.found
        ],
        "cancelled": [
            where(r)
            | {
                "reason": r.reason or r.note,
                "blocking_rules": list(r.blocking),
                "relaxations": sorted({a.relaxation for a in r.relaxed}),
            }
            for r in plan
            if not r.found
        ],
    }


def print_plan(plan: list[Rehoming], seconds: float | None) -> None:
    found = sum(r.found for r in plan)
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    print(f"{len(plan)} session(s) displaced: {found} re-homed, {len(plan) - found} cancelled (planned{took})")
    for r in plan:
        if r.found:
            print(f"  {r.title} ({r.organisation}), {r.was} -> {r.room} {r.day:%a %d %b} {r.start:%H:%M}–{r.end:%H:%M}")
        else:
            print(f"  {r.title} ({r.organisation}), {r.was} -> cancelled: {r.reason or r.note}")
            for relaxation in sorted({a.relaxation for a in r.relaxed}):
                print(f'      option: {relaxation} (--accept "{relaxation.split(" ", 1)[1].split(" for ")[0]}")')


def run(args: argparse.Namespace, context: CommandContext) -> int:
    closures = context.services.closures
    action = args.closures_action
    if action == "list":
        if args.last < args.first:
            raise InvalidInput("--to is before --from")
        rows = closures.list(args.first, args.last)
        if args.json:
            json.dump(
                [
                    {
                        "id": r.id,
                        "scope": r.scope,
                        "where": r.where,
                        "first_day": r.first_day.isoformat(),
                        "last_day": r.last_day.isoformat(),
                        "hours": f"{r.start:%H:%M}-{r.end:%H:%M}" if r.start and r.end else None,
                        "reason": r.reason,
                        "bank_holiday": r.bank_holiday,
                    }
                    for r in rows
                ],
                sys.stdout,
                indent=2,
            )
            print()
            return 0
        for r in rows:
            hours = f" {r.start:%H:%M}-{r.end:%H:%M}" if r.start and r.end else ""
            ident = f"[{r.id}]" if r.id is not None else "[-]"
            days = f"{r.first_day:%a %d %b %Y}" + (f" – {r.last_day:%a %d %b %Y}" if r.last_day != r.first_day else "")
            print(f"{ident:>5} {days}{hours}  {r.where}: {r.reason}")
        return 0
    if action == "remove":
        removed = closures.remove(args.id, restore=not args.no_restore)
        print(f"removed closure {args.id}: {removed.restored} cancelled session(s) restored")
        for line in removed.not_restored:
            print(f"  not restored (no longer free): {line}")
        return 0
    editing = args.id if action == "edit" else None
    base = None
    if editing is not None:
        row = next((r for r in closures.list(date.min, date.max) if r.id == editing), None)
        if row is None:
            raise NotFound(f"no closure with id {editing} (see `hubsched closures list`)")
        base = row.draft()
    draft = _scope(args, context, base)
    if base is not None and base.same_place_and_time(draft):
        plan: list[Rehoming] = []  # a new reason only: the sessions stay as the closure left them
    else:
        plan = closures.plan_rehoming(draft, editing=editing)
    if args.accept:
        from scheduler.services.closures import accept_hub

        for hub in args.accept:
            plan = accept_hub(plan, hub)
    figures = closures.last_figures
    applied: AddedClosure | None = None
    if args.apply:
        applied = closures.edit(editing, draft, plan) if editing is not None else closures.add(draft, plan)
        if not args.no_notify and (applied.moved or applied.cancelled):
            if os.environ.get("HUBSCHED_FEED_BASE_URL"):  # where the feeds are published, for the notices' links
                context.services.outbox.use_feed_links(os.environ["HUBSCHED_FEED_BASE_URL"])
            notices = context.services.outbox.queue_closure(applied.closure_id)
            print(f"{len(notices)} notice(s) queued in the outbox (`hubsched outbox list`)", file=sys.stderr)
    if args.json:
        out = plan_as_json(plan) | {
            "seconds": round(figures.seconds, 3) if figures and plan else None,
            "applied": None
            if applied is None
            else {"closure_id": applied.closure_id, "moved": applied.moved, "cancelled": applied.cancelled},
        }
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0
    if plan or base is None:
        print_plan(plan, figures.seconds if figures else None)
    if applied is not None:
        verb = "changed" if editing is not None else "added"
        print(
            f"{verb} closure {applied.closure_id}: {applied.moved} session(s) re-homed, "
            f"{applied.cancelled} cancelled" + (f", {applied.restored} restored" if applied.restored else "")
        )
    elif plan:
        print("(plan only: add --apply to apply it)")
    elif base is not None and args.reason:
        print("only the reason changes: add --apply to save it (the sessions stay as they are)")
    return 0
