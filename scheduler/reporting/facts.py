"""The facts the learning figures are computed from: plain frozen dataclasses, filled by the learning service
(or by hand in tests).

Owns: the input shapes and the dashboard's filter (hub or area, sector). Times are Europe/London wall-clock
minutes since midnight; days are local dates.
Must not import: models, sqlalchemy, scheduler.services, desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

TOOK_PLACE, LATE_CANCEL, NO_SHOW = "took_place", "late_cancel", "no_show"
DEFAULT_TARGETS: Mapping[str, float] = {"council": 0.3, "partner": 0.3, "resident": 0.4}
SECTORS = ("council", "partner", "resident")


@dataclass(frozen=True)
class HubFact:
    name: str
    area: str
    opening: tuple[tuple[int, int, int], ...]  # (weekday 0=Mon, opens, closes) in minutes
    bookable_rooms: int


@dataclass(frozen=True)
class RoomFact:
    id: int
    hub: str
    name: str
    capacity: int


@dataclass(frozen=True)
class SessionFact:
    """One live (not cancelled) session and what happened at it, if recorded."""

    occurrence_id: int
    series_id: int
    title: str
    visibility: str  # public, generic or private: only public titles are ever named in a report
    organisation: str
    sector: str
    hub: str
    room_id: int
    room: str
    capacity: int
    day: date
    start: int
    end: int
    outcome: str | None = None  # took_place, late_cancel, no_show; None = not recorded
    headcount: int | None = None
    illustrative: bool = False
    expected: int = 0  # the size the series was booked for

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 60

    @property
    def held(self) -> bool:
        return self.outcome == TOOK_PLACE and self.headcount is not None


@dataclass(frozen=True)
class RequestFact:
    id: int
    title: str
    visibility: str
    organisation: str
    sector: str
    status: str  # placed, unmet, pending
    reason: str  # for unmet: "no suitable room", "slots taken", "not placed in time"
    hub: str  # preferred (else first acceptable) hub
    area: str
    hours: float


@dataclass(frozen=True)
class ClosureFact:
    where: str
    first_day: date
    last_day: date
    reason: str
    rehomed: int
    cancelled: int


@dataclass(frozen=True)
class TermFacts:
    name: str
    first_day: date
    last_day: date
    open_days: tuple[date, ...]  # days the hubs open in the term (bank holidays left out)
    hubs: tuple[HubFact, ...] = ()
    rooms: tuple[RoomFact, ...] = ()
    sessions: tuple[SessionFact, ...] = ()
    requests: tuple[RequestFact, ...] = ()
    closures: tuple[ClosureFact, ...] = ()


@dataclass(frozen=True)
class LearningData:
    """A term and the terms before it (oldest first), with the sector targets the allocation aims for."""

    term: TermFacts
    previous: tuple[TermFacts, ...] = ()
    targets: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))

    @property
    def last_term(self) -> TermFacts | None:
        return self.previous[-1] if self.previous else None


@dataclass(frozen=True)
class Scope:
    """The dashboard's filter: one hub or one area (or all), one sector (or all)."""

    hub: str | None = None
    area: str | None = None
    sector: str | None = None

    @property
    def label(self) -> str:
        parts = [self.hub or (f"{self.area} area" if self.area else "All hubs")]
        parts.append(f"{self.sector} sector" if self.sector else "all sectors")
        return ", ".join(parts)


def _narrow(term: TermFacts, scope: Scope) -> TermFacts:
    areas = {h.name: h.area for h in term.hubs}

    def hub_ok(hub: str) -> bool:
        if scope.hub and hub != scope.hub:
            return False
        return not (scope.area and areas.get(hub) != scope.area)

    def sector_ok(sector: str) -> bool:
        return not scope.sector or sector == scope.sector

    return replace(
        term,
        hubs=tuple(h for h in term.hubs if hub_ok(h.name)),
        rooms=tuple(r for r in term.rooms if hub_ok(r.hub)),
        sessions=tuple(s for s in term.sessions if hub_ok(s.hub) and sector_ok(s.sector)),
        requests=tuple(r for r in term.requests if hub_ok(r.hub) and sector_ok(r.sector)),
    )


def narrow(data: LearningData, scope: Scope) -> LearningData:
    """The same data seen through the dashboard's filter (closures are kept: they concern every sector)."""
    if scope == Scope():
        return data
    return replace(data, term=_narrow(data.term, scope), previous=tuple(_narrow(t, scope) for t in data.previous))
