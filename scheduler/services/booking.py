"""BookingService: book, cancel and move sessions under the booking rules.

Owns: the booking rules (room bookable, capacity, opening hours, closures and bank holidays, term-time
breaks, no clash in the room, a shared team never in two places), checked before anything is written,
and the translation of the database's own overlap guard into a `BookingClash` when two writers race.
Every change is one transaction with its audit entry; a refused change writes nothing.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from models.entities import Occurrence, Organisation, Room, Series, Team, Term
from models.types import Frequency, OccurrenceStatus, Visibility
from scheduler.errors import (
    BookingClash,
    BookingRefused,
    CapacityExceeded,
    ClosedError,
    InvalidInput,
    NotFound,
    OutsideOpeningHours,
    StaleEdit,
)
from scheduler.recurrence import (
    WEEKDAY_NAMES,
    Pattern,
    Skipped,
    add_minutes,
    to_local,
    to_utc,
)
from scheduler.recurrence import (
    Session as DatedSession,
)
from scheduler.services.common import (
    audit,
    describe_occurrence,
    live_occurrences_overlapping,
    now_utc,
    room_calendar,
    room_label,
    series_snapshot,
    term_breaks_between,
)


@dataclass(frozen=True)
class NewBooking:
    """A one-off (frequency ONCE) or a regular booking of a room for an organisation.

    The weekday is the first date's. A monthly series meets on the nth such weekday (taken from the first
    date when not given; -1 means the last). A series needs a last date, or a term to end with.
    """

    room_id: int
    organisation_id: int
    title: str
    first_date: date
    start: time
    duration_min: int
    frequency: Frequency = Frequency.ONCE
    last_date: date | None = None
    nth: int | None = None
    public_title: str = ""
    visibility: Visibility = Visibility.PUBLIC
    hide_location: bool = False
    attendance: int = 1
    term_id: int | None = None
    request_id: int | None = None
    runs_in_breaks: bool = True
    pinned: bool = False
    team_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One broken rule, with the typed error it raises and the sentence that explains it."""

    error: type[BookingRefused]
    message: str


@dataclass(frozen=True)
class BookingPlan:
    """What a booking would do: the sessions it creates, the dates it skips and why, and any problem."""

    sessions: list[DatedSession]
    skipped: list[Skipped]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class BookedSeries:
    series_id: int
    uid: str
    version: int
    sessions: int
    skipped: list[Skipped]


@dataclass(frozen=True)
class SeriesCancellation:
    """What `cancel_series_undoably` cancelled, so that `restore_series` can bring exactly that back."""

    series_id: int
    version: int
    occurrence_ids: tuple[int, ...]
    last_date: date


@dataclass(frozen=True)
class SeriesDetails:
    """The editable details of a series: who, what it is called, who may see it, how many come."""

    organisation_id: int
    title: str
    public_title: str = ""
    visibility: Visibility = Visibility.PUBLIC
    hide_location: bool = False
    attendance: int = 1


def _capacity_problems(room: Room, attendance: int) -> list[Problem]:
    if attendance <= room.capacity:
        return []
    return [Problem(CapacityExceeded, f"{room_label(room)} holds {room.capacity} people but {attendance} are expected")]


def _blocked_problem(room: Room, day: date, reason: str) -> Problem:
    """A `SessionCalendar.blocked` reason as a problem of the right type."""
    error = OutsideOpeningHours if reason.startswith("outside") else ClosedError
    return Problem(error, f"{room_label(room)} on {day:%a %d %b %Y}: {reason}")


def _nth_of(day: date) -> int:
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def _is_overlap_violation(error: IntegrityError) -> bool:
    original = error.orig
    return "occurrence_overlap" in str(original) or getattr(original, "sqlstate", None) == "23P01"


