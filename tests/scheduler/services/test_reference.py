"""Reference data through ReferenceService, on SQLite and PostgreSQL: every operation, and the refusals that
protect booked sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Contact, Occurrence, Request, Room, Series
from models.types import Frequency, Sector
from scheduler.errors import InUse, InvalidReference, NeedsConfirmation, NotFound, OutsideOpeningHours, StaleEdit
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.reference import (
    BreakDraft,
    ContactDraft,
    FacilityDraft,
    HoursException,
    HoursWindow,
    HubDraft,
    OrganisationDraft,
    ReferenceService,
    RoomDraft,
    TeamDraft,
    TermDraft,
    contact_as_line,
    contact_from_line,
    hours_on,
)
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft
from tests.builders import Borough

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
FRIDAYS = 11  # 8 Jan to 26 Mar 2027 (half-term included), less Good Friday 26 Mar


@pytest.fixture
def ref(sessions: sessionmaker[Session]) -> ReferenceService:
    return ReferenceService(sessions, "Test Manager", clock=lambda: NOW)


def book_pantry(sessions, b: Borough, **changes) -> int:
    """Food pantry, Fridays 12:00-15:00 in the Main Hall through the spring term, 40 people."""
    fields = dict(
        room_id=b.hall_id,
        organisation_id=b.pantry_id,
        title="Food pantry",
        first_date=date(2027, 1, 8),
        start=time(12),
        duration_min=180,
        attendance=40,
        frequency=Frequency.WEEKLY,
        term_id=b.term_id,
        runs_in_breaks=True,
    )
    fields.update(changes)
    return BookingService(sessions, "Test Manager").book(NewBooking(**fields)).series_id


def counts(sessions) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (AuditEntry, Room, Series, Occurrence))


def weekdays_9_to_5() -> tuple[HoursWindow, ...]:
    return tuple(HoursWindow(d, time(9), time(17)) for d in range(5))


# --- hubs -------------------------------------------------------------------------------------------------


def test_add_hub_with_hours_and_exception_is_audited(ref, sessions) -> None:
    draft = HubDraft(
        name="Wanstead Hub",
        area="Wanstead Village",
        address="Spratt Hall Road",
        postcode="e11 2rq",
        latitude=51.575,
        longitude=0.025,
        hours=(*weekdays_9_to_5(), HoursWindow(3, time(18), time(20))),
        exceptions=(HoursException(date(2026, 12, 1), date(2027, 2, 28), 3, time(9), time(21), "Winter late"),),
    )
    record = ref.add_hub(draft)
    again = ref.hub(record.id)
    assert again.draft.postcode == "E11 2RQ"
    assert again.draft.hours == tuple(sorted(draft.hours, key=lambda w: (w.weekday, w.opens)))
    assert again.draft.exceptions == draft.exceptions
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "add-hub")).one()
        assert entry.operator == "Test Manager" and entry.after["name"] == "Wanstead Hub"


def test_hub_names_are_unique_and_hours_must_make_sense(ref, borough) -> None:
    with pytest.raises(InvalidReference) as error:
        ref.add_hub(HubDraft(name="ilford civic hub", hours=(HoursWindow(0, time(17), time(9)),)))
    assert set(error.value.fields) == {"name", "hours"}
    overlap = (HoursWindow(0, time(9), time(13)), HoursWindow(0, time(12), time(17)))
    assert "overlap" in ref.validate_hub(HubDraft(name="New", hours=overlap))["hours"]


def test_exception_hours_replace_the_weekday_hours() -> None:
    hours = weekdays_9_to_5()
    late = (HoursException(date(2027, 1, 1), date(2027, 1, 31), 3, time(9), time(21)),)
    assert hours_on(hours, late, date(2027, 1, 14)) == [(time(9), time(21))]  # a Thursday in range
    assert hours_on(hours, late, date(2027, 1, 13)) == [(time(9), time(17))]  # a Wednesday
    closed = (HoursException(date(2027, 1, 13), date(2027, 1, 13)),)
    assert hours_on(hours, closed, date(2027, 1, 13)) == []


def test_closing_hours_under_booked_sessions_lists_them_and_asks_first(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    hub = ref.hub(borough.civic_id)
    mornings = tuple(HoursWindow(d, time(9), time(12)) for d in range(5))
    before = counts(sessions)
    with pytest.raises(NeedsConfirmation) as asked:
        ref.edit_hub(hub.id, hub.version, replace(hub.draft, hours=mornings))
    assert len(asked.value.affected) == FRIDAYS
    assert "Food pantry (Ilford Food Pantry) on Fri 08 Jan 2027 12:00–15:00" in asked.value.affected
    assert counts(sessions) == before and ref.hub(hub.id).draft.hours == hub.draft.hours
    edited = ref.edit_hub(hub.id, hub.version, replace(hub.draft, hours=mornings), confirm=True)
    assert edited.version == hub.version + 1 and edited.draft.hours == mornings


def test_an_exception_that_closes_one_friday_asks_about_that_friday_only(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    hub = ref.hub(borough.civic_id)
    closed = (HoursException(date(2027, 1, 22), date(2027, 1, 22), note="Boiler"),)
    with pytest.raises(NeedsConfirmation) as asked:
        ref.edit_hub(hub.id, hub.version, replace(hub.draft, exceptions=closed))
    assert [a.split(" on ")[1] for a in asked.value.affected] == ["Fri 22 Jan 2027 12:00–15:00"]


def test_editing_a_hub_someone_else_changed_is_refused(ref, borough) -> None:
    hub = ref.hub(borough.civic_id)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, area="Clementswood"))
    with pytest.raises(StaleEdit):
        ref.edit_hub(hub.id, hub.version, replace(hub.draft, area="Loxford"))
    assert ref.hub(hub.id).draft.area == "Clementswood"


def test_a_hub_with_rooms_is_retired_not_deleted(ref, borough, sessions) -> None:
    with pytest.raises(InUse):
        ref.delete_hub(borough.hainault_id)
    hub = ref.hub(borough.hainault_id)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, retired=True))
    with sessions() as s:
        assert s.get(Room, borough.hainault_hall_id).retired
        assert not s.get(Room, borough.hainault_hall_id).bookable
    empty = ref.add_hub(HubDraft(name="Pop-up Hub"))
    ref.delete_hub(empty.id)
    assert "Pop-up Hub" not in [h.label for h in ref.hubs()]


# --- rooms ------------------------------------------------------------------------------------------------


def test_add_and_edit_a_room(ref, borough) -> None:
    record = ref.add_room(RoomDraft(borough.hainault_id, "Interview Booth", 4, ("kitchen",), step_free=False))
    assert record.label == "Interview Booth, Hainault Hub" and record.draft.facility_keys == ("kitchen",)
    edited = ref.edit_room(record.id, record.version, replace(record.draft, capacity=6, facility_keys=()))
    assert edited.draft.capacity == 6 and edited.draft.facility_keys == ()


def test_room_form_problems_are_reported_per_field(ref, borough) -> None:
    problems = ref.validate_room(RoomDraft(borough.civic_id, "main hall", 0, ("sauna",)))
    assert set(problems) == {"name", "capacity", "facilities"}
    assert "known: kitchen" in problems["facilities"]


def test_shrinking_capacity_below_a_booked_attendance_asks_first(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    room = ref.room(borough.hall_id)
    before = counts(sessions)
    with pytest.raises(NeedsConfirmation) as asked:
        ref.edit_room(room.id, room.version, replace(room.draft, capacity=30))
    assert len(asked.value.affected) == FRIDAYS and "Changing Main Hall, Ilford Civic Hub" in str(asked.value)
    assert counts(sessions) == before and ref.room(room.id).draft.capacity == 100
    ref.edit_room(room.id, room.version, replace(room.draft, capacity=40))  # still fits: no question
    room = ref.room(room.id)
    ref.edit_room(room.id, room.version, replace(room.draft, capacity=30), confirm=True)
    assert ref.room(room.id).draft.capacity == 30


def test_removing_a_facility_a_booked_request_needs_asks_first(ref, borough, sessions) -> None:
    requests = RequestService(sessions, "Test Manager")
    request_id = requests.create(
        RequestDraft(
            term_id=borough.term_id,
            organisation_id=borough.pantry_id,
            title="Lunch club",
            attendance=30,
            duration_min=120,
            windows=(WindowDraft(2, time(11), time(15)),),
            acceptable_hub_ids=(borough.civic_id,),
            facility_keys=("kitchen",),
        )
    )
    book_pantry(sessions, borough, title="Lunch club", first_date=date(2027, 1, 6), request_id=request_id)
    room = ref.room(borough.hall_id)
    with pytest.raises(NeedsConfirmation):
        ref.edit_room(room.id, room.version, replace(room.draft, facility_keys=()))
    kitchen = next(f for f in ref.facilities() if f.draft.key == "kitchen")
    with pytest.raises(InUse):  # the request itself asks for it
        ref.delete_facility(kitchen.id)
    assert ref.room(room.id).draft.facility_keys == ("kitchen",)


def test_a_room_with_sessions_is_never_deleted_but_can_be_retired(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    with pytest.raises(InUse):
        ref.delete_room(borough.hall_id)
    room = ref.room(borough.hall_id)
    with pytest.raises(NeedsConfirmation):
        ref.edit_room(room.id, room.version, replace(room.draft, retired=True))
    retired = ref.edit_room(room.id, room.version, replace(room.draft, retired=True), confirm=True)
    assert retired.draft.retired and not retired.draft.bookable
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.room_id == room.id)) > 0
    ref.delete_room(borough.meeting_id)  # never booked: may go
    assert [r.label for r in ref.rooms(borough.civic_id)] == ["Main Hall, Ilford Civic Hub"]


def test_making_a_booked_room_staff_only_asks_first(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    room = ref.room(borough.hall_id)
    with pytest.raises(NeedsConfirmation):
        ref.edit_room(room.id, room.version, replace(room.draft, bookable=False))


# --- facilities ---------------------------------------------------------------------------------------------


def test_facilities_are_the_boroughs_own_list(ref, borough) -> None:
    loop = ref.add_facility(FacilityDraft("", "Hearing loop"))
    assert loop.draft.key == "hearing-loop"
    with pytest.raises(InvalidReference):
        ref.add_facility(FacilityDraft("", "hearing loop"))
    ref.rename_facility(loop.id, "Induction loop")
    assert [f.label for f in ref.facilities()] == ["Induction loop", "Kitchen"]
    ref.delete_facility(loop.id)
    assert [f.label for f in ref.facilities()] == ["Kitchen"]


# --- organisations ------------------------------------------------------------------------------------------


def test_organisation_with_contacts_notes_and_active_flag(ref, sessions) -> None:
    draft = OrganisationDraft(
        "Redbridge Tenants",
        Sector.RESIDENT,
        default_priority=4,
        notes="Meets monthly",
        contacts=(
            ContactDraft("Ana Silva", "Chair", "ana@example.org", "020 8000 0000", receives_notices=True),
            ContactDraft("Bo Chen", "Treasurer", "bo@example.org"),
        ),
    )
    record = ref.add_organisation(draft)
    assert ref.organisation(record.id).draft == draft
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "add-organisation")).one()
        assert "ana@example.org" not in str(entry.after)  # contacts stay out of the audit log
    inactive = ref.edit_organisation(record.id, record.version, replace(draft, active=False))
    assert not inactive.draft.active
    assert "Redbridge Tenants" not in [o.label for o in ref.organisations(active_only=True)]


def test_a_contact_line_says_who_receives_notices_and_reads_back() -> None:
    line = "Ana Silva | Chair | ana@example.org | 020 8000 0000 | notices"
    contact = contact_from_line(line)
    assert contact == ContactDraft("Ana Silva", "Chair", "ana@example.org", "020 8000 0000", receives_notices=True)
    assert contact_as_line(contact) == line
    assert not contact_from_line("Bo | Treasurer | bo@example.org").receives_notices


def test_a_bad_contact_email_is_refused(ref) -> None:
    problems = ref.validate_organisation(
        OrganisationDraft("X", Sector.PARTNER, contacts=(ContactDraft("Bo", email="not-an-email"),))
    )
    assert "not an email address" in problems["contacts"]


def test_making_an_organisation_with_bookings_inactive_asks_first(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    org = ref.organisation(borough.pantry_id)
    with pytest.raises(NeedsConfirmation):
        ref.edit_organisation(org.id, org.version, replace(org.draft, active=False))


def test_merge_moves_everything_and_undo_moves_it_back(ref, borough, sessions) -> None:
    series_id = book_pantry(sessions, borough)
    duplicate = ref.add_organisation(
        OrganisationDraft("Ilford Food Pantry CIC", Sector.RESIDENT, contacts=(ContactDraft("Sam"),))
    )
    ref.edit_team(
        borough.coach_id, 1, TeamDraft("DWP work coach", organisation_ids=(borough.pantry_id,))
    )  # the team works for the pantry
    merge = ref.merge_organisations(borough.pantry_id, duplicate.id)
    assert merge.series_ids == (series_id,)
    with sessions() as s:
        assert s.get(Series, series_id).organisation_id == duplicate.id
        assert s.scalar(select(Contact.organisation_id).where(Contact.name == "Sam")) == duplicate.id
    source = ref.organisation(borough.pantry_id)
    assert not source.draft.active and source.context == "merged into Ilford Food Pantry CIC"
    assert ref.teams()[0].context == "Ilford Food Pantry CIC"
    with pytest.raises(InvalidReference):
        ref.merge_organisations(borough.pantry_id, duplicate.id)
    ref.unmerge_organisations(merge)
    with sessions() as s:
        assert s.get(Series, series_id).organisation_id == borough.pantry_id
    assert ref.organisation(borough.pantry_id).draft.active
    assert ref.teams()[0].context == "Ilford Food Pantry"


def test_an_organisation_with_requests_is_not_deleted(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    with pytest.raises(InUse):
        ref.delete_organisation(borough.pantry_id)
    spare = ref.add_organisation(OrganisationDraft("Typo Ltd", Sector.PARTNER))
    ref.delete_organisation(spare.id)
    with pytest.raises(NotFound):
        ref.organisation(spare.id)


# --- teams ---------------------------------------------------------------------------------------------------


def test_teams_work_for_organisations_and_retire(ref, borough, sessions) -> None:
    nurse = ref.add_team(TeamDraft("Health visitor", "NHS", (borough.advice_id, borough.pantry_id)))
    assert nurse.context == "Citizens Advice Redbridge, Ilford Food Pantry"
    retired = ref.edit_team(nurse.id, nurse.version, replace(nurse.draft, retired=True))
    assert retired.draft.retired
    book_pantry(sessions, borough, team_ids=(borough.coach_id,))
    coach = next(t for t in ref.teams() if t.id == borough.coach_id)
    with pytest.raises(NeedsConfirmation):
        ref.edit_team(coach.id, coach.version, replace(coach.draft, retired=True))
    with pytest.raises(InUse):
        ref.delete_team(coach.id)
    ref.delete_team(nurse.id)


# --- terms ---------------------------------------------------------------------------------------------------


def test_terms_with_breaks_and_follows(ref, borough) -> None:
    summer = ref.add_term(
        TermDraft(
            "Summer 2027",
            date(2027, 4, 12),
            date(2027, 7, 21),
            (BreakDraft(date(2027, 5, 31), date(2027, 6, 4)),),
            follows_id=borough.term_id,
        )
    )
    assert summer.context == "follows Spring 2027"
    problems_draft = TermDraft(
        "Autumn", date(2027, 9, 1), date(2027, 8, 1), (BreakDraft(date(2027, 1, 1), date(2027, 1, 2)),), summer.id
    )
    with pytest.raises(InvalidReference) as error:
        ref.add_term(problems_draft)
    assert set(error.value.fields) == {"dates", "breaks"}
    with pytest.raises(InvalidReference) as error:  # a term cannot follow one that ends after it starts
        ref.add_term(TermDraft("Easter school", date(2027, 3, 1), date(2027, 3, 20), follows_id=borough.term_id))
    assert set(error.value.fields) == {"follows"}
    ref.delete_term(summer.id)
    assert [t.label for t in ref.terms()] == ["Spring 2027"]


def test_a_term_with_requests_is_not_deleted(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    with pytest.raises(InUse):
        ref.delete_term(borough.term_id)


def test_shortening_a_term_under_its_sessions_asks_first(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    term = ref.terms()[0]
    shorter = replace(term.draft, last_day=date(2027, 3, 5))
    with pytest.raises(NeedsConfirmation) as asked:
        ref.edit_term(term.id, term.version, shorter)
    assert [a.split(" on ")[1][:15] for a in asked.value.affected] == ["Fri 12 Mar 2027", "Fri 19 Mar 2027"]
    ref.edit_term(term.id, term.version, shorter, confirm=True)
    assert ref.terms()[0].draft.last_day == date(2027, 3, 5)


def test_a_refused_change_leaves_the_database_unchanged(ref, borough, sessions) -> None:
    book_pantry(sessions, borough)
    before = counts(sessions)
    room = ref.room(borough.hall_id)
    for attempt in (
        lambda: ref.edit_room(room.id, room.version, replace(room.draft, capacity=10)),
        lambda: ref.edit_room(room.id, room.version + 5, replace(room.draft, capacity=200)),
        lambda: ref.add_room(RoomDraft(borough.civic_id, "Main Hall", 10)),
    ):
        with pytest.raises((NeedsConfirmation, StaleEdit, InvalidReference)):
            attempt()
    assert counts(sessions) == before
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Request)) == 0


def test_a_dated_exception_is_a_booking_rule(ref, borough, sessions) -> None:
    hub = ref.hub(borough.civic_id)
    closed = (HoursException(date(2027, 1, 22), date(2027, 1, 22), note="Boiler"),)
    short = (HoursException(date(2027, 1, 29), date(2027, 1, 29), None, time(9), time(13)),)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, exceptions=closed + short))
    result = BookingService(sessions, "t").book(
        NewBooking(
            borough.hall_id, borough.pantry_id, "Food pantry", date(2027, 1, 8), time(12), 180,
            frequency=Frequency.WEEKLY, last_date=date(2027, 2, 5),
        )
    )  # fmt: skip
    assert [(s.day, s.reason) for s in result.skipped] == [
        (date(2027, 1, 22), "outside that day's opening hours (closed)"),
        (date(2027, 1, 29), "outside that day's opening hours (open 09:00–13:00)"),
    ]
    assert result.sessions == 3


def test_a_late_opening_lets_a_one_off_use_the_extra_hours_and_a_move_too(ref, borough, sessions) -> None:
    """The civic hub closes at 17:00 on Fridays; on Fri 22 Jan 2027 it opens late, until 20:00."""
    hub = ref.hub(borough.civic_id)
    late = (HoursException(date(2027, 1, 22), date(2027, 1, 22), None, time(9), time(20), note="Late opening"),)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, exceptions=late))
    booking = BookingService(sessions, "t")
    evening = NewBooking(borough.hall_id, borough.pantry_id, "Evening pantry", date(2027, 1, 22), time(18), 60)
    assert booking.book(evening).sessions == 1
    with pytest.raises(OutsideOpeningHours, match="outside opening hours"):  # any other Friday: weekly hours
        booking.book(replace(evening, first_date=date(2027, 1, 29)))


def test_the_term_a_term_follows_is_the_one_allocation_keeps_stable_against(ref, borough, sessions) -> None:
    from models.entities import Term
    from scheduler.services.allocation import previous_term

    autumn = ref.add_term(TermDraft("Autumn 2026", date(2026, 9, 1), date(2026, 12, 18)))
    summer = ref.add_term(TermDraft("Summer 2026", date(2026, 4, 13), date(2026, 7, 22)))
    with sessions() as s:
        assert previous_term(s, s.get(Term, borough.term_id)).name == "Autumn 2026"
    spring = ref.terms()[-1]
    ref.edit_term(spring.id, spring.version, replace(spring.draft, follows_id=summer.id))
    with sessions() as s:
        assert previous_term(s, s.get(Term, borough.term_id)).name == "Summer 2026"
    assert autumn.id != summer.id


def test_the_calendar_shades_a_dated_exception(ref, borough, sessions) -> None:
    from scheduler.services.calendar import CalendarQueries

    hub = ref.hub(borough.civic_id)
    late = (HoursException(date(2027, 1, 21), date(2027, 1, 21), 3, time(9), time(21), "Late opening"),)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, exceptions=late))
    spans = CalendarQueries(sessions).blocked([borough.hall_id], date(2027, 1, 20), date(2027, 1, 21))
    closed = {(s.day, s.start, s.end) for s in spans if s.kind == "closed"}
    assert (date(2027, 1, 21), time(21), time(23, 59)) in closed  # open till 21:00 that Thursday
    assert (date(2027, 1, 20), time(17), time(23, 59)) in closed  # the usual 17:00 the day before


def test_contacts_never_reach_a_feed(ref, borough, sessions) -> None:
    from scheduler.feeds.service import FeedService

    org = ref.organisation(borough.pantry_id)
    contact = ContactDraft("Ana Silva", "Chair", "ana.silva@example.org", "020 8000 0000")
    ref.edit_organisation(org.id, org.version, replace(org.draft, contacts=(contact,), notes="Key safe 1234"))
    book_pantry(sessions, borough)
    feeds = FeedService(sessions).build_all()
    text = b"".join(f.content for f in feeds).decode("utf-8")
    assert "Food pantry" in text
    for secret in ("Ana Silva", "ana.silva@example.org", "020 8000 0000", "Key safe"):
        assert secret not in text
