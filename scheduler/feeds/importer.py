"""Importing an existing .ics (a group's calendar, another booking system's export) as bookings.

Owns: reading the file strictly, with the line and reason of the first thing wrong (icalendar itself
is lenient and would silently keep broken values); expanding its events (RRULE, EXDATE, overrides)
with recurring-ical-events in a date window; and a report of what each session would do in the chosen
room (book, or why not: clash, closure or bank holiday, opening hours, capacity, another session of the
same file) before an all-or-nothing apply through BookingService.book_within in one transaction.
Each imported session becomes a one-off booking; all-day and cancelled events are listed and left out.
Imported sessions are private unless told otherwise (a calendar's titles may name people), and an event
marked CLASS:PRIVATE or CONFIDENTIAL stays private whatever is asked.

The file is untrusted, so the work is bounded: at most MAX_FILE_BYTES and MAX_EVENTS events; a repeat
rule may repeat at most daily, is walked from its DTSTART for at most MAX_SCANNED starts up to the
window's end, and may make at most MAX_PER_EVENT sessions in the window; at most MAX_SESSIONS sessions
in all. A file over a cap is refused with its line and the reason before anything is expanded.
Folded lines are unfolded as bytes before decoding (RFC 5545 §3.1: a fold may split a UTF-8 character);
control characters are stripped from titles.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import Calendar
from icalendar.prop import vDDDTypes, vDuration, vRecur
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.types import Frequency, Visibility
from scheduler.errors import BookingClash, BookingRefused, HubSchedError, InvalidInput
from scheduler.recurrence import LONDON
from scheduler.services.booking import BookingService, NewBooking

_NAME = r"[A-Za-z0-9-]+"
_PARAM_VALUE = r'(?:"[^"]*"|[^";:,]*)'
_CONTENT_LINE = re.compile(rf"^({_NAME})((?:;{_NAME}={_PARAM_VALUE}(?:,{_PARAM_VALUE})*)*):(.*)$", re.DOTALL)
_TZID = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)
_DATE_PROPERTIES = {"DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE", "DUE"}
MAX_WINDOW = timedelta(days=2 * 366)
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 20_000  # VEVENT components in one file
MAX_SCANNED = 100_000  # starts of one repeat rule walked from its DTSTART to the window's end
MAX_PER_EVENT = 1_000  # sessions one event may make in the window
MAX_SESSIONS = 5_000  # sessions of the whole file in the window
_TOO_FREQUENT = {"SECONDLY": "every second", "MINUTELY": "every minute", "HOURLY": "every hour"}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ImportedSession:
    """One dated session read from the file, in Europe/London wall-clock terms."""

    title: str
    day: date
    start: time
    duration_min: int
    private: bool
    line: int  # where its VEVENT begins in the file


@dataclass(frozen=True)
class ReportLine:
    session: ImportedSession
    problem: str | None  # None: it can be booked


@dataclass
class ImportReport:
    lines: list[ReportLine] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # all-day and cancelled events, with the reason

    @property
    def problems(self) -> list[ReportLine]:
        return [line for line in self.lines if line.problem]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.problems


# -- strict reading -------------------------------------------------------------------------------------


def _logical_lines(raw: bytes, name: str) -> list[tuple[int, str]]:
    """Unfolded content lines with the physical line number each starts on (1-based).

    Unfolding works on bytes and each logical line is decoded afterwards: RFC 5545 folds at 75 octets,
    so a fold may fall inside a multi-byte UTF-8 character.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidInput(f"{name} line 1: the file is larger than {MAX_FILE_BYTES / 1048576:g} MB")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    folded: list[tuple[int, bytearray]] = []
    for number, physical in enumerate(raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"), start=1):
        if physical[:1] in (b" ", b"\t") and folded:
            folded[-1][1].extend(physical[1:])
        elif physical.strip():
            folded.append((number, bytearray(physical)))
    lines: list[tuple[int, str]] = []
    for number, content in folded:
        try:
            lines.append((number, content.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{name} line {number}: not UTF-8 text ({exc.reason})") from None
    return lines


def _unfolded_text(lines: list[tuple[int, str]]) -> str:
    return "".join(text + "\r\n" for _, text in lines)


def _check_value(prop: str, params: str, value: str, where: str, zones: set[str]) -> None:
    tzid = _TZID.search(params)
    if tzid:
        zone = tzid.group(1).strip('"')
        if zone not in zones:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInput(f"{where}: unknown time zone {zone!r} (no VTIMEZONE for it)") from None
    try:
        if prop in _DATE_PROPERTIES and "VALUE=PERIOD" not in params.upper():
            for item in value.split(","):
                vDDDTypes.from_ical(item)
        elif prop == "DURATION":
            vDuration.from_ical(value)
            if value.strip().startswith("-"):
                raise InvalidInput(f"{where}: DURATION {value!r} is negative: an event cannot end before it starts")
        elif prop == "RRULE":
            rule = vRecur.from_ical(value)
            if "FREQ" not in rule:
                raise ValueError("RRULE without FREQ")
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{where}: bad {prop} {value!r} ({exc})") from None


def read_calendar(raw: bytes, name: str) -> Calendar:
    """Parse `raw` strictly; a malformed file raises InvalidInput naming the line and the reason."""
    lines = _logical_lines(raw, name)
    if not lines:
        raise InvalidInput(f"{name} line 1: the file is empty")
    events = 0
    zones = {m.group(1).strip() for _, text in lines if (m := re.match(r"(?i)TZID[;:](?:.*:)?(.*)$", text))}
    stack: list[tuple[str, int]] = []
    has_start: dict[int, bool] = {}
    finished = False
    for number, text in lines:
        where = f"{name} line {number}"
        if finished:
            raise InvalidInput(f"{where}: content after END:VCALENDAR")
        match = _CONTENT_LINE.match(text)
        if match is None:
            raise InvalidInput(f"{where}: not an iCalendar content line (NAME:value expected): {text[:40]!r}")
        prop, params, value = match.group(1).upper(), match.group(2), match.group(3)
        if not stack and (prop, value.upper()) != ("BEGIN", "VCALENDAR"):
            raise InvalidInput(f"{where}: an iCalendar file starts with BEGIN:VCALENDAR")
        if prop == "BEGIN":
            stack.append((value.upper(), number))
            if value.upper() == "VEVENT":
                has_start[number] = False
                events += 1
                if events > MAX_EVENTS:
                    raise InvalidInput(f"{where}: more than {MAX_EVENTS:,} events in one file")
        elif prop == "END":
            if not stack or stack[-1][0] != value.upper():
                opened = f"BEGIN:{stack[-1][0]} (line {stack[-1][1]})" if stack else "nothing"
                raise InvalidInput(f"{where}: END:{value} does not close {opened}")
            component, begun = stack.pop()
            if component == "VEVENT" and not has_start[begun]:
                raise InvalidInput(f"{name} line {begun}: event without DTSTART")
            finished = not stack
        elif stack and stack[-1][0] == "VEVENT":
            if prop == "DTSTART":
                has_start[stack[-1][1]] = True
            _check_value(prop, params, value, where, zones)
    if stack:
        component, begun = stack[-1]
        raise InvalidInput(f"{name} line {begun}: BEGIN:{component} is never closed")
    try:
        return Calendar.from_ical(_unfolded_text(lines))
    except (ValueError, KeyError) as exc:
        raise InvalidInput(f"{name}: cannot read the calendar ({exc})") from None


def _event_lines(raw: bytes) -> tuple[dict[str, int], list[int]]:
    """UID -> line of the first VEVENT with that UID, and every VEVENT's line in file order."""
    found: dict[str, int] = {}
    begins: list[int] = []
    begun = 0
    for number, text in _logical_lines(raw, "file"):
        upper = text.upper()
        if upper == "BEGIN:VEVENT":
            begun = number
            begins.append(number)
        elif upper.startswith("UID") and ":" in text and begun:
            found.setdefault(text.split(":", 1)[1], begun)
    return found, begins


def _wall(moment: date | datetime) -> datetime:
    """A DTSTART as a naive wall-clock datetime (dates at midnight), for counting repeats."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(0))
    return moment.replace(tzinfo=None)


def _check_repeats(calendar: Calendar, begins: list[int], name: str, first: date, last: date) -> None:
    """Refuse, with the event's line, a repeat rule that would make too many starts (see the module note).

    Counting uses wall-clock times with UNTIL read as a wall-clock time too: off by at most a day at the
    window's edges, which only matters for the caps, never for what is imported.
    """
    window_start, window_end = datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))
    for line, event in zip(begins, calendar.walk("VEVENT"), strict=False):
        rules = event.get("RRULE")
        if rules is None or "RECURRENCE-ID" in event:
            continue
        for rule in rules if isinstance(rules, list) else [rules]:
            where = f"{name} line {line}"
            frequency = str((rule.get("FREQ") or [""])[0]).upper()
            if frequency in _TOO_FREQUENT:
                raise InvalidInput(
                    f"{where}: the event repeats {_TOO_FREQUENT[frequency]} (FREQ={frequency}); "
                    "a room booking repeats at most daily"
                )
            text = rule.to_ical().decode()
            text = re.sub(r"UNTIL=(\d{8})(T\d{6})?Z?", lambda m: f"UNTIL={m.group(1)}{m.group(2) or 'T235959'}", text)
            try:
                starts = rrulestr(text, dtstart=_wall(event.decoded("DTSTART")))
                in_window = 0
                for scanned, moment in enumerate(itertools.islice(starts, MAX_SCANNED + 1)):
                    if moment >= window_end:
                        break
                    if scanned == MAX_SCANNED:
                        raise InvalidInput(
                            f"{where}: the event repeats more than {MAX_SCANNED:,} times before {last}; "
                            "a file with such a rule is refused"
                        )
                    if moment >= window_start:
                        in_window += 1
                        if in_window > MAX_PER_EVENT:
                            raise InvalidInput(
                                f"{where}: the event repeats more than {MAX_PER_EVENT:,} times between {first} and "
                                f"{last}; import a shorter window"
                            )
            except (ValueError, TypeError, KeyError) as exc:
                raise InvalidInput(f"{where}: cannot expand its RRULE {text!r} ({exc})") from None


def read_sessions(raw: bytes, name: str, first: date, last: date) -> tuple[list[ImportedSession], list[str]]:
    """The file's sessions starting on `first`..`last` (London dates), and the events left out, with why."""
    calendar = read_calendar(raw, name)
    lines, begins = _event_lines(raw)
    _check_repeats(calendar, begins, name, first, last)
    window_start = datetime.combine(first, time(0), tzinfo=LONDON)
    window_end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON)
    try:
        events = recurring_ical_events.of(calendar).between(window_start, window_end)
    except Exception as exc:  # the expander's own errors name the broken rule
        raise InvalidInput(f"{name}: cannot expand its repeating events ({exc})") from None
    if len(events) > MAX_SESSIONS:
        raise InvalidInput(
            f"{name} line 1: more than {MAX_SESSIONS:,} sessions between {first} and {last}; import a shorter window"
        )
    sessions: list[ImportedSession] = []
    left_out: list[str] = []
    for event in events:
        title = _CONTROL.sub("", str(event.get("SUMMARY", ""))).strip() or "Imported session"
        line = lines.get(str(event.get("UID", "")), 0)
        start = event.decoded("DTSTART")
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            left_out.append(f"{title} on {start:%a %d %b %Y}: cancelled in the file")
            continue
        if not isinstance(start, datetime):
            left_out.append(f"{title} on {start:%a %d %b %Y}: an all-day event has no times to book")
            continue
        end = event.decoded("DTEND") if "DTEND" in event else start + event.decoded("DURATION", timedelta(0))
        start_local = (start if start.tzinfo else start.replace(tzinfo=LONDON)).astimezone(LONDON)
        end_local = (end if end.tzinfo else end.replace(tzinfo=LONDON)).astimezone(LONDON)
        minutes = round((end_local.replace(tzinfo=None) - start_local.replace(tzinfo=None)).total_seconds() / 60)
        classification = str(event.get("CLASS", "PUBLIC")).upper()
        sessions.append(
            ImportedSession(
                title=title[:160],
                day=start_local.date(),
                start=start_local.time().replace(second=0, microsecond=0, tzinfo=None),
                duration_min=minutes,
                private=classification in ("PRIVATE", "CONFIDENTIAL"),
                line=line,
            )
        )
    sessions.sort(key=lambda s: (s.day, s.start, s.title))
    return sessions, left_out


# -- planning and applying -------------------------------------------------------------------------------


class IcsImporter:
    """Plans and applies the import of one .ics into one room for one organisation."""

    def __init__(self, sessions: sessionmaker[Session], booking: BookingService):
        self._sessions = sessions
        self._booking = booking
        self._clock = booking.clock

    def window(self, first: date | None, last: date | None) -> tuple[date, date]:
        """The date window to import: from today for a year unless given; at most two years."""
        first = first or self._clock().astimezone(LONDON).date()
        last = last or first + timedelta(days=365)
        if last < first:
            raise InvalidInput(f"--to {last} is before --from {first}")
        if last - first > MAX_WINDOW:
            raise InvalidInput("import at most two years at a time")
        return first, last

    def _booking_for(
        self, session: ImportedSession, room_id: int, organisation_id: int, visibility: Visibility
    ) -> NewBooking:
        return NewBooking(
            room_id=room_id,
            organisation_id=organisation_id,
            title=session.title,
            first_date=session.day,
            start=session.start,
            duration_min=session.duration_min,
            frequency=Frequency.ONCE,
            visibility=Visibility.PRIVATE if session.private else visibility,
        )

    def plan(
        self,
        raw: bytes,
        name: str,
        *,
        room_id: int,
        organisation_id: int,
        first: date,
        last: date,
        visibility: Visibility = Visibility.PRIVATE,
    ) -> ImportReport:
        """What importing would do, session by session. Writes nothing."""
        imported, left_out = read_sessions(raw, name, first, last)
        report = ImportReport(left_out=left_out)
        accepted: list[tuple[datetime, datetime, ImportedSession]] = []
        for session in imported:
            problem = self._problem(session, room_id, organisation_id, visibility)
            if problem is None:
                start = datetime.combine(session.day, session.start, tzinfo=LONDON).astimezone(UTC)
                end = start + timedelta(minutes=session.duration_min)
                other = next((o for s, e, o in accepted if s < end and start < e), None)
                if other is not None:
                    problem = f"overlaps {other.title} {other.day:%a %d %b %Y} {other.start:%H:%M} in the same file"
                else:
                    accepted.append((start, end, session))
            report.lines.append(ReportLine(session, problem))
        return report

    def _problem(
        self, session: ImportedSession, room_id: int, organisation_id: int, visibility: Visibility
    ) -> str | None:
        if session.duration_min <= 0:
            return "ends before it starts"
        try:
            plan = self._booking.plan(self._booking_for(session, room_id, organisation_id, visibility))
        except HubSchedError as exc:
            return str(exc)
        return "; ".join(p.message for p in plan.problems) or None

    def apply(
        self,
        raw: bytes,
        name: str,
        *,
        room_id: int,
        organisation_id: int,
        first: date,
        last: date,
        visibility: Visibility = Visibility.PRIVATE,
    ) -> ImportReport:
        """Book every session, or none: any problem (or a race with another writer) refuses them all."""
        report = self.plan(
            raw, name, room_id=room_id, organisation_id=organisation_id, first=first, last=last, visibility=visibility
        )
        if not report.lines:
            raise InvalidInput(f"{name} has no timed sessions between {first} and {last}; nothing to import")
        if report.problems:
            worst = report.problems[0]
            raise BookingRefused(
                f"nothing imported: {len(report.problems)} of {len(report.lines)} session(s) cannot be booked "
                f"(first: {worst.session.title} {worst.session.day:%a %d %b %Y} {worst.session.start:%H:%M}: "
                f"{worst.problem}); run without --apply for the full report"
            )
        try:
            with self._sessions.begin() as session:
                for line in report.lines:
                    self._booking.book_within(
                        session, self._booking_for(line.session, room_id, organisation_id, visibility)
                    )
        except IntegrityError:
            raise BookingClash(
                "nothing imported: someone else booked the room meanwhile; run the import again"
            ) from None
        return report
