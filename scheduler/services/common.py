"""Helpers every service shares: audit entries, stored closures and breaks, clash descriptions.

Owns: reading stored closures and term breaks as the recurrence module's spans; describing an occurrence
in words for error messages; writing audit entries. The booking rules themselves live in
scheduler/booking/rules.py. Runs inside a service's transaction.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import AuditEntry, Closure, Occurrence, Room, Series, Term
from models.types import ClosureScope
from scheduler.recurrence import ClosureSpan, DateSpan, to_local


def now_utc() -> datetime:
    return datetime.now(UTC)


def closure_spans(session: Session, first: date, last: date) -> list[ClosureSpan]:
    rows = session.scalars(select(Closure).where(Closure.first_day <= last, Closure.last_day >= first))
    return [
        ClosureSpan(
            scope=ClosureScope(c.scope),
            first_day=c.first_day,
            last_day=c.last_day,
            reason=c.reason,
            hub_id=c.hub_id,
            room_id=c.room_id,
            start=c.start_local,
            end=c.end_local,
        )
        for c in rows
    ]


def term_breaks_between(session: Session, first: date, last: date) -> list[DateSpan]:
    """Breaks of every term overlapping the dates (for manual series given no term)."""
    terms = session.scalars(select(Term).where(Term.first_day <= last, Term.last_day >= first))
    return [DateSpan(b.first_day, b.last_day, b.name) for t in terms for b in t.breaks]


def describe_occurrence(occurrence: Occurrence) -> str:
    """'Food pantry (Ilford Food Pantry) on Fri 15 Jan 2027 12:00–15:00' in local time."""
    series = occurrence.series
    start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
    return f"{series.title} ({series.organisation.name}) on {start:%a %d %b %Y} {start:%H:%M}–{end:%H:%M}"


def room_label(room: Room) -> str:
    return f"{room.name}, {room.hub.name}"


def live_occurrences_overlapping(
    session: Session, room_ids: list[int], start: datetime, end: datetime, exclude_series: int | None = None
) -> list[Occurrence]:
    query = (
        select(Occurrence)
        .join(Occurrence.series)
        .where(
            Occurrence.room_id.in_(room_ids),
            Occurrence.status != "cancelled",
            Occurrence.start_utc < end,
            Occurrence.end_utc > start,
        )
        .order_by(Occurrence.start_utc)
    )
    if exclude_series is not None:
        query = query.where(Occurrence.series_id != exclude_series)
    return list(session.scalars(query))


def series_snapshot(series: Series) -> dict[str, Any]:
    """A JSON-able picture of a series for the audit log's before/after."""
    return {
        "id": series.id,
        "title": series.title,
        "organisation": series.organisation.name if series.organisation else None,
        "room": room_label(series.room) if series.room else None,
        "weekday": series.weekday,
        "start": series.start_local.strftime("%H:%M"),
        "duration_min": series.duration_min,
        "frequency": str(series.frequency),
        "nth": series.nth,
        "first_date": series.first_date.isoformat(),
        "last_date": series.last_date.isoformat(),
        "visibility": str(series.visibility),
        "pinned": series.pinned,
        "cancelled": series.cancelled,
        "version": series.version,
    }


def audit(
    session: Session,
    operator: str,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    at: datetime,
) -> None:
    """Record a change; `at` comes from the service's injected clock, so tests and replays are exact."""
    session.add(
        AuditEntry(
            at=at,
            operator=operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            before=before,
            after=after,
        )
    )
