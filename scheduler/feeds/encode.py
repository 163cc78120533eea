"""Turning a series' stored occurrences into iCalendar recurrence: RRULE, EXDATE and RECURRENCE-ID.

Owns: the encoding rule, which starts from the occurrences the app actually stored (never from the
booking pattern alone), so that a feed expands to exactly the app's own occurrence list:
- DTSTART is the earliest included occurrence's original wall-clock start, UNTIL (UTC) the latest's;
- every date the rule makes without an included occurrence (closure, bank holiday, term-time break,
  cancellation, a session moved to a room outside this feed) is an EXDATE at its exact local time;
- an included occurrence whose instant or room differs from the rule's is a RECURRENCE-ID override, and
  so is one in the autumn hour that happens twice (clients disagree on which instant the rule means);
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


def fold_sensitive(wall: datetime) -> bool:
    """Whether a London wall-clock time is ambiguous (the autumn hour that happens twice) or missing.

    RFC 5545 says such a time with a TZID means the first instant; ical.js takes the second. Our
    writer therefore never leaves one to the client's reading: such sessions are written in UTC.
    """
    first, second = wall.replace(tzinfo=LONDON, fold=0), wall.replace(tzinfo=LONDON, fold=1)
    return first.utcoffset() != second.utcoffset()


@dataclass(frozen=True)
class Recurring:
    """One master VEVENT: DTSTART/DTEND (naive London wall clock), RRULE text, EXDATEs and overrides."""

    dtstart: datetime
    dtend: datetime
    rrule: str  # e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20271216T100000Z"
    exdates: tuple[datetime, ...]
    overrides: tuple[SessionFacts, ...]  # keyed by their recurrence_local


@dataclass(frozen=True)
class Singles:
    """Plain events, one per session. `own_uid` says the series UID can be used (a one-off)."""

    sessions: tuple[SessionFacts, ...]
    own_uid: bool


Encoding = Recurring | Singles


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
    recurring = _recurring(series, ordered)
    return recurring if recurring is not None else Singles(ordered, own_uid=False)


def _recurring(series: SeriesFacts, ordered: tuple[SessionFacts, ...]) -> Recurring | None:
    first, last = ordered[0].recurrence_local, ordered[-1].recurrence_local
    if first.time() != series.start_local or first.weekday() != series.weekday:
        return None
    try:
        dtend = datetime.combine(first.date(), add_minutes(series.start_local, series.duration_min))
    except ValueError:
        return None
    if fold_sensitive(first) or fold_sensitive(dtend):
        return None  # the master's own times must mean the same instant to every client
    rule = _rule_text(series, series.weekday, local_to_utc(last))
    if rule is None:
        return None
    instances = rule_instances(rule, first)
    by_recurrence = {o.recurrence_local: o for o in ordered}
    if not set(by_recurrence) <= set(instances):
        return None  # a stored session the rule does not make
    length = local_to_utc(dtend) - local_to_utc(first)  # clients give every instance this exact length
    exdates = tuple(moment for moment in instances if moment not in by_recurrence)
    overrides = tuple(
        o
        for o in ordered
        if fold_sensitive(o.recurrence_local)  # clients disagree on where the rule puts it: say it in UTC
        or (o.start_utc, o.end_utc, o.room_id)
        != (local_to_utc(o.recurrence_local), local_to_utc(o.recurrence_local) + length, series.room_id)
    )
    if len(overrides) == len(ordered):
        return None  # nothing is where the rule puts it: single events read better
    encoding = Recurring(first, dtend, rule, exdates, overrides)
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
