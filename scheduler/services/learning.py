"""LearningService: read a term (and the terms before it) from the database as the facts the learning
figures are computed from; the sizes learned from recorded attendance; the per-term size-source choice.

Owns: database -> `scheduler.reporting.facts` dataclasses, the suggested size of a continuing request
(median attendance of its series last term, with its source), the recorded sizes the allocation may use
for room fit (`recorded_sizes`, called inside AllocationService's session), and the term's choice between
requested size and recorded attendance. The figures themselves are computed in scheduler/reporting.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.entities import (
    AttendanceRecord,
    Closure,
    ClosureSession,
    Hub,
    Occurrence,
    Organisation,
    Request,
    Room,
    Series,
    Term,
)
from models.types import ClosureScope, OccurrenceStatus, RequestStatus, SizeSource
from scheduler import allocation as alloc
from scheduler.errors import NotFound
from scheduler.recurrence import bank_holiday, to_local, to_utc
from scheduler.reporting import facts as f
from scheduler.reporting.figures import SizeSuggestion, suggested_sizes
from scheduler.services.common import audit, now_utc
from scheduler.services.overview import _home_hub, _request_hours

HISTORY_TERMS = 3  # terms before the chosen one that the trend and "stopped coming" look at


def unmet_reason(text: str) -> str:
    """The allocation's explanation of an unmet request, as one of a few categories."""
    lowered = text.lower()
    if "cannot be placed" in lowered:
        return "no suitable room"
    if "are taken" in lowered or "busy" in lowered:
        return "every slot it fits is taken"
    if "was not placed although" in lowered:
        return "run stopped before placing it"
    return "other" if text else "not explained"


@dataclass(frozen=True)
class TermChoice:
    id: int
    name: str
    first_day: date
    last_day: date
    size_source: str


