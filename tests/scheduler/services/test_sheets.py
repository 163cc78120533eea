"""PrintSheets: the day sheet names everything for staff; the door sheet follows the room feeds' privacy."""

from __future__ import annotations

from datetime import date, time

import pytest

from models.types import Frequency, Visibility
from scheduler.bootstrap import bootstrap
from scheduler.services.booking import NewBooking

FRIDAY = date(2027, 1, 15)


@pytest.fixture
def services(sessions, borough):
    services = bootstrap(sessions, "Tester")
    for title, room, start, extra in (
        ("Food pantry", borough.hall_id, time(12), {"attendance": 40}),
        ("Domestic abuse outreach", borough.meeting_id, time(10), {"visibility": Visibility.PRIVATE}),
        ("Debt advice", borough.meeting_id, time(14), {"visibility": Visibility.GENERIC, "public_title": ""}),
        ("Housing surgery", borough.meeting_id, time(16), {"hide_location": True}),
    ):
        services.booking.book(
            NewBooking(
                room_id=room,
                organisation_id=borough.advice_id,
                title=title,
                first_date=FRIDAY,
                start=start,
                duration_min=60,
                frequency=Frequency.ONCE,
                **extra,
            )
        )
    return services


def test_the_day_sheet_lists_every_room_and_session_with_attendance(services, borough):
    sheet = services.sheets.day_sheet(borough.civic_id, FRIDAY)
    assert sheet.hub == "Ilford Civic Hub"
    rooms = {r.room: r for r in sheet.rooms}
    assert set(rooms) >= {"Main Hall", "Meeting Room 1"}
    pantry = rooms["Main Hall"].sessions[0]
    assert (pantry.title, pantry.attendance, pantry.start) == ("Food pantry", 40, time(12))
    titles = [s.title for s in rooms["Meeting Room 1"].sessions]
    assert titles == ["Domestic abuse outreach", "Debt advice", "Housing surgery"]  # staff see everything
    assert rooms["Meeting Room 1"].sessions[0].private


def test_the_door_sheet_never_names_private_or_hidden_sessions(services, borough):
    sheet = services.sheets.door_sheet(borough.meeting_id, FRIDAY)
    assert sheet.monday == date(2027, 1, 11) and len(sheet.days) == 7
    friday = dict(sheet.days)[FRIDAY]
    assert [(s.title, s.organisation) for s in friday] == [
        ("Private booking", ""),
        ("Advice session", ""),
        ("Private booking", ""),
    ]
    assert sheet.feed_path.startswith("rooms/") and sheet.feed_path.endswith(".ics")
