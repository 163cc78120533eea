"""AllocationUndo: accepting a term's allocation as one undoable step.

Owns: recording what `AllocationService.apply` changed (the series it booked, the series it cancelled with
the sessions that were live in them, the requests' statuses before) and swapping that change back and forth
in one transaction each: undo cancels what the apply booked and brings back what it cancelled; redo does
the reverse. Every series touched must still be at the version the last step left, otherwise someone
changed it meanwhile and the step is refused (StaleEdit) with nothing written.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Request, Series
from models.types import OccurrenceStatus, RequestStatus
from scheduler.errors import StaleEdit
from scheduler.services.allocation import AllocationPreview, AllocationService, AppliedAllocation
from scheduler.services.booking import BookingService
from scheduler.services.common import audit
from scheduler.services.unit_of_work import RetryPolicy, run_in_transaction


@dataclass(frozen=True)
class SeriesState:
    series_id: int
    version: int  # the version the last step left
    live_occurrences: tuple[tuple[int, str], ...]  # the sessions live when the series is live, with their status


@dataclass(frozen=True)
class AcceptedAllocation:
    """An applied allocation and how to take it back. `undone` says which side is in the database."""

    term_id: int
    term_name: str
    applied: AppliedAllocation
    booked: tuple[SeriesState, ...]  # series the apply created
    replaced: tuple[SeriesState, ...]  # series the apply cancelled
    statuses_before: tuple[tuple[int, str, str], ...]  # request id, status, reason
    statuses_after: tuple[tuple[int, str, str], ...]
    undone: bool = False


def _live_series(session: Session, term_id: int) -> dict[int, Series]:
    query = select(Series).where(Series.term_id == term_id, Series.request_id.is_not(None), Series.cancelled.is_(False))
    return {s.id: s for s in session.scalars(query)}


def _statuses(session: Session, term_id: int) -> tuple[tuple[int, str, str], ...]:
    query = select(Request).where(Request.term_id == term_id).order_by(Request.id)
    return tuple((r.id, r.status.value, r.status_reason) for r in session.scalars(query))


def _live_occurrences(series: Series) -> tuple[tuple[int, str], ...]:
    return tuple((o.id, o.status.value) for o in series.occurrences if o.status is not OccurrenceStatus.CANCELLED)


class AllocationUndo:
    """Accept, undo, redo. Each step is one unit of work run through `run_in_transaction` (accept through
    `AllocationService.apply`): a deadlock or a locked database is retried from the start, then reported as
    `ConcurrentSave`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        allocation: AllocationService,
        booking: BookingService,
        *,
        retry: RetryPolicy | None = None,
    ):
        self._sessions = sessions
        self._retry = retry
        self._allocation = allocation
        self._booking = booking
        self._operator = booking.operator

    def accept(self, preview: AllocationPreview) -> AcceptedAllocation:
        """Apply the preview (atomically, as `AllocationService.apply`) and record how to undo it."""
        with self._sessions() as session:
            before = {sid: _live_occurrences(s) for sid, s in _live_series(session, preview.term_id).items()}
            statuses_before = _statuses(session, preview.term_id)
        applied = self._allocation.apply(preview)
        with self._sessions() as session:
            after = _live_series(session, preview.term_id)
            booked = tuple(
                SeriesState(sid, s.version, _live_occurrences(s))
                for sid, s in sorted(after.items())
                if sid not in before
            )
            replaced = []
            for sid in sorted(set(before) - set(after)):
                series = session.get(Series, sid)
                assert series is not None
                replaced.append(SeriesState(sid, series.version, before[sid]))
            return AcceptedAllocation(
                preview.term_id,
                preview.term_name,
                applied,
                booked,
                tuple(replaced),
                statuses_before,
                _statuses(session, preview.term_id),
            )

    def undo(self, accepted: AcceptedAllocation) -> AcceptedAllocation:
        """Take the allocation back: its series cancelled, the ones it replaced live again, statuses restored."""
        assert not accepted.undone
        booked, replaced = self._swap(
            accepted, cancel=accepted.booked, restore=accepted.replaced, statuses=accepted.statuses_before
        )
        return replace(accepted, booked=booked, replaced=replaced, undone=True)

    def redo(self, accepted: AcceptedAllocation) -> AcceptedAllocation:
        """Accept the same allocation again after an undo."""
        assert accepted.undone
        replaced, booked = self._swap(
            accepted, cancel=accepted.replaced, restore=accepted.booked, statuses=accepted.statuses_after
        )
        return replace(accepted, booked=booked, replaced=replaced, undone=False)

    def _swap(
        self,
        accepted: AcceptedAllocation,
        *,
        cancel: tuple[SeriesState, ...],
        restore: tuple[SeriesState, ...],
        statuses: tuple[tuple[int, str, str], ...],
    ) -> tuple[tuple[SeriesState, ...], tuple[SeriesState, ...]]:
        verb = "Undid" if not accepted.undone else "Redid"

        def work(session: Session) -> tuple[tuple[SeriesState, ...], tuple[SeriesState, ...]]:
            touched: list[tuple[Series, SeriesState]] = []
            for state in (*cancel, *restore):
                series = session.get(Series, state.series_id)
                if series is None or series.version != state.version:
                    title = series.title if series is not None else f"series {state.series_id}"
                    raise StaleEdit(
                        f"{title} was changed after the allocation of {accepted.term_name} was accepted, "
                        "so it cannot be taken back in one step; change it in the calendar instead"
                    )
                touched.append((series, state))
            # Free the slots first, then bring the other side back through the booking rules.
            for series, state in touched[: len(cancel)]:
                live = dict(state.live_occurrences)
                occurrences = [o for o in series.occurrences if o.id in live]
                self._booking.cancel_within(
                    session, series, occurrences, reason=f"{verb.lower()} the allocation of {accepted.term_name}"
                )
            for series, state in touched[len(cancel) :]:
                live = dict(state.live_occurrences)
                occurrences = [o for o in series.occurrences if o.id in live]
                statuses_back = {o.id: OccurrenceStatus(live[o.id]) for o in occurrences}
                self._booking.restore_within(session, series, occurrences, statuses_back)
            for request_id, status, reason in statuses:
                request = session.get(Request, request_id)
                if request is not None:
                    request.status, request.status_reason = RequestStatus(status), reason
            session.flush()
            audit(
                session,
                self._operator,
                "undo-allocation" if verb == "Undid" else "redo-allocation",
                "term",
                accepted.term_id,
                f"{verb} the allocation of {accepted.term_name}: {len(cancel)} series cancelled, "
                f"{len(restore)} brought back",
                at=self._booking.clock(),
            )
            cancelled = tuple(replace(state, version=series.version) for series, state in touched[: len(cancel)])
            restored = tuple(replace(state, version=series.version) for series, state in touched[len(cancel) :])
            return cancelled, restored

        try:
            return run_in_transaction(self._sessions, work, policy=self._retry)
        except IntegrityError:
            raise StaleEdit(
                f"a room was booked meanwhile where the allocation of {accepted.term_name} would go back; "
                "change it in the calendar instead"
            ) from None
