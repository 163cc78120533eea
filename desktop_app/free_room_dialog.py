"""FreeRoomDialog: find a free room across all hubs and book straight from a result.

Owns: the search form (people, facilities, step-free, hubs, preferred hub, a date or a weekday, time
window, duration, frequency) and the ranked results from `FreeRoomFinder`. "Book…" emits the chosen
slot with the query; the window opens the booking dialog pre-filled from it.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.booking_dialog import FREQUENCIES, pydate, pytime, qdate
from desktop_app.focus_order import tab_in_order
from desktop_app.item_models import FreeSlotTableModel
from models.types import Frequency
from scheduler.errors import HubSchedError
from scheduler.recurrence import WEEKDAY_NAMES
from scheduler.services.directory import HubRow
from scheduler.services.free_rooms import FreeRoomFinder, FreeRoomQuery, FreeSlot


def _checklist(items: list[tuple[str, object]], name: str, parent: QWidget) -> QListWidget:
    widget = QListWidget(parent)
    widget.setAccessibleName(name)
    for label, data in items:
        item = QListWidgetItem(label, widget)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, data)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> list:
    return [
        widget.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


class FreeRoomDialog(QDialog):
    book_requested = Signal(object, object)  # FreeSlot, FreeRoomQuery

    def __init__(
        self,
        finder: FreeRoomFinder,
        hubs: list[HubRow],
        facilities: list[str],
        *,
        day: date,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._finder = finder
        self.query: FreeRoomQuery | None = None
        self.setWindowTitle(self.tr("Find a free room"))
        self.setAccessibleName(self.tr("Find a free room"))

        self.people = QSpinBox(self)
        self.people.setRange(1, 1000)
        self.people.setValue(10)
        self.facilities = _checklist([(f, f) for f in facilities], self.tr("Facilities needed"), self)
        self.step_free = QCheckBox(self.tr("Step-free access needed"), self)
        self.hubs = _checklist([(h.name, h.id) for h in hubs], self.tr("Hubs (none ticked: all hubs)"), self)
        self.preferred = QComboBox(self)
        self.preferred.addItem(self.tr("No preference"), 0)  # never None: see main_window.ALL
        for hub in hubs:
            self.preferred.addItem(hub.name, hub.id)
        self.when = QComboBox(self)
        self.when.addItem(self.tr("On a date"), "date")
        self.when.addItem(self.tr("On a weekday, from a date"), "weekday")
        self.weekday = QComboBox(self)
        for number, name in enumerate(WEEKDAY_NAMES):
            self.weekday.addItem(name, number)
        self.weekday.setCurrentIndex(day.weekday())
        self.date_edit = QDateEdit(qdate(day), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.window_start = QTimeEdit(QTime(9, 0), self)
        self.window_end = QTimeEdit(QTime(17, 0), self)
        for edit in (self.window_start, self.window_end):
            edit.setDisplayFormat("HH:mm")
        self.duration = QSpinBox(self)
        self.duration.setRange(15, 12 * 60)
        self.duration.setSingleStep(15)
        self.duration.setValue(60)
        self.duration.setSuffix(self.tr(" min"))
        self.frequency = QComboBox(self)
        for value, label in FREQUENCIES:
            self.frequency.addItem(self.tr(label), value)
        self.last_date = QDateEdit(qdate(day + timedelta(weeks=12)), self)
        self.last_date.setCalendarPopup(True)
        self.last_date.setDisplayFormat("ddd d MMM yyyy")
        window = QHBoxLayout()
        window.addWidget(self.window_start)
        window.addWidget(QLabel(self.tr("to"), self))
        window.addWidget(self.window_end)

        need = QFormLayout()
        when = QFormLayout()
        for form, label, field in (
            (need, self.tr("&People:"), self.people),
            (need, self.tr("&Facilities:"), self.facilities),
            (need, self.tr("&Hubs:"), self.hubs),
            (need, self.tr("P&referred hub:"), self.preferred),
            (when, self.tr("&When:"), self.when),
            (when, self.tr("&Date / from:"), self.date_edit),
            (when, self.tr("&Weekday:"), self.weekday),
            (when, self.tr("&Duration:"), self.duration),
            (when, self.tr("Re&peats:"), self.frequency),
            (when, self.tr("&Until:"), self.last_date),
        ):
            form.addRow(label, field)
            if not field.accessibleName():
                field.setAccessibleName(label.replace("&", "").rstrip(":"))
        need.addRow("", self.step_free)
        # Tab reads the form as laid out: the needs column top to bottom, then the when column.
        tab_in_order(
            self.people,
            self.facilities,
            self.hubs,
            self.preferred,
            self.step_free,
            self.when,
            self.date_edit,
            self.weekday,
            self.window_start,
            self.window_end,
            self.duration,
            self.frequency,
            self.last_date,
        )
        when.insertRow(3, self.tr("Between:"), window)
        self.window_start.setAccessibleName(self.tr("Earliest start"))
        self.window_end.setAccessibleName(self.tr("Latest end"))

        self.search_button = QPushButton(self.tr("&Search"), self)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.status = QLabel(self)
        self.status.setAccessibleName(self.tr("Search result"))
        self.model = FreeSlotTableModel(self)
        self.results = QTableView(self)
        self.results.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        self.results.setAccessibleName(self.tr("Free rooms, best fit first"))
        self.results.setModel(self.model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.verticalHeader().hide()
        self.results.activated.connect(lambda _index: self.book_selected())
        self.book_button = QPushButton(self.tr("&Book…"), self)
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(self.book_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.book_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addLayout(need, 1)
        top.addSpacing(16)
        top.addLayout(when, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.search_button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.frequency.currentIndexChanged.connect(self._update_enabled)
        self.when.currentIndexChanged.connect(self._update_enabled)
        self.model.modelReset.connect(self._update_enabled)
        self.results.selectionModel().selectionChanged.connect(self._update_enabled)
        self._update_enabled()
        self.results.setWordWrap(False)
        self.resize(1040, 600)

    def _update_enabled(self) -> None:
        self.weekday.setEnabled(self.when.currentData() == "weekday")
        self.last_date.setEnabled(Frequency(self.frequency.currentData()) is not Frequency.ONCE)
        self.book_button.setEnabled(self.selected_slot() is not None)

    def build_query(self) -> FreeRoomQuery:
        first = pydate(self.date_edit.date())
        if self.when.currentData() == "weekday":
            first += timedelta(days=(self.weekday.currentData() - first.weekday()) % 7)
        frequency: Frequency = Frequency(self.frequency.currentData())
        return FreeRoomQuery(
            attendance=self.people.value(),
            first_date=first,
            window_start=pytime(self.window_start.time()),
            window_end=pytime(self.window_end.time()) if self.window_end.time() > QTime(0, 0) else time(23, 59),
            duration_min=self.duration.value(),
            frequency=frequency,
            last_date=pydate(self.last_date.date()) if frequency is not Frequency.ONCE else None,
            facilities=tuple(_checked(self.facilities)),
            step_free=self.step_free.isChecked(),
            hub_ids=tuple(_checked(self.hubs)),
            preferred_hub_id=self.preferred.currentData() or None,
        )

    def search(self) -> list[FreeSlot]:
        try:
            self.query = self.build_query()
            rows = self._finder.find(self.query)
        except HubSchedError as exc:
            self.model.set_rows([])
            self.status.setText(str(exc))
            return []
        self.model.set_rows(rows)
        self.status.setText(
            self.tr("%n free room-time(s), best fit first.", "", len(rows)) if rows else self.tr("No free room fits.")
        )
        if rows:
            self.results.selectRow(0)
        return rows

    def selected_slot(self) -> FreeSlot | None:
        selected = self.results.selectionModel().selectedRows() if self.results.selectionModel() else []
        if not selected:
            return None
        return self.model.rows()[selected[0].row()]

    def book_selected(self) -> None:
        slot = self.selected_slot()
        if slot is not None and self.query is not None:
            self.book_requested.emit(slot, self.query)
