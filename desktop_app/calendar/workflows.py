"""CalendarWorkflows: the controller between the calendar view and the services.

Owns: turning the view's and the menus' requests (book, move, cancel, edit, find a free room, settings)
into dialogs and then into undoable commands run through the `ChangeController`, and saying what
happened (selection, status, dialogs) once a change is done. Like qutebrowser's completer sits between
input and view, it holds no widgets of its own beyond the dialogs it opens and no business rule: what may
be booked or moved is the services' answer. Must not open a database session.
"""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog
from shiboken6 import isValid

from desktop_app.admin.menu import new_organisation_callback
from desktop_app.booking_dialog import BookingDialog, DetailsDialog, MoveDialog
from desktop_app.calendar.navigation import DAY, combo_value
from desktop_app.calendar.words import sentence
from desktop_app.commands import (
    BookCommand,
    CancelSeriesCommand,
    CancelSessionCommand,
    EditDetailsCommand,
    MoveSeriesCommand,
    MoveSessionCommand,
)
from desktop_app.free_room_dialog import FreeRoomDialog
from desktop_app.prompts import Scope
from desktop_app.services import AppServices
from desktop_app.settings_dialog import SettingsDialog
from models.types import Frequency
from scheduler.errors import HubSchedError
from scheduler.services.free_rooms import FreeRoomQuery, FreeSlot
from scheduler.services.queries import OccurrenceRow

if TYPE_CHECKING:
    from desktop_app.calendar.window import MainWindow


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


