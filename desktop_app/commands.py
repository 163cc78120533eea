"""Undoable changes: each booking change is a QUndoCommand whose do and undo both call the services.

Owns: the undo stack, the series versions our own changes produced (so an undo after someone else's edit
is refused as a stale edit instead of overwriting it), and reporting refused changes through `Prompts`.
A change is carried out before it is pushed: a refused change never enters the stack. An undo or redo
that the services refuse (the slot was taken meanwhile) is reported and dropped from the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from desktop_app.prompts import Prompts
from desktop_app.services import AppServices
from scheduler.errors import HubSchedError, StaleEdit
from scheduler.services.booking import NewBooking, SeriesCancellation, SeriesChange, SeriesDetails
from scheduler.services.queries import OccurrenceRow


def _tr(text: str) -> str:
    return QCoreApplication.translate("Commands", text)


class ChangeController(QObject):
    """Runs changes through the services and the undo stack; `changed` asks the views to reload."""

    changed = Signal()

    def __init__(self, services: AppServices, prompts: Prompts, parent_widget: Callable[[], QWidget | None]):
        super().__init__()
        self.services = services
        self.prompts = prompts
        self._parent_widget = parent_widget
        self.stack = QUndoStack(self)
        self._versions: dict[int, int] = {}

    def version(self, series_id: int, seen: int) -> int:
        """The version our last change left, else the one the view showed."""
        return self._versions.get(series_id, seen)

    def remember(self, series_id: int, version: int) -> None:
        self._versions[series_id] = version

    def forget_versions(self) -> None:
        self._versions.clear()

    def run(self, command: ServiceCommand) -> bool:
        """Do the change now; push it on success, report it on refusal. Returns whether it was done."""
        try:
            command.apply()
        except HubSchedError as exc:
            self.report(exc, command.text())
            return False
        command.applied = True
        self.stack.push(command)
        self.changed.emit()
        return True

    def report(self, error: HubSchedError, action: str) -> None:
        parent = self._parent_widget()
        if isinstance(error, StaleEdit):
            self.forget_versions()
            self.prompts.error(
                parent,
                _tr("Booking changed elsewhere"),
                _tr(
                    "Someone else changed this booking while you were looking at it, so “{action}” was not done.\n\n"
                    "{reason}\n\nThe calendar has been reloaded with their changes; check it and try again."
                ).format(action=action, reason=str(error)),
            )
            self.changed.emit()
            return
        self.prompts.error(parent, _tr("Cannot {action}").format(action=action[:1].lower() + action[1:]), str(error))


class ServiceCommand(QUndoCommand):
    """A change with `apply` and `revert`, both through the services."""

    def __init__(self, controller: ChangeController, text: str):
        super().__init__(text)
        self.controller = controller
        self.services = controller.services
        self.applied = False

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self.applied:  # the first redo is the push of a change already carried out
            self.applied = False
            return
        self._guarded(self.apply, _tr("Redo"))

    def undo(self) -> None:
        self._guarded(self.revert, _tr("Undo"))

    def _guarded(self, work: Callable[[], None], verb: str) -> None:
        try:
            work()
        except HubSchedError as exc:
            self.controller.report(exc, f"{verb} {self.text()}")
            self.setObsolete(True)
        self.controller.changed.emit()


class BookCommand(ServiceCommand):
    def __init__(self, controller: ChangeController, booking: NewBooking):
        super().__init__(controller, _tr("Book {title}").format(title=booking.title))
        self.booking = booking
        self.series_id: int | None = None

    def apply(self) -> None:
        result = self.services.booking.book(self.booking)
        self.series_id = result.series_id
        self.controller.remember(result.series_id, result.version)

    def revert(self) -> None:
        assert self.series_id is not None
        version = self.services.booking.cancel_series(self.series_id, self.controller.version(self.series_id, 0))
        self.controller.remember(self.series_id, version)


class MoveSessionCommand(ServiceCommand):
    def __init__(self, controller: ChangeController, row: OccurrenceRow, room_id: int, day: date, start: time):
        super().__init__(
            controller, _tr("Move {title} on {day}").format(title=row.title, day=f"{row.start_local:%a %d %b}")
        )
        self.row = row
        self.target = (room_id, day, start)
        self.origin = (row.room_id, row.start_local.date(), row.start_local.time())

    def _move(self, room_id: int, day: date, start: time) -> None:
        series_id = self.row.series_id
        version = self.services.booking.move_occurrence(
            self.row.id,
            self.controller.version(series_id, self.row.series_version),
            room_id=room_id,
            day=day,
            start=start,
        )
        self.controller.remember(series_id, version)

    def apply(self) -> None:
        self._move(*self.target)

    def revert(self) -> None:
        self._move(*self.origin)


class SeriesChangeCommand(ServiceCommand):
    """A change to a series that may split it first ("this and following"); undo joins it again."""

    change: SeriesChange | None = None

    def _remember(self, change: SeriesChange) -> None:
        self.change = change
        self.controller.remember(change.series_id, change.version)
        if change.split_from is not None and change.split_version is not None:
            self.controller.remember(change.split_from, change.split_version)

    def _join_back(self, version: int) -> None:
        """After the change is reverted on its series: join a split series back into the original."""
        assert self.change is not None
        if self.change.split_from is None:
            return
        original = self.change.split_from
        joined = self.services.booking.join_series(
            original, self.controller.version(original, self.change.split_version or 0), self.change.series_id, version
        )
        self.controller.remember(original, joined)


class MoveSeriesCommand(SeriesChangeCommand):
    """Move a series as one of its sessions was moved: every session, or this and the following ones."""

    def __init__(
        self,
        controller: ChangeController,
        row: OccurrenceRow,
        *,
        series_room_id: int,
        series_start: time,
        room_id: int,
        day: date,
        start: time,
        from_date: date | None = None,
    ):
        text = _tr("Move series {title}") if from_date is None else _tr("Move {title} from {day} on")
        super().__init__(controller, text.format(title=row.title, day=f"{row.start_local:%a %d %b}"))
        self.row = row
        self.target = (room_id, day, start)
        self.origin = (series_room_id, series_start)
        self.from_date = from_date

    def apply(self) -> None:
        room_id, day, start = self.target
        self._remember(
            self.services.booking.move_series_like(
                self.row.id,
                self.controller.version(self.row.series_id, self.row.series_version),
                room_id=room_id,
                day=day,
                start=start,
                from_date=self.from_date,
            )
        )

    def revert(self) -> None:
        assert self.change is not None
        room_id, start = self.origin
        shift = (self.target[1] - self.row.start_local.date()).days
        moved = self.services.booking.move_series(
            self.change.series_id,
            self.controller.version(self.change.series_id, self.change.version),
            room_id=room_id,
            start=start,
            day_shift=-shift,
        )
        self.controller.remember(moved.series_id, moved.version)
        self._join_back(moved.version)


class CancelSessionCommand(ServiceCommand):
    def __init__(self, controller: ChangeController, row: OccurrenceRow):
        super().__init__(
            controller, _tr("Cancel {title} on {day}").format(title=row.title, day=f"{row.start_local:%a %d %b}")
        )
        self.row = row

    def apply(self) -> None:
        version = self.services.booking.cancel_occurrence(
            self.row.id, self.controller.version(self.row.series_id, self.row.series_version)
        )
        self.controller.remember(self.row.series_id, version)

    def revert(self) -> None:
        version = self.services.booking.restore_occurrence(
            self.row.id, self.controller.version(self.row.series_id, self.row.series_version)
        )
        self.controller.remember(self.row.series_id, version)


class CancelSeriesCommand(ServiceCommand):
    def __init__(self, controller: ChangeController, row: OccurrenceRow, from_date: date | None):
        label = _tr("Cancel series {title}").format(title=row.title)
        if from_date is not None:
            label = _tr("Cancel series {title} from {day}").format(title=row.title, day=f"{from_date:%a %d %b}")
        super().__init__(controller, label)
        self.row = row
        self.from_date = from_date
        self.cancellation: SeriesCancellation | None = None

    def apply(self) -> None:
        self.cancellation = self.services.booking.cancel_series_undoably(
            self.row.series_id,
            self.controller.version(self.row.series_id, self.row.series_version),
            from_date=self.from_date,
        )
        self.controller.remember(self.row.series_id, self.cancellation.version)

    def revert(self) -> None:
        assert self.cancellation is not None
        version = self.services.booking.restore_series(
            self.row.series_id, self.controller.version(self.row.series_id, self.row.series_version), self.cancellation
        )
        self.controller.remember(self.row.series_id, version)


class EditDetailsCommand(SeriesChangeCommand):
    """Edit what a series is: all of it, or from one date on (the series is split)."""

    def __init__(
        self,
        controller: ChangeController,
        series_id: int,
        seen_version: int,
        before: SeriesDetails,
        after: SeriesDetails,
        from_date: date | None = None,
    ):
        super().__init__(controller, _tr("Edit details of {title}").format(title=after.title))
        self.series_id, self.seen_version = series_id, seen_version
        self.before, self.after = before, after
        self.from_date = from_date

    def apply(self) -> None:
        self._remember(
            self.services.booking.update_details(
                self.series_id,
                self.controller.version(self.series_id, self.seen_version),
                self.after,
                from_date=self.from_date,
            )
        )

    def revert(self) -> None:
        assert self.change is not None
        back = self.services.booking.update_details(
            self.change.series_id, self.controller.version(self.change.series_id, self.change.version), self.before
        )
        self.controller.remember(back.series_id, back.version)
        self._join_back(back.version)
