"""MainWindow: the hub calendar — hubs-and-rooms tree, day and week views, details, booking workflows.

Owns: arranging the widgets, keeping the view in step with the date navigator and the filters, and
turning the calendar's requests into service calls through undoable commands, and drawing an allocation
proposal the planning window hands over (`show_proposal`) as a preview layer on whatever day or week is
shown. Holds no business rules and no database session: what may be booked or moved is the services' answer.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.booking_dialog import BookingDialog, DetailsDialog, MoveDialog, pydate, qdate
from desktop_app.calendar_view import CalendarView, Column
from desktop_app.commands import (
    BookCommand,
    CancelSeriesCommand,
    CancelSessionCommand,
    ChangeController,
    EditDetailsCommand,
    MoveSeriesCommand,
    MoveSessionCommand,
)
from desktop_app.free_room_dialog import FreeRoomDialog
from desktop_app.item_models import SECTOR_LABELS, Role, RoomFilterProxy, RoomTreeModel, SessionListModel
from desktop_app.learning.menu import add_learning_actions
from desktop_app.prompts import Prompts, Scope
from desktop_app.services import AppServices
from desktop_app.settings import AppSettings
from desktop_app.settings_dialog import SettingsDialog
from models.types import Frequency
from scheduler.errors import HubSchedError
from scheduler.recurrence import to_local
from scheduler.services.allocation_calendar import preview_sessions
from scheduler.services.common import now_utc
from scheduler.services.directory import HubRow, RoomRow
from scheduler.services.free_rooms import FreeRoomQuery, FreeSlot
from scheduler.services.queries import OccurrenceRow

if TYPE_CHECKING:
    from desktop_app.planning.planning_window import PlanningWindow
    from scheduler.services.allocation import AllocationPreview

DAY, WEEK = "day", "week"
# WORKAROUND: PySide6 6.12 on Python 3.11 drops a reference to None each time an invalid QVariant
# comes back from C++ (e.g. `currentData()` of an item whose data is None, `index.data()` of an
# invalid index); enough of them crash the interpreter. So no item data is None ("all hubs" is 0)
# and indexes are checked before `data()` is asked.
ALL = 0


def combo_value(combo: QComboBox) -> int | None:
    """An id-valued combo's current id, or None for "all" (and for an empty combo)."""
    return (combo.currentData() or None) if combo.currentIndex() >= 0 else None


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: AppServices,
        settings: AppSettings,
        *,
        prompts: Prompts | None = None,
        clock: Callable[[], datetime] = now_utc,
        connect: Callable[[str], AppServices] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Hub Scheduler"))
        self.services = services
        self.settings = settings
        self.prompts = prompts or Prompts()
        self._clock = clock
        self._connect = connect
        self.active_dialog: QDialog | None = None
        self.planning_window: PlanningWindow | None = None
        self.controller = ChangeController(services, self.prompts, lambda: self)
        self.controller.changed.connect(self.reload)
        self._hubs: list[HubRow] = []
        self._rooms: list[RoomRow] = []
        self.mode = DAY
        self.week_room_id: int | None = None
        self.proposal: AllocationPreview | None = None  # drawn as a preview layer while set

        self._build_tree_dock()
        self._build_centre()
        self._build_details_dock()
        self._build_actions()
        self.proposal_label = QLabel(self)
        self.proposal_label.setAccessibleName(self.tr("Proposal shown"))
        self.proposal_label.hide()
        self.statusBar().addPermanentWidget(self.proposal_label)
        self._load_directory()
        self._restore_state()
        self._now_timer = QTimer(self)
        self._now_timer.setInterval(60_000)
        self._now_timer.timeout.connect(self.view.viewport().update)
        self._now_timer.start()
        self.reload()
        self._show_details(None)

    # -- construction -----------------------------------------------------------------------------------

    def _build_tree_dock(self) -> None:
        panel = QWidget(self)
        self.hub_filter = QComboBox(panel)
        self.facility_filter = QComboBox(panel)
        self.capacity_filter = QSpinBox(panel)
        self.capacity_filter.setRange(0, 1000)
        self.capacity_filter.setSpecialValueText(self.tr("Any"))
        self.step_free_filter = QCheckBox(self.tr("Step-&free only"), panel)
        form = QFormLayout()
        for label, field in (
            (self.tr("&Hub:"), self.hub_filter),
            (self.tr("F&acility:"), self.facility_filter),
            (self.tr("At &least (people):"), self.capacity_filter),
        ):
            form.addRow(label, field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow("", self.step_free_filter)
        self.tree_model = RoomTreeModel([], self)
        self.room_proxy = RoomFilterProxy(self)
        self.room_proxy.setSourceModel(self.tree_model)
        self.tree = QTreeView(panel)
        self.tree.setAccessibleName(self.tr("Hubs and rooms"))
        self.tree.setModel(self.room_proxy)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(panel)
        layout.addLayout(form)
        layout.addWidget(self.tree, 1)
        dock = QDockWidget(self.tr("Hubs and rooms"), self)
        dock.setObjectName("hubs_dock")
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.tree_dock = dock
        for signal in (
            self.hub_filter.currentIndexChanged,
            self.facility_filter.currentIndexChanged,
            self.capacity_filter.valueChanged,
            self.step_free_filter.toggled,
        ):
            signal.connect(self._apply_filters)
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        self.tree.activated.connect(self._tree_activated)

    def _build_centre(self) -> None:
        centre = QWidget(self)
        self.prev_button = QToolButton(centre)
        self.today_button = QPushButton(self.tr("&Today"), centre)
        self.next_button = QToolButton(centre)
        self.prev_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.prev_button.setAccessibleName(self.tr("Previous"))
        self.next_button.setAccessibleName(self.tr("Next"))
        self.prev_button.setToolTip(self.tr("Previous day or week (Alt+Left)"))
        self.next_button.setToolTip(self.tr("Next day or week (Alt+Right)"))
        self.date_edit = QDateEdit(centre)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dddd d MMMM yyyy")
        self.date_edit.setAccessibleName(self.tr("Date"))
        self.mode_combo = QComboBox(centre)
        self.mode_combo.addItem(self.tr("Day: rooms as columns"), DAY)
        self.mode_combo.addItem(self.tr("Week: one room"), WEEK)
        self.mode_combo.setAccessibleName(self.tr("View"))
        self.scope_combo = QComboBox(centre)
        self.scope_combo.setAccessibleName(self.tr("Hubs shown"))
        self.room_combo = QComboBox(centre)
        self.room_combo.setAccessibleName(self.tr("Room shown in the week view"))
        self.zoom_out_button = QToolButton(centre)
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setAccessibleName(self.tr("Zoom out"))
        self.zoom_in_button = QToolButton(centre)
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setAccessibleName(self.tr("Zoom in"))
        bar = QHBoxLayout()
        for widget in (self.prev_button, self.today_button, self.next_button, self.date_edit):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(self.mode_combo)
        bar.addWidget(self.scope_combo)
        bar.addWidget(self.room_combo)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("Zoom:"), centre))
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_in_button)
        self.sessions_model = SessionListModel(self)
        self.view = CalendarView(self.sessions_model, clock=self._clock, parent=centre)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(centre)
        self.prev_button.clicked.connect(lambda: self.step_date(-1))
        self.next_button.clicked.connect(lambda: self.step_date(1))
        self.today_button.clicked.connect(self.go_today)
        self.date_edit.dateChanged.connect(lambda _d: self.reload())
        self.mode_combo.currentIndexChanged.connect(lambda _i: self._mode_changed())
        self.scope_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.room_combo.currentIndexChanged.connect(self._room_combo_changed)
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(1.25))
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(0.8))
        self.view.session_selected.connect(self._show_details)
        self.view.open_requested.connect(lambda _row: self.edit_selected())
        self.view.create_requested.connect(self._create_requested)
        self.view.move_requested.connect(self.request_move)
        self.view.delete_requested.connect(lambda _row: self.cancel_selected())

    def _build_details_dock(self) -> None:
        panel = QWidget(self)
        self.details = QTextBrowser(panel)
        self.details.setAccessibleName(self.tr("Session details"))
        self.details.setOpenLinks(False)
        self.edit_button = QPushButton(self.tr("&Edit details…"), panel)
        self.move_button = QPushButton(self.tr("&Move…"), panel)
        self.cancel_button = QPushButton(self.tr("&Cancel…"), panel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.move_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(panel)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        dock = QDockWidget(self.tr("Details"), self)
        dock.setObjectName("details_dock")
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.details_dock = dock
        self.edit_button.clicked.connect(self.edit_selected)
        self.move_button.clicked.connect(self.move_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)

    def _action(self, text: str, slot, shortcut=None, menu=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self._action(self.tr("&Settings…"), self.open_settings, QKeySequence.StandardKey.Preferences, file_menu)
        self._action(self.tr("&Reload"), self.reload, "F5", file_menu)
        file_menu.addSeparator()
        self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit, file_menu)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        self.undo_action = self.controller.stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.controller.stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self._action(self.tr("&Edit details…"), self.edit_selected, None, edit_menu)
        self._action(self.tr("&Move session…"), self.move_selected, "Ctrl+M", edit_menu)
        self.cancel_action = self._action(
            self.tr("&Cancel session or series…"), self.cancel_selected, "Delete", edit_menu
        )
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.view.addAction(self.cancel_action)

        view_menu = bar.addMenu(self.tr("&View"))
        self._action(self.tr("&Day view"), lambda: self.set_mode(DAY), "Ctrl+1", view_menu)
        self._action(self.tr("&Week view"), lambda: self.set_mode(WEEK), "Ctrl+2", view_menu)
        view_menu.addSeparator()
        self._action(self.tr("&Previous"), lambda: self.step_date(-1), "Alt+Left", view_menu)
        self._action(self.tr("&Next"), lambda: self.step_date(1), "Alt+Right", view_menu)
        self._action(self.tr("&Today"), self.go_today, "Alt+Home", view_menu)
        self._action(self.tr("&Go to date…"), self.date_edit.setFocus, "Ctrl+G", view_menu)
        self._action(self.tr("Calendar &grid"), self.view.setFocus, "Ctrl+L", view_menu)
        view_menu.addSeparator()
        self._action(
            self.tr("Zoom &in"), lambda: self.zoom_by(1.25), [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")], view_menu
        )
        self._action(self.tr("Zoom &out"), lambda: self.zoom_by(0.8), "Ctrl+-", view_menu)

        book_menu = bar.addMenu(self.tr("&Bookings"))
        self._action(self.tr("&New booking…"), self.new_booking, "Ctrl+N", book_menu)
        self._action(self.tr("&Find a free room…"), self.find_free_room, "Ctrl+F", book_menu)

        plan_menu = bar.addMenu(self.tr("&Plan"))
        self._action(self.tr("Plan &term…"), self.open_planning, "Ctrl+Shift+T", plan_menu)
        add_learning_actions(self)  # Borough ▸ Learning, day sheet, Record attendance, File ▸ Term report

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
        self.mode = WEEK if view["mode"] == WEEK else DAY
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(self.mode))
        self.mode_combo.blockSignals(False)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(qdate(self.today()))
        self.date_edit.blockSignals(False)
        self.view.scroll_to_time(time(max(self.settings.time_grid.day_start, 8)))

    def open_planning(self) -> PlanningWindow:
        """The term-planning window (requests, allocation, closures, feeds, overview) on this database."""
        if self.planning_window is not None and self.planning_window.services.engine is not self.services.engine:
            self.planning_window.close()
            self.planning_window.deleteLater()
            self.planning_window = None
        if self.planning_window is None:
            # Imported on first use: planning brings in OR-Tools, which would add half a second to start-up.
            from desktop_app.planning.planning_window import PlanningWindow
            from desktop_app.planning.services import PlanningServices

            self.planning_window = PlanningWindow(
                PlanningServices.from_app(self.services),
                self.prompts,
                self.settings.qsettings,
                controller=self.controller,
                parent=self,
            )
            self.planning_window.bookings_changed.connect(self.reload)
            self.planning_window.calendar_preview_changed.connect(self.show_proposal)
            self.planning_window.resize(1400, 900)
        self.planning_window.show()
        self.planning_window.activateWindow()
        return self.planning_window

    def show_proposal(self, preview: AllocationPreview | None) -> None:
        """Draw an allocation proposal's sessions over the calendar (dashed, not selectable), on every day
        or week shown from now on, until it is called with None. Nothing is written."""
        self.proposal = preview
        if preview is None:
            self.proposal_label.hide()
            self.proposal_label.clear()
        else:
            self.proposal_label.setText(
                self.tr("Showing proposed allocation for {term} (dashed: not booked yet)").format(
                    term=preview.term_name
                )
            )
            self.proposal_label.show()
        self.reload()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.planning_window is not None:
            self.planning_window.close()  # stops and joins its background threads
        self.settings.save_window_layout(self.saveGeometry(), self.saveState())
        self.settings.save_view_state(
            self.mode,
            self.scope_combo.currentText() if self.scope_combo.currentIndex() > 0 else "",
            self.week_room_id or 0,
            self.view.zoom,
        )
        super().closeEvent(event)

    def set_services(self, services: AppServices) -> None:
        """Switch to another database (from the settings): the undo history belongs to the old one."""
        old = self.services
        self.services = services
        self.controller.services = services
        self.controller.stack.clear()
        self.controller.forget_versions()
        self.week_room_id = None
        self.proposal = None  # a proposal of the old database is not drawn over the new one
        self.proposal_label.hide()
        self._load_directory()
        self.reload()
        if old is not services:
            old.close()

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
        self.set_date(self.current_date() + timedelta(days=direction * (7 if self.mode == WEEK else 1)))

    def set_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))

    def _mode_changed(self) -> None:
        new_mode = self.mode_combo.currentData()
        if new_mode == WEEK and self.mode == DAY and self.view.columns():
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
        if self.mode == WEEK:
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

    def reload(self) -> None:
        day = self.current_date()
        grid = self.settings.time_grid
        try:
            if self.mode == WEEK and self.week_room_id is not None:
                room = next((r for r in self._rooms if r.id == self.week_room_id), None)
                monday = day - timedelta(days=day.weekday())
                days = [monday + timedelta(days=n) for n in range(7)]
                columns = [Column(room.id, d, f"{d:%a %d %b}", room.name) for d in days] if room else []
                rows = self.services.occurrences.live_between(monday, days[-1], room_id=self.week_room_id)
                first, last = monday, days[-1]
                self.view.fit_columns = True
            else:
                rooms = self.day_rooms()
                hub_id = combo_value(self.scope_combo)
                columns = [Column(r.id, day, r.name, f"{r.hub} · {r.capacity}") for r in rooms]
                rows = self.services.occurrences.live_between(day, day, hub_id=hub_id)
                first = last = day
                self.view.fit_columns = False
                self.view.column_width = 168
            blocked = self.services.calendar.blocked(
                [c.room_id for c in columns[:1]] if self.mode == WEEK else [c.room_id for c in columns], first, last
            )
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot load the calendar"), str(exc))
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
            self.tr("%n session(s)", "", len(shown))
            + f" · {where} · "
            + (f"{first:%d %b} – {last:%d %b %Y}" if first != last else f"{day:%A %d %B %Y}")
            + (self.tr(" · %n proposed", "", proposed) if self.proposal is not None else "")
        )
        self.scope_combo.setVisible(self.mode == DAY)
        self.room_combo.setVisible(self.mode == WEEK)
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.view.selected_row() is not None
        self.edit_button.setEnabled(has)
        self.move_button.setEnabled(has)
        self.cancel_button.setEnabled(has)

    def _show_details(self, row: OccurrenceRow | None) -> None:
        self._update_actions()
        if row is None:
            self.details.setHtml(
                self.tr(
                    "<p>Select a session to see its details.</p><p>Drag across free time, or press Enter on a free "
                    "slot, to book. Drag a session to move it. Ctrl+Up/Down steps between sessions.</p>"
                )
            )
            return
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.details.setPlainText(str(exc))
            return
        e = html.escape
        visibility = {
            "public": self.tr("Public"),
            "generic": self.tr("Generic title in public feeds"),
            "private": self.tr("Private: not in public feeds"),
        }
        history = "".join(
            f"<li>{e(f'{to_local(h.at):%d %b %Y %H:%M}')} — {e(h.operator)}: {e(h.summary)}</li>"
            for h in reversed(info.history)
        )
        self.details.setHtml(
            f"<h3>{e(info.title)}</h3>"
            f"<p><b>{self.tr('Organisation')}:</b> {e(info.organisation)}<br>"
            f"<b>{self.tr('Sector')}:</b> {e(SECTOR_LABELS.get(info.sector, info.sector))}<br>"
            f"<b>{self.tr('Where')}:</b> {e(info.room)}<br>"
            f"<b>{self.tr('When')}:</b> {info.start_local:%a %d %b %Y %H:%M}–{info.end_local:%H:%M}"
            f"{' (' + self.tr('moved') + ')' if info.status == 'moved' else ''}<br>"
            f"<b>{self.tr('Pattern')}:</b> {e(info.pattern)}<br>"
            f"<b>{self.tr('Visibility')}:</b> {e(visibility.get(info.visibility, info.visibility))}"
            f"{' · ' + self.tr('location hidden') if info.hide_location else ''}<br>"
            f"<b>{self.tr('Expected')}:</b> {info.attendance}</p>"
            f"<h4>{self.tr('History')}</h4><ul>{history}</ul>"
        )

    # -- workflows --------------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.active_dialog = dialog
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _create_requested(self, room_id: int, day: date, start: time, end: time) -> None:
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
            if self.view.columns():
                column, at = self.view.cursor_cell()
                room_id, day, start = room_id or column.room_id, day or column.day, start or at
            else:
                room_id, day, start = room_id or self._rooms[0].id, day or self.current_date(), start or time(10)
        dialog = BookingDialog(
            self.services.booking,
            self._rooms,
            self._organisations,
            room_id=room_id,
            day=day,
            start=start,
            duration_min=duration_min,
            parent=self,
            **extra,
        )
        dialog.accepted.connect(lambda: self._book(dialog))
        self._open(dialog)
        dialog.organisation.setFocus()
        return dialog

    def _book(self, dialog: BookingDialog) -> None:
        booking = dialog.booking()
        if booking is not None and self.controller.run(BookCommand(self.controller, booking)):
            room = next((r for r in self._rooms if r.id == booking.room_id), None)
            if room is not None and self.mode == DAY and combo_value(self.scope_combo) not in (None, room.hub_id):
                self.show_day(room.hub_id, booking.first_date)
            elif self.current_date() != booking.first_date and self.mode == DAY:
                self.set_date(booking.first_date)

    def find_free_room(self) -> FreeRoomDialog:
        dialog = FreeRoomDialog(
            self.services.free_rooms, self._hubs, self._facilities, day=self.current_date(), parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.book_requested.connect(self._book_free_slot)
        self.free_room_dialog = dialog
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
        row = self.view.selected_row()
        if row is None:
            return None
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot move"), str(exc))
            return None
        dialog = MoveDialog(row, self._rooms, repeats=info.frequency != Frequency.ONCE, parent=self)
        dialog.accepted.connect(lambda: self.request_move(row, *dialog.target(), scope=dialog.scope()))
        self._open(dialog)
        return dialog

    def request_move(
        self, row: OccurrenceRow, room_id: int, day: date, start: time, scope: Scope | None = None
    ) -> None:
        """Move a session, this and the following ones, or its whole series; the service says what may move."""
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot move"), str(exc))
            return
        if scope is None and info.frequency == Frequency.ONCE:
            scope = Scope.SESSION
        elif scope is None:
            scope = self.prompts.choose_scope(
                self,
                self.tr("Move session"),
                self.tr(
                    "Move only the session of {day}, this and the following sessions, or every session of "
                    "{title} still to come?"
                ).format(day=f"{row.start_local:%a %d %b}", title=row.title),
            )
        if scope is None:
            self.view.viewport().update()
            return
        if scope is Scope.SESSION:
            self.controller.run(MoveSessionCommand(self.controller, row, room_id, day, start))
            return
        self.controller.run(
            MoveSeriesCommand(
                self.controller,
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
        row = self.view.selected_row()
        if row is None:
            return
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot cancel"), str(exc))
            return
        scope: Scope | None = Scope.SESSION
        if info.frequency != Frequency.ONCE:
            scope = self.prompts.choose_scope(
                self,
                self.tr("Cancel"),
                self.tr(
                    "Cancel only the session of {day}, this and the following sessions, or every session of "
                    "{title} still to come?"
                ).format(day=f"{row.start_local:%a %d %b}", title=row.title),
            )
        if scope is Scope.SESSION:
            self.controller.run(CancelSessionCommand(self.controller, row))
        elif scope is Scope.FOLLOWING:
            self.controller.run(CancelSeriesCommand(self.controller, row, row.start_local.date()))
        elif scope is Scope.SERIES:
            self.controller.run(CancelSeriesCommand(self.controller, row, None))

    def edit_selected(self) -> DetailsDialog | None:
        row = self.view.selected_row()
        if row is None:
            return None
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot edit"), str(exc))
            return None
        dialog = DetailsDialog(info, self._organisations, self)

        def edit() -> None:
            scope: Scope | None = Scope.SERIES
            if info.frequency != Frequency.ONCE and dialog.details() != dialog.original:
                scope = self.prompts.choose_scope(
                    self,
                    self.tr("Edit details"),
                    self.tr("Change {title} from {day} on, or every session of the series?").format(
                        day=f"{row.start_local:%a %d %b}", title=row.title
                    ),
                    allow_session=False,
                )
            if scope is None:
                return
            self.controller.run(
                EditDetailsCommand(
                    self.controller,
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
            if self._connect is None:
                raise HubSchedError("switching databases is not available here")
            return self._connect(url)

        dialog = SettingsDialog(
            url=self.services.url,
            grid=self.settings.time_grid,
            hubs=[h.name for h in self._hubs],
            default_hub=self.settings.default_hub,
            connect=connect,
            parent=self,
        )

        def saved() -> None:
            self.settings.time_grid = dialog.grid()
            self.settings.default_hub = dialog.default_hub.currentData()
            if dialog.url_changed() and dialog.connected is not None:
                self.settings.database_url = dialog.connected.url
                self.set_services(dialog.connected)
            else:
                self.reload()

        dialog.accepted.connect(saved)
        self._open(dialog)
        return dialog
