"""ReferenceService: the borough's own reference data — hubs, rooms, facilities, organisations, teams, terms.

Owns: adding, editing, retiring and deleting each kind through drafts (plain dataclasses the forms, the CLI
and the spreadsheet import fill in), the validation of each draft field by field, the stale-edit check
(every record has a version), the audit entry of every change, merging organisations (and undoing a
merge), and the protective checks: a change that would leave booked sessions in a room too small, without
a facility they need, outside the hub's hours, in a retired room or outside their term raises
`NeedsConfirmation` listing those sessions, and goes ahead only when asked again with `confirm=True`.
A record still referred to by sessions or requests is never deleted (`InUse`); it can be retired.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from models.entities import (
    AuditEntry,
    Contact,
    FeedToken,
    Hub,
    OpeningException,
    OpeningHours,
    Organisation,
    Request,
    RequestHub,
    Room,
    Series,
    Team,
    Term,
    TermBreak,
    request_facilities,
    request_teams,
    room_facilities,
    series_teams,
)
from models.entities import Facility as FacilityEntity
from models.entities import Occurrence as OccurrenceEntity
from models.types import OccurrenceStatus, Sector
from scheduler.errors import InUse, InvalidReference, NeedsConfirmation, NotFound, StaleEdit
from scheduler.recurrence import WEEKDAY_NAMES, to_local
from scheduler.services.common import audit, describe_occurrence, now_utc

D = TypeVar("D")


# --- drafts: what a form, a CLI command or a spreadsheet row holds -------------------------------------


@dataclass(frozen=True)
class HoursWindow:
    weekday: int  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True)
class HoursException:
    """Different hours from `first_day` to `last_day` (only on `weekday` if given); no times = closed."""

    first_day: date
    last_day: date
    weekday: int | None = None
    opens: time | None = None
    closes: time | None = None
    note: str = ""


@dataclass(frozen=True)
class HubDraft:
    name: str
    area: str = ""
    address: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    hours: tuple[HoursWindow, ...] = ()
    exceptions: tuple[HoursException, ...] = ()
    retired: bool = False


@dataclass(frozen=True)
class RoomDraft:
    hub_id: int
    name: str
    capacity: int
    facility_keys: tuple[str, ...] = ()
    step_free: bool = True
    bookable: bool = True  # False: staff only
    retired: bool = False


@dataclass(frozen=True)
class FacilityDraft:
    key: str
    name: str


@dataclass(frozen=True)
class ContactDraft:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    receives_notices: bool = False  # the outbox writes to this contact about the organisation's sessions


NOTICES_WORDS = frozenset({"notices", "yes", "y", "true"})


def contact_from_line(line: str) -> ContactDraft:
    """'Name | role | email | phone | notices' as typed in a form or on the command line (later parts optional)."""
    parts = [p.strip() for p in line.split("|")] + ["", "", "", ""]
    return ContactDraft(parts[0], parts[1], parts[2], parts[3], parts[4].lower() in NOTICES_WORDS)


def contact_as_line(contact: ContactDraft) -> str:
    parts = [contact.name, contact.role, contact.email, contact.phone, "notices" if contact.receives_notices else ""]
    return " | ".join(parts).rstrip(" |")


@dataclass(frozen=True)
class OrganisationDraft:
    name: str
    sector: Sector
    default_priority: int = 3
    notes: str = ""
    active: bool = True
    contacts: tuple[ContactDraft, ...] = ()


@dataclass(frozen=True)
class TeamDraft:
    name: str
    description: str = ""
    organisation_ids: tuple[int, ...] = ()
    retired: bool = False


@dataclass(frozen=True)
class BreakDraft:
    first_day: date
    last_day: date
    name: str = "Half-term"


@dataclass(frozen=True)
class TermDraft:
    name: str
    first_day: date
    last_day: date
    breaks: tuple[BreakDraft, ...] = ()
    follows_id: int | None = None


@dataclass(frozen=True)
class Record(Generic[D]):
    """One stored record: its id, the version an edit must name, its draft and how to show it."""

    id: int
    version: int
    draft: D
    label: str  # "Main Hall, Ilford Civic Hub"
    context: str = ""  # the hub of a room, the teams' organisations, the term followed...
    in_use: int = 0  # how many requests and series refer to it


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved, so that it can be undone exactly."""

    source_id: int
    target_id: int
    request_ids: tuple[int, ...] = ()
    series_ids: tuple[int, ...] = ()
    contact_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    summary: str = ""


# --- JSON for the audit log and the CLI ------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Dates, times and enums as text, tuples as lists: what the audit log and `--json` print."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Sector):
        return value.value
    return value


def hours_text(hours: Iterable[HoursWindow]) -> str:
    """'Mon 09:00–17:00, Tue 09:00–17:00 18:00–21:00'."""
    by_day: dict[int, list[str]] = {}
    for w in sorted(hours, key=lambda w: (w.weekday, w.opens)):
        by_day.setdefault(w.weekday, []).append(f"{w.opens:%H:%M}–{w.closes:%H:%M}")
    return ", ".join(f"{WEEKDAY_NAMES[d]} {' '.join(spans)}" for d, spans in by_day.items())


def hours_on(hours: Iterable[HoursWindow], exceptions: Iterable[HoursException], day: date) -> list[tuple[time, time]]:
    """The open windows of a hub on one date: the last exception covering it wins over the weekly hours."""
    chosen: list[tuple[time, time]] | None = None
    for ex in exceptions:
        if ex.first_day <= day <= ex.last_day and (ex.weekday is None or ex.weekday == day.weekday()):
            chosen = [] if ex.opens is None or ex.closes is None else [(ex.opens, ex.closes)]
    if chosen is not None:
        return chosen
    return [(w.opens, w.closes) for w in hours if w.weekday == day.weekday()]


