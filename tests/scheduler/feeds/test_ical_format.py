"""The shape of every feed: RFC 5545 / RFC 7986 calendar properties, the fixed VTIMEZONE, stable output."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Series
from scheduler.feeds.service import Feed, FeedService
from scheduler.services.booking import BookingService
from tests.scheduler.feeds.conftest import FixedClock, Year, book_year

LONDON_BLOCK = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nX-LIC-LOCATION:Europe/London\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T010000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZNAME:BST\r\n"
    "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZNAME:GMT\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


@pytest.fixture
def year_feeds(sessions: sessionmaker[Session], clock: FixedClock) -> tuple[Year, list[Feed]]:
    year = book_year(sessions, clock)
    return year, FeedService(sessions).build_all()


def unfolded(content: bytes) -> str:
    return content.decode("utf-8").replace("\r\n ", "")


def by_path(feeds: list[Feed], path: str) -> Feed:
    return next(f for f in feeds if f.spec.path == path)


def test_every_feed_has_the_calendar_properties_and_one_fixed_london_timezone(year_feeds) -> None:
    _, feeds = year_feeds
    for feed in feeds:
        text = unfolded(feed.content)
        head = text.split("BEGIN:VTIMEZONE")[0]
        for line in (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
            "PRODID:-//London Borough of Redbridge//Hub Scheduler//EN\r\n",
            "METHOD:PUBLISH\r\n",
            f"NAME:{feed.spec.name}\r\n",
            f"X-WR-CALNAME:{feed.spec.name}\r\n",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n",
            "X-PUBLISHED-TTL:PT1H\r\n",
        ):
            assert line in head, (feed.spec.path, line)
        assert "\r\nDESCRIPTION:" in head
        assert text.count("BEGIN:VTIMEZONE") == 1 and LONDON_BLOCK in text
        assert "RDATE" not in text
        assert all(len(line.encode()) <= 75 for line in feed.content.decode().split("\r\n")), "lines are folded"


def test_rrule_until_is_utc_and_exdates_carry_the_tzid_at_the_exact_local_time(year_feeds) -> None:
    _, feeds = year_feeds
    text = unfolded(by_path(feeds, "rooms/ilford-civic-hub/main-hall.ics").content)
    for until in re.findall(r"UNTIL=([0-9TZ]+)", text):
        assert until.endswith("Z")
    # Bank holidays (Easter Monday, early and spring bank holidays, summer), the hub closure in June,
    # the session moved away and the cancelled one: each an EXDATE at 10:00 London time, summer or winter.
    for day in ("20270329", "20270503", "20270531", "20270830", "20270607", "20270322", "20271101"):
        assert f"EXDATE;TZID=Europe/London:{day}T100000\r\n" in text
    assert "RRULE:FREQ=WEEKLY;UNTIL=20271220T100000Z;BYDAY=MO" in text
    fortnightly = unfolded(by_path(feeds, "rooms/ilford-civic-hub/meeting-room-1.ics").content)
    assert "RRULE:FREQ=WEEKLY;UNTIL=20271209T130000Z;INTERVAL=2;BYDAY=TH" in fortnightly
    assert "EXDATE;TZID=Europe/London:20270218T130000" in fortnightly  # half-term
    assert "EXDATE;TZID=Europe/London:20270610T130000" in fortnightly  # hub closure
    monthly = unfolded(by_path(feeds, "rooms/hainault-hub/main-hall.ics").content)
    assert "RRULE:FREQ=MONTHLY;UNTIL=20271231T100000Z;BYDAY=-1FR" in monthly


def test_a_moved_session_is_a_recurrence_id_override_in_its_organisations_feed(year_feeds) -> None:
    year, feeds = year_feeds
    pantry = next(f for f in feeds if f.spec.kind == "organisation" and f.spec.name.startswith("Ilford Food Pantry"))
    calendar = Calendar.from_ical(pantry.content)
    overrides = [e for e in calendar.walk("VEVENT") if e["UID"] == year.weekly_uid and "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    moved = overrides[0]
    assert moved.decoded("RECURRENCE-ID").strftime("%Y%m%dT%H%M") == "20270322T1000"
    assert moved.decoded("DTSTART").strftime("%Y%m%dT%H%M %Z") == "20270330T1430 BST"
    assert str(moved["LOCATION"]).startswith("Meeting Room 1, Ilford Civic Hub")
    assert moved["SEQUENCE"] == 2  # moved, then a session cancelled


def test_a_one_off_is_a_plain_event_with_the_series_uid(year_feeds) -> None:
    year, feeds = year_feeds
    calendar = Calendar.from_ical(by_path(feeds, "borough/whats-on.ics").content)
    events = [e for e in calendar.walk("VEVENT") if e["UID"] == year.one_off_uid]
    assert len(events) == 1 and "RRULE" not in events[0]


def test_an_unchanged_borough_gives_byte_identical_feeds_and_a_change_bumps_sequence(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    year = book_year(sessions, clock)
    first = {f.spec.path: f.content for f in FeedService(sessions).build_all()}
    clock.tick(60)
    assert {f.spec.path: f.content for f in FeedService(sessions).build_all()} == first
    with sessions() as s:
        series = s.scalars(select(Series).where(Series.uid == year.monthly_uid)).one()
        occurrence = series.occurrences[3]
        sid, version, oid, sequence = series.id, series.version, occurrence.id, series.sequence
    BookingService(sessions, "Tester", clock=clock).move_occurrence(
        oid, version, room_id=year.borough.hainault_hall_id, day=date(2027, 4, 29), start=time(14)
    )
    after = {f.spec.path: f.content for f in FeedService(sessions).build_all()}
    text = unfolded(after["rooms/hainault-hub/main-hall.ics"])
    assert f"SEQUENCE:{sequence + 1}" in text and "DTSTAMP:20261120T100300Z" in text
    assert sid


def test_no_feed_mentions_the_clock(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    book_year(sessions, clock)
    for feed in FeedService(sessions).build_all():
        stamps = set(re.findall(r"(?:DTSTAMP|LAST-MODIFIED|CREATED):(\d{8}T\d{6}Z)", unfolded(feed.content)))
        assert stamps <= {"20261120T090000Z", "20261120T090100Z", "20261120T090200Z", "20261120T090300Z"}
