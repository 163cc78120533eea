"""Privacy rules of the feeds, as rules and as a property over random bookings.

No private session's title, organisation or location appears in any hub, borough or room feed; a
hide-location session shows no location outside its organisation's feed (and is in no hub feed).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from models.types import Frequency, OccurrenceStatus, Visibility
from scheduler.feeds.facts import BoroughFacts, OrganisationFacts, Place, SeriesFacts, SessionFacts
from scheduler.feeds.privacy import NEUTRAL_TITLE, PRIVATE_TITLE, FeedKind, FeedSpec, includes, shown
from scheduler.feeds.service import build_feed, feed_specs
from scheduler.recurrence import to_utc
from tests.scheduler.feeds.conftest import series_uid

PLACES = {
    1: Place(1, "Main Hall", 10, "Ilford Civic Hub", "Clements Road, Ilford", "IG1 1EA", 51.5585, 0.074),
    2: Place(2, "Interview Booth 1", 10, "Ilford Civic Hub", "Clements Road, Ilford", "IG1 1EA", 51.5585, 0.074),
    3: Place(3, "Manford Hall", 20, "Hainault Hub", "100 Manford Way, Chigwell", "IG7 4DD", None, None),
}
HUBS = ((20, "Hainault Hub"), (10, "Ilford Civic Hub"))
STAMP = datetime(2026, 11, 20, 9, tzinfo=UTC)
TEXT_PROPERTIES = ("SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "CATEGORIES", "GEO")

words = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=5, max_size=9)


@st.composite
def series_facts(draw: st.DrawFn, number: int, title: str, public_title: str, organisation: OrganisationFacts):
    room = draw(st.sampled_from(sorted(PLACES)))
    frequency = draw(st.sampled_from([Frequency.WEEKLY, Frequency.ONCE]))
    first = datetime(2027, 3, 1) + timedelta(days=draw(st.integers(0, 6)) + 7 * draw(st.integers(0, 30)))
    start = time(draw(st.integers(9, 15)), draw(st.sampled_from([0, 30])))
    count = 1 if frequency is Frequency.ONCE else draw(st.integers(1, 6))
    occurrences = []
    for k in range(count):
        day = (first + timedelta(weeks=k)).date()
        fate = draw(st.sampled_from(["as booked", "as booked", "moved", "cancelled"]))
        begins = to_utc(day, start)
        where = room
        status = OccurrenceStatus.CONFIRMED
        if fate == "moved":
            where = draw(st.sampled_from(sorted(PLACES)))
            begins += timedelta(hours=draw(st.integers(-2, 2)), days=draw(st.integers(0, 2)))
            status = OccurrenceStatus.MOVED
        elif fate == "cancelled":
            status = OccurrenceStatus.CANCELLED
        occurrences.append(
            SessionFacts(datetime.combine(day, start), begins, begins + timedelta(hours=1), where, status)
        )
    return SeriesFacts(
        id=number,
        uid=f"uid-{number}@test",
        title=title,
        public_title=public_title,
        visibility=draw(st.sampled_from(list(Visibility))),
        hide_location=draw(st.booleans()),
        organisation_id=organisation.id,
        organisation=organisation.name,
        contact=f"{organisation.name.lower()}@example.org",
        room_id=room,
        weekday=first.weekday(),
        start_local=start,
        duration_min=60,
        frequency=frequency,
        nth=None,
        first_date=first.date(),
        last_date=(first + timedelta(weeks=count - 1)).date(),
        attendance=2,
        teams=(),
        sequence=draw(st.integers(0, 3)),
        created_at=STAMP,
        updated_at=STAMP,
        occurrences=tuple(occurrences),
    )


@st.composite
def boroughs(draw: st.DrawFn) -> BoroughFacts:
    names = draw(st.lists(words, min_size=4, max_size=16, unique=True))
    organisations = tuple(OrganisationFacts(i + 1, f"Org {name.title()}") for i, name in enumerate(names[:3]))
    titles = names[3:]
    series = []
    for number, title in enumerate(titles, start=1):
        organisation = draw(st.sampled_from(organisations))
        public_title = draw(st.sampled_from(["", f"Public {title}"]))
        series.append(draw(series_facts(number, f"Title {title}", public_title, organisation)))
    return BoroughFacts(places=PLACES, hubs=HUBS, organisations=organisations, series=tuple(series))


def _text(value: object) -> str:
    if isinstance(value, str):
        return str(value)
    raw = value.to_ical() if hasattr(value, "to_ical") else value
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def event_texts(content: bytes) -> list[tuple[str, str, dict[str, str]]]:
    """(series uid, all text of the event, its properties) for every VEVENT of a feed."""
    found = []
    for event in Calendar.from_ical(content).walk("VEVENT"):
        props = {name: _text(event[name]) for name in event}
        text = " ".join(props.get(name, "") for name in TEXT_PROPERTIES)
        found.append((series_uid(str(event["UID"])), text, props))
    return found


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(boroughs())
def test_private_and_hidden_sessions_never_leak_into_public_feeds(borough: BoroughFacts) -> None:
    tokens = {o.id: f"token{o.id}" for o in borough.organisations}
    series_by_uid = {s.uid: s for s in borough.series}
    organisations = {o.name for o in borough.organisations}
    for spec in feed_specs(borough, tokens):
        feed = build_feed(spec, borough)
        if spec.kind is FeedKind.ORGANISATION:
            own = {
                s.uid
                for s in borough.series
                if s.organisation_id == spec.subject_id and any(o.live for o in s.occurrences)
            }
            assert feed.series_uids == own  # the organisation sees all of its sessions
            continue
        raw = feed.content.decode("utf-8").replace("\r\n ", "")
        for series in borough.series:
            if series.visibility is Visibility.PRIVATE:
                assert series.title not in raw and (not series.public_title or series.public_title not in raw)
        for uid, text, props in event_texts(feed.content):
            series = series_by_uid[uid]
            secret = series.visibility is Visibility.PRIVATE or (series.hide_location and spec.kind is FeedKind.ROOM)
            if series.visibility is not Visibility.PUBLIC or secret:
                # No organisation is named by a private, generic or (in a room feed) hidden session.
                assert not any(name in text for name in organisations), (spec.path, text)
            if series.visibility is Visibility.PRIVATE:
                assert spec.kind is FeedKind.ROOM, "private sessions are in room feeds only"
                assert props["SUMMARY"] == PRIVATE_TITLE
            if series.visibility is Visibility.PRIVATE or series.hide_location:
                assert "LOCATION" not in props and "GEO" not in props, (spec.path, props)
                assert not any(p.room in text or p.hub in text for p in PLACES.values())
                assert spec.kind is not FeedKind.HUB
            if series.visibility is Visibility.GENERIC and not secret:
                assert props["SUMMARY"] == (series.public_title or NEUTRAL_TITLE)


def _series(visibility: Visibility, *, hide_location: bool = False, public_title: str = "") -> SeriesFacts:
    day = datetime(2027, 3, 1, 10)
    session = SessionFacts(
        day, to_utc(day.date(), day.time()), to_utc(day.date(), time(11)), 2, OccurrenceStatus.CONFIRMED
    )
    return SeriesFacts(
        1, "u@test", "Domestic abuse outreach", public_title, visibility, hide_location, 1, "Safer Homes",
        "x@example.org",
        2, 0, time(10), 60, Frequency.ONCE, None, day.date(), day.date(), 2, ("Outreach worker",), 0, STAMP, STAMP,
        (session,),
    )  # fmt: skip


ROOM = FeedSpec(FeedKind.ROOM, "room", "", "rooms/x.ics", 2)
HUB = FeedSpec(FeedKind.HUB, "hub", "", "hubs/x.ics", 10)
BOROUGH = FeedSpec(FeedKind.BOROUGH, "borough", "", "borough/x.ics")
OWN = FeedSpec(FeedKind.ORGANISATION, "org", "", "org/t.ics", 1)


def test_a_private_session_is_only_a_private_booking_in_its_room_feed() -> None:
    series = _series(Visibility.PRIVATE)
    session = series.occurrences[0]
    assert not includes(HUB, series, session, PLACES[2]) and not includes(BOROUGH, series, session, PLACES[2])
    assert includes(ROOM, series, session, PLACES[2])
    look = shown(ROOM, series, PLACES[2])
    assert (look.summary, look.description, look.place, look.confidential) == (PRIVATE_TITLE, "", None, True)


def test_a_generic_session_has_a_neutral_title_and_no_organisation() -> None:
    look = shown(BOROUGH, _series(Visibility.GENERIC), PLACES[2])
    assert (look.summary, look.description, look.place) == (NEUTRAL_TITLE, "", PLACES[2])
    assert shown(HUB, _series(Visibility.GENERIC, public_title="Drop-in"), PLACES[2]).summary == "Drop-in"


def test_a_hide_location_session_is_in_no_hub_feed_and_has_no_location_in_the_borough_feed() -> None:
    series = _series(Visibility.PUBLIC, hide_location=True)
    assert not includes(HUB, series, series.occurrences[0], PLACES[2])
    assert shown(BOROUGH, series, PLACES[2]).place is None
    assert shown(ROOM, series, PLACES[2]).summary == PRIVATE_TITLE


def test_the_organisations_own_feed_has_every_detail() -> None:
    series = _series(Visibility.PRIVATE, hide_location=True)
    look = shown(OWN, series, PLACES[2])
    assert look.summary == "Domestic abuse outreach" and look.place == PLACES[2]
    assert "Outreach worker" in look.description and "x@example.org" in look.description
