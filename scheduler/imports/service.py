"""SpreadsheetService: templates, checked all-or-nothing imports and exports of requests, rooms, organisations.

Owns: writing templates (header row, data-validation lists from the borough's own hubs, facilities,
organisations and teams, and an instructions sheet); checking every row of a filled-in file and reporting
each problem as sheet, row, column: what is wrong and what would be accepted; applying all rows in one
transaction or none, and refusing to apply a check when the file or a record it matched changed since (each
check carries the file's digest and the id and version of every record its rows match); matching rows to
what exists so a second import updates rather than duplicates; exporting bookings, requests (with their
allocation result), rooms and organisations in the same columns, so that an export imports back unchanged.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from models.entities import Facility, Hub, Occurrence, Organisation, Request, RequestHub, Room, Series, Team, Term
from models.types import Frequency, OccurrenceStatus, RequestStatus, Sector, Visibility
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.imports import values
from scheduler.imports.columns import KINDS, REQUEST_RESULT_COLUMNS, SHEETS, Column
from scheduler.imports.workbook import Row, Sheet, UnreadableFile, read_sheet
from scheduler.recurrence import to_local, to_utc
from scheduler.services.common import audit, now_utc
from scheduler.services.reference import (
    ContactDraft,
    OrganisationDraft,
    ReferenceService,
    RoomDraft,
    jsonable,
    organisation_draft,
    room_draft,
)
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft, request_row

NTH = {"1": 1, "2": 2, "3": 3, "4": 4, "last": -1, "-1": -1, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
NTH_TEXT = {1: "1", 2: "2", 3: "3", 4: "4", -1: "last"}
# RequestService.validate's field names, and the column each problem belongs in.
REQUEST_FIELDS = {
    "title": "Title",
    "organisation": "Organisation",
    "attendance": "Size",
    "duration": "Duration",
    "priority": "Priority",
    "frequency": "Frequency",
    "nth": "Week of month",
    "public_title": "Public title",
    "hubs": "Acceptable hubs",
    "preferred_hubs": "Preferred hubs",
    "facilities": "Facilities",
    "teams": "Shared person",
    "windows": "Time windows",
}


@dataclass(frozen=True, order=True)
class Problem:
    sheet: str
    row: int
    column: str  # "C"
    heading: str  # "Organisation"
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}, row {self.row}, column {self.column} ({self.heading}): {self.message}"


@dataclass(frozen=True)
class PlannedRow:
    row: int
    action: str  # add, update, unchanged
    label: str
    detail: str = ""


@dataclass(frozen=True, order=True)
class Basis:
    """A stored record a row of the check was matched with (`record_id` None: none yet, the row adds it), at
    the version the check saw. Applying the check later refuses if any of these moved."""

    row: int
    kind: str  # request, room, organisation
    label: str
    record_id: int | None
    version: int | None


@dataclass(frozen=True)
class ImportCheck:
    kind: str
    file: str
    sheet: str
    problems: tuple[Problem, ...]
    rows: tuple[PlannedRow, ...]
    basis: tuple[Basis, ...] = ()
    digest: str = ""  # SHA-256 of the file as checked

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "update": 0, "unchanged": 0}
        for row in self.rows:
            out[row.action] = out.get(row.action, 0) + 1
        return out


class ImportRefused(InvalidInput):
    """The file has problems; nothing was imported. `check` holds every problem."""

    def __init__(self, check: ImportCheck):
        self.check = check
        first = check.problems[0]
        super().__init__(f"{check.file}: {len(check.problems)} problem(s), nothing imported; first: {first}")


@dataclass
class _Plan:
    sheet: str
    problems: list[Problem] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    actions: list[Callable[[Session], None]] = field(default_factory=list)
    basis: list[Basis] = field(default_factory=list)

    def matched(self, row: Row, kind: str, label: str, record: object | None) -> None:
        """Remember the record `row` matched (None: it adds one) at the version seen now."""
        self.basis.append(Basis(row.number, kind, label, getattr(record, "id", None), getattr(record, "version", None)))

    def problem(self, row: Row, heading: str, message: str) -> None:
        self.problems.append(Problem(self.sheet, row.number, row.column(heading), heading, message))


@dataclass(frozen=True)
class BookingFilter:
    first: date
    last: date
    hub_id: int | None = None
    room_id: int | None = None
    organisation_id: int | None = None
    per_series: bool = False


def _by_lower(names: Iterable[tuple[str, object]]) -> dict[str, object]:
    return {n.lower(): v for n, v in names}


class _Who(NamedTuple):
    """Whose change an import is, and the clock its audit entries are stamped with."""

    operator: str
    clock: Callable[[], datetime]


class SpreadsheetService:
    def __init__(
        self, sessions: sessionmaker[Session], operator: str, *, clock: Callable[[], datetime] = now_utc
    ) -> None:
        self._sessions = sessions
        self._operator = operator
        self._clock = clock
        self._who = _Who(operator, clock)

    # --- templates ---------------------------------------------------------------------------------------

    def template(self, kind: str, path: Path, term_id: int | None = None) -> int:
        """Write a template for `kind` with validation lists and an instructions sheet (.xlsx), or only the
        header row and rows (.csv). Returns the number of pre-filled rows.

        For requests with `term_id`: one row per series continuing from the previous term, its size
        suggested from recorded attendance, with the figure and its source in columns the import ignores.
        """
        columns = _columns(kind)
        rows: list[list[object]] = []
        instructions = list(INSTRUCTIONS.get(kind, []))
        if kind == "requests" and term_id is not None:
            from scheduler.imports.continuing import NOTE_COLUMNS, continuing_rows

            with self._sessions() as session:
                if session.get(Term, term_id) is None:
                    raise NotFound(f"no term with id {term_id}")
                earlier, found = continuing_rows(session, term_id)
            columns = (*columns, *NOTE_COLUMNS)
            rows = [r.cells for r in found]
            if earlier is not None:
                instructions.insert(
                    1,
                    f"The rows already filled in are the series that ran in {earlier} and are not yet booked "
                    "for the new term. Their Size is last term's median recorded attendance where attendance was "
                    "recorded (Size suggested from says so); change anything, or delete a row that does not "
                    "continue. Suggested size, Size suggested from and Last term are for reading: importing "
                    "ignores them.",
                )
        if path.suffix.lower() == ".csv":
            with path.open("w", newline="", encoding="utf-8-sig") as stream:
                writer = csv.writer(stream)
                writer.writerow([c.heading for c in columns])
                writer.writerows([["" if v is None else v for v in r] for r in rows])
            return len(rows)
        with self._sessions() as session:
            lists = {
                "hubs": list(session.scalars(select(Hub.name).where(Hub.retired.is_(False)).order_by(Hub.name))),
                "facilities": list(session.scalars(select(Facility.name).order_by(Facility.name))),
                "organisations": list(
                    session.scalars(
                        select(Organisation.name).where(Organisation.active.is_(True)).order_by(Organisation.name)
                    )
                ),
                "teams": list(session.scalars(select(Team.name).where(Team.retired.is_(False)).order_by(Team.name))),
            }
        _write_book(path, kind, columns, rows, lists, instructions)
        return len(rows)

    # --- import --------------------------------------------------------------------------------------------

    def check(self, kind: str, path: Path, term_id: int | None = None) -> ImportCheck:
        """Every problem in the file, and what importing it would do. Changes nothing."""
        digest = _digest(path)
        sheet = read_sheet(path, [c.heading for c in _columns(kind)], SHEETS[kind])
        with self._sessions() as session:
            plan = self._plan(session, kind, sheet, term_id, path.name)
            session.rollback()
        return _result(kind, path, plan, digest)

    def apply(
        self, kind: str, path: Path, term_id: int | None = None, *, checked: ImportCheck | None = None
    ) -> ImportCheck:
        """Check again and import every row in one transaction, or nothing (raises ImportRefused).

        `checked`: the check the user saw. Applying it is refused (StaleEdit, naming what changed, nothing
        written) when the file changed since, or when a record one of its rows matched was changed, added
        or removed by someone else meanwhile: what the check showed is what is imported, or nothing.
        """
        digest = _digest(path)
        if checked is not None and checked.digest and digest != checked.digest:
            raise StaleEdit(f"{path.name} changed since it was checked; nothing was imported: check it again")
        sheet = read_sheet(path, [c.heading for c in _columns(kind)], SHEETS[kind])
        with self._sessions.begin() as session:
            plan = self._plan(session, kind, sheet, term_id, path.name)
            result = _result(kind, path, plan, digest)
            if checked is not None:
                _refuse_if_changed(checked, result)
            if plan.problems:
                raise ImportRefused(result)
            for action in plan.actions:
                action(session)
            counts = result.counts()
            audit(
                session,
                self._operator,
                f"import-{kind}",
                kind,
                None,
                f"Imported {path.name}: {counts['add']} added, {counts['update']} updated, "
                f"{counts['unchanged']} unchanged",
                at=self._clock(),
            )
        return result

    def _plan(self, session: Session, kind: str, sheet: Sheet, term_id: int | None, file: str) -> _Plan:
        plan = _Plan(sheet.name)
        missing = [c.heading for c in _columns(kind) if c.required and c.heading not in sheet.headings]
        if missing:
            raise UnreadableFile(f"{file}, sheet {sheet.name}: the header row lacks the column(s) {', '.join(missing)}")
        if kind == "requests":
            if term_id is None or session.get(Term, term_id) is None:
                raise InvalidInput("say which term the requests are for (--term)")
            self._plan_requests(session, sheet, term_id, plan)
        elif kind == "rooms":
            self._plan_rooms(session, sheet, plan)
        else:
            self._plan_organisations(session, sheet, plan)
        plan.problems.sort(key=lambda p: (p.row, len(p.column), p.column))
        return plan

    # requests

    def _plan_requests(self, session: Session, sheet: Sheet, term_id: int, plan: _Plan) -> None:
        hubs = _by_lower((h.name, h) for h in session.scalars(select(Hub)))
        facilities = _by_lower((f.name, f.key) for f in session.scalars(select(Facility)))
        facility_names = sorted(f.name for f in session.scalars(select(Facility)))
        facilities.update(_by_lower((f.key, f.key) for f in session.scalars(select(Facility))))
        teams = _by_lower((t.name, t) for t in session.scalars(select(Team)))
        orgs = _by_lower((o.name, o) for o in session.scalars(select(Organisation)))
        org_names = [o.name for o in orgs.values()]
        team_names = [t.name for t in teams.values()]
        new_orgs: dict[str, Sector] = {}
        created: dict[str, Organisation] = {}
        seen: dict[tuple[str, str], int] = {}
        validator = RequestService(self._sessions, self._operator, clock=self._clock)
        placeholder = next(iter(orgs.values()), None)

        for row in sheet.rows:
            before = len(plan.problems)
            title = row.text("Title")
            if not title:
                plan.problem(row, "Title", "is empty; give the session a title")
            org_name = row.text("Organisation")
            sector = None
            if row.text("Sector"):
                try:
                    sector = Sector(row.text("Sector").lower())
                except ValueError:
                    plan.problem(
                        row, "Sector", f"{row.text('Sector')!r} is not a sector; use council, partner or resident"
                    )
            org = orgs.get(org_name.lower())
            if not org_name:
                plan.problem(row, "Organisation", "is empty; give the organisation asking")
            elif org is None and org_name.lower() not in new_orgs:
                if sector is None and row.text("Sector"):
                    pass  # the Sector cell is already reported; a valid sector would add the organisation
                elif sector is None:
                    plan.problem(
                        row,
                        "Organisation",
                        f"unknown organisation {org_name!r}{values.closest(org_name, org_names)}; "
                        "to add it, fill in its Sector",
                    )
                else:
                    new_orgs[org_name.lower()] = sector
            elif org is not None and sector is not None and Sector(org.sector) is not sector:
                plan.problem(row, "Sector", f"{org.name} is {org.sector.value}, not {sector.value}")

            def number(
                heading: str, what: str, low: int, high: int, default: int | None = None, row: Row = row
            ) -> int | None:
                raw = row.value(heading)
                if raw is None:
                    if default is None:
                        plan.problem(row, heading, f"is empty; give {what} ({low} to {high})")
                    return default
                try:
                    return values.parse_int(raw, what, low, high)
                except ValueError as exc:
                    plan.problem(row, heading, str(exc))
                    return None

            size = number("Size", "the expected attendance", 1, 2000)
            duration = number("Duration", "minutes per session", 15, 720)
            default_priority = org.default_priority if org is not None else 3
            priority = number("Priority", "the priority", 1, 5, default_priority)

            frequency = None
            freq_text = row.text("Frequency").lower()
            try:
                frequency = Frequency(freq_text)
                if frequency is Frequency.ONCE:
                    raise ValueError
            except ValueError:
                plan.problem(row, "Frequency", f"{freq_text or 'empty'!r} is not weekly, fortnightly or monthly")
                frequency = None
            nth = None
            if row.text("Week of month"):
                nth = NTH.get(row.text("Week of month").lower())
                if nth is None:
                    plan.problem(row, "Week of month", f"{row.text('Week of month')!r}: use 1, 2, 3, 4 or last")

            windows: list[WindowDraft] = []
            days: tuple[int, ...] = ()
            try:
                days = values.parse_weekdays(row.text("Weekdays"))
            except ValueError as exc:
                plan.problem(row, "Weekdays", str(exc))
            if days:
                try:
                    windows = _windows(row.text("Time windows"), days)
                except ValueError as exc:
                    plan.problem(row, "Time windows", str(exc))

            def hub_ids(heading: str, required: bool, row: Row = row) -> tuple[int, ...]:
                ids = []
                names = values.parse_list(row.value(heading))
                if required and not names:
                    plan.problem(row, heading, "is empty; name at least one hub")
                for name in names:
                    hub = hubs.get(name.lower())
                    if hub is None:
                        known = [h.name for h in hubs.values()]
                        plan.problem(
                            row,
                            heading,
                            f"unknown hub {name!r}{values.closest(name, known)}; "
                            f"known hubs: {', '.join(sorted(known))}",
                        )
                    else:
                        ids.append(hub.id)
                return tuple(dict.fromkeys(ids))

            acceptable = hub_ids("Acceptable hubs", True)
            preferred = hub_ids("Preferred hubs", False)
            keys = []
            for name in values.parse_list(row.value("Facilities")):
                key = facilities.get(name.lower())
                if key is None:
                    plan.problem(
                        row,
                        "Facilities",
                        f"unknown facility {name!r}{values.closest(name, facility_names)}; "
                        f"known: {', '.join(facility_names) or 'none'}",
                    )
                else:
                    keys.append(key)
            team_ids = []
            for name in values.parse_list(row.value("Shared person")):
                team = teams.get(name.lower())
                if team is None:
                    plan.problem(
                        row,
                        "Shared person",
                        f"unknown shared person or team {name!r}{values.closest(name, team_names)}",
                    )
                else:
                    team_ids.append(team.id)

            def flag(heading: str, default: bool, row: Row = row) -> bool:
                try:
                    return values.parse_bool(row.value(heading), default=default)
                except ValueError as exc:
                    plan.problem(row, heading, f"{exc}; use yes or no")
                    return default

            step_free = flag("Step-free", False)
            in_breaks = flag("Runs in half-term", False)
            visibility = Visibility.PUBLIC
            if row.text("Visibility"):
                try:
                    visibility = Visibility(row.text("Visibility").lower())
                except ValueError:
                    plan.problem(row, "Visibility", f"{row.text('Visibility')!r}: use public, generic or private")

            key = (org_name.lower(), title.lower())
            if title and org_name and key in seen:
                plan.problem(row, "Title", f"repeats row {seen[key]} (same organisation and title)")
            seen[key] = row.number
            if len(plan.problems) > before:
                continue

            org_id = org.id if org is not None else (placeholder.id if placeholder is not None else -1)
            draft = RequestDraft(
                term_id=term_id,
                organisation_id=org_id,
                title=title,
                attendance=size,
                duration_min=duration,
                windows=tuple(windows),
                acceptable_hub_ids=acceptable,
                preferred_hub_ids=preferred,
                frequency=frequency,
                nth=nth if frequency is Frequency.MONTHLY else None,
                public_title=row.text("Public title"),
                visibility=visibility,
                facility_keys=tuple(dict.fromkeys(keys)),
                team_ids=tuple(dict.fromkeys(team_ids)),
                step_free=step_free,
                priority=priority,
                runs_in_breaks=in_breaks,
            )
            # The same rules as the request form (RequestService), reported in this row's cells.
            errors = validator._validate(session, draft)
            if org is None:
                errors.pop("organisation", None)
            for name, message in errors.items():
                plan.problem(row, REQUEST_FIELDS.get(name, "Title"), message)
            if errors:
                continue

            notes = row.text("Notes")
            existing = None
            if org is not None:
                existing = session.scalar(
                    select(Request).where(
                        Request.term_id == term_id,
                        Request.organisation_id == org.id,
                        func.lower(Request.title) == title.lower(),
                    )
                )
            label = f"{title} ({org_name})"
            plan.matched(row, "request", label, existing)
            if org is None:
                plan.matched(row, "organisation", org_name, None)
            if existing is None:
                detail = "new organisation " + org_name if org is None else ""
                plan.rows.append(PlannedRow(row.number, "add", label, detail))
            else:
                current, _version = validator.draft_of(existing.id)
                same = _same_request(current, draft) and existing.notes == notes
                plan.rows.append(
                    PlannedRow(row.number, "unchanged" if same else "update", label, "" if same else "updates it")
                )
                if same:
                    continue
            plan.actions.append(
                _request_action(self._who, draft, existing.id if existing else None, org_name, new_orgs, created, notes)
            )

    # rooms

    def _plan_rooms(self, session: Session, sheet: Sheet, plan: _Plan) -> None:
        hubs = _by_lower((h.name, h) for h in session.scalars(select(Hub)))
        facilities = _by_lower((f.name, f.key) for f in session.scalars(select(Facility)))
        facilities.update(_by_lower((f.key, f.key) for f in session.scalars(select(Facility))))
        reference = ReferenceService(self._sessions, self._operator, self._clock)
        seen: dict[tuple[str, str], int] = {}
        for row in sheet.rows:
            before = len(plan.problems)
            hub = hubs.get(row.text("Hub").lower())
            if hub is None:
                known = [h.name for h in hubs.values()]
                plan.problem(
                    row,
                    "Hub",
                    f"unknown hub {row.text('Hub')!r}{values.closest(row.text('Hub'), known)}; "
                    f"known hubs: {', '.join(sorted(known)) or 'none yet (add hubs first)'}",
                )
            name = row.text("Room")
            if not name:
                plan.problem(row, "Room", "is empty; give the room's name")
            capacity = None
            try:
                capacity = values.parse_int(row.value("Capacity"), "capacity", 1, 2000)
            except ValueError as exc:
                plan.problem(row, "Capacity", str(exc))
            keys = []
            for item in values.parse_list(row.value("Facilities")):
                key = facilities.get(item.lower())
                if key is None:
                    plan.problem(row, "Facilities", f"unknown facility {item!r}{values.closest(item, facilities)}")
                else:
                    keys.append(key)
            flags = {}
            for heading, default in (("Step-free", True), ("Bookable", True), ("Retired", False)):
                try:
                    flags[heading] = values.parse_bool(row.value(heading), default=default)
                except ValueError as exc:
                    plan.problem(row, heading, f"{exc}; use yes or no")
            key = (row.text("Hub").lower(), name.lower())
            if name and key in seen:
                plan.problem(row, "Room", f"repeats row {seen[key]} (same hub and room)")
            seen[key] = row.number
            if len(plan.problems) > before or hub is None or capacity is None:
                continue
            draft = RoomDraft(
                hub.id,
                name,
                capacity,
                tuple(dict.fromkeys(keys)),
                flags["Step-free"],
                flags["Bookable"] and not flags["Retired"],
                flags["Retired"],
            )
            existing = next((r for r in hub.rooms if r.name.lower() == name.lower()), None)
            label = f"{name}, {hub.name}"
            plan.matched(row, "room", label, existing)
            if existing is None:
                plan.rows.append(PlannedRow(row.number, "add", label))
            else:
                current = room_draft(existing)
                if _same_room(current, draft):
                    plan.rows.append(PlannedRow(row.number, "unchanged", label))
                    continue
                over = [o for o in reference._future(session, [existing.id]) if o.series.attendance > draft.capacity]
                if over:
                    plan.problem(
                        row,
                        "Capacity",
                        f"{capacity} is less than {max(o.series.attendance for o in over)} expected at "
                        f"{len(over)} booked session(s); change it in Borough ▸ Administration, which lists them",
                    )
                    continue
                plan.rows.append(PlannedRow(row.number, "update", label, "updates it"))
            plan.actions.append(_room_action(self._who, draft, existing.id if existing else None))

    # organisations

    def _plan_organisations(self, session: Session, sheet: Sheet, plan: _Plan) -> None:
        orgs = _by_lower((o.name, o) for o in session.scalars(select(Organisation)))
        grouped: dict[str, list[tuple[Row, OrganisationDraft]]] = {}
        for row in sheet.rows:
            before = len(plan.problems)
            name = row.text("Name")
            if not name:
                plan.problem(row, "Name", "is empty; give the organisation's name")
            sector = None
            try:
                sector = Sector(row.text("Sector").lower())
            except ValueError:
                plan.problem(row, "Sector", f"{row.text('Sector') or 'empty'!r}: use council, partner or resident")
            priority = 3
            if row.value("Default priority") is not None:
                try:
                    priority = values.parse_int(row.value("Default priority"), "the priority", 1, 5)
                except ValueError as exc:
                    plan.problem(row, "Default priority", str(exc))
            active = True
            try:
                active = values.parse_bool(row.value("Active"), default=True)
            except ValueError as exc:
                plan.problem(row, "Active", f"{exc}; use yes or no")
            email = row.text("Contact email")
            if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                plan.problem(row, "Contact email", f"{email!r} is not an email address")
            if (email or row.text("Contact phone") or row.text("Contact role")) and not row.text("Contact name"):
                plan.problem(row, "Contact name", "is empty; a contact needs a name")
            if len(plan.problems) > before:
                continue
            contacts = (
                (ContactDraft(row.text("Contact name"), row.text("Contact role"), email, row.text("Contact phone")),)
                if row.text("Contact name")
                else ()
            )
            draft = OrganisationDraft(name, sector, priority, row.text("Notes"), active, contacts)
            grouped.setdefault(name.lower(), []).append((row, draft))
        for rows in grouped.values():
            first_row, first = rows[0]
            for row, draft in rows[1:]:
                for heading, attr in (
                    ("Sector", "sector"),
                    ("Default priority", "default_priority"),
                    ("Notes", "notes"),
                ):
                    if getattr(draft, attr) != getattr(first, attr):
                        plan.problem(row, heading, f"differs from row {first_row.number} for the same organisation")
            contacts = tuple(c for _, d in rows for c in d.contacts)
            existing = orgs.get(first.name.lower())
            draft = OrganisationDraft(
                existing.name if existing else first.name,
                first.sector,
                first.default_priority,
                first.notes,
                first.active,
                contacts if contacts else (organisation_draft(existing).contacts if existing else ()),
            )
            plan.matched(first_row, "organisation", first.name, existing)
            if existing is None:
                plan.rows.append(PlannedRow(first_row.number, "add", first.name))
            elif organisation_draft(existing) == draft:
                plan.rows.append(PlannedRow(first_row.number, "unchanged", first.name))
                continue
            else:
                if existing.active and not draft.active:
                    future = session.scalar(
                        select(func.count())
                        .select_from(Occurrence)
                        .join(Occurrence.series)
                        .where(
                            Series.organisation_id == existing.id,
                            Occurrence.start_utc >= now_utc(),
                            Occurrence.status != OccurrenceStatus.CANCELLED,
                        )
                    )
                    if future:
                        plan.problem(
                            first_row,
                            "Active",
                            f"{existing.name} has {future} booked session(s) to come; make it inactive in the app, "
                            "which lists them",
                        )
                        continue
                plan.rows.append(PlannedRow(first_row.number, "update", first.name, "updates it"))
            plan.actions.append(_organisation_action(self._who, draft, existing.id if existing else None))

    # --- export --------------------------------------------------------------------------------------------

    def export(
        self, kind: str, path: Path, *, term_id: int | None = None, bookings: BookingFilter | None = None
    ) -> int:
        """Write `kind` to .xlsx or .csv (by the file's suffix); returns the number of data rows."""
        with self._sessions() as session:
            if kind == "requests":
                if term_id is None or session.get(Term, term_id) is None:
                    raise InvalidInput("say which term's requests to export (--term)")
                headings, rows = self._export_requests(session, term_id)
            elif kind == "rooms":
                headings, rows = self._export_rooms(session)
            elif kind == "organisations":
                headings, rows = self._export_organisations(session)
            elif kind == "bookings":
                if bookings is None:
                    raise InvalidInput("give the dates of the bookings to export (--from, --to)")
                headings, rows = self._export_bookings(session, bookings)
            else:
                raise NotFound(f"unknown kind {kind!r}; use requests, rooms, organisations or bookings")
        if path.suffix.lower() == ".csv":
            with path.open("w", newline="", encoding="utf-8-sig") as stream:
                writer = csv.writer(stream)
                writer.writerow(headings)
                writer.writerows([["" if v is None else v for v in r] for r in rows])
        else:
            columns = [Column(h, False, "") for h in headings]
            if kind in KINDS:
                known = {c.heading: c for c in KINDS[kind]}
                columns = [known.get(h, Column(h, False, "", width=24)) for h in headings]
            _write_book(path, kind, columns, rows, None)
        return len(rows)

    def _export_requests(self, session: Session, term_id: int) -> tuple[list[str], list[list[object]]]:
        requests = session.scalars(
            select(Request)
            .where(Request.term_id == term_id)
            .options(selectinload(Request.windows), selectinload(Request.hubs).selectinload(RequestHub.hub))
            .order_by(Request.created_at, Request.id)
        )
        placed = {
            s.request_id: s
            for s in session.scalars(select(Series).where(Series.term_id == term_id, Series.cancelled.is_(False)))
            if s.request_id
        }
        headings = [c.heading for c in KINDS["requests"]] + list(REQUEST_RESULT_COLUMNS)
        rows = []
        for r in requests:
            series = placed.get(r.id)
            allocated = ""
            if series is not None:
                end = (series.start_local.hour * 60 + series.start_local.minute + series.duration_min) % 1440
                allocated = (
                    f"{series.room.name}, {series.room.hub.name}, {values.WEEKDAYS[series.weekday]} "
                    f"{series.start_local:%H:%M}-{end // 60:02d}:{end % 60:02d}"
                )
            rows.append([*request_cells(r), r.status.value, allocated or None, r.status_reason or None])
        return headings, rows

    def _export_rooms(self, session: Session) -> tuple[list[str], list[list[object]]]:
        rows = [
            [
                r.hub.name,
                r.name,
                r.capacity,
                ", ".join(f.name for f in r.facilities) or None,
                "yes" if r.step_free else "no",
                "yes" if r.bookable else "no",
                "yes" if r.retired else "no",
            ]
            for r in session.scalars(select(Room).join(Room.hub).order_by(Hub.name, Room.name))
        ]
        return [c.heading for c in KINDS["rooms"]], rows

    def _export_organisations(self, session: Session) -> tuple[list[str], list[list[object]]]:
        rows = []
        for o in session.scalars(select(Organisation).order_by(Organisation.name)):
            base = [o.name, o.sector.value, o.default_priority, "yes" if o.active else "no", o.notes or None]
            if not o.contacts:
                rows.append([*base, None, None, None, None])
            for c in o.contacts:
                rows.append([*base, c.name, c.role or None, c.email or None, c.phone or None])
        return [c.heading for c in KINDS["organisations"]], rows

    def _export_bookings(self, session: Session, f: BookingFilter) -> tuple[list[str], list[list[object]]]:
        if f.last < f.first:
            raise InvalidInput(f"--to {f.last} is before --from {f.first}")
        if f.per_series:
            query = (
                select(Series)
                .join(Series.room)
                .where(Series.first_date <= f.last, Series.last_date >= f.first, Series.cancelled.is_(False))
            )
            if f.hub_id:
                query = query.where(Room.hub_id == f.hub_id)
            if f.room_id:
                query = query.where(Series.room_id == f.room_id)
            if f.organisation_id:
                query = query.where(Series.organisation_id == f.organisation_id)
            headings = [
                "Hub", "Room", "Organisation", "Title", "Visibility", "Weekday", "Start", "Duration",
                "Frequency", "First date", "Last date", "Sessions", "Term",
            ]  # fmt: skip
            rows = []
            for s in session.scalars(query.order_by(Series.first_date, Series.start_local, Series.id)):
                live = sum(1 for o in s.occurrences if o.status != OccurrenceStatus.CANCELLED)
                rows.append(
                    [
                        s.room.hub.name, s.room.name, s.organisation.name, s.title, s.visibility.value,
                        values.WEEKDAYS[s.weekday], s.start_local.strftime("%H:%M"), s.duration_min,
                        s.frequency.value, s.first_date, s.last_date, live, s.term.name if s.term else None,
                    ]
                )  # fmt: skip
            return headings, rows
        start = to_local_bounds(f.first, f.last)
        query = (
            select(Occurrence)
            .join(Occurrence.series)
            .join(Occurrence.room)
            .where(Occurrence.start_utc >= start[0], Occurrence.start_utc < start[1])
        )
        if f.hub_id:
            query = query.where(Room.hub_id == f.hub_id)
        if f.room_id:
            query = query.where(Occurrence.room_id == f.room_id)
        if f.organisation_id:
            query = query.where(Series.organisation_id == f.organisation_id)
        headings = [
            "Date",
            "Start",
            "End",
            "Hub",
            "Room",
            "Organisation",
            "Title",
            "Visibility",
            "Attendance",
            "Status",
        ]
        rows = []
        for o in session.scalars(query.order_by(Occurrence.start_utc, Occurrence.room_id)):
            begin, end = to_local(o.start_utc), to_local(o.end_utc)
            rows.append(
                [
                    begin.date(), begin.strftime("%H:%M"), end.strftime("%H:%M"), o.room.hub.name, o.room.name,
                    o.series.organisation.name, o.series.title, o.series.visibility.value, o.series.attendance,
                    o.status.value,
                ]
            )  # fmt: skip
        return headings, rows


def request_cells(r: Request) -> list[object]:
    """A stored request in the request columns (KINDS["requests"]), as the import reads them back."""
    days = tuple(dict.fromkeys(w.weekday for w in r.windows))
    return [
        r.title,
        r.public_title or None,
        r.organisation.name,
        r.organisation.sector.value,
        r.attendance,
        r.duration_min,
        r.frequency.value,
        NTH_TEXT.get(r.nth) if r.nth else None,
        ", ".join(values.WEEKDAYS[d] for d in days),
        _windows_text(r.windows, days),
        ", ".join(sorted(h.hub.name for h in r.hubs)),
        ", ".join(sorted(h.hub.name for h in r.hubs if h.preferred)) or None,
        ", ".join(f.name for f in r.facilities) or None,
        "yes" if r.step_free else "no",
        r.visibility.value,
        ", ".join(t.name for t in r.teams) or None,
        r.priority,
        "yes" if r.runs_in_breaks else "no",
        r.notes or None,
    ]


def to_local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of `first` and after `last` (Europe/London)."""
    return to_utc(first, time(0)), to_utc(last + timedelta(days=1), time(0))


# --- helpers --------------------------------------------------------------------------------------------------


def _columns(kind: str) -> tuple[Column, ...]:
    if kind not in KINDS:
        raise NotFound(f"unknown kind {kind!r}; use requests, rooms or organisations")
    return KINDS[kind]


def _result(kind: str, path: Path, plan: _Plan, digest: str = "") -> ImportCheck:
    return ImportCheck(
        kind, path.name, plan.sheet, tuple(plan.problems), tuple(plan.rows), tuple(sorted(plan.basis)), digest
    )


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""  # read_sheet says why it cannot be read


def _refuse_if_changed(checked: ImportCheck, now: ImportCheck) -> None:
    """StaleEdit naming the first record (by row) that is not as the check saw it."""
    then_by = {(b.row, b.kind): b for b in checked.basis}
    now_by = {(b.row, b.kind): b for b in now.basis}
    for key in sorted(set(then_by) | set(now_by)):
        then, current = then_by.get(key), now_by.get(key)
        if then == current or (current is None and now.problems):
            continue  # a row with a problem now: ImportRefused reports it
        label = (then or current).label  # type: ignore[union-attr]
        if then is None or then.record_id is None:
            what = "was added by someone else"
        elif current is None or current.record_id is None:
            what = "was removed or renamed by someone else"
        elif current.record_id != then.record_id:
            what = "now matches another record"
        else:
            what = f"was changed by someone else (version {current.version}, the check saw {then.version})"
        raise StaleEdit(
            f"{checked.file}, row {key[0]}: {key[1]} {label} {what} after the check; nothing was imported: "
            "check the file again"
        )


def _windows(text: str, days: tuple[int, ...]) -> list[WindowDraft]:
    """'09:00-12:00; 13:00-17:00' for every listed day, or 'Mon 09:00-12:00; Wed 13:00-17:00' per day."""
    if not text.strip():
        raise ValueError("is empty; give at least one time window, e.g. 09:00-12:00")
    out: list[WindowDraft] = []
    for part in [p.strip() for p in re.split(r";", text) if p.strip()]:
        if re.match(r"[A-Za-z]", part):
            for day, start, end in values.parse_hours(part):
                if day not in days:
                    raise ValueError(f"{values.WEEKDAYS[day]} is not among the Weekdays")
                out.append(WindowDraft(day, start, end))
        else:
            for chunk in [c for c in part.split(",") if c.strip()]:
                start, end = values.parse_window(chunk)
                out.extend(WindowDraft(day, start, end) for day in days)
    return sorted(set(out), key=lambda w: (w.weekday, w.start))


def _windows_text(windows, days: tuple[int, ...]) -> str:
    spans = {(w.start, w.end) for w in windows}
    if all({(w.start, w.end) for w in windows if w.weekday == d} == spans for d in days):
        return "; ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in sorted(spans))
    return "; ".join(f"{values.WEEKDAYS[w.weekday]} {w.start:%H:%M}-{w.end:%H:%M}" for w in windows)


def _same_request(current: RequestDraft, new: RequestDraft) -> bool:
    def norm(d: RequestDraft) -> tuple:
        return (
            d.title, d.attendance, d.duration_min, tuple(sorted((w.weekday, w.start, w.end) for w in d.windows)),
            tuple(sorted(d.acceptable_hub_ids)), tuple(sorted(d.preferred_hub_ids)), d.frequency, d.nth,
            d.public_title, d.visibility, tuple(sorted(d.facility_keys)), tuple(sorted(d.team_ids)), d.step_free,
            d.priority, d.runs_in_breaks,
        )  # fmt: skip

    return norm(current) == norm(new)


def _same_room(current: RoomDraft, new: RoomDraft) -> bool:
    return (
        current.name == new.name
        and current.capacity == new.capacity
        and sorted(current.facility_keys) == sorted(new.facility_keys)
        and current.step_free == new.step_free
        and current.bookable == new.bookable
        and current.retired == new.retired
    )


def _request_action(
    who: _Who,
    draft: RequestDraft,
    existing_id: int | None,
    org_name: str,
    new_orgs: dict[str, Sector],
    created: dict[str, Organisation],
    notes: str,
) -> Callable[[Session], None]:
    def act(session: Session) -> None:
        nonlocal draft
        key = org_name.lower()
        if key in new_orgs:
            if key not in created:
                org = Organisation(name=org_name, sector=new_orgs[key], default_priority=3)
                session.add(org)
                session.flush()
                created[key] = org
                audit(
                    session,
                    who.operator,
                    "add-organisation",
                    "organisation",
                    org.id,
                    f"Added organisation {org_name} (import)",
                    at=who.clock(),
                )
            draft = RequestDraft(**{**draft.__dict__, "organisation_id": created[key].id})
        if existing_id is None:
            request = Request(created_at=now_utc(), status=RequestStatus.PENDING)
            session.add(request)
            with session.no_autoflush:
                RequestService._fill(session, request, draft)
            request.notes = notes
            session.flush()
            audit(
                session, who.operator, "add-request", "request", request.id,
                f"Added request {request.title} ({request.organisation.name}) from a spreadsheet",
                after=request_row(request).__dict__, at=who.clock(),
            )  # fmt: skip
        else:
            request = session.get(Request, existing_id)
            before = request_row(request).__dict__
            RequestService._fill(session, request, draft)
            request.notes = notes
            if request.status is RequestStatus.UNMET:
                request.status, request.status_reason = RequestStatus.PENDING, ""
            session.flush()
            audit(
                session, who.operator, "edit-request", "request", request.id,
                f"Updated request {request.title} from a spreadsheet", before, request_row(request).__dict__,
                at=who.clock(),
            )  # fmt: skip

    return act


def _room_action(who: _Who, draft: RoomDraft, existing_id: int | None) -> Callable[[Session], None]:
    def act(session: Session) -> None:
        room = Room() if existing_id is None else session.get(Room, existing_id)
        before = None if existing_id is None else room_draft(room)
        if existing_id is None:
            session.add(room)
        with session.no_autoflush:
            ReferenceService._fill_room(session, room, draft)
        if existing_id is not None:
            flag_modified(room, "name")  # facilities alone changed: the version must still move
        session.flush()
        action = "add-room" if existing_id is None else "edit-room"
        audit(session, who.operator, action, "room", room.id, f"{action} {room.name} from a spreadsheet",
              jsonable(before) if before else None, jsonable(draft), at=who.clock())  # fmt: skip

    return act


def _organisation_action(who: _Who, draft: OrganisationDraft, existing_id: int | None) -> Callable[[Session], None]:
    def act(session: Session) -> None:
        org = Organisation() if existing_id is None else session.get(Organisation, existing_id)
        if existing_id is None:
            session.add(org)
        ReferenceService._fill_organisation(org, draft)
        if existing_id is not None:
            flag_modified(org, "name")  # contacts alone changed: the version must still move
        session.flush()
        action = "add-organisation" if existing_id is None else "edit-organisation"
        audit(
            session, who.operator, action, "organisation", org.id, f"{action} {org.name} from a spreadsheet",
            at=who.clock(),
        )  # fmt: skip

    return act


LISTS = {
    "sectors": [s.value for s in Sector],
    "frequencies": ["weekly", "fortnightly", "monthly"],
    "weeks": ["1", "2", "3", "4", "last"],
    "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon-Fri"],
    "yesno": ["yes", "no"],
    "visibilities": [v.value for v in Visibility],
    "priorities": ["1", "2", "3", "4", "5"],
}

INSTRUCTIONS = {
    "requests": [
        "One row per regular request for the term. Columns marked * must be filled in.",
        "Lists: the cells offer the borough's hubs, facilities, organisations and teams; several hubs or "
        "facilities go in one cell separated by commas (the list only suggests, you may type).",
        "Time windows apply to every weekday listed; for different windows per day write 'Mon 09:00-12:00; "
        "Wed 13:00-17:00'. Times may be 14:30 or 2:30 PM.",
        "A new organisation is added when you also fill in its Sector.",
        "Importing checks every row first and imports nothing if any row has a problem; each problem names "
        "the row and column. Importing the same file again updates requests (same organisation and title) "
        "instead of adding them twice.",
        "Type values: formulas and merged cells are refused.",
    ],
    "rooms": [
        "One row per room. Columns marked * must be filled in. Hubs must exist first (Borough > Administration, "
        "or hubsched hubs add).",
        "A room that already exists in its hub (same name) is updated, not added again.",
        "Lowering a capacity below a booked session's attendance is refused here: do it in the app, which "
        "lists the sessions and asks.",
    ],
    "organisations": [
        "One row per organisation, or one row per contact: repeat the name on each contact's row.",
        "Contacts are for the hub team only and never appear in public calendars.",
        "An organisation with the same name is updated; giving contacts replaces its contacts.",
    ],
}


def _write_book(
    path: Path,
    kind: str,
    columns: list[Column] | tuple[Column, ...],
    rows: list[list[object]],
    lists,
    instructions: list[str] | None = None,
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEETS.get(kind, kind.capitalize())
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=c, value=column.heading + (" *" if column.required else ""))
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(c)].width = max(column.width, len(column.heading) + 3)
    sheet.freeze_panes = "A2"
    for r, values_row in enumerate(rows, start=2):
        for c, value in enumerate(values_row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if lists is not None:
        all_lists = {**LISTS, **lists}
        list_sheet = book.create_sheet("Lists")
        positions = {}
        for c, (name, items) in enumerate(all_lists.items(), start=1):
            list_sheet.cell(row=1, column=c, value=name).font = bold
            for r, item in enumerate(items, start=2):
                list_sheet.cell(row=r, column=c, value=item)
            letter = get_column_letter(c)
            positions[name] = f"Lists!${letter}$2:${letter}${max(2, len(items) + 1)}"
        list_sheet.sheet_state = "hidden"
        for c, column in enumerate(columns, start=1):
            if column.choices and column.choices in positions:
                free_text = column.choices in {"hubs", "facilities", "teams", "organisations", "weekdays"}
                validation = DataValidation(
                    type="list",
                    formula1=positions[column.choices],
                    allow_blank=True,
                    showErrorMessage=not free_text,  # several names in a cell must still be allowed
                    errorTitle=column.heading,
                    error=column.help,
                    promptTitle=column.heading,
                    prompt=column.help[:250],
                    showInputMessage=True,
                )
                letter = get_column_letter(c)
                validation.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(validation)
        help_sheet = book.create_sheet("Instructions")
        help_sheet.column_dimensions["A"].width = 26
        help_sheet.column_dimensions["B"].width = 100
        help_sheet.cell(row=1, column=1, value=f"How to fill in the {sheet.title} sheet").font = Font(
            bold=True, size=14
        )
        r = 3
        for line in INSTRUCTIONS.get(kind, []) if instructions is None else instructions:
            cell = help_sheet.cell(row=r, column=2, value=line)
            cell.alignment = Alignment(wrap_text=True)
            r += 1
        r += 1
        help_sheet.cell(row=r, column=1, value="Column").font = bold
        help_sheet.cell(row=r, column=2, value="What to put in it").font = bold
        for column in columns:
            r += 1
            help_sheet.cell(row=r, column=1, value=column.heading + (" *" if column.required else ""))
            help_sheet.cell(row=r, column=2, value=column.help).alignment = Alignment(wrap_text=True)
    book.save(path)
