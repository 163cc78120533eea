"""OverviewService: a term at a glance — hours requested, placed, open; utilisation; who is missing.

Owns: the term overview per hub and per sector and its CSV export. Definitions (also in the CSV header):
- requested hours: each request's session length times the sessions it would have in the term on its
  first allowed weekday (breaks and frequency honoured, closures not), counted against its preferred hub
  (else its first acceptable hub); withdrawn requests are left out;
- placed hours: live sessions of the term's series (manual bookings included), counted where they happen;
- open hours: every bookable room's opening hours on every day of the term that is not a bank holiday;
- utilisation: placed hours / open hours;
- unmet: requests whose status is unmet, with their hours, against their preferred (else first) hub.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Hub, Occurrence, Request, Series, Term
from models.types import OccurrenceStatus, RequestStatus
from scheduler import allocation as alloc
from scheduler.errors import NotFound
from scheduler.recurrence import bank_holiday

SECTORS = ("council", "partner", "resident")


@dataclass(frozen=True)
class OverviewRow:
    """One line of the overview: a hub or a sector (or the total)."""

    kind: str  # "hub", "sector" or "total"
    name: str
    requests: int
    requested_hours: float
    placed_hours: float
    open_hours: float | None  # hubs and total only
    unmet_requests: int
    unmet_hours: float

    @property
    def utilisation(self) -> float | None:
        if not self.open_hours:
            return None
        return self.placed_hours / self.open_hours


@dataclass(frozen=True)
class TermOverview:
    term: str
    hubs: tuple[OverviewRow, ...]
    sectors: tuple[OverviewRow, ...]
    total: OverviewRow

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "term",
                "kind",
                "name",
                "requests",
                "requested_hours",
                "placed_hours",
                "open_hours",
                "utilisation",
                "unmet_requests",
                "unmet_hours",
            ]
        )
        for row in (*self.hubs, *self.sectors, self.total):
            writer.writerow(
                [
                    self.term,
                    row.kind,
                    row.name,
                    row.requests,
                    f"{row.requested_hours:.2f}",
                    f"{row.placed_hours:.2f}",
                    "" if row.open_hours is None else f"{row.open_hours:.2f}",
                    "" if row.utilisation is None else f"{row.utilisation:.4f}",
                    row.unmet_requests,
                    f"{row.unmet_hours:.2f}",
                ]
            )
        return out.getvalue()


def _request_hours(term: Term, request: Request) -> float:
    if not request.windows:
        return 0.0
    pure_term = alloc.Term(term.first_day, term.last_day, tuple((b.first_day, b.last_day) for b in term.breaks))
    pure_request = alloc.Request(
        id=request.id,
        size=request.attendance,
        duration=request.duration_min,
        windows=(),
        frequency=alloc.Frequency(request.frequency.value),
        nth=request.nth or 1,
        runs_in_breaks=request.runs_in_breaks,
    )
    sessions = len(alloc.meeting_dates(pure_term, pure_request, request.windows[0].weekday, 0))
    return sessions * request.duration_min / 60


def _home_hub(request: Request) -> str:
    preferred = sorted(h.hub.name for h in request.hubs if h.preferred)
    acceptable = sorted(h.hub.name for h in request.hubs)
    return (preferred or acceptable or ["(no hub)"])[0]


class OverviewService:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def term_overview(self, term_id: int) -> TermOverview:
        with self._sessions() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            hubs = list(session.scalars(select(Hub).order_by(Hub.name)))
            requests = [
                r
                for r in session.scalars(select(Request).where(Request.term_id == term.id))
                if r.status is not RequestStatus.WITHDRAWN
            ]
            occurrences = session.scalars(
                select(Occurrence)
                .join(Occurrence.series)
                .where(Series.term_id == term.id, Occurrence.status != OccurrenceStatus.CANCELLED)
            ).all()

            counts: dict[tuple[str, str], defaultdict[str, float]] = {}

            def bucket(kind: str, name: str) -> defaultdict[str, float]:
                return counts.setdefault((kind, name), defaultdict(float))

            for request in requests:
                hours = _request_hours(term, request)
                for key in (("hub", _home_hub(request)), ("sector", request.organisation.sector.value)):
                    b = bucket(*key)
                    b["requests"] += 1
                    b["requested"] += hours
                    if request.status is RequestStatus.UNMET:
                        b["unmet"] += 1
                        b["unmet_hours"] += hours
            for occurrence in occurrences:
                hours = (occurrence.end_utc - occurrence.start_utc).total_seconds() / 3600
                bucket("hub", occurrence.room.hub.name)["placed"] += hours
                bucket("sector", occurrence.series.organisation.sector.value)["placed"] += hours
            open_hours = {hub.name: self._open_hours(term, hub) for hub in hubs}

            def row(kind: str, name: str, opening: float | None) -> OverviewRow:
                b = counts.get((kind, name), defaultdict(float))
                return OverviewRow(
                    kind,
                    name,
                    int(b["requests"]),
                    b["requested"],
                    b["placed"],
                    opening,
                    int(b["unmet"]),
                    b["unmet_hours"],
                )

            hub_rows = tuple(row("hub", hub.name, open_hours[hub.name]) for hub in hubs)
            sector_rows = tuple(row("sector", sector, None) for sector in SECTORS)
            total = OverviewRow(
                "total",
                "All hubs",
                sum(r.requests for r in hub_rows),
                sum(r.requested_hours for r in hub_rows),
                sum(r.placed_hours for r in hub_rows),
                sum(open_hours.values()),
                sum(r.unmet_requests for r in hub_rows),
                sum(r.unmet_hours for r in hub_rows),
            )
            return TermOverview(term.name, hub_rows, sector_rows, total)

    @staticmethod
    def _open_hours(term: Term, hub: Hub) -> float:
        per_weekday: defaultdict[int, float] = defaultdict(float)
        for window in hub.opening_hours:
            minutes = (window.closes.hour * 60 + window.closes.minute) - (window.opens.hour * 60 + window.opens.minute)
            per_weekday[window.weekday] += minutes / 60
        rooms = sum(1 for room in hub.rooms if room.bookable)
        total = 0.0
        day = term.first_day
        while day <= term.last_day:
            if not bank_holiday(day):
                total += per_weekday[day.weekday()] * rooms
            day += timedelta(days=1)
        return total
