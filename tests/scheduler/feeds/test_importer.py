"""Importing an .ics as bookings: a report first, then all or nothing; a malformed file names its line."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Occurrence, Series
from models.types import Visibility
from scheduler.errors import BookingRefused, InvalidInput
from scheduler.feeds.importer import IcsImporter, read_calendar, read_sessions
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import Borough, make_borough
from tests.scheduler.feeds.conftest import FixedClock

TZ = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T010000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def calendar(*events: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Group//EN\r\n" + TZ + "".join(events) + "END:VCALENDAR\r\n"
    ).encode()


def event(uid: str, summary: str, start: str, end: str, *extra: str) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T000000Z",
        f"SUMMARY:{summary}",
        f"DTSTART;TZID=Europe/London:{start}",
        f"DTEND;TZID=Europe/London:{end}",
        *extra,
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


# Weekly on Tuesdays 10:00-11:30 from 2 Mar 2027, six times, one skipped by the group itself (EXDATE),
# one moved (RECURRENCE-ID) to Wednesday, crossing the spring clock change; plus a cancelled and an
# all-day event that are left out.
GROUP_CALENDAR = calendar(
    event(
        "choir@group",
        "Community choir",
        "20270302T100000",
        "20270302T113000",
        "RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=TU",
        "EXDATE;TZID=Europe/London:20270316T100000",
    ),
    event(
        "choir@group",
        "Community choir",
        "20270324T140000",
        "20270324T153000",
        "RECURRENCE-ID;TZID=Europe/London:20270323T100000",
    ),
    event("gone@group", "Cancelled social", "20270305T100000", "20270305T110000", "STATUS:CANCELLED"),
    "BEGIN:VEVENT\r\nUID:fair@group\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Spring fair\r\n"
    "DTSTART;VALUE=DATE:20270320\r\nEND:VEVENT\r\n",
)


@pytest.fixture
def borough(sessions: sessionmaker[Session]) -> Borough:
    return make_borough(sessions)


def importer(sessions: sessionmaker[Session], clock: FixedClock) -> IcsImporter:
    return IcsImporter(sessions, BookingService(sessions, "Tester", clock=clock))


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Series)), s.scalar(
            select(func.count()).select_from(Occurrence)
        )


def test_a_clean_file_is_reported_then_booked_all_together(sessions, borough: Borough, clock: FixedClock) -> None:
    options = dict(
        room_id=borough.meeting_id, organisation_id=borough.pantry_id, first=date(2027, 3, 1), last=date(2027, 4, 30)
    )
    report = importer(sessions, clock).plan(GROUP_CALENDAR, "group.ics", **options)
    assert report.ok
    assert [(line.session.day, line.session.start, line.session.duration_min) for line in report.lines] == [
        (date(2027, 3, 2), time(10), 90),
        (date(2027, 3, 9), time(10), 90),
        (date(2027, 3, 24), time(14), 90),
        (date(2027, 3, 30), time(10), 90),  # after the clocks change: still 10:00 London time
        (date(2027, 4, 6), time(10), 90),
    ]
    assert len(report.left_out) == 2
    assert counts(sessions) == (0, 0)  # the plan wrote nothing
    importer(sessions, clock).apply(GROUP_CALENDAR, "group.ics", **options)
    assert counts(sessions) == (5, 5)
    with sessions() as s:
        assert {v for v in s.scalars(select(Series.visibility))} == {Visibility.PRIVATE}


def test_a_clash_or_closure_refuses_the_whole_import(sessions, borough: Borough, clock: FixedClock) -> None:
    BookingService(sessions, "Tester", clock=clock).book(
        NewBooking(
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Debt advice",
            first_date=date(2027, 3, 9),
            start=time(11),
            duration_min=60,
        )
    )
    before = counts(sessions)
    options = dict(
        room_id=borough.meeting_id, organisation_id=borough.pantry_id, first=date(2027, 3, 1), last=date(2027, 4, 30)
    )
    extra = calendar(
        event("x@group", "Easter Monday social", "20270329T100000", "20270329T110000"),
        event("y@group", "Choir", "20270309T100000", "20270309T113000"),
        event("z@group", "Choir again", "20270309T110000", "20270309T120000"),
    )
    report = importer(sessions, clock).plan(extra, "group.ics", **options)
    problems = {line.session.title: line.problem for line in report.lines if line.problem}
    assert "bank holiday (Easter Monday)" in problems["Easter Monday social"]
    assert "already booked by Debt advice (Citizens Advice Redbridge)" in problems["Choir"]
    assert "already booked by Debt advice" in problems["Choir again"]
    with pytest.raises(BookingRefused, match=r"nothing imported: 3 of 3 session\(s\) cannot be booked"):
        importer(sessions, clock).apply(extra, "group.ics", **options)
    assert counts(sessions) == before


def test_sessions_of_the_same_file_that_overlap_are_reported(sqlite_sessions, clock: FixedClock) -> None:
    borough = make_borough(sqlite_sessions)
    twice = calendar(
        event("a@group", "Choir", "20270309T100000", "20270309T113000"),
        event("b@group", "Band", "20270309T110000", "20270309T120000"),
    )
    report = importer(sqlite_sessions, clock).plan(
        twice,
        "g.ics",
        room_id=borough.hall_id,
        organisation_id=borough.pantry_id,
        first=date(2027, 3, 1),
        last=date(2027, 3, 31),
    )
    assert [line.problem for line in report.lines] == [None, "overlaps Choir Tue 09 Mar 2027 10:00 in the same file"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "f.ics line 1: the file is empty"),
        (b"BEGIN:VEVENT\r\nEND:VEVENT\r\n", "f.ics line 1: an iCalendar file starts with BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nthis is not ical\r\nEND:VCALENDAR\r\n", "f.ics line 2: not an iCalendar content line"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
            "f.ics line 4: END:VCALENDAR does not close BEGIN:VEVENT (line 2)",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "f.ics line 2: event without DTSTART",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027-03-02 10:00\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "f.ics line 3: bad DTSTART '2027-03-02 10:00'",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270302T100000\r\nRRULE:FREQ=WEEKLY;BYDAY=XX\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "f.ics line 4: bad RRULE",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Mars/Olympus:20270302T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "f.ics line 3: unknown time zone 'Mars/Olympus'",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270302T100000\r\nEND:VEVENT\r\n",
            "f.ics line 1: BEGIN:VCALENDAR is never closed",
        ),
        (b"BEGIN:VCALENDAR\r\nX-NAME:caf\xe9\r\nEND:VCALENDAR\r\n", "f.ics line 2: not UTF-8 text"),
    ],
)
def test_a_malformed_file_is_refused_with_the_line_and_reason(text: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        read_calendar(text, "f.ics")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_folded_lines_are_counted_from_where_they_start() -> None:
    text = b"BEGIN:VCALENDAR\r\nX-LONG:aaa\r\n bbb\r\n ccc\r\n"
    text += b"BEGIN:VEVENT\r\nDTSTART:nope\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    with pytest.raises(InvalidInput, match=r"f\.ics line 6: bad DTSTART 'nope'"):
        read_calendar(text, "f.ics")


def test_a_fold_inside_a_multibyte_character_is_valid() -> None:
    """RFC 5545 §3.1 folds at 75 octets and unfolds the bytes first, so a fold may split a character."""
    title = "Café « Ça va » — coffee morning"
    line = f"SUMMARY:{title}".encode()
    cut = line.index("é".encode()) + 1  # between the two bytes of 'é'
    folded = line[:cut] + b"\r\n " + line[cut:]
    text = calendar(event("cafe@group", "X", "20270302T100000", "20270302T113000")).replace(b"SUMMARY:X", folded)
    sessions, _ = read_sessions(text, "f.ics", date(2027, 3, 1), date(2027, 3, 31))
    assert [s.title for s in sessions] == [title]


def test_a_negative_duration_is_refused() -> None:
    text = calendar(
        "BEGIN:VEVENT\r\nUID:neg@group\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Backwards\r\n"
        "DTSTART;TZID=Europe/London:20270302T100000\r\nDURATION:-PT1H\r\nEND:VEVENT\r\n"
    )
    with pytest.raises(InvalidInput, match=r"f\.ics line \d+: DURATION '-PT1H' is negative"):
        read_sessions(text, "f.ics", date(2027, 3, 1), date(2027, 3, 31))


def test_control_characters_are_stripped_from_imported_titles() -> None:
    text = calendar(event("nul@group", "Food\\, pantry", "20270302T100000", "20270302T113000"))
    text = text.replace(b"Food\\, pantry", b"Food\x00\x07 pantry\x1b")
    sessions, _ = read_sessions(text, "f.ics", date(2027, 3, 1), date(2027, 3, 31))
    assert [s.title for s in sessions] == ["Food pantry"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("RRULE:FREQ=MINUTELY", "the event repeats every minute (FREQ=MINUTELY)"),
        ("RRULE:FREQ=SECONDLY;INTERVAL=1", "the event repeats every second"),
        ("RRULE:FREQ=HOURLY;COUNT=100000000", "the event repeats every hour"),
        ("RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23", "more than 1,000"),
        ("RRULE:FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=" + ",".join(map(str, range(60))), "more than 1,000 times between"),
    ],
)
def test_a_rule_that_would_repeat_too_often_is_refused_with_its_line(rule: str, message: str) -> None:
    text = calendar(
        event("ok@group", "Fine", "20270302T100000", "20270302T113000"),
        event("flood@group", "Flood", "20270302T100000", "20270302T100100", rule),
    )
    line = text.split(b"\r\n").index(b"UID:flood@group")  # the BEGIN:VEVENT just before it, 1-based
    with pytest.raises(InvalidInput) as raised:
        read_sessions(text, "f.ics", date(2027, 1, 1), date(2028, 12, 31))
    assert str(raised.value).startswith(f"f.ics line {line}: "), str(raised.value)
    assert message in str(raised.value)


def test_a_daily_rule_from_long_ago_is_walked_within_the_cap() -> None:
    """A daily rule that began in 1990 is still fine: under 100,000 starts to walk, 31 in the window."""
    text = calendar(event("old@group", "Old", "19900302T100000", "19900302T110000", "RRULE:FREQ=DAILY"))
    sessions, _ = read_sessions(text, "f.ics", date(2027, 3, 1), date(2027, 3, 31))
    assert len(sessions) == 31


def test_a_file_over_the_size_cap_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scheduler.feeds.importer.MAX_FILE_BYTES", 1000)
    with pytest.raises(InvalidInput, match=r"f\.ics line 1: the file is larger than"):
        read_calendar(calendar(event("a@b", "A", "20270302T100000", "20270302T110000")) + b" " * 1000, "f.ics")