class CalendarWorkflows(QObject):
    """The calendar's workflows, for one MainWindow (`w`)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self._stack_index = 0

    # -- after a change: what is true after every change, undo and redo ------------------------------

    def connect_controller(self) -> None:
        """Follow the window's change controller: reload on every change, and after a change, undo or redo
        select and show the session it touched and say what happened."""
        self.w.controller.changed.connect(self.after_change)
        self.w.controller.stack.indexChanged.connect(self.follow)
        self._stack_index = self.w.controller.stack.index()

    def after_change(self) -> None:
        """Reload, then bring the Details pane and every dialog that shows the data up to date."""
        w = self.w
        w.reload()
        w._show_details(w.view.selected_row())
        free = getattr(w, "free_room_dialog", None)
        if free is not None and free.isVisible():
            free.search()
        search = getattr(w, "search_dialog", None)
        if search is not None and search.isVisible() and search.query.text().strip():
            search.run_search()
        # A move or edit dialog opened on the old state would act on what is no longer there.
        dialog = w.active_dialog
        if isinstance(dialog, MoveDialog | DetailsDialog) and dialog.isVisible():
            dialog.reject()

    def follow(self, index: int) -> None:
        """The undo stack moved to `index`: select the session the change (or its undo) touched."""
        stack = self.w.controller.stack
        if not isValid(stack):  # the window is being torn down
            return
        undone = index < self._stack_index
        self._stack_index = index
        command = stack.command(index if undone else index - 1)
        if command is None or command.isObsolete():
            return
        verb = self.tr("Undone: {change}") if undone else self.tr("Done: {change}")
        self.w.change_label.setText(verb.format(change=command.text()))
        place = self._place_after(command, undone)
        if place is None:
            return
        occurrence_id, room_id, day = place
        self.w.go_to_session(occurrence_id, room_id, day)

    def _place_after(self, command, undone: bool) -> tuple[int, int, date] | None:
        """(occurrence id, room id, day) of the session to show after `command` was done or undone."""
        if isinstance(command, MoveSessionCommand):
            room_id, day, _start = command.origin if undone else command.target
            return command.row.id, room_id, day
        if isinstance(command, MoveSeriesCommand) and command.change is not None:
            room_id, day, start = (
                (command.row.room_id, command.row.start_local.date(), command.row.start_local.time())
                if undone
                else command.target
            )
            return self._session_of(command.row.series_id, command.change.series_id, room_id, day, start)
        if isinstance(command, BookCommand) and not undone and command.series_id is not None:
            booking = command.booking
            return self._session_of(
                command.series_id, command.series_id, booking.room_id, booking.first_date, booking.start
            )
        return None

    def _session_of(self, *series_ids_and_place) -> tuple[int, int, date] | None:
        *series_ids, room_id, day, start = series_ids_and_place
        try:
            rows = self.w.services.occurrences.live_between(day, day, room_id=room_id)
        except HubSchedError:
            return None
        row = next(
            (r for r in rows if r.series_id in series_ids and r.start_local.time() == start),
            next((r for r in rows if r.series_id in series_ids), None),
        )
        return None if row is None else (row.id, room_id, day)

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.w.active_dialog = dialog
        dialog.open()
        dialog.activateWindow()
        return dialog

    def create_at(self, room_id: int, day: date, start: time, end: time) -> None:
        self.new_booking(room_id=room_id, day=day, start=start, duration_min=max(15, _minutes(end) - _minutes(start)))

    def new_booking(
        self,
        *,
        room_id: int | None = None,
        day: date | None = None,
        start: time | None = None,
        duration_min: int = 60,
        **extra,
    ) -> BookingDialog:
        if room_id is None or day is None or start is None:
            if self.w.view.columns():
                column, at = self.w.view.cursor_cell()
                room_id, day, start = room_id or column.room_id, day or column.day, start or at
            else:
                room_id, day, start = room_id or self.w._rooms[0].id, day or self.w.current_date(), start or time(10)
        dialog = BookingDialog(
            self.w.services.booking,
            self.w._rooms,
            self.w._organisations,
            room_id=room_id,
            day=day,
            start=start,
            duration_min=duration_min,
            parent=self.w,
            add_organisation=new_organisation_callback(self.w.services),
            **extra,
        )
        dialog.accepted.connect(lambda: self._book(dialog))
        self._open(dialog)
        dialog.organisation.setFocus()
        return dialog

    def _book(self, dialog: BookingDialog) -> None:
        booking = dialog.booking()
        if booking is not None and self.w.controller.run(BookCommand(self.w.controller, booking)):
            room = next((r for r in self.w._rooms if r.id == booking.room_id), None)
            if room is not None and self.w.mode == DAY and combo_value(self.w.scope_combo) not in (None, room.hub_id):
                self.w.show_day(room.hub_id, booking.first_date)
            elif self.w.current_date() != booking.first_date and self.w.mode == DAY:
                self.w.set_date(booking.first_date)

    def find_free_room(self) -> FreeRoomDialog:
        dialog = FreeRoomDialog(
            self.w.services.free_rooms, self.w._hubs, self.w._facilities, day=self.w.current_date(), parent=self.w
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.book_requested.connect(self._book_free_slot)
        self.w.free_room_dialog = dialog
        dialog.open()
        return dialog

    def _book_free_slot(self, slot: FreeSlot, query: FreeRoomQuery) -> None:
        self.new_booking(
            room_id=slot.room_id,
            day=slot.first_date,
            start=slot.start,
            duration_min=query.duration_min,
            attendance=query.attendance,
            frequency=query.frequency,
            last_date=query.last_date,
        )

    def move_selected(self) -> MoveDialog | None:
        """Move without dragging (keyboard and single-pointer users): room, date, time and scope in a dialog."""
        row = self.w.view.selected_row()
        if row is None:
            return None
        try:
            info = self.w.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.w.prompts.error(self.w, self.tr("Cannot move"), sentence(str(exc)))
            return None
        dialog = MoveDialog(row, self.w._rooms, repeats=info.frequency != Frequency.ONCE, parent=self.w)
        dialog.accepted.connect(lambda: self.request_move(row, *dialog.target(), scope=dialog.scope()))
        self._open(dialog)
        return dialog

    def request_move(
        self, row: OccurrenceRow, room_id: int, day: date, start: time, scope: Scope | None = None
    ) -> None:
        """Move a session, this and the following ones, or its whole series; the service says what may move."""
        try:
            info = self.w.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.w.prompts.error(self.w, self.tr("Cannot move"), sentence(str(exc)))
            return
        if scope is None and info.frequency == Frequency.ONCE:
            scope = Scope.SESSION
        elif scope is None:
            scope = self.w.prompts.choose_scope(
                self.w,
                self.tr("Move session"),
                self.tr(
                    "Move only the session of {day}, this and the following sessions, or every session of "
                    "{title} still to come?"
                ).format(day=f"{row.start_local:%a %d %b}", title=row.title),
            )
        if scope is None:
            self.w.view.viewport().update()
            return
        if scope is Scope.SESSION:
            self.w.controller.run(MoveSessionCommand(self.w.controller, row, room_id, day, start))
            return
        self.w.controller.run(
            MoveSeriesCommand(
                self.w.controller,
                row,
                series_room_id=info.series_room_id,
                series_start=info.series_start,
                room_id=room_id,
                day=day,
                start=start,
                from_date=row.start_local.date() if scope is Scope.FOLLOWING else None,
            )
        )

    def cancel_selected(self) -> None:
        row = self.w.view.selected_row()
        if row is None:
            return
        try:
            info = self.w.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.w.prompts.error(self.w, self.tr("Cannot cancel"), sentence(str(exc)))
            return
        scope: Scope | None = Scope.SESSION
        if info.frequency != Frequency.ONCE:
            scope = self.w.prompts.choose_scope(
                self.w,
                self.tr("Cancel"),
                self.tr(
                    "Cancel only the session of {day}, this and the following sessions, or every session of "
                    "{title} still to come?"
                ).format(day=f"{row.start_local:%a %d %b}", title=row.title),
            )
        if scope is Scope.SESSION:
            self.w.controller.run(CancelSessionCommand(self.w.controller, row))
        elif scope is Scope.FOLLOWING:
            self.w.controller.run(CancelSeriesCommand(self.w.controller, row, row.start_local.date()))
        elif scope is Scope.SERIES:
            self.w.controller.run(CancelSeriesCommand(self.w.controller, row, None))

    def edit_selected(self) -> DetailsDialog | None:
        row = self.w.view.selected_row()
        if row is None:
            return None
        try:
            info = self.w.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.w.prompts.error(self.w, self.tr("Cannot edit"), sentence(str(exc)))
            return None
        dialog = DetailsDialog(info, self.w._organisations, self.w)

        def edit() -> None:
            scope: Scope | None = Scope.SERIES
            if info.frequency != Frequency.ONCE and dialog.details() != dialog.original:
                scope = self.w.prompts.choose_scope(
                    self.w,
                    self.tr("Edit details"),
                    self.tr("Change {title} from {day} on, or every session of the series?").format(
                        day=f"{row.start_local:%a %d %b}", title=row.title
                    ),
                    allow_session=False,
                )
            if scope is None:
                return
            self.w.controller.run(
                EditDetailsCommand(
                    self.w.controller,
                    info.series_id,
                    info.series_version,
                    dialog.original,
                    dialog.details(),
                    from_date=row.start_local.date() if scope is Scope.FOLLOWING else None,
                )
            )

        dialog.accepted.connect(edit)
        self._open(dialog)
        return dialog

    def open_settings(self) -> SettingsDialog:
        def connect(url: str) -> AppServices:
            if self.w._connect is None:
                raise HubSchedError("switching databases is not available here")
            # Testing a new database waits as long as the dialog's field says, saved or not yet.
            return self.w._connect(url, timeout=float(dialog.connect_timeout.value()))

        dialog = SettingsDialog(
            url=self.w.services.url,
            grid=self.w.settings.time_grid,
            hubs=[h.name for h in self.w._hubs],
            default_hub=self.w.settings.default_hub,
            connect=connect,
            parent=self.w,
            connect_timeout=self.w.settings.connect_timeout,
        )

        def saved() -> None:
            self.w.settings.connect_timeout = float(dialog.connect_timeout.value())
            self.w.settings.time_grid = dialog.grid()
            self.w.settings.default_hub = dialog.default_hub.currentData()
            if dialog.url_changed() and dialog.connected is not None:
                self.w.settings.database_url = dialog.connected.url
                self.w.set_services(dialog.connected)
            else:
                self.w.reload()

        dialog.accepted.connect(saved)
        self._open(dialog)
        return dialog
