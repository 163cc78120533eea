"""PrintSheets: what the printed sheets say, as data: a hub's day sheet for the front desk and a room's
weekly door sheet.

Owns: choosing the sessions and their wording for print. The day sheet is for the hub team (every room,
every session, with organisation and expected attendance; private ones marked, never hidden from staff).
The door sheet hangs on the door, so it follows the room feeds' privacy rules (scheduler.feeds.privacy):
private and hide-location sessions read "Private booking" with no organisation, generic ones show their
neutral title only. It also names the room's feed path, for the QR code. Read-only; returns plain rows.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Hub, Occurrence, Organisation, Room, Series
from models.types import Visibility
from scheduler.errors import NotFound
from scheduler.feeds.privacy import NEUTRAL_TITLE, PRIVATE_TITLE, FeedKind
from scheduler.recurrence import to_local, to_utc


@dataclass(frozen=True)
class SheetSession:
    start: time
    end: time
    title: str
    organisation: str  # "" where the sheet must not name it
    attendance: int
    private: bool


@dataclass(frozen=True)
class RoomDay:
    room_id: int
    room: str
    capacity: int
    sessions: tuple[SheetSession, ...]


@dataclass(frozen=True)
class DaySheet:
    hub: str
    day: date
    rooms: tuple[RoomDay, ...]


@dataclass(frozen=True)
class DoorSheet:
    room_id: int
    room: str
    hub: str
    monday: date
    days: tuple[tuple[date, tuple[SheetSession, ...]], ...]  # Monday to Sunday
    feed_path: str  # the room's feed below the publish folder, e.g. "rooms/ilford-civic-hub/main-hall.ics"


class PrintSheets:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def day_sheet(self, hub_id: int, day: date) -> DaySheet:
        with self._sessions() as session:
            hub = session.get(Hub, hub_id)
            if hub is None:
                raise NotFound(f"no hub with id {hub_id}")
            rooms = list(session.scalars(select(Room).where(Room.hub_id == hub_id).order_by(Room.name)))
            found = self._rows(session, [r.id for r in rooms], day, day)
            return DaySheet(
                hub.name,
                day,
                tuple(
                    RoomDay(
                        room.id,
                        room.name,
                        room.capacity,
                        tuple(_staff(row) for row in found if row.room_id == room.id),
                    )
                    for room in rooms
                ),
            )

    def door_sheet(self, room_id: int, day: date) -> DoorSheet:
        """The week (Monday to Sunday) that holds `day`, for the door of room `room_id`."""
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]
        with self._sessions() as session:
            room = session.get(Room, room_id)
            if room is None:
                raise NotFound(f"no room with id {room_id}")
            room_name, hub_name = room.name, room.hub.name
            found = self._rows(session, [room_id], days[0], days[-1])
        return DoorSheet(
            room_id,
            room_name,
            hub_name,
            monday,
            tuple((d, tuple(_door(row) for row in found if row.start.date() == d)) for d in days),
            self._room_feed_path(room_id),
        )

    def _room_feed_path(self, room_id: int) -> str:
        # Room feeds need no organisation tokens: read-only, nothing is issued here.
        from scheduler.feeds.service import FeedService, feed_specs  # the iCalendar library, only for a sheet

        specs = feed_specs(FeedService(self._sessions).facts(with_series=False), {})
        return next((s.path for s in specs if s.kind is FeedKind.ROOM and s.subject_id == room_id), "")

    def _rows(self, session: Session, room_ids: list[int], first: date, last: date) -> list[_Row]:
        query = (
            select(
                Occurrence.room_id,
                Occurrence.start_utc,
                Occurrence.end_utc,
                Series.title,
                Series.public_title,
                Series.visibility,
                Series.hide_location,
                Series.attendance,
                Organisation.name,
            )
            .join(Series, Occurrence.series_id == Series.id)
            .join(Organisation, Series.organisation_id == Organisation.id)
            .where(
                Occurrence.room_id.in_(room_ids),
                Occurrence.status != "cancelled",
                Occurrence.start_utc >= to_utc(first, time(0)),
                Occurrence.start_utc < to_utc(last + timedelta(days=1), time(0)),
            )
            .order_by(Occurrence.start_utc)
        )
        return [
            _Row(room, to_local(start), to_local(end), title, public, Visibility(vis), hide, people, organisation)
            for room, start, end, title, public, vis, hide, people, organisation in session.execute(query)
        ]


@dataclass(frozen=True)
class _Row:
    room_id: int
    start: object
    end: object
    title: str
    public_title: str
    visibility: Visibility
    hide_location: bool
    attendance: int
    organisation: str


def _staff(row: _Row) -> SheetSession:
    return SheetSession(
        row.start.time(),
        row.end.time(),
        row.title,
        row.organisation,
        row.attendance,
        row.visibility is Visibility.PRIVATE,
    )


def _door(row: _Row) -> SheetSession:
    """As the room's feed shows it: the same rules, so the door never says more than the feed."""
    if row.visibility is Visibility.PRIVATE or row.hide_location:
        return SheetSession(row.start.time(), row.end.time(), PRIVATE_TITLE, "", row.attendance, True)
    if row.visibility is Visibility.GENERIC:
        title = row.public_title or NEUTRAL_TITLE
        return SheetSession(row.start.time(), row.end.time(), title, "", row.attendance, False)
    title = row.public_title or row.title
    return SheetSession(row.start.time(), row.end.time(), title, row.organisation, row.attendance, False)
