"""SessionSearch: "where is the Job club?" — find sessions and series across all dates.

Owns: matching a typed query against every live series' title, public title, organisation, hub and room
(case- and accent-insensitive; every word of the query must match somewhere), and answering with each
match's pattern in words and its next live session (or, when none is left, its last one), so a window
can jump to it. Read-only; returns plain rows. The matching itself (`normalise`, `matches`) is pure; the
series are kept in memory between searches and re-read only when one has changed.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Hub, Occurrence, Organisation, Room, Series
from scheduler.recurrence import to_local, to_utc
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
    return _match_words(words, tuple(normalise(h) for h in haystacks)) if words else None


def _match_words(words: list[str], normalised: tuple[str, ...]) -> str | None:
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


@dataclass(frozen=True)
class _Indexed:
    """One live series as the search keeps it: its words normalised once, and its live sessions."""

    row: tuple  # the series columns selected in `_build`
    haystacks: tuple[str, ...]  # normalised title, public title, organisation, hub, room
    starts: tuple[datetime, ...]  # its live sessions' starts (UTC), sorted
    sessions: tuple[tuple[int, int], ...]  # (occurrence id, room id) in the same order


class SessionSearch:
    """Searches an in-memory index of the live series, rebuilt only when the series have changed (every
    booking change bumps a series' version), so each keystroke costs a few milliseconds at any size."""

    def __init__(self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = now_utc):
        self._sessions = sessions
        self._clock = clock
        self._stamp: tuple | None = None
        self._index: list[_Indexed] = []
        self._lock = threading.Lock()  # `prepare` may run on a worker thread while the window searches

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Live series matching `query`: upcoming ones by next date first, then finished ones, newest first."""
        words = normalise(query).split()
        if not words:
            return []
        index = self._fresh_index()
        now = self._clock()
        found = []
        for item in index:
            matched = _match_words(words, item.haystacks)
            if matched is None:
                continue
            at = bisect_left(item.starts, now)
            if at < len(item.starts):
                found.append((0, item.starts[at].timestamp(), item, matched, at))
            else:
                found.append((1, -item.starts[-1].timestamp(), item, matched, len(item.starts) - 1))
        # Sort on plain numbers and build hits only for those shown: a one-letter query matches everything.
        found.sort(key=lambda f: (f[0], f[1], f[2].row[0]))
        hits = []
        for finished, _key, item, matched, position in found[:limit]:
            row = item.row
            occurrence_id, room_id = item.sessions[position]
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
                    occurrence_id=occurrence_id,
                    session_room_id=room_id,
                    start_local=to_local(item.starts[position]),
                    upcoming=not finished,
                )
            )
        return hits

    def prepare(self) -> None:
        """Read the index now (a window calls this off the GUI thread so the first keystroke is quick)."""
        self._fresh_index()

    def _fresh_index(self) -> list[_Indexed]:
        with self._lock, self._sessions() as session:
            stamp = tuple(
                session.execute(
                    select(func.count(Series.id), func.sum(Series.version), func.max(Series.updated_at))
                ).one()
            )
            if stamp != self._stamp:
                self._index = self._build(session)
                self._stamp = stamp
        return self._index

    def _build(self, session: Session) -> list[_Indexed]:
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
            .order_by(Series.id)
        ).all()
        live: dict[int, list[tuple[datetime, int, int]]] = {}
        for series_id, occurrence_id, start, room_id in session.execute(
            select(Occurrence.series_id, Occurrence.id, Occurrence.start_utc, Occurrence.room_id)
            .where(Occurrence.status != "cancelled")
            .order_by(Occurrence.series_id, Occurrence.start_utc)
        ):
            live.setdefault(series_id, []).append((start, occurrence_id, room_id))
        index = []
        for row in rows:
            sessions = live.get(row[0])
            if not sessions:
                continue  # every session cancelled: nothing to jump to
            index.append(
                _Indexed(
                    row=tuple(row),
                    haystacks=tuple(normalise(text) for text in (row[1], row[2], row[3], row[5], row[7])),
                    starts=tuple(start for start, _, _ in sessions),
                    sessions=tuple((occurrence_id, room_id) for _, occurrence_id, room_id in sessions),
                )
            )
        return index

    def next_day_with_sessions(self, day: date, *, hub_id: int | None = None) -> date | None:
        """`day` itself if it has a live session (in the hub, or anywhere), else the next local date that
        has one; None when nothing lies ahead."""
        with self._sessions() as session:
            query = select(func.min(Occurrence.start_utc)).where(
                Occurrence.status != "cancelled", Occurrence.start_utc >= to_utc(day, time(0, 0))
            )
            if hub_id is not None:
                query = query.join(Room, Occurrence.room_id == Room.id).where(Room.hub_id == hub_id)
            first = session.scalar(query)
        return None if first is None else to_local(first).date()


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
