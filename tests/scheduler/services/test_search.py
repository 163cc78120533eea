"""SessionSearch: find series by title, public title, organisation, hub or room, accents and case ignored."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.types import Frequency, Visibility
from scheduler.bootstrap import bootstrap
from scheduler.services.booking import NewBooking
from scheduler.services.search import SessionSearch, matches, normalise

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # Wed 13 Jan 2027


def test_normalise_drops_accents_and_case():
    assert normalise("Café ÉLAN") == "cafe elan"


def test_every_word_must_match_some_field():
    fields = ("Job club", "", "DWP work coach", "Ilford Civic Hub", "Main Hall")
    assert matches("job ilford", fields) == "title"
    assert matches("job hainault", fields) is None
    assert matches("   ", fields) is None


@given(st.text(min_size=1, max_size=12).filter(lambda s: normalise(s).split()))
def test_a_title_always_finds_itself(title):
    assert matches(title, ("", "", "", "", title)) == "room"


@pytest.fixture
def world(sessions, borough):
    services = bootstrap(sessions, "Tester", clock=lambda: NOW)

    def book(title: str, room_id: int, organisation_id: int, first: date, last: date, **extra):
        return services.booking.book(
            NewBooking(
                room_id=room_id,
                organisation_id=organisation_id,
                title=title,
                first_date=first,
                last_date=last,
                frequency=Frequency.WEEKLY if first != last else Frequency.ONCE,
                start=time(10),
                duration_min=60,
                **extra,
            )
        )

    job = book("Job club", borough.hainault_hall_id, borough.advice_id, date(2027, 1, 4), date(2027, 3, 22))
    cafe = book(
        "Conversation café",
        borough.meeting_id,
        borough.pantry_id,
        date(2027, 1, 5),
        date(2027, 1, 5),
        public_title="Coffee morning",
        visibility=Visibility.GENERIC,
    )
    return services, borough, job, cafe


def test_search_finds_by_title_whatever_the_case_and_gives_the_next_date(world):
    services, _borough, job, _cafe = world
    hits = services.search.search("JOB")
    assert [h.series_id for h in hits] == [job.series_id]
    assert hits[0].upcoming
    assert hits[0].start_local.replace(tzinfo=None) == datetime(2027, 1, 18, 10, 0)  # next Monday after Wed 13 Jan
    assert hits[0].pattern.startswith("Weekly on Mon 10:00")


def test_search_ignores_accents_both_ways(world):
    services, *_ = world
    assert [h.title for h in services.search.search("cafe")] == ["Conversation café"]
    assert [h.title for h in services.search.search("CAFÉ")] == ["Conversation café"]


def test_search_finds_by_public_title_organisation_hub_and_room(world):
    services, *_ = world
    assert [h.matched for h in services.search.search("coffee")] == ["public title"]
    assert [h.title for h in services.search.search("pantry")] == ["Conversation café"]
    assert [h.title for h in services.search.search("hainault")] == ["Job club"]
    assert [h.title for h in services.search.search("meeting room")] == ["Conversation café"]


def test_a_finished_series_points_at_its_last_session_after_the_upcoming_ones(world):
    services, *_ = world
    hits = services.search.search("c")  # both: 'Job club' and 'Conversation café'
    assert [h.title for h in hits] == ["Job club", "Conversation café"]
    assert not hits[1].upcoming
    assert hits[1].start_local.replace(tzinfo=None) == datetime(2027, 1, 5, 10, 0)


def test_a_cancelled_next_session_is_skipped(world):
    services, *_ = world
    first = services.search.search("job")[0]
    version = services.calendar.session_details(first.occurrence_id).series_version
    services.booking.cancel_occurrence(first.occurrence_id, version)
    again = services.search.search("job")[0]
    assert again.start_local.replace(tzinfo=None) == datetime(2027, 1, 25, 10, 0)


def test_nothing_is_found_for_an_empty_or_unknown_query(sessions, borough):
    search = SessionSearch(sessions, clock=lambda: NOW)
    assert search.search("") == []
    assert search.search("zumba") == []


def test_next_day_with_sessions_is_today_or_the_first_day_ahead(world):
    services, borough, *_ = world
    assert services.search.next_day_with_sessions(date(2027, 1, 4)) == date(2027, 1, 4)
    assert services.search.next_day_with_sessions(date(2027, 1, 6)) == date(2027, 1, 11)
    assert services.search.next_day_with_sessions(date(2027, 1, 5), hub_id=borough.civic_id) == date(2027, 1, 5)
    assert services.search.next_day_with_sessions(date(2027, 1, 6), hub_id=borough.civic_id) is None
    assert services.search.next_day_with_sessions(date(2027, 4, 1)) is None
