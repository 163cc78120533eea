"""Expand iCalendar files with libical (Evolution's parser) and print every instance as JSON.

Usage: /usr/bin/python3 libical_expand.py FILE... -> {"FILE": [{"uid", "start", "end"}, ...], ...}
(start/end UTC ISO 8601), the same shape as js/expand.mjs prints.

Runs under Debian's system Python with python3-gi and gir1.2-ical-3.0 (libical-glib), not in the
project's virtual environment: the GObject bindings are built for the system interpreter. Only the
standard library and libical are used. A file libical refuses (for example one with control characters
in a TEXT value) is reported as {"FILE": {"error": "..."}}.

Each master's instances come from libical's own icalcomponent_foreach_recurrence (RRULE, RDATE,
EXDATE); an override (RECURRENCE-ID) replaces the instance it names, compared as instants, as Evolution
does. An override that names no instance is dropped, as ical.js drops it.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

WINDOW = ("20000101T000000Z", "20350101T000000Z")


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(value: ICalGLib.Time, zone: ICalGLib.Timezone | None = None) -> int:
    zone = zone or value.get_timezone() or ICalGLib.Timezone.get_utc_timezone()
    return value.as_timet_with_zone(zone)


def _recurrence_instant(calendar: ICalGLib.Component, event: ICalGLib.Component) -> int:
    """RECURRENCE-ID as an instant: libical's getter drops its TZID, so resolve that from the calendar."""
    prop = event.get_first_property(ICalGLib.PropertyKind.RECURRENCEID_PROPERTY)
    tzid = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    value = prop.get_recurrenceid()
    if tzid is None or value.is_utc():
        return _instant(value)
    return _instant(value, calendar.get_timezone(tzid.get_tzid()))


def expand(text: str) -> list[dict[str, str]] | dict[str, str]:
    calendar = ICalGLib.Component.new_from_string(text)
    if calendar is None:
        return {"error": "libical could not parse the file"}
    errors = []
    component = calendar.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while component is not None:
        prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            errors.append(prop.get_xlicerror())
            prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        component = calendar.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    if errors:
        return {"error": "; ".join(errors)}
    masters: list[ICalGLib.Component] = []
    overrides: dict[tuple[str, int], tuple[int, int]] = {}
    event = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        if event.get_first_property(ICalGLib.PropertyKind.RECURRENCEID_PROPERTY) is not None:
            key = (event.get_uid(), _recurrence_instant(calendar, event))
            overrides[key] = (_instant(event.get_dtstart()), _instant(event.get_dtend()))
        else:
            masters.append(event)
        event = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    start, end = (ICalGLib.Time.new_from_string(moment) for moment in WINDOW)
    instances = []
    for master in masters:
        uid = master.get_uid()
        spans: list[tuple[int, int]] = []

        def collect(_component: ICalGLib.Component, span: ICalGLib.TimeSpan, *_: object, into=spans) -> None:
            into.append((span.get_start(), span.get_end()))

        master.foreach_recurrence(start, end, collect)
        for first, last in spans:
            first, last = overrides.get((uid, first), (first, last))
            instances.append({"uid": uid, "start": _iso(first), "end": _iso(last)})
    return instances


def main(files: list[str]) -> int:
    result = {}
    for name in files:
        with open(name, encoding="utf-8") as stream:
            result[name] = expand(stream.read())
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
