"""Writing one feed as iCalendar bytes (RFC 5545 with the RFC 7986 calendar properties).

Owns: the calendar's fixed header (VERSION, PRODID, METHOD:PUBLISH, NAME / X-WR-CALNAME, DESCRIPTION,
REFRESH-INTERVAL;VALUE=DURATION and X-PUBLISHED-TTL), the one hand-written Europe/London VTIMEZONE, and
VEVENTs for encoded series. Output is a pure function of its input: DTSTAMP and LAST-MODIFIED come from
the series' `updated_at`, CREATED from `created_at`, never from the clock, so an unchanged borough
gives byte-identical feeds.

WORKAROUND: the icalendar package's own VTIMEZONE (add_missing_timezones / Timezone.from_tzinfo) is
RDATE-style; ical.js (Thunderbird) reads only its first RDATE and Outlook only the latest STANDARD block,
which shifts sessions by an hour. We write the RRULE-style block that every client reads the same way.
The icalendar package is used for escaping, folding and value formatting only.

Every TEXT value is passed through `clean_text`: RFC 5545 forbids control characters in TEXT, and
libical refuses a whole file for one NUL, whatever was stored.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vRecur

from scheduler.feeds.encode import Recurring, Singles, Split, fold_sensitive
from scheduler.feeds.facts import Place, SeriesFacts, SessionFacts
from scheduler.feeds.privacy import FeedSpec, Shown, shown
from scheduler.recurrence import LONDON

PRODID = "-//London Borough of Redbridge//Hub Scheduler//EN"
TZID = "Europe/London"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class EncodedSeries:
    """A series and how this feed encodes the sessions of it that the feed includes."""

    series: SeriesFacts
    encoding: Recurring | Singles | Split


def london_timezone() -> Timezone:
    """The fixed RRULE-style Europe/London VTIMEZONE (see the module's WORKAROUND note)."""
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", timedelta(0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("dtstart", datetime(1970, 3, 29, 1, 0))
    summer.add("rrule", vRecur.from_ical("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"))
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(0))
    winter.add("dtstart", datetime(1970, 10, 25, 2, 0))
    winter.add("rrule", vRecur.from_ical("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"))
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


# C0 controls but TAB and LF (LF is written as the TEXT escape \n), DEL, and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` without the control characters RFC 5545 forbids in TEXT (CR LF and CR become LF)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _london(wall: datetime) -> datetime:
    return wall.replace(tzinfo=LONDON)


def _instant_in_london(instant: datetime) -> datetime:
    """London wall-clock time with TZID, or UTC where that wall-clock time is ambiguous or missing."""
    local = instant.astimezone(LONDON)
    if fold_sensitive(local.replace(tzinfo=None)):
        return instant.astimezone(UTC)
    return local


def _stamp(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _describe(event: Event, series: SeriesFacts, look: Shown) -> None:
    event.add("summary", clean_text(look.summary))
    if look.description:
        event.add("description", clean_text(look.description))
    if look.place is not None:
        event.add("location", clean_text(look.place.location))
        if look.place.geo is not None:
            event.add("geo", look.place.geo)
    event.add("class", "PRIVATE" if look.confidential else "PUBLIC")
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("sequence", series.sequence)
    event.add("dtstamp", _stamp(series.updated_at))
    event.add("last-modified", _stamp(series.updated_at))
    event.add("created", _stamp(series.created_at))


def _single_uid(series: SeriesFacts, session: SessionFacts, own: bool) -> str:
    if own:
        return series.uid
    return f"{session.recurrence_local:%Y%m%dT%H%M%S}-{series.uid}"


def series_events(
    spec: FeedSpec, item: EncodedSeries, places: dict[int, Place]
) -> list[tuple[tuple[str, int, str], Event]]:
    """The VEVENTs of one series in one feed, each with a sort key (uid, master first, recurrence id)."""
    if isinstance(item.encoding, Split):
        return [pair for part in item.encoding.parts for pair in _part_events(spec, item.series, part, places)]
    return _part_events(spec, item.series, item.encoding, places)


def _part_events(
    spec: FeedSpec, series: SeriesFacts, encoding: Recurring | Singles, places: dict[int, Place]
) -> list[tuple[tuple[str, int, str], Event]]:
    events: list[tuple[tuple[str, int, str], Event]] = []
    if isinstance(encoding, Singles):
        for session in encoding.sessions:
            event = Event()
            uid = _single_uid(series, session, encoding.own_uid)
            event.add("uid", uid)
            event.add("dtstart", _instant_in_london(session.start_utc))
            event.add("dtend", _instant_in_london(session.end_utc))
            _describe(event, series, shown(spec, series, places[session.room_id]))
            events.append(((uid, 0, ""), event))
        return events
    uid = series.uid if encoding.part is None else f"{encoding.part:%Y%m%dT%H%M%S}-{series.uid}"
    master = Event()
    master.add("uid", uid)
    master.add("dtstart", _london(encoding.dtstart))
    master.add("dtend", _london(encoding.dtend))
    master.add("rrule", vRecur.from_ical(encoding.rrule))
    for moment in encoding.exdates:
        master.add("exdate", _london(moment))
    _describe(master, series, shown(spec, series, places[series.room_id]))
    events.append(((uid, 0, ""), master))
    for session in encoding.overrides:
        override = Event()
        override.add("uid", uid)
        override.add("recurrence-id", _london(session.recurrence_local))
        override.add("dtstart", _instant_in_london(session.start_utc))
        override.add("dtend", _instant_in_london(session.end_utc))
        _describe(override, series, shown(spec, series, places[session.room_id]))
        events.append(((uid, 1, f"{session.recurrence_local:%Y%m%dT%H%M%S}"), override))
    return events


def write_feed(spec: FeedSpec, items: Iterable[EncodedSeries], places: dict[int, Place]) -> bytes:
    """The feed as bytes (CRLF line ends, lines folded at 75 octets)."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", clean_text(spec.name))
    calendar.add("x-wr-calname", clean_text(spec.name))
    calendar.add("description", clean_text(spec.description))
    calendar.add("x-wr-caldesc", clean_text(spec.description))
    # WORKAROUND: icalendar's REFRESH-INTERVAL setter leaves out VALUE=DURATION, which RFC 7986 requires.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add_component(london_timezone())
    events = [pair for item in items for pair in series_events(spec, item, places)]
    for _, event in sorted(events, key=lambda pair: pair[0]):
        calendar.add_component(event)
    return calendar.to_ical()
