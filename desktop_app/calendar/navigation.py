"""CalendarNavigation: where the calendar is looking, and loading what is there.

Owns: the directory (hubs, rooms, organisations, facilities) and the combos filled from it, the date,
the day or week mode, the hub scope and the week's room, restoring them at start-up, the room filters,
and `reload()`, which asks the services for the sessions and unbookable time of the columns shown.
A mixin of `MainWindow` (it uses the window's widgets); it makes no change to the data.
Must not open a database session.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from PySide6.QtCore import QDate, QModelIndex
from PySide6.QtWidgets import QComboBox

from desktop_app.booking_dialog import pydate, qdate
from desktop_app.calendar.month import month_grid_start
from desktop_app.calendar.view.layout import Column
from desktop_app.calendar.words import people, sentence, sessions
from desktop_app.item_models import Role
from scheduler.errors import HubSchedError
from scheduler.recurrence import to_local
from scheduler.services.allocation_calendar import preview_sessions
from scheduler.services.directory import HubRow, RoomRow

DAY, WEEK = "day", "week"
MONTH_HUB, MONTH_ROOM = "month-hub", "month-room"  # a month of the hub(s) in the scope combo, or of one room
MONTHS = (MONTH_HUB, MONTH_ROOM)
# WORKAROUND: PySide6 6.12 on Python 3.11 drops a reference to None each time an invalid QVariant
# comes back from C++ (e.g. `currentData()` of an item whose data is None, `index.data()` of an
# invalid index); enough of them crash the interpreter. So no item data is None ("all hubs" is 0)
# and indexes are checked before `data()` is asked.
ALL = 0


def combo_value(combo: QComboBox) -> int | None:
    """An id-valued combo's current id, or None for "all" (and for an empty combo)."""
    return (combo.currentData() or None) if combo.currentIndex() >= 0 else None


