"""OccurrenceQueries: read dated sessions for a period as plain rows.

Owns: the read side used by the `occurrences` command, the calendar views and (later) the feeds.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from models.entities import Hub, Occurrence, Organisation, Room, Series
from scheduler.recurrence import to_local, to_utc


@dataclass(frozen=True)
class OccurrenceRow:
    """One dated session, as data: ids, where, when (UTC and Europe/London), what and its status."""

    id: int
    uid: str
    recurrence_id: str
    series_id: int
    series_version: int
    room_id: int
    room: str
    hub: str
    title: str
    organisation: str
    sector: str
    visibility: str
    start_utc: datetime
    end_utc: datetime
    start_local: datetime
    end_local: datetime
    status: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("start_utc", "end_utc"):
            data[key] = data[key].strftime("%Y-%m-%dT%H:%M:%SZ")
        for key in ("start_local", "end_local"):
            data[key] = data[key].isoformat()
        return data


def occurrence_row(occurrence: Occurrence) -> OccurrenceRow:
    series = occurrence.series
    return OccurrenceRow(
        id=occurrence.id,
        uid=series.uid,
        recurrence_id=occurrence.recurrence_local.strftime("%Y%m%dT%H%M%S"),
        series_id=series.id,
        series_version=series.version,
        room_id=occurrence.room_id,
        room=occurrence.room.name,
        hub=occurrence.room.hub.name,
        title=series.title,
        organisation=series.organisation.name,
        sector=str(series.organisation.sector),
        visibility=str(series.visibility),
        start_utc=occurrence.start_utc,
        end_utc=occurrence.end_utc,
        start_local=to_local(occurrence.start_utc),
        end_local=to_local(occurrence.end_utc),
        status=str(occurrence.status),
    )


class OccurrenceQueries:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def between(
        self,
        first: date,
        last: date,
        *,
        hub_id: int | None = None,
        room_id: int | None = None,
        include_cancelled: bool = True,
    ) -> list[OccurrenceRow]:
        """Sessions starting on local dates `first`..`last` inclusive, in start order."""
        start = to_utc(first, time(0, 0))
        end = to_utc(last + timedelta(days=1), time(0, 0))
        query = (
            select(Occurrence)
            .join(Occurrence.room)
            .where(Occurrence.start_utc >= start, Occurrence.start_utc < end)
            .options(
                joinedload(Occurrence.room).joinedload(Room.hub),
                joinedload(Occurrence.series).joinedload(Series.organisation),
            )
            .order_by(Occurrence.start_utc, Hub.name, Room.name)
            .join(Room.hub)
        )
        if hub_id is not None:
            query = query.where(Room.hub_id == hub_id)
        if room_id is not None:
            query = query.where(Occurrence.room_id == room_id)
        if not include_cancelled:
            query = query.where(Occurrence.status != "cancelled")
        with self._sessions() as session:
            return [occurrence_row(o) for o in session.scalars(query).unique()]

    def live_of_series(self, series_id: int) -> list[OccurrenceRow]:
        """The live sessions of one series, in start order."""
        query = (
            select(Occurrence)
            .where(Occurrence.series_id == series_id, Occurrence.status != "cancelled")
            .options(
                joinedload(Occurrence.room).joinedload(Room.hub),
                joinedload(Occurrence.series).joinedload(Series.organisation),
            )
            .order_by(Occurrence.start_utc)
        )
        with self._sessions() as session:
            return [occurrence_row(o) for o in session.scalars(query).unique()]

    def live_between(
        self, first: date, last: date, *, hub_id: int | None = None, room_id: int | None = None
    ) -> list[OccurrenceRow]:
        """`between(..., include_cancelled=False)` for screens that redraw often: one column query, no ORM
        objects built, so a full day of every hub loads in a few milliseconds."""
        start = to_utc(first, time(0, 0))
        end = to_utc(last + timedelta(days=1), time(0, 0))
        query = (
            select(
                Occurrence.id,
                Series.uid,
                Occurrence.recurrence_local,
                Series.id,
                Series.version,
                Occurrence.room_id,
                Room.name,
                Hub.name,
                Series.title,
                Organisation.name,
                Organisation.sector,
                Series.visibility,
                Occurrence.start_utc,
                Occurrence.end_utc,
                Occurrence.status,
            )
            .join(Series, Occurrence.series_id == Series.id)
            .join(Organisation, Series.organisation_id == Organisation.id)
            .join(Room, Occurrence.room_id == Room.id)
            .join(Hub, Room.hub_id == Hub.id)
            .where(Occurrence.start_utc >= start, Occurrence.start_utc < end, Occurrence.status != "cancelled")
            .order_by(Occurrence.start_utc, Hub.name, Room.name)
        )
        if hub_id is not None:
            query = query.where(Room.hub_id == hub_id)
        if room_id is not None:
            query = query.where(Occurrence.room_id == room_id)
        with self._sessions() as session:
            return [
                OccurrenceRow(
                    id=oid,
                    uid=uid,
                    recurrence_id=recurrence.strftime("%Y%m%dT%H%M%S"),
                    series_id=series_id,
                    series_version=version,
                    room_id=rid,
                    room=room,
                    hub=hub,
                    title=title,
                    organisation=organisation,
                    sector=str(sector),
                    visibility=str(visibility),
                    start_utc=start_utc,
                    end_utc=end_utc,
                    start_local=to_local(start_utc),
                    end_local=to_local(end_utc),
                    status=str(status),
                )
                for (
                    oid,
                    uid,
                    recurrence,
                    series_id,
                    version,
                    rid,
                    room,
                    hub,
                    title,
                    organisation,
                    sector,
                    visibility,
                    start_utc,
                    end_utc,
                    status,
                ) in session.execute(query)
            ]