def _key_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")[:40]


# --- entity <-> draft ------------------------------------------------------------------------------------


def hub_draft(hub: Hub) -> HubDraft:
    return HubDraft(
        name=hub.name,
        area=hub.area,
        address=hub.address,
        postcode=hub.postcode,
        latitude=hub.latitude,
        longitude=hub.longitude,
        hours=tuple(HoursWindow(w.weekday, w.opens, w.closes) for w in hub.opening_hours),
        exceptions=tuple(
            HoursException(e.first_day, e.last_day, e.weekday, e.opens, e.closes, e.note) for e in hub.exceptions
        ),
        retired=hub.retired,
    )


def room_draft(room: Room) -> RoomDraft:
    return RoomDraft(
        hub_id=room.hub_id,
        name=room.name,
        capacity=room.capacity,
        facility_keys=tuple(f.key for f in room.facilities),
        step_free=room.step_free,
        bookable=room.bookable,
        retired=room.retired,
    )


def organisation_draft(org: Organisation) -> OrganisationDraft:
    return OrganisationDraft(
        name=org.name,
        sector=Sector(org.sector),
        default_priority=org.default_priority,
        notes=org.notes,
        active=org.active,
        contacts=tuple(ContactDraft(c.name, c.role, c.email, c.phone, c.receives_notices) for c in org.contacts),
    )


def team_draft(team: Team) -> TeamDraft:
    return TeamDraft(
        name=team.name,
        description=team.description,
        organisation_ids=tuple(o.id for o in team.organisations),
        retired=team.retired,
    )


def term_draft(term: Term) -> TermDraft:
    return TermDraft(
        name=term.name,
        first_day=term.first_day,
        last_day=term.last_day,
        breaks=tuple(BreakDraft(b.first_day, b.last_day, b.name) for b in term.breaks),
        follows_id=term.follows_id,
    )


