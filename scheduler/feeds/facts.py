"""The read side of the feeds: the borough's series, occurrences and places as plain frozen dataclasses.

Owns: one query of everything a feed may show, converted to dataclasses inside the session, so that the
rest of the feeds package (privacy rules, encoding, writing) is pure and testable without a database.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.entities import Hub, Organisation, Room, Series
from models.types import Frequency, OccurrenceStatus, Visibility


@dataclass(frozen=True)
class Place:
    """A room and the hub it is in, with the hub's public address and (approximate) coordinates."""

    room_id: int
    room: str
    hub_id: int
    hub: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None

    @property
    def location(self) -> str:
        """'Main Hall, Ilford Civic Hub, Clements Road, Ilford IG1 1EA'."""
        street = " ".join(part for part in (self.address, self.postcode) if part)
        return ", ".join(part for part in (self.room, self.hub, street) if part)

    @property
    def geo(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


@dataclass(frozen=True)
class SessionFacts:
    """One stored occurrence: its recurrence identity (original London wall-clock start), instant, room."""

    recurrence_local: datetime  # naive, Europe/London wall clock
    start_utc: datetime
    end_utc: datetime
    room_id: int
    status: OccurrenceStatus

    @property
    def live(self) -> bool:
        return self.status is not OccurrenceStatus.CANCELLED


@dataclass(frozen=True)
class SeriesFacts:
    """A series with everything any feed may show about it, and all its stored occurrences."""

    id: int
    uid: str
    title: str
    public_title: str
    visibility: Visibility
    hide_location: bool
    organisation_id: int
    organisation: str
    contact: str
    room_id: int
    weekday: int
    start_local: time
    duration_min: int
    frequency: Frequency
    nth: int | None
    first_date: date
    last_date: date
    attendance: int
    teams: tuple[str, ...]
    sequence: int
    created_at: datetime
    updated_at: datetime
    occurrences: tuple[SessionFacts, ...]


@dataclass(frozen=True)
class OrganisationFacts:
    id: int
    name: str


@dataclass(frozen=True)
class BoroughFacts:
    """Everything the feeds are made from."""

    places: dict[int, Place]  # by room id
    hubs: tuple[tuple[int, str], ...]  # (id, name), by name
    organisations: tuple[OrganisationFacts, ...]  # by name
    series: tuple[SeriesFacts, ...]  # by uid


def place_of(room: Room) -> Place:
    hub = room.hub
    return Place(
        room_id=room.id,
        room=room.name,
        hub_id=hub.id,
        hub=hub.name,
        address=hub.address,
        postcode=hub.postcode,
        latitude=hub.latitude,
        longitude=hub.longitude,
    )


def series_facts(series: Series) -> SeriesFacts:
    return SeriesFacts(
        id=series.id,
        uid=series.uid,
        title=series.title,
        public_title=series.public_title,
        visibility=Visibility(series.visibility),
        hide_location=series.hide_location,
        organisation_id=series.organisation_id,
        organisation=series.organisation.name,
        contact=series.organisation.contact,
        room_id=series.room_id,
        weekday=series.weekday,
        start_local=series.start_local,
        duration_min=series.duration_min,
        frequency=Frequency(series.frequency),
        nth=series.nth,
        first_date=series.first_date,
        last_date=series.last_date,
        attendance=series.attendance,
        teams=tuple(team.name for team in series.teams),
        sequence=series.sequence,
        created_at=series.created_at,
        updated_at=series.updated_at,
        occurrences=tuple(
            SessionFacts(
                recurrence_local=o.recurrence_local,
                start_utc=o.start_utc,
                end_utc=o.end_utc,
                room_id=o.room_id,
                status=OccurrenceStatus(o.status),
            )
            for o in series.occurrences
        ),
    )


def load_borough(session: Session, *, with_series: bool = True) -> BoroughFacts:
    """Read every hub, room, organisation and series (with occurrences) as dataclasses.

    `with_series=False` reads the places and names alone (no series): enough to list the feeds.
    """
    rooms = session.scalars(select(Room).options(selectinload(Room.hub)))
    places = {room.id: place_of(room) for room in rooms}
    hubs = tuple((hub.id, hub.name) for hub in session.scalars(select(Hub).order_by(Hub.name)))
    organisations = tuple(
        OrganisationFacts(o.id, o.name) for o in session.scalars(select(Organisation).order_by(Organisation.name))
    )
    if not with_series:
        return BoroughFacts(places=places, hubs=hubs, organisations=organisations, series=())
    query = (
        select(Series)
        .options(
            selectinload(Series.occurrences),
            selectinload(Series.organisation),
            selectinload(Series.teams),
        )
        .order_by(Series.uid)
    )
    series = tuple(series_facts(s) for s in session.scalars(query))
    return BoroughFacts(places=places, hubs=hubs, organisations=organisations, series=series)
