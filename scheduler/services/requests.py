"""RequestService: a term's requests — list, validate field by field, add, edit, withdraw.

Owns: the rules a request must meet before the solver sees it (a title, at least one window that is long
enough and inside an acceptable hub's opening hours, at least one acceptable hub, preferred hubs among the
acceptable ones, attendance within the largest acceptable room that has the facilities...). `validate`
returns every problem keyed by the form field it belongs to, so a form can show each next to its field.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from models.entities import Facility, Hub, Organisation, Request, RequestHub, RequestWindow, Team, Term
from models.types import Frequency, RequestStatus, Visibility
from scheduler import validation
from scheduler.errors import InvalidRequest, NotFound, StaleEdit, ValidationError
from scheduler.recurrence import WEEKDAY_NAMES
from scheduler.services.common import audit, now_utc
from scheduler.services.unit_of_work import RetryPolicy, run_in_transaction


@dataclass(frozen=True)
class WindowDraft:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class RequestDraft:
    """What the request form holds. Hubs, facilities and teams are given by id / key."""

    term_id: int
    organisation_id: int
    title: str
    attendance: int
    duration_min: int
    windows: tuple[WindowDraft, ...]
    acceptable_hub_ids: tuple[int, ...]
    preferred_hub_ids: tuple[int, ...] = ()
    frequency: Frequency = Frequency.WEEKLY
    nth: int | None = None
    public_title: str = ""
    visibility: Visibility = Visibility.PUBLIC
    hide_location: bool = False
    facility_keys: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    step_free: bool = False
    priority: int = 3
    runs_in_breaks: bool = False


@dataclass(frozen=True)
class RequestRow:
    """A request as the requests table shows it."""

    id: int
    version: int
    term_id: int
    title: str
    organisation: str
    sector: str
    visibility: str
    frequency: str
    attendance: int
    duration_min: int
    priority: int
    status: str
    reason: str
    hubs: tuple[str, ...]
    preferred_hubs: tuple[str, ...]
    windows: str
    facilities: tuple[str, ...] = field(default_factory=tuple)

    @property
    def short_reason(self) -> str:
        return self.reason.split(": ", 1)[-1].split(";")[0] if self.reason else ""


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def windows_text(windows: list[RequestWindow] | tuple[WindowDraft, ...]) -> str:
    return ", ".join(f"{WEEKDAY_NAMES[w.weekday]} {w.start:%H:%M}–{w.end:%H:%M}" for w in windows)


def request_row(request: Request) -> RequestRow:
    return RequestRow(
        id=request.id,
        version=request.version,
        term_id=request.term_id,
        title=request.title,
        organisation=request.organisation.name,
        sector=request.organisation.sector.value,
        visibility=request.visibility.value,
        frequency=request.frequency.value,
        attendance=request.attendance,
        duration_min=request.duration_min,
        priority=request.priority,
        status=request.status.value,
        reason=request.status_reason,
        hubs=tuple(sorted(h.hub.name for h in request.hubs)),
        preferred_hubs=tuple(sorted(h.hub.name for h in request.hubs if h.preferred)),
        windows=windows_text(request.windows),
        facilities=tuple(f.key for f in request.facilities),
    )


class RequestService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        operator: str,
        *,
        clock: Callable[[], datetime] = now_utc,
        retry: RetryPolicy | None = None,
    ):
        self._sessions = sessions
        self._operator = operator
        self._clock = clock
        self._retry = retry

    def list(self, term_id: int) -> list[RequestRow]:
        query = (
            select(Request)
            .where(Request.term_id == term_id)
            .options(
                selectinload(Request.windows),
                selectinload(Request.hubs).selectinload(RequestHub.hub),
                selectinload(Request.facilities),
                selectinload(Request.organisation),
            )
            .order_by(Request.created_at, Request.id)
        )
        with self._sessions() as session:
            return [request_row(r) for r in session.scalars(query)]

    def facility_choices(self) -> list[tuple[str, str]]:
        """Every facility a request may ask for, as (key, name), by name: what the form offers."""
        with self._sessions() as session:
            return [(f.key, f.name) for f in session.scalars(select(Facility).order_by(Facility.name))]

    def team_choices(self) -> list[tuple[int, str]]:
        """Every shared person or team a request may need, as (id, name), by name: what the form offers."""
        with self._sessions() as session:
            return [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]

    def validate(self, draft: RequestDraft) -> dict[str, str]:
        """Every problem with the draft, keyed by field; empty when it can be saved."""
        with self._sessions() as session:
            return self._validate(session, draft)

    def _validate(self, session: Session, draft: RequestDraft) -> dict[str, str]:
        errors: dict[str, str] = {}
        if session.get(Term, draft.term_id) is None:
            errors["term"] = "Choose a term."
        if session.get(Organisation, draft.organisation_id) is None:
            errors["organisation"] = "Choose an organisation."
        if not draft.title.strip():
            errors["title"] = "Give the request a title."
        for name, value in (("title", draft.title), ("public_title", draft.public_title)):
            try:
                validation.clean_title(name.replace("_", " "), value, required=False)
            except ValidationError as exc:
                errors[name] = exc.message
        for window in draft.windows:
            for edge in (window.start, window.end):
                try:
                    validation.check_local_time("window", edge)
                except ValidationError as exc:
                    errors["windows"] = exc.message
        if draft.attendance < 1:
            errors["attendance"] = "Expected attendance must be at least 1."
        if draft.duration_min < 15:
            errors["duration"] = "A session lasts at least 15 minutes."
        if not 1 <= draft.priority <= 5:
            errors["priority"] = "Priority is 1 (low) to 5 (high)."
        if draft.frequency is Frequency.ONCE:
            errors["frequency"] = "A request is for a regular slot: weekly, fortnightly or monthly."
        if draft.frequency is Frequency.MONTHLY and draft.nth not in (1, 2, 3, 4, -1):
            errors["nth"] = "Say which weekday of the month: 1st to 4th, or last."
        if draft.visibility is Visibility.GENERIC and not draft.public_title.strip():
            errors["public_title"] = "A generic session needs a neutral public title, e.g. 'Advice session'."

        hubs = [session.get(Hub, hub_id) for hub_id in draft.acceptable_hub_ids]
        if not draft.acceptable_hub_ids or any(h is None for h in hubs):
            errors["hubs"] = "Choose at least one acceptable hub."
            hubs = []
        if not set(draft.preferred_hub_ids) <= set(draft.acceptable_hub_ids):
            errors["preferred_hubs"] = "Preferred hubs must also be acceptable."
        known = set(session.scalars(select(Facility.key)))
        unknown = [k for k in draft.facility_keys if k not in known]
        if unknown:
            errors["facilities"] = f"Unknown facility: {', '.join(unknown)}."
        for team_id in draft.team_ids:
            if session.get(Team, team_id) is None:
                errors["teams"] = "Unknown shared person or team."

        if not draft.windows:
            errors["windows"] = "Give at least one weekday and time window."
        else:
            bad = [w for w in draft.windows if not (0 <= w.weekday <= 6 and w.start < w.end)]
            short = [w for w in draft.windows if _minutes(w.end) - _minutes(w.start) < draft.duration_min]
            if bad:
                errors["windows"] = "Each window must end after it starts."
            elif len(short) == len(draft.windows):
                errors["windows"] = f"No window is long enough for a {draft.duration_min}-minute session."
            elif hubs and not any(self._fits_opening(h, w, draft.duration_min) for h in hubs for w in draft.windows):
                errors["windows"] = (
                    f"No acceptable hub is open for {draft.duration_min} minutes inside these windows "
                    f"({windows_text(draft.windows)})."
                )

        if hubs and "attendance" not in errors and "facilities" not in errors:
            rooms = [
                r
                for h in hubs
                for r in h.rooms
                if r.bookable
                and set(draft.facility_keys) <= {f.key for f in r.facilities}
                and (r.step_free or not draft.step_free)
            ]
            if not rooms:
                errors["facilities"] = "No room in the acceptable hubs has these facilities" + (
                    " with step-free access." if draft.step_free else "."
                )
            elif draft.attendance > max(r.capacity for r in rooms):
                biggest = max(rooms, key=lambda r: r.capacity)
                errors["attendance"] = (
                    f"The largest suitable room, {biggest.name} at {biggest.hub.name}, holds {biggest.capacity}."
                )
        return errors

    @staticmethod
    def _fits_opening(hub: Hub, window: WindowDraft, duration: int) -> bool:
        for hours in hub.opening_hours:
            if hours.weekday != window.weekday:
                continue
            start = max(_minutes(hours.opens), _minutes(window.start))
            end = min(_minutes(hours.closes), _minutes(window.end))
            if end - start >= duration:
                return True
        return False

    def create(self, draft: RequestDraft) -> int:
        def work(session: Session) -> int:
            errors = self._validate(session, draft)
            if errors:
                raise InvalidRequest(errors)
            request = Request(created_at=self._clock(), status=RequestStatus.PENDING)
            self._fill(session, request, draft)
            session.add(request)
            session.flush()
            audit(
                session,
                self._operator,
                "add-request",
                "request",
                request.id,
                f"Added request {request.title} ({request.organisation.name})",
                after=request_row(request).__dict__,
                at=self._clock(),
            )
            return request.id

        return run_in_transaction(self._sessions, work, policy=self._retry)

    def update(self, request_id: int, expected_version: int, draft: RequestDraft) -> int:
        def work(session: Session) -> int:
            request = self._load(session, request_id, expected_version)
            errors = self._validate(session, draft)
            if errors:
                raise InvalidRequest(errors)
            before = request_row(request).__dict__
            self._fill(session, request, draft)
            if request.status is RequestStatus.UNMET:
                request.status, request.status_reason = RequestStatus.PENDING, ""
            session.flush()
            audit(
                session,
                self._operator,
                "edit-request",
                "request",
                request.id,
                f"Edited request {request.title}",
                before,
                request_row(request).__dict__,
                at=self._clock(),
            )
            return request.version

        try:
            return run_in_transaction(self._sessions, work, policy=self._retry)
        except StaleDataError:
            raise StaleEdit("this request was changed by someone else meanwhile; reload it and try again") from None

    def withdraw(self, request_id: int, expected_version: int) -> int:
        def work(session: Session) -> int:
            request = self._load(session, request_id, expected_version)
            before = request_row(request).__dict__
            request.status, request.status_reason = RequestStatus.WITHDRAWN, ""
            session.flush()
            audit(
                session,
                self._operator,
                "withdraw-request",
                "request",
                request.id,
                f"Withdrew request {request.title}",
                before,
                request_row(request).__dict__,
                at=self._clock(),
            )
            return request.version

        try:
            return run_in_transaction(self._sessions, work, policy=self._retry)
        except StaleDataError:
            raise StaleEdit("this request was changed by someone else meanwhile; reload it and try again") from None

    def draft_of(self, request_id: int) -> tuple[RequestDraft, int]:
        """The form's contents for an existing request, and its version for a later update."""
        with self._sessions() as session:
            request = session.get(Request, request_id)
            if request is None:
                raise NotFound(f"no request with id {request_id}")
            return (
                RequestDraft(
                    term_id=request.term_id,
                    organisation_id=request.organisation_id,
                    title=request.title,
                    attendance=request.attendance,
                    duration_min=request.duration_min,
                    windows=tuple(WindowDraft(w.weekday, w.start, w.end) for w in request.windows),
                    acceptable_hub_ids=tuple(h.hub_id for h in request.hubs),
                    preferred_hub_ids=tuple(h.hub_id for h in request.hubs if h.preferred),
                    frequency=request.frequency,
                    nth=request.nth,
                    public_title=request.public_title,
                    visibility=request.visibility,
                    hide_location=request.hide_location,
                    facility_keys=tuple(f.key for f in request.facilities),
                    team_ids=tuple(t.id for t in request.teams),
                    step_free=request.step_free,
                    priority=request.priority,
                    runs_in_breaks=request.runs_in_breaks,
                ),
                request.version,
            )

    @staticmethod
    def _load(session: Session, request_id: int, expected_version: int) -> Request:
        request = session.get(Request, request_id)
        if request is None:
            raise NotFound(f"no request with id {request_id}")
        if request.version != expected_version:
            raise StaleEdit(f"{request.title} was changed by someone else; reload it and try again")
        return request

    @staticmethod
    def _fill(session: Session, request: Request, draft: RequestDraft) -> None:
        request.term_id = draft.term_id
        request.organisation = session.get(Organisation, draft.organisation_id)
        request.title = draft.title.strip()
        request.public_title = draft.public_title.strip()
        request.visibility = draft.visibility
        request.hide_location = draft.hide_location
        request.attendance = draft.attendance
        request.duration_min = draft.duration_min
        request.frequency = draft.frequency
        request.nth = draft.nth if draft.frequency is Frequency.MONTHLY else None
        request.step_free = draft.step_free
        request.priority = draft.priority
        request.runs_in_breaks = draft.runs_in_breaks
        request.windows = [RequestWindow(weekday=w.weekday, start=w.start, end=w.end) for w in draft.windows]
        preferred = set(draft.preferred_hub_ids)
        request.hubs = [RequestHub(hub_id=h, preferred=h in preferred) for h in draft.acceptable_hub_ids]
        request.facilities = list(session.scalars(select(Facility).where(Facility.key.in_(draft.facility_keys))))
        request.teams = [session.get(Team, t) for t in draft.team_ids]
        # The version counter must move even when only windows, hubs or facilities changed.
        flag_modified(request, "title")