class BookingService:
    """Use cases that create and change bookings. One instance per operator (whose name is audited)."""

    def __init__(self, sessions: sessionmaker[Session], operator: str, *, clock: Callable[[], datetime] = now_utc):
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    # -- booking -------------------------------------------------------------------------------------

    def plan(self, booking: NewBooking) -> BookingPlan:
        """Check a booking without writing anything: sessions, skipped dates and every problem found."""
        with self._sessions() as session:
            return self._plan(session, booking)

    def book(self, booking: NewBooking) -> BookedSeries:
        """Book it, or raise the typed error of the first problem; a refused booking writes nothing."""
        try:
            with self._sessions.begin() as session:
                result = self.book_within(session, booking)
        except IntegrityError as exc:
            if not _is_overlap_violation(exc):
                raise
            # Another writer booked the room between our check and our insert: name what they booked.
            with self._sessions() as session:
                clashes = [p for p in self._plan(session, booking).problems if p.error is BookingClash]
            message = clashes[0].message if clashes else "the room was booked by someone else at the same moment"
            raise BookingClash(message) from None
        return result

    def book_within(self, session: Session, booking: NewBooking) -> BookedSeries:
        """Book inside a transaction the caller owns (the demo loader, the allocation's apply step)."""
        plan = self._plan(session, booking)
        if plan.problems:
            raise plan.problems[0].error("; ".join(p.message for p in plan.problems))
        series = self._create_series(session, booking, plan)
        return BookedSeries(series.id, series.uid, series.version, len(plan.sessions), plan.skipped)

    def _plan(self, session: Session, booking: NewBooking) -> BookingPlan:
        room = session.get(Room, booking.room_id)
        if room is None:
            raise NotFound(f"no room with id {booking.room_id}")
        organisation = session.get(Organisation, booking.organisation_id)
        if organisation is None:
            raise NotFound(f"no organisation with id {booking.organisation_id}")
        term = session.get(Term, booking.term_id) if booking.term_id is not None else None
        if booking.term_id is not None and term is None:
            raise NotFound(f"no term with id {booking.term_id}")
        pattern = self._pattern(booking, term)
        skip_breaks = not booking.runs_in_breaks
        calendar = room_calendar(session, room, pattern.first_date, pattern.last_date, term)
        if term is None and skip_breaks:
            calendar.breaks = term_breaks_between(session, pattern.first_date, pattern.last_date)

        problems: list[Problem] = []
        where = room_label(room)
        if not room.bookable:
            problems.append(Problem(BookingRefused, f"{where} is not bookable"))
        problems += _capacity_problems(room, booking.attendance)
        if not calendar.within_opening_hours(pattern.weekday, pattern.start, pattern.end):
            problems.append(
                Problem(
                    OutsideOpeningHours,
                    f"{booking.title} {pattern.start:%H:%M}–{pattern.end:%H:%M} is outside opening hours: "
                    f"{room.hub.name} is {calendar.opening_hours_text(pattern.weekday)}",
                )
            )
            return BookingPlan([], [], problems)

        expansion = calendar.expand(pattern, skip_breaks=skip_breaks)
        if not expansion.sessions:
            if booking.frequency is Frequency.ONCE and expansion.skipped:
                day = expansion.skipped[0]
                problems.append(Problem(ClosedError, f"{where} is closed on {day.day:%a %d %b %Y}: {day.reason}"))
            else:
                problems.append(Problem(ClosedError, f"{booking.title} has no date it can run on in {where}"))
            return BookingPlan([], expansion.skipped, problems)

        problems += self._clashes(session, room, expansion.sessions)
        problems += self._team_clashes(session, booking.team_ids, expansion.sessions)
        return BookingPlan(expansion.sessions, expansion.skipped, problems)

    def _pattern(self, booking: NewBooking, term: Term | None) -> Pattern:
        if not booking.title.strip():
            raise InvalidInput("a booking needs a title")
        if booking.duration_min <= 0:
            raise InvalidInput(f"duration must be positive, got {booking.duration_min} minutes")
        if booking.attendance <= 0:
            raise InvalidInput(f"expected attendance must be at least 1, got {booking.attendance}")
        try:
            add_minutes(booking.start, booking.duration_min)
        except ValueError:
            raise InvalidInput(
                f"a session starting at {booking.start:%H:%M} for {booking.duration_min} minutes ends after midnight"
            ) from None
        last = booking.last_date
        if booking.frequency is Frequency.ONCE:
            last = booking.first_date
        elif last is None:
            if term is None:
                raise InvalidInput("a regular booking needs a last date (or a term)")
            last = term.last_day
        if last < booking.first_date:
            raise InvalidInput(f"last date {last:%d %b %Y} is before first date {booking.first_date:%d %b %Y}")
        if last - booking.first_date > timedelta(days=2 * 366):
            raise InvalidInput("a series may run for at most two years; book a new one after that")
        nth = booking.nth
        if booking.frequency is Frequency.MONTHLY:
            nth = nth if nth is not None else _nth_of(booking.first_date)
            if nth not in (-1, 1, 2, 3, 4):
                raise InvalidInput(f"monthly sessions meet on the 1st to 4th or last weekday, not {nth}")
        else:
            nth = None
        return Pattern(
            weekday=booking.first_date.weekday(),
            start=booking.start,
            duration_min=booking.duration_min,
            frequency=booking.frequency,
            first_date=booking.first_date,
            last_date=last,
            nth=nth,
        )

    def _clashes(
        self, session: Session, room: Room, sessions: list[DatedSession], exclude_series: int | None = None
    ) -> list[Problem]:
        existing = live_occurrences_overlapping(
            session, [room.id], sessions[0].start_utc, sessions[-1].end_utc, exclude_series
        )
        clashing = [
            (new, old)
            for new in sessions
            for old in existing
            if old.start_utc < new.end_utc and new.start_utc < old.end_utc
        ]
        if not clashing:
            return []
        _, first = clashing[0]
        more = f" (and {len(clashing) - 1} more dates)" if len(clashing) > 1 else ""
        return [Problem(BookingClash, f"{room_label(room)} is already booked by {describe_occurrence(first)}{more}")]

    def _team_clashes(
        self,
        session: Session,
        team_ids: tuple[int, ...],
        sessions: list[DatedSession],
        exclude_series: int | None = None,
    ) -> list[Problem]:
        problems = []
        for team_id in team_ids:
            team = session.get(Team, team_id)
            if team is None:
                raise NotFound(f"no team with id {team_id}")
            query = (
                select(Occurrence)
                .join(Occurrence.series)
                .where(
                    Series.teams.any(Team.id == team_id),
                    Occurrence.status != OccurrenceStatus.CANCELLED,
                    Occurrence.start_utc < sessions[-1].end_utc,
                    Occurrence.end_utc > sessions[0].start_utc,
                )
            )
            if exclude_series is not None:
                query = query.where(Occurrence.series_id != exclude_series)
            for old in session.scalars(query):
                if any(old.start_utc < new.end_utc and new.start_utc < old.end_utc for new in sessions):
                    problems.append(
                        Problem(
                            BookingClash,
                            f"{team.name} is already at {describe_occurrence(old)} in {room_label(old.room)}",
                        )
                    )
                    break
        return problems

    def _create_series(self, session: Session, booking: NewBooking, plan: BookingPlan) -> Series:
        room = session.get(Room, booking.room_id)
        term = session.get(Term, booking.term_id) if booking.term_id is not None else None
        pattern = self._pattern(booking, term)
        stamp = self._clock()
        series = Series(
            uid=f"{uuid.uuid4()}@hubsched",
            room_id=booking.room_id,
            organisation_id=booking.organisation_id,
            request_id=booking.request_id,
            term_id=booking.term_id,
            title=booking.title.strip(),
            public_title=booking.public_title.strip(),
            visibility=booking.visibility,
            hide_location=booking.hide_location,
            attendance=booking.attendance,
            weekday=pattern.weekday,
            start_local=pattern.start,
            duration_min=pattern.duration_min,
            frequency=pattern.frequency,
            nth=pattern.nth,
            first_date=pattern.first_date,
            last_date=pattern.last_date,
            runs_in_breaks=booking.runs_in_breaks,
            pinned=booking.pinned,
            created_at=stamp,
            updated_at=stamp,
            teams=[session.get(Team, t) for t in booking.team_ids],
        )
        series.occurrences = [
            Occurrence(
                room_id=booking.room_id,
                start_utc=s.start_utc,
                end_utc=s.end_utc,
                recurrence_local=s.recurrence_local,
                status=OccurrenceStatus.CONFIRMED,
            )
            for s in plan.sessions
        ]
        session.add(series)
        session.flush()
        audit(
            session,
            self._operator,
            "book",
            "series",
            series.id,
            f"Booked {series.title} for {series.organisation.name} in {room_label(room)}: "
            f"{len(plan.sessions)} session(s) from {pattern.first_date:%d %b %Y}",
            after=series_snapshot(series),
        )
        return series

    # -- changes ------------------------------------------------------------------------------------

    def _load_series(self, session: Session, series_id: int, expected_version: int) -> Series:
        series = session.get(Series, series_id)
        if series is None:
            raise NotFound(f"no series with id {series_id}")
        if series.version != expected_version:
            raise StaleEdit(
                f"{series.title} was changed by someone else (version {series.version}, you had "
                f"{expected_version}); reload it and try again"
            )
        return series

    def _commit_change(self, work: Callable[[Session], int]) -> int:
        """Run one change in a transaction; map lost version races and overlap races to typed errors."""
        try:
            with self._sessions.begin() as session:
                return work(session)
        except StaleDataError:
            raise StaleEdit("this booking was changed by someone else meanwhile; reload it and try again") from None
        except IntegrityError as exc:
            if _is_overlap_violation(exc):
                raise BookingClash("the room was booked by someone else at the same moment; reload") from None
            raise

    def cancel_occurrence(self, occurrence_id: int, expected_version: int) -> int:
        """Cancel one session; returns the series' new version."""

        def work(session: Session) -> int:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            series = self._load_series(session, occurrence.series_id, expected_version)
            if occurrence.status is OccurrenceStatus.CANCELLED:
                raise InvalidInput(f"{describe_occurrence(occurrence)} is already cancelled")
            before = {"occurrence": occurrence.id, "status": str(occurrence.status)}
            occurrence.status = OccurrenceStatus.CANCELLED
            series.sequence += 1
            series.updated_at = self._clock()
            session.flush()
            audit(
                session,
                self._operator,
                "cancel-session",
                "occurrence",
                occurrence.id,
                f"Cancelled {describe_occurrence(occurrence)}",
                before,
                {"occurrence": occurrence.id, "status": "cancelled"},
            )
            return series.version

        return self._commit_change(work)

    def cancel_series(self, series_id: int, expected_version: int, *, from_date: date | None = None) -> int:
        """Cancel every session of a series (or those from `from_date`); returns the new version."""

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            before = series_snapshot(series)
            for occurrence in series.occurrences:
                if from_date is None or occurrence.recurrence_local.date() >= from_date:
                    occurrence.status = OccurrenceStatus.CANCELLED
            if from_date is None or from_date <= series.first_date:
                series.cancelled = True
            else:
                series.last_date = min(series.last_date, from_date - timedelta(days=1))
            series.sequence += 1
            series.updated_at = self._clock()
            session.flush()
            audit(
                session,
                self._operator,
                "cancel-series",
                "series",
                series.id,
                f"Cancelled {series.title}" + (f" from {from_date:%d %b %Y}" if from_date else ""),
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    def move_occurrence(
        self, occurrence_id: int, expected_version: int, *, room_id: int, day: date, start: time
    ) -> int:
        """Move one session to another room and/or time; it keeps its recurrence identity."""

        def work(session: Session) -> int:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            series = self._load_series(session, occurrence.series_id, expected_version)
            self.move_within(session, occurrence, room_id=room_id, day=day, start=start)
            return series.version

        return self._commit_change(work)

    def move_within(self, session: Session, occurrence: Occurrence, *, room_id: int, day: date, start: time) -> None:
        """Move a session inside a transaction the caller owns (closures re-homing what they displace).

        Checks capacity, closures, opening hours and clashes; raises the typed error of the first problem.
        """
        series = occurrence.series
        if occurrence.status is OccurrenceStatus.CANCELLED:
            raise InvalidInput(f"{describe_occurrence(occurrence)} is cancelled; book it again instead")
        room = session.get(Room, room_id)
        if room is None:
            raise NotFound(f"no room with id {room_id}")
        end = add_minutes(start, series.duration_min)
        calendar = room_calendar(session, room, day, day, series.term)
        problems = _capacity_problems(room, series.attendance)
        reason = calendar.blocked(day, start, end, skip_breaks=False)
        if reason:
            problems.append(_blocked_problem(room, day, reason))
        moved = DatedSession(day, to_utc(day, start), to_utc(day, end), occurrence.recurrence_local)
        others = [
            o
            for o in live_occurrences_overlapping(session, [room.id], moved.start_utc, moved.end_utc)
            if o.id != occurrence.id
        ]
        if others:
            problems.append(
                Problem(
                    BookingClash,
                    f"{room_label(room)} is already booked by {describe_occurrence(others[0])}",
                )
            )
        if problems:
            raise problems[0].error("; ".join(p.message for p in problems))
        before = {
            "occurrence": occurrence.id,
            "room": room_label(occurrence.room),
            "start_utc": occurrence.start_utc.isoformat(),
        }
        occurrence.room_id = room.id
        occurrence.start_utc, occurrence.end_utc = moved.start_utc, moved.end_utc
        occurrence.status = OccurrenceStatus.MOVED
        series.sequence += 1
        series.updated_at = self._clock()
        session.flush()
        audit(
            session,
            self._operator,
            "move-session",
            "occurrence",
            occurrence.id,
            f"Moved {series.title} of {occurrence.recurrence_local:%a %d %b %Y %H:%M} to "
            f"{room_label(room)} {WEEKDAY_NAMES[day.weekday()]} {day:%d %b %Y} {start:%H:%M}",
            before,
            {
                "occurrence": occurrence.id,
                "room": room_label(room),
                "start_utc": moved.start_utc.isoformat(),
            },
        )

    def rename_series(self, series_id: int, expected_version: int, *, title: str, public_title: str) -> int:
        """Change only a series' titles: `update_details` with everything else as it is."""
        with self._sessions() as session:
            series = session.get(Series, series_id)
            if series is None:
                raise NotFound(f"no series with id {series_id}")
            details = SeriesDetails(
                organisation_id=series.organisation_id,
                title=title,
                public_title=public_title,
                visibility=series.visibility,
                hide_location=series.hide_location,
                attendance=series.attendance,
            )
        return self.update_details(series_id, expected_version, details)

    # -- changes the desktop calendar needs (each one the undo of another) ----------------------------

    def move_series(
        self, series_id: int, expected_version: int, *, room_id: int, start: time, day_shift: int = 0
    ) -> int:
        """Move every live session of a series to another room and start time (and weekday).

        Each session keeps its own date (shifted by `day_shift` days) and its offset from the series'
        start, so a session that had been moved on its own stays as far from the pattern as it was; the
        pattern and the sessions' recurrence identities move with them. Refused, writing nothing, when
        any moved session would break a booking rule. Returns the series' new version.
        """
        if not -6 <= day_shift <= 6:
            raise InvalidInput("a series can move at most six days earlier or later")

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            if series.cancelled:
                raise InvalidInput(f"{series.title} is cancelled; book it again instead")
            if day_shift and series.frequency is Frequency.MONTHLY:
                raise InvalidInput(
                    f"{series.title} meets on the nth weekday of the month; move single sessions to another day"
                )
            room = session.get(Room, room_id)
            if room is None:
                raise NotFound(f"no room with id {room_id}")
            live = [o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED]
            if not live:
                raise InvalidInput(f"{series.title} has no sessions left to move")
            delta = (start.hour * 60 + start.minute) - (series.start_local.hour * 60 + series.start_local.minute)
            shift = timedelta(days=day_shift, minutes=delta)
            problems = _capacity_problems(room, series.attendance)
            days = [to_local(o.start_utc).date() + timedelta(days=day_shift) for o in live]
            calendar = room_calendar(session, room, min(days), max(days), series.term)
            moved: list[tuple[Occurrence, DatedSession]] = []
            for occurrence, day in zip(live, days, strict=True):
                local = to_local(occurrence.start_utc)
                try:
                    new_start = add_minutes(local.time(), delta)
                    new_end = add_minutes(new_start, series.duration_min)
                except ValueError:
                    raise InvalidInput(f"{series.title} would cross midnight at {start:%H:%M}") from None
                reason = calendar.blocked(day, new_start, new_end, skip_breaks=False)
                if reason and not problems:
                    problems.append(_blocked_problem(room, day, reason))
                moved.append(
                    (
                        occurrence,
                        DatedSession(
                            day, to_utc(day, new_start), to_utc(day, new_end), occurrence.recurrence_local + shift
                        ),
                    )
                )
            dated = sorted((m for _, m in moved), key=lambda m: m.start_utc)
            problems += self._clashes(session, room, dated, exclude_series=series.id)
            problems += self._team_clashes(session, tuple(t.id for t in series.teams), dated, series.id)
            if problems:
                raise problems[0].error("; ".join(p.message for p in problems))
            before = series_snapshot(series)
            # Shift identities in an order that never collides with a not-yet-shifted sibling.
            ordered = sorted(moved, key=lambda pair: pair[0].recurrence_local, reverse=shift > timedelta(0))
            for occurrence, target in ordered:
                occurrence.room_id = room.id
                occurrence.start_utc, occurrence.end_utc = target.start_utc, target.end_utc
                occurrence.recurrence_local = target.recurrence_local
                session.flush()
            series.room_id = room.id
            series.start_local = start
            series.weekday = (series.weekday + day_shift) % 7
            series.first_date += timedelta(days=day_shift)
            series.last_date += timedelta(days=day_shift)
            series.sequence += 1
            series.updated_at = self._clock()
            session.flush()
            session.refresh(series, ["room"])
            audit(
                session,
                self._operator,
                "move-series",
                "series",
                series.id,
                f"Moved {series.title} ({len(moved)} session(s)) to {room_label(room)} "
                f"{WEEKDAY_NAMES[series.weekday]}s {start:%H:%M}",
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    def restore_occurrence(self, occurrence_id: int, expected_version: int) -> int:
        """Undo a cancellation: the session runs again where and when it was, if the rules still allow."""

        def work(session: Session) -> int:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            series = self._load_series(session, occurrence.series_id, expected_version)
            if occurrence.status is not OccurrenceStatus.CANCELLED:
                raise InvalidInput(f"{describe_occurrence(occurrence)} is not cancelled")
            self._check_restorable(session, series, [occurrence])
            occurrence.status = self._restored_status(series, occurrence)
            series.cancelled = False
            series.sequence += 1
            series.updated_at = self._clock()
            session.flush()
            audit(
                session,
                self._operator,
                "restore-session",
                "occurrence",
                occurrence.id,
                f"Restored {describe_occurrence(occurrence)}",
                {"occurrence": occurrence.id, "status": "cancelled"},
                {"occurrence": occurrence.id, "status": str(occurrence.status)},
            )
            return series.version

        return self._commit_change(work)

    def cancel_series_undoably(
        self, series_id: int, expected_version: int, *, from_date: date | None = None
    ) -> SeriesCancellation:
        """`cancel_series`, returning what `restore_series` needs to undo it exactly."""
        with self._sessions() as session:
            series = self._load_series(session, series_id, expected_version)
            ids = tuple(
                o.id
                for o in series.occurrences
                if o.status is not OccurrenceStatus.CANCELLED
                and (from_date is None or o.recurrence_local.date() >= from_date)
            )
            last_date = series.last_date
        version = self.cancel_series(series_id, expected_version, from_date=from_date)
        return SeriesCancellation(series_id, version, ids, last_date)

    def restore_series(self, series_id: int, expected_version: int, cancellation: SeriesCancellation) -> int:
        """Undo `cancel_series_undoably`: the sessions it cancelled run again, if the rules still allow."""

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            before = series_snapshot(series)
            occurrences = [o for o in series.occurrences if o.id in set(cancellation.occurrence_ids)]
            self._check_restorable(session, series, occurrences)
            for occurrence in occurrences:
                occurrence.status = self._restored_status(series, occurrence)
            series.cancelled = False
            series.last_date = cancellation.last_date
            series.sequence += 1
            series.updated_at = self._clock()
            session.flush()
            audit(
                session,
                self._operator,
                "restore-series",
                "series",
                series.id,
                f"Restored {series.title}: {len(occurrences)} session(s)",
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    def update_details(self, series_id: int, expected_version: int, details: SeriesDetails) -> int:
        """Change what a series is (organisation, titles, visibility, attendance), not where or when."""
        if not details.title.strip():
            raise InvalidInput("a booking needs a title")
        if details.attendance <= 0:
            raise InvalidInput(f"expected attendance must be at least 1, got {details.attendance}")

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            organisation = session.get(Organisation, details.organisation_id)
            if organisation is None:
                raise NotFound(f"no organisation with id {details.organisation_id}")
            rooms = {o.room for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED} | {series.room}
            for room in sorted(rooms, key=lambda r: r.capacity):
                for problem in _capacity_problems(room, details.attendance):
                    raise problem.error(problem.message)
            before = series_snapshot(series)
            series.organisation = organisation
            series.title, series.public_title = details.title.strip(), details.public_title.strip()
            series.visibility = details.visibility
            series.hide_location = details.hide_location
            series.attendance = details.attendance
            series.updated_at = self._clock()
            session.flush()
            audit(
                session,
                self._operator,
                "edit-series",
                "series",
                series.id,
                f"Edited the details of {series.title}",
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    def _restored_status(self, series: Series, occurrence: Occurrence) -> OccurrenceStatus:
        in_place = occurrence.room_id == series.room_id and (
            to_local(occurrence.start_utc).replace(tzinfo=None) == occurrence.recurrence_local
        )
        return OccurrenceStatus.CONFIRMED if in_place else OccurrenceStatus.MOVED

    def _check_restorable(self, session: Session, series: Series, occurrences: list[Occurrence]) -> None:
        for occurrence in sorted(occurrences, key=lambda o: o.start_utc):
            start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
            calendar = room_calendar(session, occurrence.room, start.date(), start.date(), series.term)
            reason = calendar.blocked(start.date(), start.time(), end.time(), skip_breaks=False)
            if reason:
                problem = _blocked_problem(occurrence.room, start.date(), reason)
                raise problem.error(problem.message)
            others = [
                o
                for o in live_occurrences_overlapping(
                    session, [occurrence.room_id], occurrence.start_utc, occurrence.end_utc
                )
                if o.id != occurrence.id
            ]
            if others:
                raise BookingClash(
                    f"{room_label(occurrence.room)} is already booked by {describe_occurrence(others[0])}"
                )
