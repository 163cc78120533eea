"""BookingService: book, cancel, move, restore and edit sessions and series.

Owns: the use cases that write bookings, each one transaction with its audit entry, and the translation
of the database's own overlap guard into a `BookingClash` when two writers race. It states no booking
rule: every write asks `scheduler.booking.rules.BookingRules` (the one gate), so a refused change writes
nothing and says what is in the way. Sessions already past are never rewritten; a change "from this date
on" splits the series first.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from models.entities import Occurrence, Organisation, Request, Room, Series, Team, Term
from models.types import Frequency, OccurrenceStatus, Visibility
from scheduler.booking.rules import BookingRules, Problem, ProposedSession, proposed_from, raise_first
from scheduler.errors import BookingClash, InvalidInput, NotFound, StaleEdit
from scheduler.recurrence import DAY_NAMES, Pattern, Skipped, add_minutes, to_local, to_utc
from scheduler.recurrence import Session as DatedSession
from scheduler.services.common import audit, describe_occurrence, now_utc, room_label, series_snapshot
from scheduler.services.unit_of_work import run_in_transaction

_T = TypeVar("_T")

__all__ = [
    "BookedSeries",
    "BookingPlan",
    "BookingService",
    "NewBooking",
    "Problem",
    "SeriesCancellation",
    "SeriesChange",
    "SeriesDetails",
]


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


def _nth_of(day: date) -> int:
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def _is_overlap_violation(error: IntegrityError) -> bool:
    original = error.orig
    return "occurrence_overlap" in str(original) or getattr(original, "sqlstate", None) == "23P01"


@dataclass(frozen=True)
class SeriesChange:
    """What a change to a series left: the series changed and its version.

    A change "from a date on" (or one that would rewrite sessions already past) first splits the series:
    the sessions before stay in the original series, the rest become a new series that the change is made
    to. `split_from` and `split_version` then name the original, so that `join_series` can undo the split.
    """

    series_id: int
    version: int
    split_from: int | None = None
    split_version: int | None = None


class BookingService:
    """Use cases that create and change bookings. One instance per operator (whose name is audited).

    Every change asks `scheduler.booking.rules.BookingRules` before it writes; nothing here states a rule.
    """

    def __init__(self, sessions: sessionmaker[Session], operator: str, *, clock: Callable[[], datetime] = now_utc):
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    @property
    def operator(self) -> str:
        """Whose changes these are (written to the audit log); services built on this one share it."""
        return self._operator

    @property
    def clock(self) -> Callable[[], datetime]:
        """The injected clock: audit times, `updated_at` and what counts as past all come from it."""
        return self._clock

    def _audit(self, session: Session, *args, **kwargs) -> None:
        audit(session, self._operator, *args, at=self._clock(), **kwargs)

    # -- booking -------------------------------------------------------------------------------------

    def plan(self, booking: NewBooking) -> BookingPlan:
        """Check a booking without writing anything: sessions, skipped dates and every problem found."""
        with self._sessions() as session:
            return self._plan(session, booking)

    def book(self, booking: NewBooking) -> BookedSeries:
        """Book it, or raise the typed error of the first problem; a refused booking writes nothing."""
        try:
            result = run_in_transaction(self._sessions, lambda session: self.book_within(session, booking))
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
        """Book inside a transaction the caller owns (the demo loader, the allocation's apply step, imports)."""
        plan = self._plan(session, booking)
        raise_first(plan.problems)
        series = self._create_series(session, booking, plan)
        return BookedSeries(series.id, series.uid, series.version, len(plan.sessions), plan.skipped)

    def _plan(self, session: Session, booking: NewBooking) -> BookingPlan:
        room = session.get(Room, booking.room_id)
        if room is None:
            raise NotFound(f"no room with id {booking.room_id}")
        if session.get(Organisation, booking.organisation_id) is None:
            raise NotFound(f"no organisation with id {booking.organisation_id}")
        term = session.get(Term, booking.term_id) if booking.term_id is not None else None
        if booking.term_id is not None and term is None:
            raise NotFound(f"no term with id {booking.term_id}")
        request = session.get(Request, booking.request_id) if booking.request_id is not None else None
        pattern = self._pattern(booking, term)
        rules = BookingRules(session)
        skip_breaks = not booking.runs_in_breaks
        expansion, refused = rules.expand(
            room, pattern, booking.title, term=term, skip_breaks=skip_breaks, once=booking.frequency is Frequency.ONCE
        )
        if refused:
            return BookingPlan([], expansion.skipped, refused)
        proposed = [
            ProposedSession(
                title=booking.title,
                room_id=room.id,
                start_utc=s.start_utc,
                end_utc=s.end_utc,
                attendance=booking.attendance,
                team_ids=booking.team_ids,
                facilities=frozenset(f.key for f in request.facilities) if request is not None else frozenset(),
                step_free=bool(request.step_free) if request is not None else False,
                skip_breaks=skip_breaks,
                term_id=booking.term_id,
            )
            for s in expansion.sessions
        ]
        return BookingPlan(expansion.sessions, expansion.skipped, rules.problems(proposed))

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
        self._audit(
            session,
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

    def _commit_change(self, work: Callable[[Session], _T]) -> _T:
        """Run one change in a transaction (retried from the start on a deadlock or a locked database); map
        lost version races and overlap races to typed errors."""
        try:
            return run_in_transaction(self._sessions, work)
        except StaleDataError:
            raise StaleEdit("this booking was changed by someone else meanwhile; reload it and try again") from None
        except IntegrityError as exc:
            if _is_overlap_violation(exc):
                raise BookingClash("the room was booked by someone else at the same moment; reload") from None
            raise

    def _touch(self, series: Series) -> None:
        """A change to where, when or whether a series meets: feeds see a new SEQUENCE and timestamp."""
        series.sequence += 1
        series.updated_at = self._clock()

    def cancel_within(
        self, session: Session, series: Series, occurrences: Iterable[Occurrence] | None = None, *, reason: str
    ) -> int:
        """Cancel sessions of `series` inside a transaction the caller owns; one audit entry says why.

        Without `occurrences`, every session of the series that has not started is cancelled, and the
        series with them when none is left; sessions already past are never rewritten. Returns how many
        sessions were cancelled. Used by cancel, allocation apply (a series that moves or loses its place)
        and closures (what they displace and cannot re-home).
        """
        before = series_snapshot(series)
        now = self._clock()
        if occurrences is None:
            targets = [
                o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED and o.start_utc >= now
            ]
        else:
            targets = [o for o in occurrences if o.status is not OccurrenceStatus.CANCELLED]
        for occurrence in targets:
            occurrence.status = OccurrenceStatus.CANCELLED
        if all(o.status is OccurrenceStatus.CANCELLED for o in series.occurrences):
            series.cancelled = True
        self._touch(series)
        session.flush()
        dates = ", ".join(f"{to_local(o.start_utc):%a %d %b}" for o in targets[:3])
        more = f" and {len(targets) - 3} more" if len(targets) > 3 else ""
        self._audit(
            session,
            "cancel-sessions",
            "series",
            series.id,
            f"Cancelled {len(targets)} session(s) of {series.title} ({dates}{more}): {reason}",
            before,
            series_snapshot(series),
        )
        return len(targets)

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
            self._touch(series)
            session.flush()
            self._audit(
                session,
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
        """Cancel the sessions of a series from `from_date` on (or all); returns the new version.

        Sessions already past are never rewritten: "the whole series" means every session still to come.
        """

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            before = series_snapshot(series)
            now = self._clock()
            for occurrence in series.occurrences:
                if (
                    from_date is None or occurrence.recurrence_local.date() >= from_date
                ) and occurrence.start_utc >= now:
                    occurrence.status = OccurrenceStatus.CANCELLED
            kept = [o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED]
            if not kept and (from_date is None or from_date <= series.first_date):
                series.cancelled = True
            elif from_date is not None and from_date > series.first_date:
                series.last_date = min(series.last_date, from_date - timedelta(days=1))
            elif kept:
                series.last_date = min(series.last_date, max(o.recurrence_local.date() for o in kept))
            self._touch(series)
            session.flush()
            self._audit(
                session,
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

        Asks the booking rules; raises the typed error of the first problem. A session back exactly where
        its pattern puts it is confirmed again; anywhere else it is moved.
        """
        series = occurrence.series
        if occurrence.status is OccurrenceStatus.CANCELLED:
            raise InvalidInput(f"{describe_occurrence(occurrence)} is cancelled; book it again instead")
        room = session.get(Room, room_id)
        if room is None:
            raise NotFound(f"no room with id {room_id}")
        try:
            end = add_minutes(start, series.duration_min)
        except ValueError:
            raise InvalidInput(f"{series.title} would run past midnight if it started at {start:%H:%M}") from None
        moved = DatedSession(day, to_utc(day, start), to_utc(day, end), occurrence.recurrence_local)
        BookingRules(session).enforce(
            [proposed_from(series, occurrence, room_id=room.id, start_utc=moved.start_utc, end_utc=moved.end_utc)]
        )
        before = {
            "occurrence": occurrence.id,
            "room": room_label(occurrence.room),
            "start_utc": occurrence.start_utc.isoformat(),
            "status": str(occurrence.status),
        }
        occurrence.room_id = room.id
        occurrence.start_utc, occurrence.end_utc = moved.start_utc, moved.end_utc
        session.flush()
        session.refresh(occurrence, ["room"])
        occurrence.status = self._restored_status(series, occurrence)
        self._touch(series)
        session.flush()
        self._audit(
            session,
            "move-session",
            "occurrence",
            occurrence.id,
            f"Moved {series.title} of {occurrence.recurrence_local:%a %d %b %Y %H:%M} to "
            f"{room_label(room)} {DAY_NAMES[day.weekday()]} {day:%d %b %Y} {start:%H:%M}",
            before,
            {
                "occurrence": occurrence.id,
                "room": room_label(room),
                "start_utc": moved.start_utc.isoformat(),
                "status": str(occurrence.status),
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
        return self.update_details(series_id, expected_version, details).version

    # -- series: "this and following" ------------------------------------------------------------------

    def _split(self, session: Session, series: Series, from_day: date) -> Series:
        """Split `series` before `from_day`: the sessions from then on become a new series (same pattern).

        Returns the series that holds the sessions from `from_day` on (the original when nothing is before).
        """
        tail_occurrences = [o for o in series.occurrences if o.recurrence_local.date() >= from_day]
        if len(tail_occurrences) == len(series.occurrences):
            return series
        before = series_snapshot(series)
        stamp = self._clock()
        tail = Series(
            uid=f"{uuid.uuid4()}@hubsched",
            room_id=series.room_id,
            organisation_id=series.organisation_id,
            request_id=series.request_id,
            term_id=series.term_id,
            title=series.title,
            public_title=series.public_title,
            visibility=series.visibility,
            hide_location=series.hide_location,
            attendance=series.attendance,
            weekday=series.weekday,
            start_local=series.start_local,
            duration_min=series.duration_min,
            frequency=series.frequency,
            nth=series.nth,
            first_date=from_day,
            last_date=series.last_date,
            runs_in_breaks=series.runs_in_breaks,
            pinned=series.pinned,
            created_at=stamp,
            updated_at=stamp,
            teams=list(series.teams),
        )
        session.add(tail)
        session.flush()
        for occurrence in tail_occurrences:
            occurrence.series = tail
        series.last_date = max(o.recurrence_local.date() for o in series.occurrences if o not in tail_occurrences)
        series.last_date = min(series.last_date, from_day - timedelta(days=1))
        self._touch(series)
        session.flush()
        session.refresh(series, ["occurrences"])
        session.refresh(tail, ["occurrences"])
        self._audit(
            session,
            "split-series",
            "series",
            series.id,
            f"Split {series.title} before {from_day:%d %b %Y}: the sessions from then on are series {tail.id}",
            before,
            {**series_snapshot(series), "tail": tail.id},
        )
        return tail

    def join_series(self, series_id: int, expected_version: int, tail_id: int, tail_version: int) -> int:
        """Undo a split: the sessions of `tail_id` go back into `series_id`, which must meet the same way."""

        def work(session: Session) -> int:
            series = self._load_series(session, series_id, expected_version)
            tail = self._load_series(session, tail_id, tail_version)
            same = (
                "room_id",
                "organisation_id",
                "title",
                "public_title",
                "visibility",
                "hide_location",
                "attendance",
                "weekday",
                "start_local",
                "duration_min",
                "frequency",
                "nth",
                "runs_in_breaks",
            )
            different = [name for name in same if getattr(series, name) != getattr(tail, name)]
            if different:
                raise InvalidInput(
                    f"{tail.title} from {tail.first_date:%d %b %Y} no longer meets like {series.title} "
                    f"({', '.join(different)} differ), so the two cannot be joined again"
                )
            before = series_snapshot(series)
            for occurrence in list(tail.occurrences):
                occurrence.series = series
            series.last_date = max(series.last_date, tail.last_date)
            series.cancelled = series.cancelled and tail.cancelled
            session.flush()
            session.delete(tail)
            self._touch(series)
            session.flush()
            session.refresh(series, ["occurrences"])
            self._audit(
                session,
                "join-series",
                "series",
                series.id,
                f"Joined series {tail_id} back into {series.title}",
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    def _target(self, session: Session, series: Series, from_date: date | None) -> tuple[Series, Series | None]:
        """The series a change from `from_date` on is made to, splitting first where sessions stay as they are.

        Sessions already under way or past always stay: a change never rewrites history.
        Returns (target, original when split).
        """
        now = self._clock()
        first_future = min((o.recurrence_local.date() for o in series.occurrences if o.start_utc >= now), default=None)
        if first_future is None:
            raise InvalidInput(f"{series.title} has no sessions still to come")
        day = max(first_future, from_date) if from_date is not None else first_future
        tail = self._split(session, series, day)
        return tail, (series if tail is not series else None)

    def move_series(
        self,
        series_id: int,
        expected_version: int,
        *,
        room_id: int,
        start: time,
        day_shift: int = 0,
        from_date: date | None = None,
    ) -> SeriesChange:
        """Move the sessions of a series (from `from_date` on, else all to come) to another room and start.

        Each session keeps its own date (shifted by `day_shift` days) and its offset from the series'
        start, so a session that had been moved on its own stays as far from the pattern as it was; the
        pattern and the sessions' recurrence identities move with them. Sessions before `from_date`, and
        any already past, stay: the series is split first. Refused, writing nothing, when any moved session
        would break a booking rule.
        """
        if not -6 <= day_shift <= 6:
            raise InvalidInput("a series can move at most six days earlier or later; move single sessions further")

        def work(session: Session) -> SeriesChange:
            original = self._load_series(session, series_id, expected_version)
            if original.cancelled:
                raise InvalidInput(f"{original.title} is cancelled; book it again instead")
            if day_shift and original.frequency is Frequency.MONTHLY:
                raise InvalidInput(
                    f"{original.title} meets on the nth weekday of the month; move single sessions to another day"
                )
            room = session.get(Room, room_id)
            if room is None:
                raise NotFound(f"no room with id {room_id}")
            delta = (start.hour * 60 + start.minute) - (original.start_local.hour * 60 + original.start_local.minute)
            try:
                add_minutes(start, original.duration_min)
            except ValueError:
                raise InvalidInput(f"{original.title} would run past midnight if it started at {start:%H:%M}") from None
            series, split_from = self._target(session, original, from_date)
            live = [o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED]
            if not live:
                raise InvalidInput(f"{series.title} has no sessions left to move")
            shift = timedelta(days=day_shift, minutes=delta)
            moved: list[tuple[Occurrence, DatedSession]] = []
            for occurrence in live:
                local = to_local(occurrence.start_utc)
                day = local.date() + timedelta(days=day_shift)
                try:
                    new_start = add_minutes(local.time(), delta)
                    new_end = add_minutes(new_start, series.duration_min)
                except ValueError:
                    raise InvalidInput(f"{series.title} would cross midnight at {start:%H:%M}") from None
                moved.append(
                    (
                        occurrence,
                        DatedSession(
                            day, to_utc(day, new_start), to_utc(day, new_end), occurrence.recurrence_local + shift
                        ),
                    )
                )
            BookingRules(session).enforce(
                [proposed_from(series, o, room_id=room.id, start_utc=m.start_utc, end_utc=m.end_utc) for o, m in moved],
                ignore=[o.id for o in live],
            )
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
            self._touch(series)
            session.flush()
            session.refresh(series, ["room"])
            self._audit(
                session,
                "move-series",
                "series",
                series.id,
                f"Moved {series.title} ({len(moved)} session(s)) to {room_label(room)} "
                f"on {DAY_NAMES[series.weekday]}s at {start:%H:%M}",
                before,
                series_snapshot(series),
            )
            return SeriesChange(
                series.id,
                series.version,
                split_from.id if split_from is not None else None,
                split_from.version if split_from is not None else None,
            )

        return self._commit_change(work)

    def move_series_like(
        self,
        occurrence_id: int,
        expected_version: int,
        *,
        room_id: int,
        day: date,
        start: time,
        from_date: date | None = None,
    ) -> SeriesChange:
        """Move a series the way one of its sessions is dragged: to `room_id`, `day` and `start`.

        The series moves by the same number of days and minutes as the session (its other sessions keep
        their own offsets); from `from_date` on when given ("this and following").
        """
        with self._sessions() as session:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            local = to_local(occurrence.start_utc)
            series_id, series_start = occurrence.series_id, occurrence.series.start_local
            title = occurrence.series.title
        shift = (day - local.date()).days
        minutes = (start.hour * 60 + start.minute) - (local.hour * 60 + local.minute)
        new_start = series_start.hour * 60 + series_start.minute + minutes
        if not 0 <= new_start < 24 * 60:
            raise InvalidInput(f"{title} would start on another day")
        return self.move_series(
            series_id,
            expected_version,
            room_id=room_id,
            start=time(new_start // 60, new_start % 60),
            day_shift=shift,
            from_date=from_date,
        )

    # -- restoring ------------------------------------------------------------------------------------

    def restore_occurrence(self, occurrence_id: int, expected_version: int) -> int:
        """Undo a cancellation: the session runs again where and when it was, if the rules still allow."""

        def work(session: Session) -> int:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise NotFound(f"no session with id {occurrence_id}")
            series = self._load_series(session, occurrence.series_id, expected_version)
            if occurrence.status is not OccurrenceStatus.CANCELLED:
                raise InvalidInput(f"{describe_occurrence(occurrence)} is not cancelled")
            self.restore_within(session, series, [occurrence])
            self._audit(
                session,
                "restore-session",
                "occurrence",
                occurrence.id,
                f"Restored {describe_occurrence(occurrence)}",
                {"occurrence": occurrence.id, "status": "cancelled"},
                {"occurrence": occurrence.id, "status": str(occurrence.status)},
            )
            return series.version

        return self._commit_change(work)

    def restore_within(
        self,
        session: Session,
        series: Series,
        occurrences: Iterable[Occurrence],
        statuses: dict[int, OccurrenceStatus] | None = None,
    ) -> None:
        """Bring cancelled sessions back inside the caller's transaction, if the booking rules still allow.

        `statuses` gives the status each had before it was cancelled (allocation undo); by default a
        session in its pattern's place is confirmed and anywhere else moved.
        """
        occurrences = list(occurrences)
        BookingRules(session).enforce([proposed_from(series, o) for o in occurrences])
        for occurrence in occurrences:
            if statuses is not None and occurrence.id in statuses:
                occurrence.status = statuses[occurrence.id]
            else:
                occurrence.status = self._restored_status(series, occurrence)
        series.cancelled = False
        self._touch(series)
        session.flush()

    def cancel_series_undoably(
        self, series_id: int, expected_version: int, *, from_date: date | None = None
    ) -> SeriesCancellation:
        """`cancel_series`, returning what `restore_series` needs to undo it exactly."""
        with self._sessions() as session:
            series = self._load_series(session, series_id, expected_version)
            now = self._clock()
            ids = tuple(
                o.id
                for o in series.occurrences
                if o.status is not OccurrenceStatus.CANCELLED
                and o.start_utc >= now
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
            series.last_date = cancellation.last_date
            self.restore_within(session, series, occurrences)
            self._audit(
                session,
                "restore-series",
                "series",
                series.id,
                f"Restored {series.title}: {len(occurrences)} session(s)",
                before,
                series_snapshot(series),
            )
            return series.version

        return self._commit_change(work)

    # -- details ----------------------------------------------------------------------------------------

    def update_details(
        self, series_id: int, expected_version: int, details: SeriesDetails, *, from_date: date | None = None
    ) -> SeriesChange:
        """Change what a series is (organisation, titles, visibility, attendance), not where or when.

        With `from_date`, only the sessions from that date on change: the series is split first.
        """
        if not details.title.strip():
            raise InvalidInput("a booking needs a title")
        if details.attendance <= 0:
            raise InvalidInput(f"expected attendance must be at least 1, got {details.attendance}")

        def work(session: Session) -> SeriesChange:
            original = self._load_series(session, series_id, expected_version)
            organisation = session.get(Organisation, details.organisation_id)
            if organisation is None:
                raise NotFound(f"no organisation with id {details.organisation_id}")
            series, split_from = (original, None) if from_date is None else self._target(session, original, from_date)
            now = self._clock()
            to_come = [
                o for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED and o.start_utc >= now
            ]
            if details.attendance != series.attendance:
                probe = [proposed_from(series, o) for o in to_come]
                BookingRules(session).enforce([replace(p, attendance=details.attendance) for p in probe])
            before = series_snapshot(series)
            series.organisation = organisation
            series.title, series.public_title = details.title.strip(), details.public_title.strip()
            series.visibility = details.visibility
            series.hide_location = details.hide_location
            series.attendance = details.attendance
            series.updated_at = self._clock()
            session.flush()
            self._audit(
                session,
                "edit-series",
                "series",
                series.id,
                f"Edited the details of {series.title}" + (f" from {from_date:%d %b %Y}" if from_date else ""),
                before,
                series_snapshot(series),
            )
            return SeriesChange(
                series.id,
                series.version,
                split_from.id if split_from is not None else None,
                split_from.version if split_from is not None else None,
            )

        return self._commit_change(work)

    def _restored_status(self, series: Series, occurrence: Occurrence) -> OccurrenceStatus:
        in_place = occurrence.room_id == series.room_id and (
            to_local(occurrence.start_utc).replace(tzinfo=None) == occurrence.recurrence_local
        )
        return OccurrenceStatus.CONFIRMED if in_place else OccurrenceStatus.MOVED
