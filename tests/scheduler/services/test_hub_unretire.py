"""Bringing a retired hub back brings back the rooms retired with it, as they were (bookable or staff-only);
a room retired on its own before stays retired. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from models.entities import AuditEntry, Room
from scheduler.services.reference import ReferenceService, RoomDraft
from tests.builders import Borough

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def state(sessions, *room_ids: int) -> list[tuple[bool, bool]]:
    """(retired, bookable) of each room."""
    with sessions() as s:
        return [(s.get(Room, i).retired, s.get(Room, i).bookable) for i in room_ids]


def set_retired(ref: ReferenceService, hub_id: int, retired: bool) -> None:
    hub = ref.hub(hub_id)
    ref.edit_hub(hub.id, hub.version, replace(hub.draft, retired=retired))


def test_unretiring_a_hub_brings_back_the_rooms_retired_with_it(sessions, borough: Borough) -> None:
    ref = ReferenceService(sessions, "Test Manager", clock=lambda: NOW)
    store = ref.add_room(RoomDraft(borough.civic_id, "Store", 4, bookable=False)).id  # staff only
    meeting = ref.room(borough.meeting_id)
    ref.edit_room(meeting.id, meeting.version, replace(meeting.draft, retired=True))  # retired on its own
    rooms = (borough.hall_id, store, borough.meeting_id)
    assert state(sessions, *rooms) == [(False, True), (False, False), (True, False)]

    set_retired(ref, borough.civic_id, True)
    assert state(sessions, *rooms) == [(True, False), (True, False), (True, False)]
    set_retired(ref, borough.civic_id, False)
    # Main Hall bookable again, the store staff-only again, Meeting Room 1 still retired
    assert state(sessions, *rooms) == [(False, True), (False, False), (True, False)]
    assert state(sessions, borough.hainault_hall_id) == [(False, True)]  # another hub's room untouched

    # a second round remembers the second retirement, not the first
    hall = ref.room(borough.hall_id)
    ref.edit_room(hall.id, hall.version, replace(hall.draft, retired=True))
    set_retired(ref, borough.civic_id, True)
    set_retired(ref, borough.civic_id, False)
    assert state(sessions, *rooms) == [(True, False), (False, False), (True, False)]

    with sessions() as s:
        summaries = s.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "edit-hub").order_by(AuditEntry.id)
        ).all()
    assert summaries == [
        "Retired hub Ilford Civic Hub and its 2 room(s) in use",
        "Brought hub Ilford Civic Hub back, with the 2 room(s) retired with it",
        "Retired hub Ilford Civic Hub and its 1 room(s) in use",
        "Brought hub Ilford Civic Hub back, with the 1 room(s) retired with it",
    ]


def test_a_hub_never_retired_through_the_app_comes_back_alone(sessions, borough: Borough) -> None:
    ref = ReferenceService(sessions, "Test Manager", clock=lambda: NOW)
    with sessions.begin() as s:  # retired before retirements were recorded: nothing says which rooms went with it
        room = s.get(Room, borough.hainault_hall_id)
        room.retired, room.bookable, room.hub.retired = True, False, True
    set_retired(ref, borough.hainault_id, False)
    assert state(sessions, borough.hainault_hall_id) == [(True, False)]
