"""Every feed expands to exactly the app's own occurrence list in independent client implementations.

(a) recurring-ical-events (Python), (b) Mozilla's ical.js (Thunderbird's parser) under node with
TZ=UTC and TZ=America/New_York and (c) libical (Evolution's parser, through its GObject bindings), for
the demo borough, for a year crossing both 2027 clock changes, and for the "clock-change corners"
borough: series whose first, last or only session starts or ends in the autumn's repeated hour or the
spring gap, with EXDATEs, moves and cancellations there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone
from sqlalchemy.orm import Session, sessionmaker

from scheduler.feeds.privacy import FeedKind
from scheduler.feeds.service import Feed, FeedService, build_feed
from tests.scheduler.feeds.conftest import (
    FixedClock,
    book_corners,
    book_year,
    expand_with_recurring_ical_events,
    expected_instances,
)

ZONES = ("UTC", "America/New_York")


def check_feeds(
    service: FeedService,
    tmp_path: Path,
    icaljs: Callable[..., dict[str, list]],
    libical: Callable[..., dict[str, list]],
) -> tuple[list[Feed], dict[str, list]]:
    facts = service.facts()
    feeds = service.build_all()
    files = {}
    expected = {}
    for number, feed in enumerate(feeds):
        path = tmp_path / f"feed{number}.ics"
        path.write_bytes(feed.content)
        files[str(path)] = feed
        expected[str(path)] = expected_instances(feed.spec, facts)
        assert expand_with_recurring_ical_events(feed.content) == expected[str(path)], feed.spec.path
    for zone in ZONES:
        expanded = icaljs(files, zone)
        for path, feed in files.items():
            assert expanded[path] == expected[path], f"ical.js under TZ={zone}: {feed.spec.path}"
    expanded = libical(files)
    for path, feed in files.items():
        assert expanded[path] == expected[path], f"libical: {feed.spec.path}"
    return feeds, expected


@pytest.mark.slow
def test_demo_borough_feeds_expand_to_the_apps_occurrences(
    demo_sessions: sessionmaker[Session], tmp_path: Path, icaljs, libical
) -> None:
    service = FeedService(demo_sessions)
    feeds, expected = check_feeds(service, tmp_path, icaljs, libical)
    facts = service.facts()
    assert len(feeds) == 1 + len(facts.hubs) + len(facts.places) + len(facts.organisations)
    assert sum(len(v) for v in expected.values()) > 1000  # the test looked at something


@pytest.mark.slow
def test_a_year_across_both_clock_changes_expands_to_the_apps_occurrences(
    sessions: sessionmaker[Session], tmp_path: Path, icaljs, libical, clock: FixedClock
) -> None:
    year = book_year(sessions, clock)
    feeds, _ = check_feeds(FeedService(sessions), tmp_path, icaljs, libical)
    by_path = {feed.spec.path: feed for feed in feeds}
    facts = FeedService(sessions).facts()
    hall_expected = expected_instances(by_path["rooms/ilford-civic-hub/main-hall.ics"].spec, facts)
    meeting_expected = expected_instances(by_path["rooms/ilford-civic-hub/meeting-room-1.ics"].spec, facts)
    sunday = {(start, end) for uid, start, end in hall_expected if uid == year.sunday_uid}
    # The nights the clocks change: 00:30 GMT on 28 Mar (ends 02:30 BST), 00:30 BST on 31 Oct (ends 02:30 GMT).
    assert (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)) in sunday
    assert (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), datetime(2027, 10, 31, 2, 30, tzinfo=UTC)) in sunday
    night = {start for uid, start, _ in meeting_expected if uid == year.night_uid}
    # 01:15 does not exist on 28 Mar; on 31 Oct it happens twice and means the first (BST) one.
    assert not {datetime(2027, 3, 28, 0, 15, tzinfo=UTC), datetime(2027, 3, 28, 1, 15, tzinfo=UTC)} & night
    assert datetime(2027, 10, 31, 0, 15, tzinfo=UTC) in night
    assert datetime(2027, 10, 31, 1, 15, tzinfo=UTC) not in night
    # Summer and winter sessions of the weekly series keep 10:00 London time.
    weekly = {start for uid, start, _ in hall_expected if uid == year.weekly_uid}
    assert datetime(2027, 7, 5, 9, 0, tzinfo=UTC) in weekly and datetime(2027, 1, 4, 10, 0, tzinfo=UTC) in weekly
    # The cancelled series is in no feed; the moved session is in the feeds of the room it moved to.
    assert all(year.cancelled_uid not in feed.series_uids for feed in feeds)
    meeting = by_path["rooms/ilford-civic-hub/meeting-room-1.ics"]
    assert year.weekly_uid in meeting.series_uids
    assert all(feed.spec.kind is not FeedKind.HUB or year.private_uid not in feed.series_uids for feed in feeds)


def test_the_rdate_style_vtimezone_trap_would_be_caught(
    sessions: sessionmaker[Session], tmp_path: Path, icaljs, clock: FixedClock
) -> None:
    """The check has teeth: icalendar's generated RDATE-style VTIMEZONE shifts sessions in ical.js."""
    book_year(sessions, clock)
    service = FeedService(sessions)
    feed = next(f for f in service.build_all() if f.spec.path == "rooms/ilford-civic-hub/main-hall.ics")
    ours = Calendar.from_ical(feed.content)
    generated = Timezone.from_tzinfo(ZoneInfo("Europe/London"), "Europe/London", first_date=date(2000, 1, 1))
    ours.subcomponents = [generated if c.name == "VTIMEZONE" else c for c in ours.subcomponents]
    path = tmp_path / "trap.ics"
    path.write_bytes(ours.to_ical())
    expected = expected_instances(feed.spec, service.facts())
    assert icaljs([path], "UTC")[str(path)] != expected


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.slow
def test_the_clock_change_corners_expand_to_the_apps_occurrences_in_every_reader(
    sessions: sessionmaker[Session], tmp_path: Path, icaljs, libical, clock: FixedClock
) -> None:
    corners = book_corners(sessions, clock)
    service = FeedService(sessions)
    feeds, _ = check_feeds(service, tmp_path, icaljs, libical)
    borough = next(feed for feed in feeds if feed.spec.kind is FeedKind.BOROUGH)
    spans = {}
    for uid, start, end in expected_instances(borough.spec, service.facts()):
        spans.setdefault(uid, set()).add((start, end))
    uid = corners.uids
    # The test looked at the corners themselves. 01:30 on 31 Oct means the first (BST) 01:30, 00:30Z; the
    # app ends a session at its wall-clock end, so 01:30-02:00 runs to 02:00 GMT.
    assert (_utc(2027, 10, 31, 0, 30), _utc(2027, 10, 31, 2)) in spans[uid["last_in_repeated_hour"]]
    assert (_utc(2027, 10, 31, 0, 30), _utc(2027, 10, 31, 2)) in spans[uid["only_in_repeated_hour"]]
    assert (_utc(2027, 10, 30, 23, 30), _utc(2027, 10, 31, 0, 30)) in spans[uid["ends_in_repeated_hour"]]
    assert (_utc(2027, 10, 30, 23, 59), _utc(2027, 10, 31, 0, 1)) in spans[uid["two_minutes_across_one"]]
    assert (_utc(2027, 10, 31, 0, 0), _utc(2027, 10, 31, 0, 30)) in spans[uid["moved_into_repeated_hour"]]
    assert not any(s.date() == date(2027, 10, 31) for s, _ in spans[uid["cancelled_in_repeated_hour"]])
    assert not any(s.date() == date(2027, 3, 28) for s, _ in spans[uid["last_in_spring_gap"]])
    assert min(spans[uid["first_in_spring_gap"]])[0] == _utc(2027, 4, 4, 0, 30)
    assert (_utc(2027, 3, 28, 1), _utc(2027, 3, 28, 1, 30)) in spans[uid["through_spring_gap"]]  # moved to 02:00
    # No EXDATE or RECURRENCE-ID names a local time that does not exist.
    text = borough.content.decode()
    assert "T0130" not in "".join(line for line in text.splitlines() if ":20270328T" in line and "TZID" in line)


def test_control_characters_never_reach_a_feed(
    sessions: sessionmaker[Session], tmp_path: Path, libical, clock: FixedClock
) -> None:
    """RFC 5545 forbids control characters in TEXT, and libical refuses a whole file for one."""
    book_year(sessions, clock)
    service = FeedService(sessions)
    facts = service.facts()
    dirty = "Food\x00 pantry\x07\x1b[31m \x7f\x85and\tcafé\r\nupstairs"
    series = tuple(dataclasses.replace(s, title=dirty, public_title=dirty) for s in facts.series)
    facts = dataclasses.replace(facts, series=series)
    spec = next(spec for spec in (f.spec for f in service.build_all()) if spec.kind is FeedKind.ORGANISATION)
    feed = build_feed(spec, facts)
    assert not any(byte < 0x20 and byte not in b"\r\n\t" for byte in feed.content)
    assert "Food pantry[31m and\tcafé\\nupstairs" in feed.content.decode().replace("\r\n ", "")
    path = tmp_path / "dirty.ics"
    path.write_bytes(feed.content)
    assert libical([path])[str(path)] == expected_instances(spec, facts)
