"""AttendanceService: record what happened at past sessions — took place, late cancel, no-show, a headcount.

Owns: the rules for an attendance record (only a past, live session; a headcount only when it took place;
a number, never names), reading the sessions of a day or a period with their records (the day sheet, the
export), recording one or many in one transaction, restoring an earlier state (undo), the spreadsheet
import (CSV or XLSX, one row per session, all or nothing) and the demo borough's illustrative history.
Every change is audited. Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.entities import AttendanceRecord, Hub, Occurrence, Room, Series, Term
from models.types import OccurrenceStatus, Outcome
from scheduler import validation
from scheduler.errors import InvalidInput, NotFound, StaleEdit, ValidationError
from scheduler.recurrence import to_local, to_utc
from scheduler.services.common import audit, describe_occurrence, now_utc
from scheduler.validation import clean_text

MAX_HEADCOUNT = 5000
NOTE_LENGTH = 200
_LINE_BREAKS = str.maketrans("\t\n\r", "   ")
OUTCOME_LABELS = {Outcome.TOOK_PLACE: "took place", Outcome.LATE_CANCEL: "late cancel", Outcome.NO_SHOW: "no-show"}
EXPORT_COLUMNS = (
    "session_id",
    "date",
    "start",
    "end",
    "hub",
    "room",
    "title",
    "organisation",
    "outcome",
    "attendance",
    "note",
)


def parse_outcome(text: str, *, headcount_given: bool = False) -> Outcome | None:
    """'took place', 'took_place', 'held', 'yes' / 'late cancel' / 'no show', 'no-show'; blank -> None,
    or 'took place' when a headcount is given (a number alone means it happened)."""
    key = " ".join(str(text or "").strip().lower().replace("_", " ").replace("-", " ").split())
    if not key:
        return Outcome.TOOK_PLACE if headcount_given else None
    aliases = {
        "took place": Outcome.TOOK_PLACE,
        "held": Outcome.TOOK_PLACE,
        "yes": Outcome.TOOK_PLACE,
        "y": Outcome.TOOK_PLACE,
        "late cancel": Outcome.LATE_CANCEL,
        "late cancellation": Outcome.LATE_CANCEL,
        "cancelled late": Outcome.LATE_CANCEL,
        "no show": Outcome.NO_SHOW,
        "noshow": Outcome.NO_SHOW,
    }
    if key not in aliases:
        raise InvalidInput(f"{text!r} is not an outcome (took place, late cancel or no-show)")
    return aliases[key]


@dataclass(frozen=True)
class AttendanceEntry:
    """What to record for one session."""

    occurrence_id: int
    outcome: Outcome
    headcount: int | None = None
    note: str = ""


@dataclass(frozen=True)
class AttendanceState:
    """A stored record as data (`version` guards against overwriting someone else's change)."""

    occurrence_id: int
    outcome: Outcome
    headcount: int | None
    note: str
    source: str
    version: int


@dataclass(frozen=True)
class AttendanceChange:
    """One recorded change: the state before (None: nothing was recorded) and after (None: cleared)."""

    occurrence_id: int
    label: str
    before: AttendanceState | None
    after: AttendanceState | None


@dataclass(frozen=True)
class SessionAttendance:
    """A live session with its attendance record, if any: a day-sheet or export row."""

    occurrence_id: int
    series_id: int
    day: date
    start: time
    end: time
    hub: str
    room: str
    capacity: int
    title: str
    organisation: str
    sector: str
    visibility: str
    expected: int
    record: AttendanceState | None
    past: bool

    @property
    def label(self) -> str:
        return f"{self.title} ({self.organisation}) {self.day:%a %d %b %Y} {self.start:%H:%M}"


@dataclass(frozen=True)
class ImportResult:
    recorded: int
    unchanged: int
    changes: tuple[AttendanceChange, ...]


def _state(record: AttendanceRecord | None) -> AttendanceState | None:
    if record is None:
        return None
    return AttendanceState(
        record.occurrence_id, Outcome(record.outcome), record.headcount, record.note, record.source, record.version
    )


def _describe(entry: AttendanceState | AttendanceEntry | None) -> str:
    if entry is None:
        return "not recorded"
    label = OUTCOME_LABELS[Outcome(entry.outcome)]
    return f"{label}, {entry.headcount}" if entry.outcome is Outcome.TOOK_PLACE else label


def _snapshot(state: AttendanceState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {"outcome": state.outcome.value, "headcount": state.headcount, "note": state.note, "source": state.source}


class AttendanceService:
    """Use cases of attendance recording. One instance per operator (whose name is audited)."""

    def __init__(self, sessions: sessionmaker[Session], operator: str, clock: Callable[[], datetime] = now_utc) -> None:
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    # -- reading -------------------------------------------------------------------------------------------

    def day_sheet(self, hub_id: int, day: date) -> list[SessionAttendance]:
        """Every live session at a hub on a day, by start time then room: the front desk's sheet."""
        return self.sessions_between(day, day, hub_id=hub_id)

    def sessions_between(self, first: date, last: date, *, hub_id: int | None = None) -> list[SessionAttendance]:
        if last < first:
            raise InvalidInput(f"{last} is before {first}")
        with self._sessions() as session:
            if hub_id is not None and session.get(Hub, hub_id) is None:
                raise NotFound(f"no hub with id {hub_id}")
            query = (
                select(Occurrence)
                .join(Occurrence.room)
                .where(
                    Occurrence.status != OccurrenceStatus.CANCELLED,
                    Occurrence.start_utc >= to_utc(first, time(0)),
                    Occurrence.start_utc < to_utc(last + timedelta(days=1), time(0)),
                )
                .options(
                    selectinload(Occurrence.series).selectinload(Series.organisation),
                    selectinload(Occurrence.room).selectinload(Room.hub),
                )
                .order_by(Occurrence.start_utc, Room.name, Occurrence.id)
            )
            if hub_id is not None:
                query = query.where(Room.hub_id == hub_id)
            occurrences = list(session.scalars(query))
            records = self._records(session, [o.id for o in occurrences])
            now = self._clock()
            return [self._row(o, records.get(o.id), now) for o in occurrences]

    @staticmethod
    def _records(session: Session, occurrence_ids: Sequence[int]) -> dict[int, AttendanceRecord]:
        found: dict[int, AttendanceRecord] = {}
        for chunk in range(0, len(occurrence_ids), 500):
            ids = list(occurrence_ids[chunk : chunk + 500])
            for record in session.scalars(select(AttendanceRecord).where(AttendanceRecord.occurrence_id.in_(ids))):
                found[record.occurrence_id] = record
        return found

    @staticmethod
    def _row(occurrence: Occurrence, record: AttendanceRecord | None, now: datetime) -> SessionAttendance:
        series = occurrence.series
        start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
        return SessionAttendance(
            occurrence_id=occurrence.id,
            series_id=series.id,
            day=start.date(),
            start=start.time(),
            end=end.time(),
            hub=occurrence.room.hub.name,
            room=occurrence.room.name,
            capacity=occurrence.room.capacity,
            title=series.title,
            organisation=series.organisation.name,
            sector=series.organisation.sector.value,
            visibility=series.visibility.value,
            expected=series.attendance,
            record=_state(record),
            past=occurrence.start_utc <= now,
        )

    def state(self, occurrence_id: int) -> AttendanceState | None:
        with self._sessions() as session:
            return _state(self._record_of(session, occurrence_id))

    @staticmethod
    def _record_of(session: Session, occurrence_id: int) -> AttendanceRecord | None:
        return session.scalars(select(AttendanceRecord).where(AttendanceRecord.occurrence_id == occurrence_id)).first()

    # -- writing -------------------------------------------------------------------------------------------

    def record(self, entry: AttendanceEntry, *, expected_version: int | None = None) -> AttendanceChange:
        """Record (or correct) one session's attendance. `expected_version` (0: none recorded yet) refuses
        to overwrite a record someone else changed meanwhile."""
        return self.record_many([entry], expected_versions={entry.occurrence_id: expected_version})[0]

    def record_many(
        self,
        entries: Iterable[AttendanceEntry],
        *,
        expected_versions: dict[int, int | None] | None = None,
        source: str = "entered",
    ) -> list[AttendanceChange]:
        """Record several sessions in one transaction: all of them or, if one is refused, none."""
        expected_versions = expected_versions or {}
        with self._sessions.begin() as session:
            return [
                self._write(session, entry, expected_versions.get(entry.occurrence_id), source) for entry in entries
            ]

    def restore(
        self, occurrence_id: int, state: AttendanceState | None, *, current_version: int | None
    ) -> AttendanceChange:
        """Put a session's record back to `state` (None: not recorded) — the undo of a change.

        `current_version` is the version the caller last saw (None when it saw no record); if someone has
        changed the record since, StaleEdit is raised and nothing changes.
        """
        return self.restore_many([(occurrence_id, state, current_version)])[0]

    def restore_many(self, targets: Sequence[tuple[int, AttendanceState | None, int | None]]) -> list[AttendanceChange]:
        """`restore` for several sessions (occurrence id, state, version last seen) in one transaction: a
        whole day sheet is undone or redone together, or — if one record changed meanwhile — not at all."""
        with self._sessions.begin() as session:
            return [self._restore(session, *target) for target in targets]

    def _restore(
        self, session: Session, occurrence_id: int, state: AttendanceState | None, current_version: int | None
    ) -> AttendanceChange:
        occurrence = self._occurrence(session, occurrence_id)
        record = self._record_of(session, occurrence_id)
        seen = record.version if record is not None else None
        if seen != current_version:
            raise StaleEdit(
                f"the attendance of {describe_occurrence(occurrence)} was changed by someone else; reload first"
            )
        before = _state(record)
        if state is None:
            if record is not None:
                session.delete(record)
                session.flush()
            after = None
        else:
            self._check(occurrence, AttendanceEntry(occurrence_id, state.outcome, state.headcount, state.note))
            if record is None:
                record = AttendanceRecord(occurrence_id=occurrence_id)
                session.add(record)
            record.outcome, record.headcount, record.note = state.outcome, state.headcount, state.note
            record.source = state.source
            record.recorded_at, record.recorded_by = self._clock(), self._operator
            session.flush()
            after = _state(record)
        label = describe_occurrence(occurrence)
        audit(
            session,
            self._operator,
            "restore-attendance",
            "occurrence",
            occurrence_id,
            f"Attendance of {label}: {_describe(before)} -> {_describe(after)}",
            before=_snapshot(before),
            after=_snapshot(after),
            at=self._clock(),
        )
        return AttendanceChange(occurrence_id, label, before, after)

    def _occurrence(self, session: Session, occurrence_id: int) -> Occurrence:
        occurrence = session.get(Occurrence, occurrence_id)
        if occurrence is None:
            raise NotFound(f"no session with id {occurrence_id}")
        return occurrence

    def _check(self, occurrence: Occurrence, entry: AttendanceEntry) -> None:
        label = describe_occurrence(occurrence)
        if occurrence.status is OccurrenceStatus.CANCELLED:
            raise InvalidInput(f"{label} was cancelled in the calendar; there is no attendance to record")
        if occurrence.start_utc > self._clock():
            raise InvalidInput(f"{label} has not started yet; attendance is recorded after a session")
        if entry.outcome is Outcome.TOOK_PLACE:
            if entry.headcount is None:
                raise InvalidInput(f"{label} took place: give the number who came")
            if not 0 <= entry.headcount <= MAX_HEADCOUNT:
                raise InvalidInput(f"{label}: attendance {entry.headcount} is not between 0 and {MAX_HEADCOUNT}")
        elif entry.headcount:
            raise InvalidInput(
                f"{label} is recorded as {OUTCOME_LABELS[entry.outcome]}: it cannot also have {entry.headcount} people"
            )
        if len(entry.note) > NOTE_LENGTH:
            raise InvalidInput(f"{label}: the note is longer than {NOTE_LENGTH} characters")

    def _write(
        self, session: Session, entry: AttendanceEntry, expected_version: int | None, source: str
    ) -> AttendanceChange:
        occurrence = self._occurrence(session, entry.occurrence_id)
        try:  # line breaks and tabs become spaces; any other control character is refused, as in titles
            clean_text("the note", entry.note.translate(_LINE_BREAKS), max_length=len(entry.note))  # length: below
        except ValidationError as exc:
            raise InvalidInput(f"{describe_occurrence(occurrence)}: {exc}") from None
        entry = replace(
            entry,
            note=" ".join(entry.note.split()),
            # a zero with a late cancel or no-show says the same as no number
            headcount=entry.headcount if entry.outcome is Outcome.TOOK_PLACE or entry.headcount else None,
        )
        self._check(occurrence, entry)
        record = self._record_of(session, entry.occurrence_id)
        label = describe_occurrence(occurrence)
        if expected_version is not None and (record.version if record is not None else 0) != expected_version:
            raise StaleEdit(f"the attendance of {label} was changed by someone else; reload first")
        before = _state(record)
        if before is not None and (before.outcome, before.headcount, before.note) == (
            entry.outcome,
            entry.headcount,
            entry.note,
        ):
            return AttendanceChange(entry.occurrence_id, label, before, before)
        if record is None:
            record = AttendanceRecord(occurrence_id=entry.occurrence_id)
            session.add(record)
        record.outcome, record.headcount, record.note, record.source = (
            entry.outcome,
            entry.headcount,
            entry.note,
            source,
        )
        record.recorded_at, record.recorded_by = self._clock(), self._operator
        session.flush()
        after = _state(record)
        audit(
            session,
            self._operator,
            "record-attendance",
            "occurrence",
            entry.occurrence_id,
            f"Attendance of {label}: {_describe(before)} -> {_describe(after)}",
            before=_snapshot(before),
            after=_snapshot(after),
            at=self._clock(),
        )
        return AttendanceChange(entry.occurrence_id, label, before, after)

    # -- spreadsheets --------------------------------------------------------------------------------------

    def export_csv(self, first: date, last: date, *, hub_id: int | None = None, past_only: bool = True) -> str:
        """One row per session, in the columns the import reads back (`EXPORT_COLUMNS`)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in self.sessions_between(first, last, hub_id=hub_id):
            if past_only and not row.past:
                continue
            record = row.record
            writer.writerow(
                [
                    row.occurrence_id,
                    row.day.isoformat(),
                    f"{row.start:%H:%M}",
                    f"{row.end:%H:%M}",
                    row.hub,
                    row.room,
                    row.title,
                    row.organisation,
                    OUTCOME_LABELS[record.outcome] if record else "",
                    "" if record is None or record.headcount is None else record.headcount,
                    record.note if record else "",
                ]
            )
        return out.getvalue()

    def import_file(self, path: Path) -> ImportResult:
        """Import a CSV or XLSX attendance sheet (see `import_rows`)."""
        return self.import_rows(read_sheet(path))

    def import_rows(self, rows: Sequence[dict[str, str]]) -> ImportResult:
        """Record the attendance in spreadsheet rows, all or nothing.

        Each row names its session by `session_id`, or by `date`, `start`, `hub` and `room`; then gives
        `outcome` (blank with a number means it took place) and `attendance`, and optionally `note`. Rows
        with neither an outcome nor an attendance are skipped (a blank line of an exported sheet). A bad
        row raises InvalidInput naming its line number, and nothing is recorded.
        """
        entries: list[AttendanceEntry] = []
        with self._sessions() as session:
            for number, raw in enumerate(rows, start=2):
                row = {str(k or "").strip().lower(): str(v if v is not None else "").strip() for k, v in raw.items()}
                where = f"line {number}"
                count_text = row.get("attendance", "") or row.get("headcount", "")
                try:
                    headcount = int(float(count_text)) if count_text else None
                except ValueError:
                    raise InvalidInput(f"{where}: attendance {count_text!r} is not a number") from None
                try:
                    outcome = parse_outcome(row.get("outcome", ""), headcount_given=headcount is not None)
                except InvalidInput as exc:
                    raise InvalidInput(f"{where}: {exc}") from None
                if outcome is None:
                    continue
                occurrence_id = self._find(session, row, where)
                entries.append(AttendanceEntry(occurrence_id, outcome, headcount, row.get("note", "")))
        seen: set[int] = set()
        for entry in entries:
            if entry.occurrence_id in seen:
                raise InvalidInput(f"session {entry.occurrence_id} appears twice in the sheet")
            seen.add(entry.occurrence_id)
        changes = self.record_many(entries, source="imported")
        recorded = sum(c.before != c.after for c in changes)
        return ImportResult(recorded, len(changes) - recorded, tuple(changes))

    @staticmethod
    def _find(session: Session, row: dict[str, str], where: str) -> int:
        if row.get("session_id"):
            try:
                occurrence_id = int(float(row["session_id"]))
            except ValueError:
                raise InvalidInput(f"{where}: session_id {row['session_id']!r} is not a number") from None
            if session.get(Occurrence, occurrence_id) is None:
                raise InvalidInput(f"{where}: no session with id {occurrence_id}")
            return occurrence_id
        missing = [k for k in ("date", "start", "hub", "room") if not row.get(k)]
        if missing:
            raise InvalidInput(f"{where}: give session_id, or date, start, hub and room (missing {', '.join(missing)})")
        try:
            day = date.fromisoformat(row["date"][:10])
            start = validation.parse_local_time("start", row["start"][:8])
        except (ValueError, ValidationError):
            raise InvalidInput(f"{where}: {row['date']!r} {row['start']!r} is not a date and time") from None
        instant = to_utc(day, start)
        query = (
            select(Occurrence.id)
            .join(Occurrence.room)
            .join(Room.hub)
            .where(
                Occurrence.start_utc == instant,
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Hub.name.ilike(row["hub"]),
                Room.name.ilike(row["room"]),
            )
        )
        found = list(session.scalars(query))
        if not found:
            raise InvalidInput(f"{where}: no session at {row['hub']}, {row['room']} on {day:%a %d %b %Y} {start:%H:%M}")
        return found[0]

    # -- learning feed-back ---------------------------------------------------------------------------------

    def seed_illustrative(self, session: Session, term: Term, *, seed: int = 2026) -> int:
        """Invent a plausible attendance history for the past sessions of `term` (the demo borough only).

        Deterministic: each series gets a typical turnout from its expected size and a gentle drift, drawn
        from a generator seeded with `seed` and the series' organisation, title and first date, so the same
        demo always tells the same story. Records are marked source="illustrative".
        Runs inside the caller's transaction.
        """
        now = self._clock()
        series_list = session.scalars(
            select(Series).where(Series.term_id == term.id, Series.cancelled.is_(False)).order_by(Series.id)
        ).all()
        written = 0
        for series in series_list:
            # Seeded by what the series is, not by its uid (random per load), so every fresh demo agrees.
            rng = random.Random(f"{seed}:{series.organisation.name}:{series.title}:{series.first_date}")
            capacity = max(1, series.room.capacity)
            typical = max(2.0, series.attendance * rng.uniform(0.55, 1.05))
            # A few series fade (falling attendance), a few grow; most wobble around their typical turnout.
            drift = rng.choice([-0.06, -0.04, 0.0, 0.0, 0.0, 0.0, 0.02, 0.03])
            live = [o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED and o.start_utc <= now]
            for week, occurrence in enumerate(live):
                roll = rng.random()
                if roll < 0.03:
                    outcome, headcount = Outcome.NO_SHOW, None
                elif roll < 0.07:
                    outcome, headcount = Outcome.LATE_CANCEL, None
                else:
                    level = typical * max(0.2, 1 + drift * week) * rng.uniform(0.8, 1.2)
                    outcome, headcount = Outcome.TOOK_PLACE, max(0, min(round(level), capacity + 5))
                session.add(
                    AttendanceRecord(
                        occurrence_id=occurrence.id,
                        outcome=outcome,
                        headcount=headcount,
                        note="",
                        source="illustrative",
                        recorded_at=now,
                        recorded_by=self._operator,
                    )
                )
                written += 1
        session.flush()
        if written:
            audit(
                session,
                self._operator,
                "seed-attendance",
                "term",
                term.id,
                f"Added an illustrative attendance history for {term.name}: {written} sessions",
                at=now,
            )
        return written


def read_sheet(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV or XLSX attendance sheet as dicts keyed by the (lower-cased) header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook  # only when a workbook is read

            workbook = load_workbook(path, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            values = list(sheet.iter_rows(values_only=True))
            workbook.close()
            if not values:
                return []
            header = [str(h or "").strip().lower() for h in values[0]]
            rows = []
            for line in values[1:]:
                cells = {}
                for key, value in zip(header, line, strict=False):
                    if isinstance(value, datetime):
                        value = value.date().isoformat() if key == "date" else value.strftime("%H:%M")
                    elif isinstance(value, date):
                        value = value.isoformat()
                    elif isinstance(value, time):
                        value = value.strftime("%H:%M")
                    cells[key] = "" if value is None else str(value)
                rows.append(cells)
            return rows
        if suffix in (".csv", ".txt"):
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return [dict(row) for row in csv.DictReader(handle)]
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # a corrupt workbook: openpyxl raises several unrelated types
        raise InvalidInput(f"cannot read {path} as a spreadsheet: {exc}") from None
    raise InvalidInput(f"{path.name}: give a .csv or .xlsx file")