class CalendarNavigation:
    """Mixed into MainWindow: the attributes used here are the window's widgets."""

    # -- directory and state ----------------------------------------------------------------------------

    def _load_directory(self) -> None:
        self._hubs = self.services.directory.hubs()
        self._rooms = [room for hub in self._hubs for room in hub.rooms]
        self._organisations = self.services.directory.organisations()
        self._facilities = self.services.directory.facility_names()
        self.tree_model.set_hubs(self._hubs)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        for combo, first in ((self.hub_filter, self.tr("All hubs")), (self.scope_combo, self.tr("All hubs"))):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, ALL)
            for hub in self._hubs:
                combo.addItem(hub.name, hub.id)
            combo.blockSignals(False)
        self.facility_filter.blockSignals(True)
        self.facility_filter.clear()
        self.facility_filter.addItem(self.tr("Any facility"), "")
        for name in self._facilities:
            self.facility_filter.addItem(name, name)
        self.facility_filter.blockSignals(False)
        self._fill_room_combo()

    def _fill_room_combo(self) -> None:
        self.room_combo.blockSignals(True)
        self.room_combo.clear()
        for room in self._rooms:
            self.room_combo.addItem(f"{room.name}, {room.hub}", room.id)
        if self.week_room_id is None and self._rooms:
            self.week_room_id = self._rooms[0].id
        self.room_combo.setCurrentIndex(max(0, self.room_combo.findData(self.week_room_id)))
        self.room_combo.blockSignals(False)

    def _restore_state(self) -> None:
        geometry, state = self.settings.window_layout()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        if state is not None:
            self.restoreState(state)
        view = self.settings.view_state()
        self.view.zoom = float(view["zoom"])
        scope = view["scope"] or self.settings.default_hub
        index = self.scope_combo.findText(str(scope)) if scope else 0
        self.scope_combo.blockSignals(True)
        self.scope_combo.setCurrentIndex(max(0, index))
        self.scope_combo.blockSignals(False)
        if view["room_id"] and any(r.id == view["room_id"] for r in self._rooms):
            self.week_room_id = int(view["room_id"])
            self._fill_room_combo()
        self.mode = view["mode"] if view["mode"] in (WEEK, *MONTHS) else DAY
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(self.mode))
        self.mode_combo.blockSignals(False)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(qdate(self.today()))
        self.date_edit.blockSignals(False)
        self.view.scroll_to_time(time(max(self.settings.time_grid.day_start, 8)))

    # -- navigation -----------------------------------------------------------------------------------

    def today(self) -> date:
        return to_local(self._clock()).date()

    def current_date(self) -> date:
        return pydate(self.date_edit.date())

    def set_date(self, day: date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def go_today(self) -> None:
        self.set_date(self.today())

    def step_date(self, direction: int) -> None:
        if self.mode in MONTHS:
            day = self.current_date().replace(day=1)
            month = day.month - 1 + direction
            self.set_date(day.replace(year=day.year + month // 12, month=month % 12 + 1))
            return
        self.set_date(self.current_date() + timedelta(days=direction * (7 if self.mode == WEEK else 1)))

    def set_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))

    def _mode_changed(self) -> None:
        new_mode = self.mode_combo.currentData()
        if new_mode in (WEEK, MONTH_ROOM) and self.mode == DAY and self.view.columns():
            column, _ = self.view.cursor_cell()
            selected = self.view.selected_row()
            self.week_room_id = selected.room_id if selected else column.room_id
            self._fill_room_combo()
        self.mode = new_mode
        self.reload()

    def show_day(self, hub_id: int | None, day: date | None = None) -> None:
        self.scope_combo.blockSignals(True)
        self.scope_combo.setCurrentIndex(max(0, self.scope_combo.findData(hub_id or ALL)))
        self.scope_combo.blockSignals(False)
        if day is not None:
            self.date_edit.blockSignals(True)
            self.set_date(day)
            self.date_edit.blockSignals(False)
        self.mode = DAY
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(DAY))
        self.mode_combo.blockSignals(False)
        self.reload()

    def show_week(self, room_id: int, day: date | None = None) -> None:
        self.week_room_id = room_id
        self._fill_room_combo()
        if day is not None:
            self.date_edit.blockSignals(True)
            self.set_date(day)
            self.date_edit.blockSignals(False)
        self.mode = WEEK
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(WEEK))
        self.mode_combo.blockSignals(False)
        self.reload()

    def _room_combo_changed(self, _index: int) -> None:
        self.week_room_id = combo_value(self.room_combo)
        if self.mode in (WEEK, MONTH_ROOM):
            self.reload()

    def zoom_by(self, factor: float) -> None:
        self.view.set_zoom(self.view.zoom * factor)

    def _apply_filters(self) -> None:
        self.room_proxy.set_filters(
            hub_id=combo_value(self.hub_filter),
            facility=self.facility_filter.currentData() or "",
            min_capacity=self.capacity_filter.value(),
            step_free=self.step_free_filter.isChecked(),
        )
        self.tree.expandAll()
        if self.mode == DAY:
            self.reload()

    def _tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(Role.ROW) if current.isValid() else None
        if isinstance(row, RoomRow):
            self.week_room_id = row.id
            self._fill_room_combo()
            if self.mode == WEEK:
                self.reload()
        elif isinstance(row, HubRow) and self.mode == DAY:
            self.show_day(row.id)

    def _tree_activated(self, index: QModelIndex) -> None:
        row = index.data(Role.ROW) if index.isValid() else None
        if isinstance(row, RoomRow):
            self.show_week(row.id)
            self.view.setFocus()

    # -- loading ----------------------------------------------------------------------------------------

    def day_rooms(self) -> list[RoomRow]:
        hub_id = combo_value(self.scope_combo)
        return [r for r in self._rooms if (hub_id is None or r.hub_id == hub_id) and self.room_proxy.room_matches(r)]

    def _reload_month(self) -> None:
        """The month view: every live session of the month grid's six weeks, for the hub(s) or the room."""
        day = self.current_date()
        first = month_grid_start(day)
        last = first + timedelta(days=7 * 6 - 1)
        room_id = self.week_room_id if self.mode == MONTH_ROOM else None
        hub_id = combo_value(self.scope_combo) if self.mode == MONTH_HUB else None
        try:
            rows = self.services.occurrences.live_between(first, last, hub_id=hub_id, room_id=room_id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot load the calendar"), sentence(str(exc)))
            return
        self.month_view.set_month(day, rows, self.today())
        in_month = [r for r in rows if r.start_local.month == day.month and r.start_local.year == day.year]
        where = self.room_combo.currentText() if self.mode == MONTH_ROOM else self.scope_combo.currentText()
        self.statusBar().showMessage(f"{sessions(len(in_month))} · {where} · {day:%B %Y}")

    def _show_mode_widgets(self) -> None:
        month = self.mode in MONTHS
        self.calendar_stack.setCurrentWidget(self.month_view if month else self.view)
        self.scope_combo.setVisible(self.mode in (DAY, MONTH_HUB))
        self.room_combo.setVisible(self.mode in (WEEK, MONTH_ROOM))
        self.fit_button.setEnabled(self.mode == DAY)

    def reload(self) -> None:
        self._show_mode_widgets()
        if self.mode in MONTHS:
            self._reload_month()
            self._update_actions()
            return
        day = self.current_date()
        grid = self.settings.time_grid
        try:
            if self.mode == WEEK and self.week_room_id is not None:
                room = next((r for r in self._rooms if r.id == self.week_room_id), None)
                monday = day - timedelta(days=day.weekday())
                days = [monday + timedelta(days=n) for n in range(7)]
                columns = (
                    [Column(room.id, d, f"{d:%a %d %b}", f"{room.name}, {room.hub}", room.hub) for d in days]
                    if room
                    else []
                )
                rows = self.services.occurrences.live_between(monday, days[-1], room_id=self.week_room_id)
                first, last = monday, days[-1]
                self.view.fit_columns = True
                self.view.geo.min_column_width = 100
            else:
                rooms = self.day_rooms()
                hub_id = combo_value(self.scope_combo)
                columns = [Column(r.id, day, r.name, f"{r.hub} · {people(r.capacity)}", r.hub) for r in rooms]
                rows = self.services.occurrences.live_between(day, day, hub_id=hub_id)
                first = last = day
                # One hub: its rooms share the width when they fit; all hubs: 168 px columns and
                # scrolling, unless "fit to width" squeezes every room in.
                fit_all = self.fit_action.isChecked()
                self.view.fit_columns = fit_all or hub_id is not None
                self.view.geo.min_column_width = 16 if fit_all else 80
                if not self.view.fit_columns:
                    self.view.column_width = 168
            blocked = self.services.calendar.blocked(
                [c.room_id for c in columns[:1]] if self.mode == WEEK else [c.room_id for c in columns], first, last
            )
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot load the calendar"), sentence(str(exc)))
            return
        selected = self.view.selected_id
        self.view.set_preview(preview_sessions(self.proposal, first, last) if self.proposal is not None else [])
        self.view.set_columns(columns, blocked, grid)
        self.sessions_model.set_rows(rows)
        shown = [r for r in rows if any(c.room_id == r.room_id for c in columns)]
        proposed = len(self.view.preview_sessions())
        if selected is not None and self.view.selected_row() is None:
            self._show_details(None)
        self.view.selected_id = selected if self.view.selected_row() is not None else None
        where = self.room_combo.currentText() if self.mode == WEEK else self.scope_combo.currentText()
        self.statusBar().showMessage(
            sessions(len(shown))
            + f" · {where} · "
            + (f"{first:%d %b} – {last:%d %b %Y}" if first != last else f"{day:%A %d %B %Y}")
            + (self.tr(" · %n proposed", "", proposed) if self.proposal is not None else "")
        )
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.view.selected_row() is not None
        self.edit_button.setEnabled(has)
        self.move_button.setEnabled(has)
        self.cancel_button.setEnabled(has)
