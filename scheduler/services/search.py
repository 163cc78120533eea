"""SessionSearch: "where is the Job club?" — find sessions and series across all dates.

Owns: matching a typed query against every live series' title, public title, organisation, hub and room
(case- and accent-insensitive; every word of the query must match somewhere), and answering with each
match's pattern in words and its next live session (or, when none is left, its last one), so a window
can jump to it. Read-only; returns plain rows. The matching itself (`normalise`, `matches`) is pure.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Hub, Occurrence, Organisation, Room, Series
from scheduler.recurrence import to_local
from scheduler.services.calendar import describe_pattern
from scheduler.services.common import now_utc

FIELDS = ("title", "public title", "organisation", "hub", "room")


def normalise(text: str) -> str:
    """Lower case without accents: 'Café' and 'CAFE' both become 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def matches(query: str, haystacks: tuple[str, ...]) -> str | None:
    """The first field (of FIELDS) that contains a word of the query, if every word is found in some field;
    None otherwise (and for an empty query)."""
    words = normalise(query).split()
    if not words:
        return None
    normalised = [normalise(h) for h in haystacks]
    first: str | None = None
    for word in words:
        where = next((i for i, h in enumerate(normalised) if word in h), None)
        if where is None:
            return None
        first = first or FIELDS[where]
    return first


@dataclass(frozen=True)
class SearchHit:
    """One matching series and the session to jump to."""

    series_id: int
    title: str
    public_title: str
    organisation: str
    hub_id: int
    hub: str
    room_id: int
    room: str
    pattern: str
    matched: str  # which field matched first: one of FIELDS
    occurrence_id: int  # the next live session, else the last one (series with none live are not hits)
    session_room_id: int  # that session's room (a moved session may be elsewhere than its series)
    start_local: datetime  # that session's start, Europe/London
    upcoming: bool  # True when that session is still to come


class SessionSearch:
    def __init__(self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = now_utc):
        self._sessions = sessions
        self._clock = clock

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Live series matching `query`: upcoming ones by next date first, then finished ones, newest first."""
        if not normalise(query).split():
            return []
        with self._sessions() as session:
            rows = session.execute(
                select(
                    Series.id,
                    Series.title,
                    Series.public_title,
                    Organisation.name,
                    Hub.id,
                    Hub.name,
                    Room.id,
                    Room.name,
                    Series.frequency,
                    Series.weekday,
                    Series.nth,
                    Series.start_local,
                    Series.duration_min,
                    Series.first_date,
                    Series.last_date,
                )
                .join(Organisation, Series.organisation_id == Organisation.id)
                .join(Room, Series.room_id == Room.id)
                .join(Hub, Room.hub_id == Hub.id)
                .where(Series.cancelled.is_(False))
            ).all()
            found = []
            for row in rows:
                matched = matches(query, (row[1], row[2], row[3], row[5], row[7]))
                if matched is not None:
                    found.append((row, matched))
            ids = [row[0] for row, _ in found]
            upcoming = self._sessions_at(session, ids, future=True)
            past = self._sessions_at(session, [i for i in ids if i not in upcoming], future=False)
        hits = []
        for row, matched in found:
            occurrence = upcoming.get(row[0]) or past.get(row[0])
            if occurrence is None:
                continue  # every session cancelled: nothing to jump to
            hits.append(
                SearchHit(
                    series_id=row[0],
                    title=row[1],
                    public_title=row[2],
                    organisation=row[3],
                    hub_id=row[4],
                    hub=row[5],
                    room_id=row[6],
                    room=row[7],
                    pattern=describe_pattern(_PatternOf(*row[8:])),
                    matched=matched,
                    occurrence_id=occurrence[0],
                    session_room_id=occurrence[2],
                    start_local=to_local(occurrence[1]),
                    upcoming=row[0] in upcoming,
                )
            )
        hits.sort(key=lambda h: (not h.upcoming, h.start_local if h.upcoming else -h.start_local.timestamp()))
        return hits[:limit]

    def _sessions_at(self, session: Session, series_ids: list[int], *, future: bool) -> dict[int, tuple]:
        """For each series, its first live session from now on (future) or its last before now."""
        if not series_ids:
            return {}
        now = self._clock()
        pick = func.min if future else func.max
        when = Occurrence.start_utc >= now if future else Occurrence.start_utc < now
        chosen = (
            select(Occurrence.series_id, pick(Occurrence.start_utc).label("at"))
            .where(Occurrence.series_id.in_(series_ids), Occurrence.status != "cancelled", when)
            .group_by(Occurrence.series_id)
            .subquery()
        )
        result: dict[int, tuple] = {}
        for series_id, occurrence_id, start, room_id in session.execute(
            select(Occurrence.series_id, Occurrence.id, Occurrence.start_utc, Occurrence.room_id).join(
                chosen,
                and_(
                    Occurrence.series_id == chosen.c.series_id,
                    Occurrence.start_utc == chosen.c.at,
                    Occurrence.status != "cancelled",
                ),
            )
        ):
            result.setdefault(series_id, (occurrence_id, start, room_id))
        return result


@dataclass(frozen=True)
class _PatternOf:
    """The columns `describe_pattern` reads, without loading the Series entity."""

    frequency: object
    weekday: int
    nth: int | None
    start_local: object
    duration_min: int
    first_date: object
    last_date: object