class LearningService:
    def __init__(
        self, sessions: sessionmaker[Session], operator: str = "hubsched", *, clock: Callable[[], datetime] = now_utc
    ):
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    # -- terms ---------------------------------------------------------------------------------------------

    def terms(self) -> list[TermChoice]:
        with self._sessions() as session:
            return [
                TermChoice(t.id, t.name, t.first_day, t.last_day, SizeSource(t.size_source).value)
                for t in session.scalars(select(Term).order_by(Term.first_day))
            ]

    def term_id(self, name: str) -> int:
        with self._sessions() as session:
            term = session.scalars(select(Term).where(Term.name.ilike(name.strip()))).first()
            if term is None:
                names = ", ".join(session.scalars(select(Term.name).order_by(Term.first_day))) or "none"
                raise NotFound(f"unknown term {name!r}; known terms: {names}")
            return term.id

    def set_size_source(self, term_id: int, source: SizeSource) -> None:
        """Choose, for a term's allocation, requested sizes or last term's recorded attendance for room fit."""
        with self._sessions.begin() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            if SizeSource(term.size_source) is source:
                return
            before = SizeSource(term.size_source).value
            term.size_source = source
            audit(
                session,
                self._operator,
                "set-size-source",
                "term",
                term.id,
                f"{term.name}: room fit uses "
                + ("recorded attendance" if source is SizeSource.RECORDED else "requested size"),
                before={"size_source": before},
                after={"size_source": source.value},
                at=self._clock(),
            )

    # -- facts ---------------------------------------------------------------------------------------------

    def learning_data(self, term_id: int) -> f.LearningData:
        with self._sessions() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            earlier = list(
                session.scalars(
                    select(Term)
                    .where(Term.last_day < term.first_day)
                    .order_by(Term.first_day.desc())
                    .limit(HISTORY_TERMS)
                )
            )
            return f.LearningData(
                term=self._facts(session, term),
                previous=tuple(self._facts(session, t) for t in reversed(earlier)),
                targets=dict(alloc.Policy().sector_targets),
            )

    def _facts(self, session: Session, term: Term) -> f.TermFacts:
        hubs = list(session.scalars(select(Hub).order_by(Hub.name).options(selectinload(Hub.opening_hours))))
        areas = {h.name: h.area for h in hubs}
        rooms = list(session.scalars(select(Room).where(Room.bookable.is_(True)).order_by(Room.id)))
        days = [term.first_day + timedelta(days=n) for n in range((term.last_day - term.first_day).days + 1)]
        return f.TermFacts(
            name=term.name,
            first_day=term.first_day,
            last_day=term.last_day,
            open_days=tuple(d for d in days if not bank_holiday(d)),
            hubs=tuple(
                f.HubFact(
                    h.name,
                    h.area,
                    tuple((w.weekday, _minutes(w.opens), _minutes(w.closes)) for w in h.opening_hours),
                    sum(1 for r in rooms if r.hub_id == h.id),
                )
                for h in hubs
            ),
            rooms=tuple(f.RoomFact(r.id, r.hub.name, r.name, r.capacity) for r in rooms),
            sessions=self._sessions_of(session, term),
            requests=tuple(
                f.RequestFact(
                    r.id,
                    r.title,
                    r.visibility.value,
                    r.organisation.name,
                    r.organisation.sector.value,
                    r.status.value,
                    unmet_reason(r.status_reason) if r.status is RequestStatus.UNMET else "",
                    _home_hub(r),
                    areas.get(_home_hub(r), ""),
                    _request_hours(term, r),
                )
                for r in session.scalars(
                    select(Request)
                    .where(Request.term_id == term.id, Request.status != RequestStatus.WITHDRAWN)
                    .order_by(Request.id)
                )
            ),
            closures=self._closures(session, term),
        )

    @staticmethod
    def _sessions_of(session: Session, term: Term, organisation_id: int | None = None) -> tuple[f.SessionFact, ...]:
        """The term's sessions that were not cancelled, with their attendance; one organisation's if given."""
        query = (
            select(Occurrence, AttendanceRecord)
            .outerjoin(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
            .where(
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Occurrence.start_utc >= to_utc(term.first_day, time(0)),
                Occurrence.start_utc < to_utc(term.last_day + timedelta(days=1), time(0)),
            )
            .options(
                selectinload(Occurrence.series).selectinload(Series.organisation),
                selectinload(Occurrence.room).selectinload(Room.hub),
            )
            .order_by(Occurrence.start_utc, Occurrence.id)
        )
        if organisation_id is not None:
            query = query.where(
                Occurrence.series_id.in_(select(Series.id).where(Series.organisation_id == organisation_id))
            )
        found = []
        for occurrence, record in session.execute(query):
            series = occurrence.series
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            end_minutes = _minutes(end.time()) if end.date() == start.date() else 24 * 60
            found.append(
                f.SessionFact(
                    occurrence_id=occurrence.id,
                    series_id=series.id,
                    title=series.title,
                    visibility=series.visibility.value,
                    organisation=series.organisation.name,
                    sector=series.organisation.sector.value,
                    hub=occurrence.room.hub.name,
                    room_id=occurrence.room_id,
                    room=occurrence.room.name,
                    capacity=occurrence.room.capacity,
                    day=start.date(),
                    start=_minutes(start.time()),
                    end=end_minutes,
                    outcome=record.outcome.value if record else None,
                    headcount=record.headcount if record else None,
                    illustrative=bool(record and record.source == "illustrative"),
                    expected=series.attendance,
                )
            )
        return tuple(found)

    @staticmethod
    def _closures(session: Session, term: Term) -> tuple[f.ClosureFact, ...]:
        closures = session.scalars(
            select(Closure)
            .where(Closure.first_day <= term.last_day, Closure.last_day >= term.first_day)
            .order_by(Closure.first_day, Closure.id)
        ).all()
        # What each closure did to the sessions it displaced, as ClosureService recorded it (an edit's new
        # effects included; an effect taken back by an edit or undo is gone from the table).
        outcome: dict[int, tuple[int, int]] = {}
        effects = session.execute(
            select(ClosureSession.closure_id, ClosureSession.effect, func.count())
            .where(ClosureSession.closure_id.in_([c.id for c in closures]))
            .group_by(ClosureSession.closure_id, ClosureSession.effect)
        )
        for closure_id, effect, n in effects:
            moved, cancelled = outcome.get(closure_id, (0, 0))
            outcome[closure_id] = (moved + n, cancelled) if effect == "moved" else (moved, cancelled + n)
        rows = []
        for c in closures:
            if c.scope is ClosureScope.BOROUGH:
                where = "Every hub"
            elif c.scope is ClosureScope.HUB:
                where = c.hub.name if c.hub else "?"
            else:
                where = f"{c.room.name}, {c.room.hub.name}" if c.room else "?"
            if c.start_local and c.end_local:
                where += f" ({c.start_local:%H:%M}–{c.end_local:%H:%M})"
            moved, cancelled = outcome.get(c.id, (0, 0))
            rows.append(f.ClosureFact(where, c.first_day, c.last_day, c.reason, moved, cancelled))
        return tuple(rows)

    # -- feeding back into planning -------------------------------------------------------------------------

    def suggested_size(self, term_id: int, organisation_id: int, title: str) -> SizeSuggestion | None:
        """For a request in `term_id` continuing a series of the previous term (same organisation and title):
        the median recorded attendance of that series, with where it came from. None if nothing recorded."""
        with self._sessions() as session:
            term = session.get(Term, term_id)
            organisation = session.get(Organisation, organisation_id)
            if term is None or organisation is None:
                return None
            # Only this organisation's sessions are read (the form asks at every change of its fields).
            return _suggestions(session, term, organisation.id).get((organisation.name, title.strip().lower()))

    def suggestions(self, term_id: int) -> dict[int, SizeSuggestion]:
        """Suggested sizes for every request of a term that continues a series with recorded attendance."""
        with self._sessions() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            known = _suggestions(session, term)
            found = {}
            for request in session.scalars(select(Request).where(Request.term_id == term.id)):
                hit = known.get((request.organisation.name, request.title.strip().lower()))
                if hit is not None:
                    found[request.id] = hit
            return found

    def suggestion_rows(self, term_id: int) -> list[tuple[str, str, int, int, str]]:
        """(request title, organisation, requested size, suggested size, source) for the term's requests
        that continue a series with recorded attendance, by title."""
        found = self.suggestions(term_id)
        with self._sessions() as session:
            rows = [
                (r.title, r.organisation.name, r.attendance, found[r.id].median, found[r.id].source)
                for r in session.scalars(select(Request).where(Request.id.in_(list(found))))
            ]
        return sorted(rows)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def previous_term(session: Session, term: Term) -> Term | None:
    """The term a request of `term` continues from: the last one to end before `term` starts."""
    return session.scalars(
        select(Term).where(Term.last_day < term.first_day).order_by(Term.last_day.desc()).limit(1)
    ).first()


def learned_sizes(session: Session, term: Term) -> dict[tuple[str, str], SizeSuggestion]:
    """Per (organisation name, lower-cased title): the size suggested for a request of `term` from the
    previous term's recorded attendance. Runs inside the caller's session (the spreadsheet template)."""
    return _suggestions(session, term)


def _suggestions(
    session: Session, term: Term, organisation_id: int | None = None
) -> dict[tuple[str, str], SizeSuggestion]:
    earlier = previous_term(session, term)
    if earlier is None:
        return {}
    sessions = LearningService._sessions_of(session, earlier, organisation_id)
    facts = f.TermFacts(earlier.name, earlier.first_day, earlier.last_day, (), sessions=sessions)
    return suggested_sizes(facts)


def recorded_sizes(session: Session, term_id: int, requests: tuple[alloc.Request, ...]) -> tuple[alloc.Request, ...]:
    """The allocation's requests with their size replaced by last term's median recorded attendance, when the
    term's size source is "recorded" and the request continues a series with attendance recorded; otherwise
    unchanged. Runs inside the caller's session (AllocationService.build_problem)."""
    term = session.get(Term, term_id)
    if term is None or SizeSource(term.size_source) is not SizeSource.RECORDED:
        return requests
    known = _suggestions(session, term)
    return tuple(
        replace(r, size=known[(r.organisation, r.title.strip().lower())].median)
        if (r.organisation, r.title.strip().lower()) in known
        else r
        for r in requests
    )


def size_note(session: Session, term_id: int, problem: alloc.Problem) -> str:
    """Which sizes the allocation fitted rooms to, in words, for the review."""
    term = session.get(Term, term_id)
    if term is None or SizeSource(term.size_source) is not SizeSource.RECORDED:
        return "Room fit used the requested sizes."
    stored = dict(session.execute(select(Request.id, Request.attendance).where(Request.term_id == term_id)).all())
    learned = sum(1 for r in problem.requests if r.id in stored and r.size != stored[r.id])
    return (
        f"Room fit used recorded attendance (median of last term) for {learned} of {len(problem.requests)} "
        "requests, the requested size for the others."
    )
