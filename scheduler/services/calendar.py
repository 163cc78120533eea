"""CalendarQueries: what the hub calendar shows besides the sessions themselves.

Owns: the times a room cannot be booked on given days (outside opening hours, closures, bank holidays),
with the reason in words, and the details of one session (organisation, sector, pattern, visibility and
its history from the audit log). Read-only; returns plain rows.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Occurrence, OpeningException, OpeningHours, Room, Series
from models.types import Frequency
from scheduler.errors import NotFound
from scheduler.recurrence import WEEKDAY_NAMES, bank_holiday, to_local
from scheduler.services.common import closure_spans, room_label

DAY_START = time(0, 0)
DAY_END = time(23, 59)


@dataclass(frozen=True)
class BlockedSpan:
    """A stretch of one day in one room that cannot be booked. kind: 'closed', 'closure' or 'holiday'."""

    room_id: int
    day: date
    start: time
    end: time
    kind: str
    reason: str


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    operator: str
    action: str
    summary: str


@dataclass(frozen=True)
class SessionDetails:
    occurrence_id: int
    series_id: int
    series_version: int
    title: str
    public_title: str
    organisation_id: int
    organisation: str
    sector: str
    room_id: int
    room: str
    series_room_id: int
    series_start: time
    frequency: str
    start_local: datetime
    end_local: datetime
    status: str
    pattern: str
    visibility: str
    hide_location: bool
    attendance: int
    history: tuple[HistoryRow, ...]
    contact: str = ""  # the organisation's contact details, for the hub team only
    previous: tuple[int, int, datetime] | None = None  # (occurrence id, room id, local start) of the series
    next: tuple[int, int, datetime] | None = None  # the same for the series' next live session


_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


def describe_pattern(series: Series) -> str:
    """'Weekly on Fri 12:00–15:00, 11 Sep – 18 Dec 2026' and the like."""
    start = series.start_local
    end_minutes = start.hour * 60 + start.minute + series.duration_min
    times = f"{start:%H:%M}–{end_minutes // 60:02d}:{end_minutes % 60:02d}"
    day = WEEKDAY_NAMES[series.weekday]
    span = f"{series.first_date:%d %b} – {series.last_date:%d %b %Y}"
    if series.frequency is Frequency.ONCE:
        return f"One-off on {series.first_date:%a %d %b %Y} {times}"
    if series.frequency is Frequency.MONTHLY:
        return f"Monthly on the {_ORDINALS.get(series.nth or 1, '?')} {day} {times}, {span}"
    label = "Weekly" if series.frequency is Frequency.WEEKLY else "Fortnightly"
    return f"{label} on {day} {times}, {span}"


def _neighbour(occurrences, occurrence: Occurrence, step: int) -> tuple[int, int, datetime] | None:
    """The live session of the series just before (step -1) or after (step 1) `occurrence`."""
    live = sorted(
        (o for o in occurrences if str(o.status) != "cancelled" or o.id == occurrence.id), key=lambda o: o.start_utc
    )
    at = next(i for i, o in enumerate(live) if o.id == occurrence.id) + step
    if not 0 <= at < len(live):
        return None
    other = live[at]
    return other.id, other.room_id, to_local(other.start_utc)


class CalendarQueries:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def blocked(self, room_ids: list[int], first: date, last: date) -> list[BlockedSpan]:
        """Every unbookable stretch of the given rooms on local dates `first`..`last`."""
        spans: list[BlockedSpan] = []
        with self._sessions() as session:
            # Plain column queries: this runs on every redraw of the calendar.
            rooms = session.execute(
                select(Room.id, Room.hub_id, Room.bookable).where(Room.id.in_(room_ids)).order_by(Room.id)
            ).all()
            hours: dict[tuple[int, int], list[tuple[time, time]]] = {}
            for hub_id, weekday, opens, closes in session.execute(
                select(OpeningHours.hub_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes).where(
                    OpeningHours.hub_id.in_({hub for _, hub, _ in rooms})
                )
            ):
                hours.setdefault((hub_id, weekday), []).append((opens, closes))
            # Dated exceptions (late opening, closed for the day) replace a date's usual windows.
            dated: dict[tuple[int, date], list[tuple[time, time]]] = {}
            for hub_id, ex_first, ex_last, weekday, opens, closes in session.execute(
                select(
                    OpeningException.hub_id, OpeningException.first_day, OpeningException.last_day,
                    OpeningException.weekday, OpeningException.opens, OpeningException.closes,
                )
                .where(
                    OpeningException.hub_id.in_({hub for _, hub, _ in rooms}),
                    OpeningException.first_day <= last,
                    OpeningException.last_day >= first,
                )
                .order_by(OpeningException.id)
            ):  # fmt: skip
                on = max(first, ex_first)
                while on <= min(last, ex_last):
                    if weekday is None or weekday == on.weekday():
                        dated[(hub_id, on)] = [] if opens is None else [(opens, closes)]
                    on += timedelta(days=1)
            closures = closure_spans(session, first, last)
            day = first
            while day <= last:
                holiday = bank_holiday(day)
                for room_id, hub_id, bookable in rooms:
                    if holiday:
                        spans.append(
                            BlockedSpan(room_id, day, DAY_START, DAY_END, "holiday", f"Bank holiday: {holiday}")
                        )
                        continue
                    if not bookable:
                        spans.append(BlockedSpan(room_id, day, DAY_START, DAY_END, "closed", "Not bookable"))
                        continue
                    cursor = DAY_START
                    windows = dated.get((hub_id, day), hours.get((hub_id, day.weekday()), []))
                    for opens, closes in sorted(windows):
                        if opens > cursor:
                            spans.append(BlockedSpan(room_id, day, cursor, opens, "closed", "Hub closed"))
                        cursor = max(cursor, closes)
                    if cursor < DAY_END:
                        spans.append(BlockedSpan(room_id, day, cursor, DAY_END, "closed", "Hub closed"))
                    for closure in closures:
                        if closure.covers(room_id, hub_id, day, DAY_START, DAY_END):
                            spans.append(
                                BlockedSpan(
                                    room_id,
                                    day,
                                    closure.start or DAY_START,
                                    closure.end or DAY_END,
                                    "closure",
                                    f"Closed: {closure.reason}" if closure.reason else "Closed",
                                )
                            )
                day += timedelta(days=1)
        return spans

    def session_details(self, occurrence_id: int) -> SessionDetails:
        with self._sessions() as session:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            series = occurrence.series
            occurrence_ids = [o.id for o in series.occurrences]
            entries = session.scalars(
                select(AuditEntry)
                .where(
                    or_(
                        (AuditEntry.entity == "series") & (AuditEntry.entity_id == series.id),
                        (AuditEntry.entity == "occurrence") & AuditEntry.entity_id.in_(occurrence_ids),
                    )
                )
                .order_by(AuditEntry.at, AuditEntry.id)
            )
            return SessionDetails(
                occurrence_id=occurrence.id,
                series_id=series.id,
                series_version=series.version,
                title=series.title,
                public_title=series.public_title,
                organisation_id=series.organisation_id,
                organisation=series.organisation.name,
                sector=str(series.organisation.sector),
                room_id=occurrence.room_id,
                room=room_label(occurrence.room),
                series_room_id=series.room_id,
                series_start=series.start_local,
                frequency=str(series.frequency),
                start_local=to_local(occurrence.start_utc),
                end_local=to_local(occurrence.end_utc),
                status=str(occurrence.status),
                pattern=describe_pattern(series),
                visibility=str(series.visibility),
                hide_location=series.hide_location,
                attendance=series.attendance,
                history=tuple(HistoryRow(e.at, e.operator, e.action, e.summary) for e in entries),
                contact=series.organisation.contact or "",
                previous=_neighbour(series.occurrences, occurrence, -1),
                next=_neighbour(series.occurrences, occurrence, 1),
            )
