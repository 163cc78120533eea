"""Turning a series' stored occurrences into iCalendar recurrence: RRULE, EXDATE and RECURRENCE-ID.

Owns: the encoding rule, which starts from the occurrences the app actually stored (never from the
booking pattern alone), so that a feed expands to exactly the app's own occurrence list:
- DTSTART is the earliest included occurrence's original wall-clock start; UNTIL (UTC) is the latest
  reading of the last one's start, so a last session in the autumn hour that happens twice is kept by
  clients that read that hour as its second (GMT) instant;
- every date the rule makes without an included occurrence (closure, bank holiday, term-time break,
  cancellation, a session moved to a room outside this feed) is an EXDATE at its exact local time;
- an included occurrence whose instant or room differs from the rule's is a RECURRENCE-ID override, and
  so is one that starts or ends in the autumn hour that happens twice, or spans a clock change
  (clients disagree on which instant the rule means, and on whether a length is wall-clock or elapsed);
- a rule never makes a start at a local time that does not exist (the spring gap): libical ignores an
  EXDATE there and shifts the following weeks. The series is cut at each such date into parts; the
  first keeps the series' UID, each later part is its own rule with UID '<first start>-<series UID>';
- a series whose first session starts or ends in the repeated hour writes that session as a single event
  and starts its rule (UID '<next start>-<series UID>') with the next one;
- what cannot be said that way (one-offs, a stored date the rule does not make, a series none of whose
  included sessions is where the rule puts it) becomes plain single events.
The result is checked by expanding the emitted RRULE text with dateutil before it is used.
Pure: no database, no Qt.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr

from models.types import Frequency
from scheduler.feeds.facts import SeriesFacts, SessionFacts
from scheduler.recurrence import LONDON, add_minutes

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def local_to_utc(wall: datetime) -> datetime:
    """A naive Europe/London wall-clock time as a UTC instant (first instant when ambiguous)."""
    return wall.replace(tzinfo=LONDON).astimezone(UTC)


def latest_reading(wall: datetime) -> datetime:
    """The later of the two UTC instants an ambiguous London wall-clock time may mean (else its only one)."""
    return max(wall.replace(tzinfo=LONDON, fold=fold).astimezone(UTC) for fold in (0, 1))


def missing(wall: datetime) -> bool:
    """Whether a London wall-clock time does not exist (the spring-forward gap)."""
    return local_to_utc(wall).astimezone(LONDON).replace(tzinfo=None) != wall


def fold_sensitive(wall: datetime) -> bool:
    """Whether a London wall-clock time is ambiguous (the autumn hour that happens twice) or missing.

    RFC 5545 says such a time with a TZID means the first instant; ical.js takes the second. Our
    writer therefore never leaves one to the client's reading: such sessions are written in UTC.
    """
    first, second = wall.replace(tzinfo=LONDON, fold=0), wall.replace(tzinfo=LONDON, fold=1)
    return first.utcoffset() != second.utcoffset()


@dataclass(frozen=True)
class Recurring:
    """One master VEVENT: DTSTART/DTEND (naive London wall clock), RRULE text, EXDATEs and overrides.

    `part` is None for the series' own UID; any other part of a Split carries the original start of its
    first session, and its UID is '<part>-<series UID>'.
    """

    dtstart: datetime
    dtend: datetime
    rrule: str  # e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20271216T100000Z"
    exdates: tuple[datetime, ...]
    overrides: tuple[SessionFacts, ...]  # keyed by their recurrence_local
    part: datetime | None = None


@dataclass(frozen=True)
class Singles:
    """Plain events, one per session. `own_uid` says the series UID can be used (a one-off)."""

    sessions: tuple[SessionFacts, ...]
    own_uid: bool


@dataclass(frozen=True)
class Split:
    """A series written in parts, in order: its rule would make a start in a spring gap, or its first
    session starts or ends in the repeated autumn hour (see the module's notes)."""

    parts: tuple[Recurring | Singles, ...]


Encoding = Recurring | Singles | Split


def _rule_text(series: SeriesFacts, weekday: int, until_utc: datetime) -> str | None:
    until = until_utc.strftime("%Y%m%dT%H%M%SZ")
    if series.frequency is Frequency.WEEKLY:
        return f"FREQ=WEEKLY;UNTIL={until};BYDAY={BYDAY[weekday]}"
    if series.frequency is Frequency.FORTNIGHTLY:
        return f"FREQ=WEEKLY;INTERVAL=2;UNTIL={until};BYDAY={BYDAY[weekday]}"
    if series.frequency is Frequency.MONTHLY and series.nth in (-1, 1, 2, 3, 4):
        return f"FREQ=MONTHLY;UNTIL={until};BYDAY={series.nth}{BYDAY[weekday]}"
    return None


def rule_instances(rule: str, dtstart: datetime) -> list[datetime]:
    """The naive London wall-clock starts `rule` makes from `dtstart` (a naive London wall-clock time).

    Expands with an aware DTSTART, as a client does: UNTIL is a UTC instant and the comparison is made
    in UTC; dateutil keeps the wall-clock time across clock changes.
    """
    aware = dtstart.replace(tzinfo=LONDON)
    return [moment.replace(tzinfo=None) for moment in rrulestr(rule, dtstart=aware)]


def encode(series: SeriesFacts, included: Sequence[SessionFacts]) -> Encoding | None:
    """How a feed shows the `included` (live, in-feed) occurrences of `series`; None when there are none."""
    if not included:
        return None
    ordered = tuple(sorted(included, key=lambda o: o.recurrence_local))
    if series.frequency is Frequency.ONCE:
        return Singles(ordered, own_uid=len(ordered) == 1)
    parts: list[Recurring | Singles] = []
    for number, segment in enumerate(_segments(series, ordered)):
        part = None if number == 0 else segment[0].recurrence_local
        recurring = _recurring(series, segment, part)
        if (
            recurring is None
            and len(segment) > 2
            and _client_disagreement(segment[0].recurrence_local, timedelta(minutes=series.duration_min))
        ):
            # The first session starts or ends in the repeated hour: it cannot be a master's DTSTART, so
            # it stands alone and the rule starts with the next session.
            rest = _recurring(series, segment[1:], segment[1].recurrence_local)
            if rest is not None:
                parts += [Singles(segment[:1], own_uid=False), rest]
                continue
        parts.append(recurring if recurring is not None else Singles(segment, own_uid=False))
    return parts[0] if len(parts) == 1 else Split(tuple(parts))


def _segments(series: SeriesFacts, ordered: tuple[SessionFacts, ...]) -> list[tuple[SessionFacts, ...]]:
    """The sessions cut at every start the series' rule would make in a spring gap (usually one part)."""
    first, last = ordered[0].recurrence_local, ordered[-1].recurrence_local
    rule = _rule_text(series, series.weekday, latest_reading(last))
    if rule is None:
        return [ordered]
    gaps = [moment for moment in rule_instances(rule, first) if missing(moment)]
    segments: list[tuple[SessionFacts, ...]] = []
    rest = ordered
    for gap in gaps:
        before = tuple(o for o in rest if o.recurrence_local < gap)
        rest = tuple(o for o in rest if o.recurrence_local >= gap)
        if before:
            segments.append(before)
    if rest:
        segments.append(rest)
    return segments


def _client_disagreement(wall_start: datetime, wall_length: timedelta) -> bool:
    """Whether clients may read an instance starting at `wall_start` differently.

    So when its start or wall-clock end is ambiguous or missing, or it spans a clock change (libical adds
    the length as elapsed time, ical.js as wall-clock time).
    """
    wall_end = wall_start + wall_length
    if fold_sensitive(wall_start) or fold_sensitive(wall_end):
        return True
    return local_to_utc(wall_end) - local_to_utc(wall_start) != wall_length


def _recurring(series: SeriesFacts, ordered: tuple[SessionFacts, ...], part: datetime | None) -> Recurring | None:
    first, last = ordered[0].recurrence_local, ordered[-1].recurrence_local
    if first.time() != series.start_local or first.weekday() != series.weekday:
        return None
    try:
        dtend = datetime.combine(first.date(), add_minutes(series.start_local, series.duration_min))
    except ValueError:
        return None
    if _client_disagreement(first, dtend - first):
        return None  # the master's own times must mean the same instants to every client
    rule = _rule_text(series, series.weekday, latest_reading(last))
    if rule is None:
        return None
    instances = rule_instances(rule, first)
    if any(missing(moment) for moment in instances):
        return None  # see the module's note on spring gaps
    by_recurrence = {o.recurrence_local: o for o in ordered}
    if not set(by_recurrence) <= set(instances):
        return None  # a stored session the rule does not make
    length = dtend - first  # equal in wall-clock and elapsed terms (checked above)
    exdates = tuple(moment for moment in instances if moment not in by_recurrence)
    overrides = tuple(
        o
        for o in ordered
        if _client_disagreement(o.recurrence_local, length)  # say where it is in UTC or with its own end
        or (o.start_utc, o.end_utc, o.room_id)
        != (local_to_utc(o.recurrence_local), local_to_utc(o.recurrence_local) + length, series.room_id)
    )
    if len(overrides) == len(ordered):
        return None  # nothing is where the rule puts it: single events read better
    encoding = Recurring(first, dtend, rule, exdates, overrides, part)
    if expand(encoding) != sorted((o.start_utc, o.end_utc) for o in ordered):
        return None
    return encoding


def expand(encoding: Recurring) -> list[tuple[datetime, datetime]]:
    """The (start, end) UTC instants a standard client makes of `encoding`, in order."""
    length: timedelta = local_to_utc(encoding.dtend) - local_to_utc(encoding.dtstart)
    excluded = set(encoding.exdates)
    moved = {o.recurrence_local: o for o in encoding.overrides}
    spans = []
    for moment in rule_instances(encoding.rrule, encoding.dtstart):
        if moment in excluded:
            continue
        if moment in moved:
            spans.append((moved[moment].start_utc, moved[moment].end_utc))
        else:
            start = local_to_utc(moment)
            spans.append((start, start + length))
    return sorted(spans)
