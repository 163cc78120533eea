"""The requests template for a term, pre-filled with the series that continue from the previous term.

Owns: choosing those series (regular, not cancelled, running in the previous term and not already booked
into the new one; one row per organisation and title, a series split by "this and following" counting
once), turning each into a row of request columns, and the size each row suggests: the median recorded
attendance of last term (LearningService's rule, `learned_sizes`), with where the figure came from. A
series that was placed from a request is described by that request (its windows, hubs, facilities...);
one booked directly by its weekday, time, hub and team. A row whose request the new term already holds
is that request as it stands, so importing the template unchanged never changes a request; its
attendance figure is still shown, to copy by hand. The explanatory columns (`NOTE_COLUMNS`) are not
request columns: the import ignores them.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import Occurrence, Request, Series, Term
from models.types import Frequency, OccurrenceStatus
from scheduler.imports import values
from scheduler.imports.columns import Column
from scheduler.imports.service import NTH_TEXT, request_cells
from scheduler.recurrence import to_utc
from scheduler.services.learning import learned_sizes, previous_term

NOTE_COLUMNS = (
    Column("Suggested size", False, "From last term's recorded attendance (median of the held sessions).", width=10),
    Column("Size suggested from", False, "Where the suggested size came from. Not imported.", width=48),
    Column("Last term", False, "Where and when it ran last term. Not imported.", width=44),
)


@dataclass(frozen=True)
class ContinuingRow:
    cells: list[object]  # in the request columns, then NOTE_COLUMNS
    organisation: str
    title: str
    size: int  # what the Size cell says
    suggested: int | None  # last term's median attendance, None when none was recorded
    source: str


def continuing_rows(session: Session, term_id: int) -> tuple[str | None, list[ContinuingRow]]:
    """(the previous term's name, one row per series continuing from it into term `term_id`)."""
    term = session.get(Term, term_id)
    if term is None:
        return None, []
    earlier = previous_term(session, term)
    if earlier is None:
        return None, []
    learned = learned_sizes(session, term)
    live = Occurrence.status != OccurrenceStatus.CANCELLED
    ran_last_term = (
        select(Occurrence.series_id)
        .where(
            live,
            Occurrence.start_utc >= to_utc(earlier.first_day, time(0)),
            Occurrence.start_utc < to_utc(earlier.last_day + timedelta(days=1), time(0)),
        )
        .distinct()
    )
    booked_on = select(Occurrence.series_id).where(live, Occurrence.start_utc >= to_utc(term.first_day, time(0)))
    found = session.scalars(
        select(Series)
        .where(
            Series.id.in_(ran_last_term),
            Series.frequency != Frequency.ONCE,
            Series.cancelled.is_(False),
        )
        .order_by(Series.first_date, Series.id)
    ).all()
    already = {s for (s,) in session.execute(booked_on.where(Occurrence.series_id.in_([x.id for x in found])))}
    latest: dict[tuple[str, str], Series] = {}
    running_on: set[tuple[str, str]] = set()
    for series in found:  # by first date: a split series' later part describes it
        key = (series.organisation.name, series.title.strip().lower())
        latest[key] = series
        if series.id in already:
            running_on.add(key)
    requested = {
        (r.organisation.name, r.title.strip().lower()): r
        for r in session.scalars(select(Request).where(Request.term_id == term.id).order_by(Request.id))
    }
    rows = []
    for key, series in latest.items():
        if key in running_on or not series.organisation.active:
            continue  # already booked into the new term, or the organisation no longer uses the hubs
        suggestion = learned.get(key)
        suggested = suggestion.median if suggestion else None
        end = (series.start_local.hour * 60 + series.start_local.minute + series.duration_min) % 1440
        ran = (
            f"{series.room.name}, {series.room.hub.name}, {values.WEEKDAYS[series.weekday]} "
            f"{series.start_local:%H:%M}-{end // 60:02d}:{end % 60:02d}, {series.frequency.value}, "
            f"booked for {series.attendance}"
        )
        existing = requested.get(key)
        if existing is not None:
            cells = request_cells(existing)
            size = existing.attendance
            source = f"already requested for {term.name} with size {size}; not changed by importing this row"
            if suggestion is not None:
                source += f" (attendance suggests {suggested}: {suggestion.source})"
        else:
            cells = _series_cells(series, series.request)
            if suggestion is not None:
                size, source = suggested, suggestion.source
            else:
                size = series.attendance
                source = f"no attendance recorded in {earlier.name}: the size booked last term"
            cells[4] = size
        rows.append(
            ContinuingRow(
                [*cells, suggested, source, ran], series.organisation.name, series.title, size, suggested, source
            )
        )
    rows.sort(key=lambda r: (str(r.cells[10]), r.organisation.lower(), r.title.lower()))
    return earlier.name, rows


def _series_cells(series: Series, request: Request | None) -> list[object]:
    """A request for the new term, like last term's: its request's wishes where it had one, else what was booked."""
    if request is not None:
        cells = request_cells(request)
        cells[0] = series.title  # the series may have been renamed since it was placed
        return cells
    end = (series.start_local.hour * 60 + series.start_local.minute + series.duration_min) % 1440
    hub = series.room.hub.name
    return [
        series.title,
        series.public_title or None,
        series.organisation.name,
        series.organisation.sector.value,
        series.attendance,
        series.duration_min,
        series.frequency.value,
        NTH_TEXT.get(series.nth) if series.nth else None,
        values.WEEKDAYS[series.weekday],
        f"{series.start_local:%H:%M}-{end // 60:02d}:{end % 60:02d}",
        hub,
        hub,
        None,
        "no",
        series.visibility.value,
        ", ".join(t.name for t in series.teams) or None,
        series.organisation.default_priority,
        "yes" if series.runs_in_breaks else "no",
        None,
    ]
