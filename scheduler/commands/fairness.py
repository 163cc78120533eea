"""`hubsched terms fairness NAME [--weight W] [--share SECTOR=SHARE ...] [--reset] [--json]`.

Owns: the arguments and printing of the per-term fairness policy (the sector target shares and the
fairness weight the term's allocation uses unless a run is given its own). The `terms` command group of
reference.py hands this action over; the work is done by FairnessService.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from scheduler.commands.allocate import parse_share, parse_weight
from scheduler.errors import InvalidInput

if TYPE_CHECKING:  # the service loads the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.services.fairness import FairnessSetting


def add_parser(terms: argparse._SubParsersAction) -> None:
    p = terms.add_parser(
        "fairness",
        help="show or set a term's fairness policy: each sector's target share and the fairness weight",
        description="Show a term's fairness policy, or set it with --weight and --share. The term's allocation "
        "uses it unless `allocate` is given --fairness-weight/--sector-target for one run.",
    )
    p.add_argument("name", metavar="NAME", help='the term, e.g. "Spring 2027"')
    p.add_argument(
        "--weight",
        type=parse_weight,
        metavar="W",
        help="how much the worst-off sector's share counts, as a share of all demand (0 turns fairness off)",
    )
    p.add_argument(
        "--share",
        type=parse_share,
        action="append",
        metavar="SECTOR=SHARE",
        help="a sector's target share of demand, e.g. resident=0.4 or resident=40%% (repeatable; sectors not "
        "named keep their share; together at most 100%%)",
    )
    p.add_argument("--reset", action="store_true", help="forget the term's own policy and use the default again")
    p.add_argument("--json", action="store_true", help="print the policy as JSON")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    service = context.services.fairness
    term_id = context.services.allocation.term_id(args.name)
    changing = args.weight is not None or bool(args.share)
    if args.reset and changing:
        raise InvalidInput("give either --reset or new values (--weight, --share), not both")
    if args.reset:
        setting = service.reset(term_id)
        verb = "reset"
    elif changing:
        shares = dict(args.share or ())
        setting = service.set(term_id, weight=args.weight, shares=shares)
        verb = "set"
    else:
        setting = service.setting(term_id)
        verb = ""
    if args.json:
        json.dump(setting.as_json(), sys.stdout, indent=2)
        print()
    else:
        print_setting(setting, verb)
    return 0


def print_setting(setting: FairnessSetting, verb: str = "") -> None:
    where = "set for this term" if setting.stored else "the default; nothing set for this term"
    heading = {
        "set": f"Stored the fairness policy of {setting.term_name}:",
        "reset": f"The fairness policy of {setting.term_name} is the default again:",
    }.get(verb, f"Fairness policy of {setting.term_name} ({where}):")
    print(heading)
    print(f"  weight   {setting.weight:g}" + ("  (fairness off)" if not setting.weight else ""))
    for sector, share in setting.shares:
        print(f"  {sector:<9}{share:4.0%} target share of demand")