class ReferenceService:
    """Every change to the borough's reference data; each method is one transaction."""

    def __init__(self, sessions: sessionmaker[Session], operator: str, clock: Callable[[], datetime] = now_utc) -> None:
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    # --- shared machinery --------------------------------------------------------------------------------

    def _change(self, fn: Callable[[Session], Any], what: str) -> Any:
        try:
            with self._sessions.begin() as session:
                return fn(session)
        except StaleDataError:
            raise StaleEdit(f"{what} was changed by someone else meanwhile; reload it and try again") from None

    @staticmethod
    def _get(session: Session, entity: type, record_id: int, kind: str) -> Any:
        found = session.get(entity, record_id)
        if found is None:
            raise NotFound(f"no {kind} with id {record_id}")
        return found

    @staticmethod
    def _check_version(record: Any, expected: int, label: str) -> None:
        if record.version != expected:
            raise StaleEdit(f"{label} was changed by someone else meanwhile; reload it and try again")

    @staticmethod
    def _unique(session: Session, entity: type, name: str, record_id: int | None, errors: dict, kind: str) -> None:
        query = select(entity.id).where(func.lower(entity.name) == name.strip().lower())
        if record_id is not None:
            query = query.where(entity.id != record_id)
        if session.scalar(query) is not None:
            errors["name"] = f"There is already a {kind} called {name.strip()}."

    def _future(self, session: Session, room_ids: list[int]) -> list[OccurrenceEntity]:
        if not room_ids:
            return []
        return list(
            session.scalars(
                select(OccurrenceEntity)
                .where(
                    OccurrenceEntity.room_id.in_(room_ids),
                    OccurrenceEntity.status != OccurrenceStatus.CANCELLED,
                    OccurrenceEntity.start_utc >= self._clock(),
                )
                .order_by(OccurrenceEntity.start_utc)
            )
        )

    @staticmethod
    def _guard(what: str, affected: list[OccurrenceEntity], confirm: bool) -> None:
        if affected and not confirm:
            raise NeedsConfirmation(what, [describe_occurrence(o) for o in affected])

    def _audit(self, session: Session, action: str, entity: str, entity_id: int, summary: str, before, after) -> None:
        audit(
            session,
            self._operator,
            action,
            entity,
            entity_id,
            summary,
            jsonable(before) if before is not None else None,
            jsonable(after) if after is not None else None,
            at=self._clock(),
        )

    # --- hubs ----------------------------------------------------------------------------------------------

    def validate_hub(self, draft: HubDraft, hub_id: int | None = None) -> dict[str, str]:
        with self._sessions() as session:
            return self._validate_hub(session, draft, hub_id)

    def _validate_hub(self, session: Session, draft: HubDraft, hub_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not draft.name.strip():
            errors["name"] = "Give the hub a name."
        else:
            self._unique(session, Hub, draft.name, hub_id, errors, "hub")
        if draft.latitude is not None and not 49 <= draft.latitude <= 61:
            errors["latitude"] = "Latitude must be in the UK (49 to 61)."
        if draft.longitude is not None and not -9 <= draft.longitude <= 2:
            errors["longitude"] = "Longitude must be in the UK (-9 to 2)."
        for w in draft.hours:
            if not 0 <= w.weekday <= 6 or w.opens >= w.closes:
                errors["hours"] = "Each opening window must close after it opens."
        for day in range(7):
            spans = sorted((w.opens, w.closes) for w in draft.hours if w.weekday == day)
            if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
                errors["hours"] = f"Opening windows on {WEEKDAY_NAMES[day]} overlap."
        for ex in draft.exceptions:
            if ex.first_day > ex.last_day:
                errors["exceptions"] = "An exception must end on or after its first day."
            elif (ex.opens is None) != (ex.closes is None) or (ex.opens and ex.closes and ex.opens >= ex.closes):
                errors["exceptions"] = "An exception gives both opening and closing times (closing later), or none."
        return errors

    def hubs(self) -> list[Record[HubDraft]]:
        with self._sessions() as session:
            return [
                Record(h.id, h.version, hub_draft(h), h.name, h.area, len(h.rooms))
                for h in session.scalars(
                    select(Hub)
                    .order_by(Hub.name)
                    .options(selectinload(Hub.opening_hours), selectinload(Hub.exceptions), selectinload(Hub.rooms))
                )
            ]

    def hub(self, hub_id: int) -> Record[HubDraft]:
        with self._sessions() as session:
            h = self._get(session, Hub, hub_id, "hub")
            return Record(h.id, h.version, hub_draft(h), h.name, h.area, len(h.rooms))

    def add_hub(self, draft: HubDraft) -> Record[HubDraft]:
        def do(session: Session) -> Record[HubDraft]:
            errors = self._validate_hub(session, draft, None)
            if errors:
                raise InvalidReference(errors)
            hub = Hub()
            self._fill_hub(hub, draft)
            session.add(hub)
            session.flush()
            self._audit(session, "add-hub", "hub", hub.id, f"Added hub {hub.name}", None, draft)
            return Record(hub.id, hub.version, hub_draft(hub), hub.name, hub.area)

        return self._change(do, draft.name)

    def edit_hub(self, hub_id: int, version: int, draft: HubDraft, *, confirm: bool = False) -> Record[HubDraft]:
        def do(session: Session) -> Record[HubDraft]:
            hub = self._get(session, Hub, hub_id, "hub")
            self._check_version(hub, version, hub.name)
            errors = self._validate_hub(session, draft, hub_id)
            if errors:
                raise InvalidReference(errors)
            before = hub_draft(hub)
            room_ids = [r.id for r in hub.rooms]
            future = self._future(session, room_ids)
            if draft.retired and not before.retired:
                self._guard(f"Retiring {hub.name}", future, confirm)
            elif sorted(before.hours, key=_order) != sorted(draft.hours, key=_order) or set(before.exceptions) != set(
                draft.exceptions
            ):
                closed = [
                    o
                    for o in future
                    if _inside(before.hours, before.exceptions, o) and not _inside(draft.hours, draft.exceptions, o)
                ]
                self._guard(f"Changing the opening hours of {hub.name}", closed, confirm)
            # Retiring a hub retires its rooms; the audit entry remembers which (and whether each was bookable),
            # so that un-retiring brings back those rooms and leaves rooms retired on their own retired.
            with_hub = [{"room_id": r.id, "bookable": r.bookable} for r in hub.rooms if not r.retired]
            back = self._retired_with(session, hub) if before.retired and not draft.retired else []
            self._fill_hub(hub, draft)
            for room_id, bookable in back:
                room = session.get(Room, room_id)
                if room is not None and room.hub_id == hub.id and room.retired:
                    room.retired, room.bookable = False, bookable
                    flag_modified(room, "name")
            flag_modified(hub, "name")  # children changed: the version must still move
            session.flush()
            after: Any = draft
            summary = f"Edited hub {hub.name}"
            if draft.retired and not before.retired:
                after = {**jsonable(draft), "rooms_retired_with_hub": with_hub}
                summary = f"Retired hub {hub.name} and its {len(with_hub)} room(s) in use"
            elif back:
                summary = f"Brought hub {hub.name} back, with the {len(back)} room(s) retired with it"
            self._audit(session, "edit-hub", "hub", hub.id, summary, before, after)
            return Record(hub.id, hub.version, hub_draft(hub), hub.name, hub.area, len(hub.rooms))

        return self._change(do, draft.name)

    @staticmethod
    def _retired_with(session: Session, hub: Hub) -> list[tuple[int, bool]]:
        """(room id, was bookable) of the rooms retired together with `hub`, from its last retirement."""
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "edit-hub", AuditEntry.entity == "hub", AuditEntry.entity_id == hub.id)
            .order_by(AuditEntry.id.desc())
        )
        for entry in entries:
            if isinstance(entry.after, dict) and "rooms_retired_with_hub" in entry.after:
                return [(int(r["room_id"]), bool(r["bookable"])) for r in entry.after["rooms_retired_with_hub"]]
        return []

    @staticmethod
    def _fill_hub(hub: Hub, draft: HubDraft) -> None:
        hub.name = draft.name.strip()
        hub.area = draft.area.strip()
        hub.address = draft.address.strip()
        hub.postcode = draft.postcode.strip().upper()
        hub.latitude = draft.latitude
        hub.longitude = draft.longitude
        if draft.retired and not hub.retired:
            for room in hub.rooms:  # a retired hub's rooms take no more bookings
                room.retired, room.bookable = True, False
        hub.retired = draft.retired
        hub.opening_hours = [
            OpeningHours(weekday=w.weekday, opens=w.opens, closes=w.closes) for w in sorted(draft.hours, key=_order)
        ]
        hub.exceptions = [
            OpeningException(
                first_day=e.first_day,
                last_day=e.last_day,
                weekday=e.weekday,
                opens=e.opens,
                closes=e.closes,
                note=e.note,
            )
            for e in draft.exceptions
        ]

    def delete_hub(self, hub_id: int) -> None:
        """Only a hub with no rooms and no request naming it; otherwise retire it."""

        def do(session: Session) -> None:
            hub = self._get(session, Hub, hub_id, "hub")
            requests = session.scalar(select(func.count()).select_from(RequestHub).where(RequestHub.hub_id == hub_id))
            if hub.rooms or requests:
                raise InUse(
                    f"{hub.name} has {len(hub.rooms)} room(s) and {requests} request(s) naming it; retire it instead"
                )
            before = hub_draft(hub)
            session.delete(hub)
            self._audit(session, "delete-hub", "hub", hub_id, f"Deleted hub {before.name}", before, None)

        self._change(do, "the hub")

    # --- rooms ---------------------------------------------------------------------------------------------

    def validate_room(self, draft: RoomDraft, room_id: int | None = None) -> dict[str, str]:
        with self._sessions() as session:
            return self._validate_room(session, draft, room_id)

    def _validate_room(self, session: Session, draft: RoomDraft, room_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        hub = session.get(Hub, draft.hub_id)
        if hub is None:
            errors["hub"] = "Choose the room's hub."
        if not draft.name.strip():
            errors["name"] = "Give the room a name."
        elif hub is not None:
            clash = [r for r in hub.rooms if r.name.lower() == draft.name.strip().lower() and r.id != room_id]
            if clash:
                errors["name"] = f"{hub.name} already has a room called {draft.name.strip()}."
        if draft.capacity < 1:
            errors["capacity"] = "Capacity must be at least 1."
        elif draft.capacity > 2000:
            errors["capacity"] = "Capacity is at most 2000 people."
        known = set(session.scalars(select(FacilityEntity.key)))
        unknown = [k for k in draft.facility_keys if k not in known]
        if unknown:
            errors["facilities"] = (
                f"Unknown facility: {', '.join(unknown)} (known: {', '.join(sorted(known)) or 'none'})."
            )
        return errors

    def _room_record(self, session: Session, room: Room, used: int | None = None) -> Record[RoomDraft]:
        if used is None:
            used = session.scalar(select(func.count()).select_from(Series).where(Series.room_id == room.id)) or 0
        return Record(room.id, room.version, room_draft(room), f"{room.name}, {room.hub.name}", room.hub.name, used)

    def rooms(self, hub_id: int | None = None) -> list[Record[RoomDraft]]:
        query = (
            select(Room)
            .join(Room.hub)
            .order_by(Hub.name, Room.name)
            .options(selectinload(Room.facilities), selectinload(Room.hub))
        )
        if hub_id is not None:
            query = query.where(Room.hub_id == hub_id)
        with self._sessions() as session:
            # How many series each room has, in one query rather than one per room.
            counts = session.execute(select(Series.room_id, func.count()).group_by(Series.room_id))
            used = {room_id: count for room_id, count in counts}
            return [self._room_record(session, r, used.get(r.id, 0)) for r in session.scalars(query)]

    def room(self, room_id: int) -> Record[RoomDraft]:
        with self._sessions() as session:
            return self._room_record(session, self._get(session, Room, room_id, "room"))

    def add_room(self, draft: RoomDraft) -> Record[RoomDraft]:
        def do(session: Session) -> Record[RoomDraft]:
            errors = self._validate_room(session, draft, None)
            if errors:
                raise InvalidReference(errors)
            room = Room()
            session.add(room)
            with session.no_autoflush:
                self._fill_room(session, room, draft)
            session.flush()
            self._audit(session, "add-room", "room", room.id, f"Added room {room.name}, {room.hub.name}", None, draft)
            return self._room_record(session, room)

        return self._change(do, draft.name)

    def edit_room(self, room_id: int, version: int, draft: RoomDraft, *, confirm: bool = False) -> Record[RoomDraft]:
        def do(session: Session) -> Record[RoomDraft]:
            room = self._get(session, Room, room_id, "room")
            label = f"{room.name}, {room.hub.name}"
            self._check_version(room, version, label)
            errors = self._validate_room(session, draft, room_id)
            if errors:
                raise InvalidReference(errors)
            before = room_draft(room)
            future = self._future(session, [room.id])
            if draft.hub_id != before.hub_id and session.scalar(
                select(func.count()).select_from(Series).where(Series.room_id == room.id)
            ):
                raise InvalidReference({"hub": f"{label} has bookings; it cannot move to another hub."})
            if draft.retired and not before.retired:
                self._guard(f"Retiring {label}", future, confirm)
            elif not draft.bookable and before.bookable:
                self._guard(f"Making {label} staff-only", future, confirm)
            else:
                removed = set(before.facility_keys) - set(draft.facility_keys)
                affected = [
                    o
                    for o in future
                    if o.series.attendance > draft.capacity
                    or (o.series.request and removed & {f.key for f in o.series.request.facilities})
                    or (before.step_free and not draft.step_free and o.series.request and o.series.request.step_free)
                ]
                self._guard(f"Changing {label}", affected, confirm)
            self._fill_room(session, room, draft)
            flag_modified(room, "name")
            session.flush()
            self._audit(session, "edit-room", "room", room.id, f"Edited room {label}", before, draft)
            return self._room_record(session, room)

        return self._change(do, draft.name)

    @staticmethod
    def _fill_room(session: Session, room: Room, draft: RoomDraft) -> None:
        with session.no_autoflush:  # one flush, so the version moves by one
            ReferenceService._fill_room_fields(session, room, draft)

    @staticmethod
    def _fill_room_fields(session: Session, room: Room, draft: RoomDraft) -> None:
        room.hub = session.get(Hub, draft.hub_id)
        room.name = draft.name.strip()
        room.capacity = draft.capacity
        room.step_free = draft.step_free
        # The booking rules and the allocation look at `bookable`: a retired room is never bookable.
        room.bookable = draft.bookable and not draft.retired
        room.retired = draft.retired
        room.facilities = list(
            session.scalars(select(FacilityEntity).where(FacilityEntity.key.in_(draft.facility_keys)))
        )

    def delete_room(self, room_id: int) -> None:
        """Only a room that never had a session; otherwise retire it."""

        def do(session: Session) -> None:
            room = self._get(session, Room, room_id, "room")
            used = session.scalar(select(func.count()).select_from(Series).where(Series.room_id == room_id))
            used += session.scalar(
                select(func.count()).select_from(OccurrenceEntity).where(OccurrenceEntity.room_id == room_id)
            )
            if used:
                raise InUse(f"{room.name}, {room.hub.name} has sessions; a room with sessions is retired, not deleted")
            before = room_draft(room)
            label = f"{room.name}, {room.hub.name}"
            session.delete(room)
            self._audit(session, "delete-room", "room", room_id, f"Deleted room {label}", before, None)

        self._change(do, "the room")

    # --- facilities ----------------------------------------------------------------------------------------

    def facilities(self) -> list[Record[FacilityDraft]]:
        with self._sessions() as session:
            out = []
            for f in session.scalars(select(FacilityEntity).order_by(FacilityEntity.name)):
                rooms = session.scalar(
                    select(func.count()).select_from(room_facilities).where(room_facilities.c.facility_id == f.id)
                )
                # Facilities have no version column: the key is their identity and the name all there is.
                out.append(Record(f.id, 1, FacilityDraft(f.key, f.name), f.name, f.key, rooms or 0))
            return out

    def add_facility(self, draft: FacilityDraft) -> Record[FacilityDraft]:
        def do(session: Session) -> Record[FacilityDraft]:
            key = draft.key.strip() or _key_of(draft.name)
            errors: dict[str, str] = {}
            if not draft.name.strip():
                errors["name"] = "Give the facility a name."
            else:
                self._unique(session, FacilityEntity, draft.name, None, errors, "facility")
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key):
                errors["key"] = "A key is lower-case letters, digits and dashes, e.g. hearing-loop."
            elif session.scalar(select(FacilityEntity.id).where(FacilityEntity.key == key)):
                errors["key"] = f"There is already a facility with key {key}."
            if errors:
                raise InvalidReference(errors)
            facility = FacilityEntity(key=key, name=draft.name.strip())
            session.add(facility)
            session.flush()
            self._audit(
                session, "add-facility", "facility", facility.id, f"Added facility {facility.name}", None, draft
            )
            return Record(facility.id, 1, FacilityDraft(key, facility.name), facility.name, key)

        return self._change(do, draft.name)

    def rename_facility(self, facility_id: int, name: str) -> Record[FacilityDraft]:
        def do(session: Session) -> Record[FacilityDraft]:
            facility = self._get(session, FacilityEntity, facility_id, "facility")
            errors: dict[str, str] = {}
            if not name.strip():
                errors["name"] = "Give the facility a name."
            else:
                self._unique(session, FacilityEntity, name, facility_id, errors, "facility")
            if errors:
                raise InvalidReference(errors)
            before = FacilityDraft(facility.key, facility.name)
            facility.name = name.strip()
            self._audit(
                session, "edit-facility", "facility", facility.id, f"Renamed facility {before.name}", before,
                FacilityDraft(facility.key, facility.name),
            )  # fmt: skip
            return Record(facility.id, 1, FacilityDraft(facility.key, facility.name), facility.name, facility.key)

        return self._change(do, name)

    def delete_facility(self, facility_id: int, *, confirm: bool = False) -> None:
        """Removes the facility from rooms (asking first when booked sessions need it); refused if requests ask."""

        def do(session: Session) -> None:
            facility = self._get(session, FacilityEntity, facility_id, "facility")
            asked = session.scalar(
                select(func.count())
                .select_from(request_facilities)
                .where(request_facilities.c.facility_id == facility_id)
            )
            if asked:
                raise InUse(f"{asked} request(s) ask for {facility.name}; change them first")
            room_ids = list(
                session.scalars(select(room_facilities.c.room_id).where(room_facilities.c.facility_id == facility_id))
            )
            affected = [
                o
                for o in self._future(session, room_ids)
                if o.series.request and facility.key in {f.key for f in o.series.request.facilities}
            ]
            self._guard(f"Removing {facility.name}", affected, confirm)
            before = FacilityDraft(facility.key, facility.name)
            for room in session.scalars(select(Room).where(Room.id.in_(room_ids))):
                room.facilities = [f for f in room.facilities if f.id != facility_id]
            session.flush()
            session.delete(facility)
            self._audit(
                session, "delete-facility", "facility", facility_id, f"Deleted facility {before.name}", before, None
            )

        self._change(do, "the facility")

    # --- organisations -------------------------------------------------------------------------------------

    def _validate_organisation(self, session: Session, draft: OrganisationDraft, org_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not draft.name.strip():
            errors["name"] = "Give the organisation a name."
        else:
            self._unique(session, Organisation, draft.name, org_id, errors, "organisation")
        if not 1 <= draft.default_priority <= 5:
            errors["default_priority"] = "Priority is 1 (low) to 5 (high)."
        for contact in draft.contacts:
            if not contact.name.strip():
                errors["contacts"] = "Each contact needs a name."
            elif contact.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact.email.strip()):
                errors["contacts"] = f"{contact.email} is not an email address."
        return errors

    def validate_organisation(self, draft: OrganisationDraft, org_id: int | None = None) -> dict[str, str]:
        with self._sessions() as session:
            return self._validate_organisation(session, draft, org_id)

    def _org_record(self, session: Session, org: Organisation) -> Record[OrganisationDraft]:
        used = session.scalar(select(func.count()).select_from(Request).where(Request.organisation_id == org.id))
        used += session.scalar(select(func.count()).select_from(Series).where(Series.organisation_id == org.id))
        merged = session.get(Organisation, org.merged_into_id).name if org.merged_into_id else ""
        return Record(org.id, org.version, organisation_draft(org), org.name, merged and f"merged into {merged}", used)

    def organisations(self, *, active_only: bool = False) -> list[Record[OrganisationDraft]]:
        query = select(Organisation).order_by(Organisation.name)
        if active_only:
            query = query.where(Organisation.active.is_(True))
        with self._sessions() as session:
            return [self._org_record(session, o) for o in session.scalars(query)]

    def organisation(self, org_id: int) -> Record[OrganisationDraft]:
        with self._sessions() as session:
            return self._org_record(session, self._get(session, Organisation, org_id, "organisation"))

    def add_organisation(self, draft: OrganisationDraft) -> Record[OrganisationDraft]:
        def do(session: Session) -> Record[OrganisationDraft]:
            errors = self._validate_organisation(session, draft, None)
            if errors:
                raise InvalidReference(errors)
            org = Organisation()
            self._fill_organisation(org, draft)
            session.add(org)
            session.flush()
            self._audit(
                session, "add-organisation", "organisation", org.id, f"Added organisation {org.name}", None,
                _without_contacts(draft),
            )  # fmt: skip
            return self._org_record(session, org)

        return self._change(do, draft.name)

    def edit_organisation(
        self, org_id: int, version: int, draft: OrganisationDraft, *, confirm: bool = False
    ) -> Record[OrganisationDraft]:
        def do(session: Session) -> Record[OrganisationDraft]:
            org = self._get(session, Organisation, org_id, "organisation")
            self._check_version(org, version, org.name)
            errors = self._validate_organisation(session, draft, org_id)
            if errors:
                raise InvalidReference(errors)
            before = organisation_draft(org)
            if before.active and not draft.active:
                future = [
                    o
                    for o in self._future(session, [r.id for r in session.scalars(select(Room))])
                    if o.series.organisation_id == org_id
                ]
                self._guard(f"Making {org.name} inactive", future, confirm)
            self._fill_organisation(org, draft)
            flag_modified(org, "name")
            session.flush()
            self._audit(
                session, "edit-organisation", "organisation", org.id, f"Edited organisation {org.name}",
                _without_contacts(before), _without_contacts(draft),
            )  # fmt: skip
            return self._org_record(session, org)

        return self._change(do, draft.name)

    @staticmethod
    def _fill_organisation(org: Organisation, draft: OrganisationDraft) -> None:
        org.name = draft.name.strip()
        org.sector = draft.sector
        org.default_priority = draft.default_priority
        org.notes = draft.notes
        org.active = draft.active
        org.contacts = [
            Contact(
                name=c.name.strip(),
                role=c.role.strip(),
                email=c.email.strip(),
                phone=c.phone.strip(),
                receives_notices=c.receives_notices,
            )
            for c in draft.contacts
        ]

    def delete_organisation(self, org_id: int) -> None:
        """Only one nothing refers to (a mistaken "New organisation…"); otherwise make it inactive or merge it."""

        def do(session: Session) -> None:
            org = self._get(session, Organisation, org_id, "organisation")
            record = self._org_record(session, org)
            if record.in_use:
                raise InUse(f"{org.name} has {record.in_use} request(s) or booking(s); make it inactive or merge it")
            before = organisation_draft(org)
            session.delete(org)
            self._audit(
                session, "delete-organisation", "organisation", org_id, f"Deleted organisation {before.name}",
                _without_contacts(before), None,
            )  # fmt: skip

        self._change(do, "the organisation")

    def merge_organisations(self, source_id: int, target_id: int) -> MergeResult:
        """Move everything of `source` (requests, bookings, contacts, teams) to `target`; `source` goes inactive."""

        def do(session: Session) -> MergeResult:
            if source_id == target_id:
                raise InvalidReference({"merge": "Choose two different organisations to merge."})
            source = self._get(session, Organisation, source_id, "organisation")
            target = self._get(session, Organisation, target_id, "organisation")
            if source.merged_into_id is not None:
                raise InvalidReference({"merge": f"{source.name} was already merged into another organisation."})
            requests = list(session.scalars(select(Request).where(Request.organisation_id == source_id)))
            series = list(session.scalars(select(Series).where(Series.organisation_id == source_id)))
            contacts = list(source.contacts)
            teams = [t for t in session.scalars(select(Team)) if source in t.organisations]
            for r in requests:
                r.organisation = target
            for s in series:
                s.organisation = target
                s.updated_at = now_utc()
            for c in contacts:
                c.organisation = target  # re-parented, not orphaned: the contact row is kept
            moved_teams = []
            for t in teams:
                t.organisations = [o for o in t.organisations if o.id != source_id]
                if target not in t.organisations:
                    t.organisations.append(target)
                    moved_teams.append(t.id)
            for token in session.scalars(
                select(FeedToken).where(FeedToken.organisation_id == source_id, FeedToken.revoked_at.is_(None))
            ):
                token.revoked_at = now_utc()  # its feed would now be empty; the target's feed has the sessions
            source.active = False
            source.merged_into_id = target.id
            session.flush()
            result = MergeResult(
                source_id,
                target_id,
                tuple(r.id for r in requests),
                tuple(s.id for s in series),
                tuple(c.id for c in contacts),
                tuple(moved_teams),
                f"Merged {source.name} into {target.name}: {len(requests)} request(s), {len(series)} booking(s), "
                f"{len(contacts)} contact(s) moved",
            )
            self._audit(session, "merge-organisation", "organisation", source_id, result.summary, None, result)
            return result

        return self._change(do, "the organisation")

    def unmerge_organisations(self, merge: MergeResult) -> None:
        """Undo `merge`: the moved requests, bookings, contacts and teams go back; the source is active again."""

        def do(session: Session) -> None:
            source = self._get(session, Organisation, merge.source_id, "organisation")
            target = self._get(session, Organisation, merge.target_id, "organisation")
            for r in session.scalars(select(Request).where(Request.id.in_(merge.request_ids))):
                r.organisation = source
            for s in session.scalars(select(Series).where(Series.id.in_(merge.series_ids))):
                s.organisation = source
                s.updated_at = now_utc()
            for c in session.scalars(select(Contact).where(Contact.id.in_(merge.contact_ids))):
                c.organisation = source
            for t in session.scalars(select(Team).where(Team.id.in_(merge.team_ids))):
                t.organisations = [o for o in t.organisations if o.id != target.id] + [source]
            source.active = True
            source.merged_into_id = None
            session.flush()
            self._audit(
                session, "unmerge-organisation", "organisation", source.id,
                f"Undid the merge of {source.name} into {target.name}", merge, None,
            )  # fmt: skip

        self._change(do, "the organisation")

    # --- teams (shared people) -------------------------------------------------------------------------------

    def _validate_team(self, session: Session, draft: TeamDraft, team_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not draft.name.strip():
            errors["name"] = "Give the person or team a name."
        else:
            self._unique(session, Team, draft.name, team_id, errors, "person or team")
        if any(session.get(Organisation, o) is None for o in draft.organisation_ids):
            errors["organisations"] = "Unknown organisation."
        return errors

    def _team_record(self, session: Session, team: Team) -> Record[TeamDraft]:
        used = session.scalar(select(func.count()).select_from(request_teams).where(request_teams.c.team_id == team.id))
        used += session.scalar(select(func.count()).select_from(series_teams).where(series_teams.c.team_id == team.id))
        return Record(
            team.id, team.version, team_draft(team), team.name, ", ".join(o.name for o in team.organisations), used
        )

    def teams(self) -> list[Record[TeamDraft]]:
        with self._sessions() as session:
            return [self._team_record(session, t) for t in session.scalars(select(Team).order_by(Team.name))]

    def add_team(self, draft: TeamDraft) -> Record[TeamDraft]:
        def do(session: Session) -> Record[TeamDraft]:
            errors = self._validate_team(session, draft, None)
            if errors:
                raise InvalidReference(errors)
            team = Team()
            self._fill_team(session, team, draft)
            session.add(team)
            session.flush()
            self._audit(session, "add-team", "team", team.id, f"Added {team.name}", None, draft)
            return self._team_record(session, team)

        return self._change(do, draft.name)

    def edit_team(self, team_id: int, version: int, draft: TeamDraft, *, confirm: bool = False) -> Record[TeamDraft]:
        def do(session: Session) -> Record[TeamDraft]:
            team = self._get(session, Team, team_id, "person or team")
            self._check_version(team, version, team.name)
            errors = self._validate_team(session, draft, team_id)
            if errors:
                raise InvalidReference(errors)
            before = team_draft(team)
            if draft.retired and not before.retired:
                future = [
                    o
                    for o in self._future(session, [r.id for r in session.scalars(select(Room))])
                    if team in o.series.teams
                ]
                self._guard(f"Retiring {team.name}", future, confirm)
            self._fill_team(session, team, draft)
            flag_modified(team, "name")
            session.flush()
            self._audit(session, "edit-team", "team", team.id, f"Edited {team.name}", before, draft)
            return self._team_record(session, team)

        return self._change(do, draft.name)

    @staticmethod
    def _fill_team(session: Session, team: Team, draft: TeamDraft) -> None:
        team.name = draft.name.strip()
        team.description = draft.description
        team.retired = draft.retired
        team.organisations = [session.get(Organisation, o) for o in draft.organisation_ids]

    def delete_team(self, team_id: int) -> None:
        def do(session: Session) -> None:
            team = self._get(session, Team, team_id, "person or team")
            if self._team_record(session, team).in_use:
                raise InUse(f"requests or bookings need {team.name}; retire it instead")
            before = team_draft(team)
            session.delete(team)
            self._audit(session, "delete-team", "team", team_id, f"Deleted {before.name}", before, None)

        self._change(do, "the team")

    # --- terms -----------------------------------------------------------------------------------------------

    def _validate_term(self, session: Session, draft: TermDraft, term_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not draft.name.strip():
            errors["name"] = "Give the term a name."
        else:
            self._unique(session, Term, draft.name, term_id, errors, "term")
        if draft.first_day > draft.last_day:
            errors["dates"] = "The term must end on or after its first day."
        for b in draft.breaks:
            if b.first_day > b.last_day:
                errors["breaks"] = f"{b.name} must end on or after its first day."
            elif not (draft.first_day <= b.first_day and b.last_day <= draft.last_day):
                errors["breaks"] = f"{b.name} ({b.first_day:%d %b}–{b.last_day:%d %b %Y}) is outside the term."
        if draft.follows_id is not None:
            follows = session.get(Term, draft.follows_id)
            if follows is None or follows.id == term_id:
                errors["follows"] = "Choose another term for this one to follow."
            elif follows.last_day >= draft.first_day:
                errors["follows"] = f"{follows.name} does not end before this term starts."
        return errors

    def _term_record(self, session: Session, term: Term) -> Record[TermDraft]:
        used = session.scalar(select(func.count()).select_from(Request).where(Request.term_id == term.id))
        used += session.scalar(select(func.count()).select_from(Series).where(Series.term_id == term.id))
        follows = term.follows.name if term.follows else ""
        return Record(term.id, term.version, term_draft(term), term.name, follows and f"follows {follows}", used)

    def terms(self) -> list[Record[TermDraft]]:
        with self._sessions() as session:
            return [self._term_record(session, t) for t in session.scalars(select(Term).order_by(Term.first_day))]

    def add_term(self, draft: TermDraft) -> Record[TermDraft]:
        def do(session: Session) -> Record[TermDraft]:
            errors = self._validate_term(session, draft, None)
            if errors:
                raise InvalidReference(errors)
            term = Term()
            self._fill_term(term, draft)
            session.add(term)
            session.flush()
            self._audit(session, "add-term", "term", term.id, f"Added term {term.name}", None, draft)
            return self._term_record(session, term)

        return self._change(do, draft.name)

    def edit_term(self, term_id: int, version: int, draft: TermDraft, *, confirm: bool = False) -> Record[TermDraft]:
        def do(session: Session) -> Record[TermDraft]:
            term = self._get(session, Term, term_id, "term")
            self._check_version(term, version, term.name)
            errors = self._validate_term(session, draft, term_id)
            if errors:
                raise InvalidReference(errors)
            before = term_draft(term)
            series_ids = list(session.scalars(select(Series.id).where(Series.term_id == term_id)))
            future = [
                o
                for o in self._future(session, [r.id for r in session.scalars(select(Room))])
                if o.series_id in series_ids
            ]
            affected = []
            for o in future:
                day = o.recurrence_local.date()
                outside = not draft.first_day <= day <= draft.last_day
                in_break = not o.series.runs_in_breaks and any(b.first_day <= day <= b.last_day for b in draft.breaks)
                if outside or in_break:
                    affected.append(o)
            self._guard(f"Changing the dates of {term.name}", affected, confirm)
            self._fill_term(term, draft)
            flag_modified(term, "name")
            session.flush()
            self._audit(session, "edit-term", "term", term.id, f"Edited term {term.name}", before, draft)
            return self._term_record(session, term)

        return self._change(do, draft.name)

    @staticmethod
    def _fill_term(term: Term, draft: TermDraft) -> None:
        term.name = draft.name.strip()
        term.first_day = draft.first_day
        term.last_day = draft.last_day
        term.follows_id = draft.follows_id
        term.breaks = [TermBreak(name=b.name, first_day=b.first_day, last_day=b.last_day) for b in draft.breaks]

    def delete_term(self, term_id: int) -> None:
        """Only a term with no requests and no bookings."""

        def do(session: Session) -> None:
            term = self._get(session, Term, term_id, "term")
            if self._term_record(session, term).in_use:
                raise InUse(f"{term.name} has requests or bookings; it cannot be deleted")
            before = term_draft(term)
            for later in session.scalars(select(Term).where(Term.follows_id == term_id)):
                later.follows_id = None
            session.delete(term)
            self._audit(session, "delete-term", "term", term_id, f"Deleted term {before.name}", before, None)

        self._change(do, "the term")


def _order(w: HoursWindow) -> tuple[int, time]:
    return (w.weekday, w.opens)


def _without_contacts(draft: OrganisationDraft) -> dict[str, Any]:
    """The audit log keeps who changed an organisation, not its contacts' personal details."""
    data = jsonable(draft)
    data["contacts"] = len(draft.contacts)
    return data


def _inside(hours: tuple[HoursWindow, ...], exceptions: tuple[HoursException, ...], o: OccurrenceEntity) -> bool:
    start, end = to_local(o.start_utc), to_local(o.end_utc)
    if end.date() != start.date() and end.time() != time(0):
        return False
    end_t = time(23, 59, 59) if end.time() == time(0) and end.date() != start.date() else end.time()
    return any(opens <= start.time() and end_t <= closes for opens, closes in hours_on(hours, exceptions, start.date()))


__all__ = [
    "BreakDraft",
    "ContactDraft",
    "FacilityDraft",
    "HoursException",
    "HoursWindow",
    "HubDraft",
    "MergeResult",
    "OrganisationDraft",
    "Record",
    "ReferenceService",
    "RoomDraft",
    "TeamDraft",
    "TermDraft",
    "hours_on",
    "hours_text",
    "jsonable",
]
