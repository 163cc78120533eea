"""MainWindow: the hub calendar — hubs-and-rooms tree, day and week views, details, booking workflows.

Owns: building and arranging the widgets, the menus and their shortcuts, the planning window, and
drawing an allocation proposal the planning window hands over (`show_proposal`) as a preview layer on
whatever day or week is shown. Navigation and loading are `navigation.CalendarNavigation`'s, the
workflows `workflows.CalendarWorkflows`'s, the details text `details`'s. Holds no business rules and no
database session: what may be booked or moved is the services' answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
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
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.admin.menu import install_borough_actions
from desktop_app.backup_actions import add_backup_actions
from desktop_app.booking_dialog import BookingDialog, DetailsDialog, MoveDialog
from desktop_app.calendar.details import details_html, parse_session_link, placeholder_html
from desktop_app.calendar.legend import CalendarLegend
from desktop_app.calendar.month import MonthView
from desktop_app.calendar.navigation import DAY, MONTH_HUB, MONTH_ROOM, WEEK, CalendarNavigation, combo_value
from desktop_app.calendar.printing import (
    day_sheet_document,
    door_sheet_document,
    page_layout,
    print_document,
    print_widget,
    write_day_sheet,
    write_door_sheet,
    write_widget,
)
from desktop_app.calendar.search import SearchDialog
from desktop_app.calendar.view.view import CalendarView
from desktop_app.calendar.words import sentence
from desktop_app.calendar.workflows import CalendarWorkflows
from desktop_app.commands import ChangeController
from desktop_app.flow_layout import FlowLayout
from desktop_app.free_room_dialog import FreeRoomDialog
from desktop_app.item_models import RoomFilterProxy, RoomTreeModel, SessionListModel
from desktop_app.learning.menu import add_learning_actions
from desktop_app.prompts import Prompts, Scope
from desktop_app.scrolling import scrolled
from desktop_app.services import AppServices
from desktop_app.settings import AppSettings
from desktop_app.settings_dialog import SettingsDialog
from scheduler.errors import HubSchedError
from scheduler.services.common import now_utc
from scheduler.services.directory import HubRow, RoomRow
from scheduler.services.queries import OccurrenceRow

if TYPE_CHECKING:
    from desktop_app.planning.planning_window import PlanningWindow
    from scheduler.services.allocation import AllocationPreview

# Where published feeds are served unless the planning window's Feeds tab was told otherwise.
FEED_BASE_URL = "https://feeds.example.org/hubs"


class MainWindow(CalendarNavigation, QMainWindow):
    def __init__(
        self,
        services: AppServices,
        settings: AppSettings,
        *,
        prompts: Prompts | None = None,
        clock: Callable[[], datetime] = now_utc,
        connect: Callable[..., AppServices] | None = None,  # (url, timeout=seconds or None)
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
        self.workflows = CalendarWorkflows(self)
        self.workflows.connect_controller()
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
        self.change_label = QLabel(self)
        self.change_label.setAccessibleName(self.tr("Last change"))
        self.statusBar().addPermanentWidget(self.change_label)
        self._load_directory()
        self._restore_state()
        self._now_timer = QTimer(self)
        self._now_timer.setInterval(60_000)
        self._now_timer.timeout.connect(self.view.viewport().update)
        self._now_timer.start()
        self._open_on_a_busy_day()
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
        for combo in (self.hub_filter, self.facility_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.tree = QTreeView(panel)
        self.tree.setAccessibleName(self.tr("Hubs and rooms"))
        self.tree.setModel(self.room_proxy)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(panel)
        layout.addLayout(form)
        layout.addWidget(self.tree, 1)
        dock = QDockWidget(self.tr("Hubs and rooms"), self)
        dock.setObjectName("hubs_dock")
        dock.setWidget(scrolled(panel, dock))
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
        self.mode_combo.addItem(self.tr("Month: hubs"), MONTH_HUB)
        self.mode_combo.addItem(self.tr("Month: one room"), MONTH_ROOM)
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
        # Two short rows rather than one long one, so the toolbar never makes the window wider than a
        # 1280 px laptop screen; long hub and room names are elided in the combos, not given room.
        bar = QHBoxLayout()
        for widget in (self.prev_button, self.today_button, self.next_button, self.date_edit):
            bar.addWidget(widget)
        bar.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.mode_combo)
        second.addWidget(self.scope_combo, 1)
        second.addWidget(self.room_combo, 1)
        for combo in (self.scope_combo, self.room_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.fit_action = QAction(self.tr("&Fit all rooms to the width"), self)
        self.fit_action.setCheckable(True)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.setToolTip(self.tr("Show every room of every hub without scrolling sideways (Ctrl+0)"))
        self.fit_action.toggled.connect(lambda _on: self.reload())
        self.fit_button = QToolButton(centre)
        self.fit_button.setDefaultAction(self.fit_action)
        self.fit_action.setIconText(self.tr("Fit"))
        self.fit_button.setAccessibleName(self.tr("Fit all rooms to the width"))
        bar.addWidget(self.fit_button)
        bar.addWidget(QLabel(self.tr("Zoom:"), centre))
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_in_button)
        self.sessions_model = SessionListModel(self)
        self.view = CalendarView(self.sessions_model, clock=self._clock, parent=centre)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(second)
        self.month_view = MonthView(centre)
        self.month_view.day_chosen.connect(self._month_day_chosen)
        self.calendar_stack = QStackedWidget(centre)
        self.calendar_stack.addWidget(self.view)
        self.calendar_stack.addWidget(self.month_view)
        layout.addWidget(self.calendar_stack, 1)
        self.legend = CalendarLegend(centre)
        layout.addWidget(self.legend)
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
        self.view.create_requested.connect(self.workflows.create_at)
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
        buttons = FlowLayout()  # wraps onto two rows in a narrow dock or at a large font, never a sideways scroll
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.move_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(panel)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        dock = QDockWidget(self.tr("Details"), self)
        dock.setObjectName("details_dock")
        dock.setWidget(scrolled(panel, dock))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.details_dock = dock
        self.details.anchorClicked.connect(self._details_link)
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
        self.backup_actions = add_backup_actions(file_menu, self, lambda: self.services, self.prompts, self.reload)
        file_menu.addSeparator()
        self._action(self.tr("Print &day sheet for the hub…"), self.print_day_sheet, "Ctrl+P", file_menu)
        self._action(self.tr("Print d&oor sheet for the room…"), self.print_door_sheet, None, file_menu)
        self._action(self.tr("Print the current &view…"), self.print_view, None, file_menu)
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
        self._action(self.tr("&Month view"), lambda: self.set_mode(MONTH_HUB), "Ctrl+3", view_menu)
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
        view_menu.addAction(self.fit_action)
        self.legend_action = QAction(self.tr("Show the &legend"), self)
        self.legend_action.setCheckable(True)
        self.legend_action.setChecked(True)
        self.legend_action.toggled.connect(self.legend.setVisible)
        view_menu.addAction(self.legend_action)

        book_menu = bar.addMenu(self.tr("&Bookings"))
        self._action(self.tr("&New booking…"), self.new_booking, "Ctrl+N", book_menu)
        self._action(self.tr("&Find a free room…"), self.find_free_room, "Ctrl+F", book_menu)
        self.search_action = self._action(self.tr("Find a &session…"), self.open_search, "Ctrl+K", book_menu)

        plan_menu = bar.addMenu(self.tr("&Plan"))
        self._action(self.tr("Plan &term…"), self.open_planning, "Ctrl+Shift+T", plan_menu)

        # Feature packages add their own menu entries (each a small module beside its windows).
        install_borough_actions(self, bar, file_menu)  # Borough ▸ Administration…, File ▸ Import…/Export…
        add_learning_actions(self)  # Borough ▸ Learning, day sheet, Record attendance, File ▸ Term report
        from desktop_app.outbox_window import add_outbox_actions  # loads mail and keyring only here

        add_outbox_actions(bar, self)  # Borough ▸ Outbox…

    def open_planning(self) -> PlanningWindow | None:
        """The term-planning window (requests, allocation, closures, feeds, overview) on this database; None
        while it is still being opened."""
        if self.planning_window is not None and self.planning_window.services.engine is not self.services.engine:
            self.planning_window.close()
            self.planning_window.deleteLater()
            self.planning_window = None
        if self.planning_window is None and not self._make_planning_window():
            return None
        self.planning_window.show()
        self.planning_window.activateWindow()
        return self.planning_window

    def _make_planning_window(self) -> bool:
        # Read off the GUI thread (planning brings in OR-Tools); it opens on the next term with requests.
        from desktop_app.planning.opening import build_planning_window

        window = build_planning_window(
            self, self.services, self.prompts, self.settings.qsettings, self.controller, self.today()
        )
        if window is None:
            return False
        self.planning_window = window
        self.planning_window.bookings_changed.connect(self.reload)
        self.planning_window.calendar_preview_changed.connect(self.show_proposal)
        # As large as planned, but never larger than the screen it opens on.
        screen = self.screen().availableGeometry()
        self.planning_window.resize(min(1400, screen.width()), min(900, screen.height()))
        return True

    def _month_day_chosen(self, day: date) -> None:
        """A day clicked in the month view opens in the day view (the room's hub, for a room's month)."""
        if self.mode == MONTH_ROOM:
            room = next((r for r in self._rooms if r.id == self.week_room_id), None)
            self.show_day(room.hub_id if room is not None else None, day)
        else:
            self.show_day(combo_value(self.scope_combo), day)
        self.view.setFocus()

    def _details_link(self, url: QUrl) -> None:
        """Links in the Details pane: mailto opens the mail program, copy puts the contact on the
        clipboard, session jumps to the series' previous or next session."""
        href = url.toString()
        if href.startswith("mailto:"):
            QDesktopServices.openUrl(url)
        elif href.startswith("copy:"):
            QGuiApplication.clipboard().setText(unquote(href[len("copy:") :]))
            self.statusBar().showMessage(self.tr("Contact copied to the clipboard."), 5000)
        elif (place := parse_session_link(href)) is not None:
            self.go_to_session(*place)

    # -- printing ---------------------------------------------------------------------------------------

    def _focus_room(self) -> RoomRow | None:
        """The room printing is about: the week's room, else the selected session's, else the cursor's."""
        if self.mode == WEEK and self.week_room_id is not None:
            room_id = self.week_room_id
        elif self.view.selected_row() is not None:
            room_id = self.view.selected_row().room_id
        elif self.view.columns():
            room_id = self.view.cursor_cell()[0].room_id
        else:
            return None
        return next((r for r in self._rooms if r.id == room_id), None)

    def _printer(self, landscape: bool) -> QPrinter | None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout(landscape))
        dialog = QPrintDialog(printer, self)
        return printer if dialog.exec() == QDialog.DialogCode.Accepted else None

    def print_day_sheet(self, path: str | None = None) -> None:
        """The front desk's sheet for the hub shown (or the selected room's hub) on the day shown."""
        hub_id = combo_value(self.scope_combo) if self.mode == DAY else None
        room = self._focus_room()
        hub_id = hub_id or (room.hub_id if room is not None else None)
        if hub_id is None:
            return
        try:
            sheet = self.services.wired.sheets.day_sheet(hub_id, self.current_date())
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot print the day sheet"), sentence(str(exc)))
            return
        if path is not None:
            write_day_sheet(sheet, path)
        elif (printer := self._printer(False)) is not None:
            print_document(day_sheet_document(sheet), printer)

    def print_door_sheet(self, path: str | None = None) -> None:
        """The week's door sheet (A4 landscape, with the room feed's QR code) for the room in focus."""
        room = self._focus_room()
        if room is None:
            return
        try:
            sheet = self.services.wired.sheets.door_sheet(room.id, self.current_date())
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot print the door sheet"), sentence(str(exc)))
            return
        base = str(self.settings.qsettings.value("feeds/base_url", FEED_BASE_URL) or FEED_BASE_URL)
        url = f"{base.rstrip('/')}/{sheet.feed_path}"
        if path is not None:
            write_door_sheet(sheet, url, path)
        elif (printer := self._printer(True)) is not None:
            print_document(door_sheet_document(sheet, url), printer)

    def print_view(self, path: str | None = None) -> None:
        """The calendar exactly as shown, scaled to an A4 landscape page."""
        if path is not None:
            write_widget(self.view, path, self.windowTitle())
        elif (printer := self._printer(True)) is not None:
            print_widget(self.view, printer)

    def _open_on_a_busy_day(self) -> None:
        """First impression: when today has no sessions (a Sunday, a holiday), open on the next day that
        has some, and say so, rather than on a grid of "Hub closed"."""
        self.first_notice = QLabel(self)
        self.first_notice.setAccessibleName(self.tr("Why this day is shown"))
        self.first_notice.hide()
        self.statusBar().addPermanentWidget(self.first_notice)
        if self.mode != DAY:
            return
        today = self.current_date()
        try:
            busy = self.services.wired.search.next_day_with_sessions(today, hub_id=combo_value(self.scope_combo))
        except HubSchedError:
            return
        if busy is None or busy == today:
            return
        self.date_edit.blockSignals(True)
        self.set_date(busy)
        self.date_edit.blockSignals(False)
        self.first_notice.setText(
            self.tr("No sessions today ({today}), so this is {day}, the next day with sessions.").format(
                today=f"{today:%a %d %b}", day=f"{busy:%a %d %b}"
            )
        )
        self.first_notice.show()
        self.date_edit.dateChanged.connect(lambda _d: self.first_notice.hide())

    def open_search(self) -> SearchDialog:
        """Ctrl+K: search every date by title, organisation, hub or room; Enter jumps to the session."""
        dialog = SearchDialog(self.services.wired.search, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.hit_chosen.connect(
            lambda hit: self.go_to_session(hit.occurrence_id, hit.session_room_id, hit.start_local.date())
        )
        self.search_dialog = dialog
        dialog.open()
        dialog.query.setFocus()
        return dialog

    def go_to_session(self, occurrence_id: int, room_id: int, day: date) -> OccurrenceRow | None:
        """Show the day (or, in the week view, the week) of a session, scroll it into view and select it.
        When the room filters hide its room in the day view, the room's week is shown instead."""
        room = next((r for r in self._rooms if r.id == room_id), None)
        if self.mode == WEEK or room is None:
            self.show_week(room_id, day)
        else:
            hub = combo_value(self.scope_combo)
            self.show_day(None if hub is None else room.hub_id, day)
            if not any(c.room_id == room_id for c in self.view.columns()):
                self.show_week(room_id, day)
        row = next((r for r in self.sessions_model.rows() if r.id == occurrence_id), None)
        if row is not None:
            self.view.select(row)
            self.view.setFocus()
        return row

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

    def _show_details(self, row: OccurrenceRow | None) -> None:
        self._update_actions()
        if row is None:
            self.details.setHtml(placeholder_html(self.tr))
            return
        try:
            info = self.services.calendar.session_details(row.id)
        except HubSchedError as exc:
            self.details.setPlainText(sentence(str(exc)))
            return
        self.details.setHtml(details_html(info, self.tr))

    # -- workflows (the controller does the work; these names are the window's public face) -------------

    def new_booking(self, **kwargs) -> BookingDialog:
        return self.workflows.new_booking(**kwargs)

    def find_free_room(self) -> FreeRoomDialog:
        return self.workflows.find_free_room()

    def move_selected(self) -> MoveDialog | None:
        return self.workflows.move_selected()

    def request_move(self, row: OccurrenceRow, room_id: int, day: date, start: time, scope: Scope | None = None):
        self.workflows.request_move(row, room_id, day, start, scope)

    def cancel_selected(self) -> None:
        self.workflows.cancel_selected()

    def edit_selected(self) -> DetailsDialog | None:
        return self.workflows.edit_selected()

    def open_settings(self) -> SettingsDialog:
        return self.workflows.open_settings()
