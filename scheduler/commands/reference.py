"""`hubsched hubs|rooms|facilities|orgs|teams|terms list|add|edit|retire` and `hubsched init [--demo]`.

Owns: the arguments and printing of the reference-data commands; the work is done by ReferenceService and
BoroughSetup. A change that would affect booked sessions prints them and exits 2 unless `--yes` is given.
`--json` prints the records as data. Implements the CommandGroup protocol of scheduler/cli_context.py.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from models.vocabulary import Sector
from scheduler.commands import fairness as fairness_commands
from scheduler.errors import InvalidInput, NeedsConfirmation, NotFound
from scheduler.imports import values

if TYPE_CHECKING:  # the service loads the database library: imported where a command runs, not for --help
    from scheduler.cli_context import CommandContext
    from scheduler.services.reference import (
        BreakDraft,
        ContactDraft,
        HoursException,
        HubDraft,
        OrganisationDraft,
        Record,
        ReferenceService,
        RoomDraft,
    )

NAMES = frozenset({"init", "hubs", "rooms", "facilities", "orgs", "teams", "terms"})
SECTORS = [s.value for s in Sector]


def _typed(parse):
    def convert(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def parse_exception(text: str) -> HoursException:
    """'2026-12-01..2027-02-28 Thu 09:00-21:00 Winter late' or '2027-01-22 closed Boiler repair'."""
    from scheduler.services.reference import HoursException

    if text.strip().lower() == "none":
        return None  # type: ignore[return-value]  # edit: clear the exceptions
    parts = text.split()
    if not parts:
        raise ValueError("give the exception's dates, e.g. 2026-12-01..2027-02-28 Thu 09:00-21:00")
    first_text, _, last_text = parts[0].partition("..")
    first = values.parse_date(first_text)
    last = values.parse_date(last_text) if last_text else first
    rest = parts[1:]
    weekday = None
    if rest and rest[0].lower()[:3] in {d.lower() for d in values.WEEKDAYS}:
        weekday = values.parse_weekday(rest.pop(0))
    if rest and rest[0].lower() == "closed":
        return HoursException(first, last, weekday, None, None, " ".join(rest[1:]))
    if not rest:
        raise ValueError(f"{text!r}: give the hours (09:00-21:00) or 'closed'")
    opens, closes = values.parse_window(rest[0])
    return HoursException(first, last, weekday, opens, closes, " ".join(rest[1:]))


def parse_break(text: str) -> BreakDraft:
    """'2027-02-15..2027-02-19 Half-term'."""
    from scheduler.services.reference import BreakDraft

    dates, _, name = text.strip().partition(" ")
    first_text, _, last_text = dates.partition("..")
    first = values.parse_date(first_text)
    return BreakDraft(first, values.parse_date(last_text) if last_text else first, name.strip() or "Half-term")


def _contact(text: str) -> ContactDraft:
    """'Name|role|email|phone|notices' (later parts optional; 'notices' flags who the outbox writes to)."""
    from scheduler.services.reference import contact_from_line

    return contact_from_line(text)


def register(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="start a new database: an empty borough of your own, or --demo")
    init.add_argument("--demo", action="store_true", help="load the demo borough instead")

    def group(name: str, help_text: str) -> argparse._SubParsersAction:
        parser = commands.add_parser(name, help=help_text)
        actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
        return actions

    def listing(actions: argparse._SubParsersAction, what: str) -> argparse.ArgumentParser:
        parser = actions.add_parser("list", help=f"list {what} (the default)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        return parser

    def asks(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--yes", action="store_true", help="go ahead even if booked sessions are affected")
        parser.add_argument("--json", action="store_true", help="print the record as JSON")

    # hubs
    hubs = group("hubs", "hubs: list, add, edit, retire")
    listing(hubs, "hubs and their rooms")
    for action in ("add", "edit"):
        p = hubs.add_parser(action, help=f"{action} a hub")
        p.add_argument("name", metavar="NAME")
        if action == "edit":
            p.add_argument("--name", dest="new_name", metavar="NEW", help="rename")
        p.add_argument("--area")
        p.add_argument("--address")
        p.add_argument("--postcode")
        p.add_argument("--lat", type=float, metavar="DEGREES")
        p.add_argument("--lon", type=float, metavar="DEGREES")
        p.add_argument(
            "--hours",
            type=_typed(values.parse_hours),
            metavar="HOURS",
            help='e.g. "Mon-Fri 09:00-17:00; Tue 18:00-21:00"',
        )
        p.add_argument(
            "--exception",
            type=_typed(parse_exception),
            action="append",
            metavar="SPEC",
            help='dated hours, e.g. "2026-12-01..2027-02-28 Thu 09:00-21:00 Winter late" or "2027-01-22 closed"'
            + (" (replaces all exceptions; give --exception none to clear)" if action == "edit" else ""),
        )
        asks(p)
    p = hubs.add_parser("retire", help="retire a hub (and its rooms)")
    p.add_argument("name", metavar="NAME")
    asks(p)

    # rooms
    rooms = group("rooms", "rooms: list, add, edit, retire")
    listing(rooms, "rooms").add_argument("--hub", metavar="NAME")
    for action in ("add", "edit"):
        p = rooms.add_parser(action, help=f"{action} a room")
        p.add_argument("name", metavar="NAME")
        p.add_argument("--hub", required=True, metavar="NAME")
        if action == "edit":
            p.add_argument("--name", dest="new_name", metavar="NEW", help="rename")
        p.add_argument("--capacity", type=int, required=action == "add", metavar="N")
        p.add_argument("--facilities", metavar="LIST", help='e.g. "kitchen, hearing-loop" (keys or names)')
        access = p.add_mutually_exclusive_group()
        access.add_argument("--step-free", dest="step_free", action="store_true", default=None)
        access.add_argument("--steps", dest="step_free", action="store_false", help="not step-free")
        use = p.add_mutually_exclusive_group()
        use.add_argument("--bookable", dest="bookable", action="store_true", default=None)
        use.add_argument("--staff-only", dest="bookable", action="store_false")
        if action == "edit":
            p.add_argument("--unretire", action="store_true", help="bring a retired room back")
        asks(p)
    p = rooms.add_parser("retire", help="retire a room (kept with its history, no new bookings)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--hub", required=True, metavar="NAME")
    asks(p)

    # facilities
    facilities = group("facilities", "the borough's list of facilities: list, add")
    listing(facilities, "facilities")
    p = facilities.add_parser("add", help="add a facility")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--key", default="", help="short key (default from the name)")
    p.add_argument("--json", action="store_true")

    # organisations
    orgs = group("orgs", "organisations: list, add, edit, retire, merge")
    listing(orgs, "organisations").add_argument("--active", action="store_true", help="only active ones")
    for action in ("add", "edit"):
        p = orgs.add_parser(action, help=f"{action} an organisation")
        p.add_argument("name", metavar="NAME")
        if action == "edit":
            p.add_argument("--name", dest="new_name", metavar="NEW", help="rename")
        p.add_argument("--sector", choices=SECTORS, required=action == "add")
        p.add_argument("--priority", type=int, choices=range(1, 6), metavar="1-5", help="default priority")
        p.add_argument("--notes")
        p.add_argument(
            "--contact",
            type=_contact,
            action="append",
            metavar='"NAME|ROLE|EMAIL|PHONE"',
            help="a contact 'Name|role|email|phone|notices' (repeatable; on edit replaces the contacts)",
        )
        if action == "edit":
            state = p.add_mutually_exclusive_group()
            state.add_argument("--active", dest="active", action="store_true", default=None)
            state.add_argument("--inactive", dest="active", action="store_false")
        asks(p)
    p = orgs.add_parser("retire", help="make an organisation inactive")
    p.add_argument("name", metavar="NAME")
    asks(p)
    p = orgs.add_parser("merge", help="merge an organisation into another (the same body under two names)")
    p.add_argument("name", metavar="NAME", help="the one that goes")
    p.add_argument("--into", required=True, metavar="NAME", help="the one that stays")
    p.add_argument("--json", action="store_true")

    # teams
    teams = group("teams", "shared people and teams: list, add, edit, retire")
    listing(teams, "shared people and teams")
    for action in ("add", "edit"):
        p = teams.add_parser(action, help=f"{action} a shared person or team")
        p.add_argument("name", metavar="NAME")
        if action == "edit":
            p.add_argument("--name", dest="new_name", metavar="NEW", help="rename")
        p.add_argument("--description")
        p.add_argument("--org", action="append", metavar="NAME", help="an organisation they work for (repeatable)")
        asks(p)
    p = teams.add_parser("retire", help="retire a shared person or team")
    p.add_argument("name", metavar="NAME")
    asks(p)

    # terms
    terms = group("terms", "terms: list, add, edit, retire (delete an unused term), fairness (its allocation policy)")
    listing(terms, "terms")
    for action in ("add", "edit"):
        p = terms.add_parser(action, help=f"{action} a term")
        p.add_argument("name", metavar="NAME")
        if action == "edit":
            p.add_argument("--name", dest="new_name", metavar="NEW", help="rename")
        p.add_argument("--from", dest="first", type=_typed(values.parse_date), required=action == "add", metavar="DATE")
        p.add_argument("--to", dest="last", type=_typed(values.parse_date), required=action == "add", metavar="DATE")
        p.add_argument(
            "--break",
            dest="breaks",
            type=_typed(parse_break),
            action="append",
            metavar='"FIRST..LAST NAME"',
            help='e.g. "2027-02-15..2027-02-19 Half-term" (repeatable; on edit replaces the breaks)',
        )
        p.add_argument("--follows", metavar="TERM", help='the term before it, e.g. "Autumn 2026"')
        asks(p)
    p = terms.add_parser("retire", help="delete a term that has no requests or bookings")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true")
    fairness_commands.add_parser(terms)


# --- running -------------------------------------------------------------------------------------------------


def _find(records: list[Record], name: str, kind: str) -> Record:
    for record in records:
        if record.draft.name.lower() == name.strip().lower():
            return record
    names = [r.draft.name for r in records]
    raise NotFound(
        f"unknown {kind} {name!r}{values.closest(name, names)}; known {kind}s: {', '.join(names) or 'none yet'}"
    )


def _room(service: ReferenceService, hub: str, name: str) -> Record[RoomDraft]:
    hub_record = _find(service.hubs(), hub, "hub")
    return _find(service.rooms(hub_record.id), name, f"room in {hub_record.label}")


def _facility_keys(service: ReferenceService, text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    known = {f.draft.key: f.draft.key for f in service.facilities()}
    known.update({f.draft.name.lower(): f.draft.key for f in service.facilities()})
    keys = []
    for item in values.parse_list(text):
        key = known.get(item.lower()) or known.get(item)
        if key is None:
            raise InvalidInput(
                f"unknown facility {item!r}{values.closest(item, known)}; known: {', '.join(sorted(known))}"
            )
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _print(args: argparse.Namespace, record: Record, verb: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(_record_json(record), indent=2))
    else:
        print(f"{verb} {record.label}")


def _record_json(record: Record) -> dict[str, Any]:
    from scheduler.services.reference import jsonable

    return {"id": record.id, "version": record.version, **jsonable(record.draft), "context": record.context}


def _confirming(args: argparse.Namespace, change, *a):
    """Run a change; if it affects booked sessions and --yes was not given, list them and stop (exit 2)."""
    try:
        return change(*a, confirm=args.yes)
    except NeedsConfirmation as asked:
        for line in asked.affected:
            print(f"  {line}", file=sys.stderr)
        raise NeedsConfirmation(asked.what + " (give --yes to go ahead)", list(asked.affected)) from None


def _list(args: argparse.Namespace, records: list[Record], line) -> int:
    if args.json:
        json.dump([_record_json(r) for r in records], sys.stdout, indent=2)
        print()
        return 0
    for record in records:
        print(line(record))
    return 0


def run(args: argparse.Namespace, context: CommandContext) -> int:
    service = context.services.reference
    if args.command == "init":
        return _init(args, context)
    action = args.action or "list"
    if args.command == "terms" and action == "fairness":
        return fairness_commands.run(args, context)
    if action == "list" and not hasattr(args, "json"):
        args.json = False
    handler = {
        "hubs": _hubs,
        "rooms": _rooms,
        "facilities": _facilities,
        "orgs": _orgs,
        "teams": _teams,
        "terms": _terms,
    }[args.command]
    return handler(args, action, service)


def _init(args: argparse.Namespace, context: CommandContext) -> int:
    setup = context.services.setup
    if not setup.needs_choice():
        raise InvalidInput("this database already holds a borough; use a new database (--db) to start again")
    if args.demo:
        summary = setup.load_demo()
        print(f"loaded the demo borough: {summary.hubs} hubs, {summary.rooms} rooms, {summary.requests} requests")
        return 0
    setup.start_empty()
    print("started an empty borough. Next:")
    for item in setup.checklist():
        print(f"  [ ] {item.label}")
    print('e.g. hubsched hubs add "Ilford Civic Hub" --hours "Mon-Fri 09:00-17:00"')
    return 0


def _hub_draft(args: argparse.Namespace, base: HubDraft) -> HubDraft:
    from scheduler.services.reference import HoursWindow

    changes: dict[str, Any] = {}
    for field_name, attr in (("area", "area"), ("address", "address"), ("postcode", "postcode")):
        if getattr(args, attr) is not None:
            changes[field_name] = getattr(args, attr)
    if args.lat is not None:
        changes["latitude"] = args.lat
    if args.lon is not None:
        changes["longitude"] = args.lon
    if args.hours is not None:
        changes["hours"] = tuple(HoursWindow(*row) for row in args.hours)
    if args.exception is not None:
        changes["exceptions"] = tuple(e for e in args.exception if e is not None)
    if getattr(args, "new_name", None):
        changes["name"] = args.new_name
    return replace(base, **changes)


def _hubs(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import HubDraft

    if action == "list":
        hubs = service.hubs()
        if args.json:
            rooms = service.rooms()
            data = [
                {**_record_json(h), "rooms": [_record_json(r) for r in rooms if r.draft.hub_id == h.id]} for h in hubs
            ]
            json.dump(data, sys.stdout, indent=2)
            print()
            return 0
        if not hubs:
            print("no hubs yet: run `hubsched demo` to load the demo borough, or `hubsched hubs add` your own")
            return 0
        rooms = service.rooms()
        for hub in hubs:
            d = hub.draft
            where = " ".join(p for p in (d.address, d.postcode) if p)
            print(d.name + (f" — {where}" if where else "") + ("  [retired]" if d.retired else ""))
            if d.hours:
                print(f"  open {values.hours_as_text((w.weekday, w.opens, w.closes) for w in d.hours)}")
            for e in d.exceptions:
                day = f" {values.WEEKDAYS[e.weekday]}" if e.weekday is not None else ""
                hours = f"{e.opens:%H:%M}-{e.closes:%H:%M}" if e.opens and e.closes else "closed"
                print(f"  {e.first_day:%d %b %Y}–{e.last_day:%d %b %Y}{day}: {hours} {e.note}".rstrip())
            for room in (r for r in rooms if r.draft.hub_id == hub.id):
                r = room.draft
                flags = [] if r.bookable else ["staff only"]
                flags += ["retired"] if r.retired else []
                print(
                    f"  {r.name:<28} {r.capacity:>4} people  {'step-free' if r.step_free else 'steps':<9} "
                    f"{', '.join(r.facility_keys)}" + (f"  [{', '.join(flags)}]" if flags else "")
                )
        return 0
    if action == "add":
        if args.exception and any(e is None for e in args.exception):
            raise InvalidInput("--exception none only applies to edit")
        record = service.add_hub(_hub_draft(args, HubDraft(name=args.name)))
        _print(args, record, "added hub")
        return 0
    hub = _find(service.hubs(), args.name, "hub")
    if action == "retire":
        record = _confirming(args, service.edit_hub, hub.id, hub.version, replace(hub.draft, retired=True))
        _print(args, record, "retired hub")
        return 0
    record = _confirming(args, service.edit_hub, hub.id, hub.version, _hub_draft(args, hub.draft))
    _print(args, record, "edited hub")
    return 0


def _rooms(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import RoomDraft

    if action == "list":
        hub_id = _find(service.hubs(), args.hub, "hub").id if getattr(args, "hub", None) else None
        return _list(
            args,
            service.rooms(hub_id),
            lambda r: (
                f"{r.label:<44} {r.draft.capacity:>4} people  {', '.join(r.draft.facility_keys)}"
                + ("  [retired]" if r.draft.retired else "")
            ),
        )
    if action == "add":
        hub = _find(service.hubs(), args.hub, "hub")
        draft = RoomDraft(
            hub.id,
            args.name,
            args.capacity,
            _facility_keys(service, args.facilities) or (),
            True if args.step_free is None else args.step_free,
            True if args.bookable is None else args.bookable,
        )
        _print(args, service.add_room(draft), "added room")
        return 0
    room = _room(service, args.hub, args.name)
    if action == "retire":
        _print(
            args,
            _confirming(args, service.edit_room, room.id, room.version, replace(room.draft, retired=True)),
            "retired room",
        )
        return 0
    changes: dict[str, Any] = {}
    if args.new_name:
        changes["name"] = args.new_name
    if args.capacity is not None:
        changes["capacity"] = args.capacity
    keys = _facility_keys(service, args.facilities)
    if keys is not None:
        changes["facility_keys"] = keys
    if args.step_free is not None:
        changes["step_free"] = args.step_free
    if args.bookable is not None:
        changes["bookable"] = args.bookable
    if args.unretire:
        changes["retired"] = False
        changes.setdefault("bookable", True)
    record = _confirming(args, service.edit_room, room.id, room.version, replace(room.draft, **changes))
    _print(args, record, "edited room")
    return 0


def _facilities(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import FacilityDraft

    if action == "list":
        return _list(args, service.facilities(), lambda f: f"{f.draft.key:<20} {f.draft.name}  ({f.in_use} room(s))")
    record = service.add_facility(FacilityDraft(args.key, args.name))
    _print(args, record, "added facility")
    return 0


def _org_draft(args: argparse.Namespace, base: OrganisationDraft) -> OrganisationDraft:
    changes: dict[str, Any] = {}
    if getattr(args, "new_name", None):
        changes["name"] = args.new_name
    if args.sector:
        changes["sector"] = Sector(args.sector)
    if args.priority is not None:
        changes["default_priority"] = args.priority
    if args.notes is not None:
        changes["notes"] = args.notes
    if args.contact is not None:
        changes["contacts"] = tuple(args.contact)
    if getattr(args, "active", None) is not None:
        changes["active"] = args.active
    return replace(base, **changes)


def _orgs(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import OrganisationDraft, jsonable

    if action == "list":
        return _list(
            args,
            service.organisations(active_only=getattr(args, "active", False)),
            lambda o: (
                f"{o.draft.name:<40} {o.draft.sector.value:<9} priority {o.draft.default_priority}"
                + ("" if o.draft.active else "  [inactive]")
                + (f"  ({o.context})" if o.context else "")
            ),
        )
    if action == "add":
        record = service.add_organisation(_org_draft(args, OrganisationDraft(args.name, Sector(args.sector))))
        _print(args, record, "added organisation")
        return 0
    org = _find(service.organisations(), args.name, "organisation")
    if action == "merge":
        target = _find(service.organisations(), args.into, "organisation")
        result = service.merge_organisations(org.id, target.id)
        if args.json:
            print(json.dumps(jsonable(result), indent=2))
        else:
            print(result.summary)
        return 0
    if action == "retire":
        record = _confirming(args, service.edit_organisation, org.id, org.version, replace(org.draft, active=False))
        _print(args, record, "made inactive:")
        return 0
    record = _confirming(args, service.edit_organisation, org.id, org.version, _org_draft(args, org.draft))
    _print(args, record, "edited organisation")
    return 0


def _teams(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import TeamDraft

    if action == "list":
        return _list(
            args,
            service.teams(),
            lambda t: f"{t.draft.name:<32} {t.context}" + ("  [retired]" if t.draft.retired else ""),
        )

    def org_ids() -> tuple[int, ...] | None:
        if args.org is None:
            return None
        orgs = service.organisations()
        return tuple(_find(orgs, name, "organisation").id for name in args.org)

    if action == "add":
        draft = TeamDraft(args.name, args.description or "", org_ids() or ())
        _print(args, service.add_team(draft), "added")
        return 0
    team = _find(service.teams(), args.name, "person or team")
    if action == "retire":
        _print(
            args,
            _confirming(args, service.edit_team, team.id, team.version, replace(team.draft, retired=True)),
            "retired",
        )
        return 0
    changes: dict[str, Any] = {}
    if args.new_name:
        changes["name"] = args.new_name
    if args.description is not None:
        changes["description"] = args.description
    ids = org_ids()
    if ids is not None:
        changes["organisation_ids"] = ids
    _print(args, _confirming(args, service.edit_team, team.id, team.version, replace(team.draft, **changes)), "edited")
    return 0


def _terms(args: argparse.Namespace, action: str, service: ReferenceService) -> int:
    from scheduler.services.reference import TermDraft

    terms = service.terms()
    if action == "list":
        return _list(
            args,
            terms,
            lambda t: (
                f"{t.draft.name:<20} {t.draft.first_day:%a %d %b %Y} – {t.draft.last_day:%a %d %b %Y}"
                + "".join(f"; {b.name} {b.first_day:%d %b}–{b.last_day:%d %b}" for b in t.draft.breaks)
                + (f"  ({t.context})" if t.context else "")
            ),
        )
    if action == "retire":
        term = _find(terms, args.name, "term")
        service.delete_term(term.id)
        print(f"deleted term {term.label}")
        return 0
    follows = _find(terms, args.follows, "term").id if args.follows else None
    if action == "add":
        draft = TermDraft(args.name, args.first, args.last, tuple(args.breaks or ()), follows)
        _print(args, service.add_term(draft), "added term")
        return 0
    term = _find(terms, args.name, "term")
    changes: dict[str, Any] = {}
    if args.new_name:
        changes["name"] = args.new_name
    if args.first:
        changes["first_day"] = args.first
    if args.last:
        changes["last_day"] = args.last
    if args.breaks is not None:
        changes["breaks"] = tuple(args.breaks)
    if args.follows:
        changes["follows_id"] = follows
    _print(
        args, _confirming(args, service.edit_term, term.id, term.version, replace(term.draft, **changes)), "edited term"
    )
    return 0
