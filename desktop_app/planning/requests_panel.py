"""RequestsPanel: the term's requests — sort, filter by sector, hub and status, search; add, edit, withdraw.

Owns: the requests table and its filter controls. Adding and editing open `RequestForm`; withdrawing calls
`RequestService.withdraw`. Rules and messages are the service's.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.planning.models import SECTOR_NAMES, STATUS_NAMES, PlanRole, RequestFilterProxy, RequestTableModel
from desktop_app.planning.request_form import RequestForm
from desktop_app.planning.services import PlanningServices
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.services.directory import HubRow
from scheduler.services.requests import RequestRow


class RequestsPanel(QWidget):
    changed = Signal()  # a request was added, edited or withdrawn

    def __init__(
        self,
        services: PlanningServices,
        prompts: Prompts,
        parent: QWidget | None = None,
        *,
        hubs: list[HubRow] | None = None,  # already read (off the GUI thread)
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.term_id = 0
        self.form: RequestForm | None = None
        self.model = RequestTableModel(self)
        self.proxy = RequestFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search title, organisation, hub, reason…"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search requests"))
        self.sector = QComboBox(self)
        self.sector.addItem(self.tr("All sectors"), "")
        for key, name in SECTOR_NAMES.items():
            self.sector.addItem(self.tr(name), key)
        self.hub = QComboBox(self)
        self.hub.addItem(self.tr("All hubs"), "")
        for hub in services.directory.hubs() if hubs is None else hubs:
            self.hub.addItem(hub.name, hub.name)
        self.status = QComboBox(self)
        self.status.addItem(self.tr("Any status"), "")
        for key, name in STATUS_NAMES.items():
            self.status.addItem(self.tr(name), key)
        for combo, name in ((self.sector, "Sector"), (self.hub, "Hub"), (self.status, "Status")):
            combo.setAccessibleName(self.tr("Filter by {what}").format(what=self.tr(name).lower()))
            combo.currentIndexChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)

        self.table = QTableView(self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        self.table.setAccessibleName(self.tr("Requests"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Column widths from the first 50 rows, not every row: sizing a term's hundreds of requests row by row
        # kept the planning window from opening quickly.
        self.table.verticalHeader().setResizeContentsPrecision(50)  # rows sampled for a column's width
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton(self.tr("&New request…"), self)
        self.edit_button = QPushButton(self.tr("&Edit…"), self)
        self.withdraw_button = QPushButton(self.tr("&Withdraw"), self)
        self.add_button.clicked.connect(self.add_request)
        self.edit_button.clicked.connect(self.edit_selected)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.count_label = QLabel(self)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.sector)
        filters.addWidget(self.hub)
        filters.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def set_term(self, term_id: int, rows: list[RequestRow] | None = None) -> None:
        self.term_id = term_id
        self.reload(rows)

    def reload(self, rows: list[RequestRow] | None = None) -> None:
        """Read the term's requests again, or show `rows` already read."""
        selected = self.selected()
        if rows is None:
            rows = self.services.requests.list(self.term_id) if self.term_id else []
        self.model.set_rows(rows)
        self.model.fit_columns(self.table, 220)
        if selected is not None:
            self.select_request(selected.id)
        self._update_count()
        self._update_buttons()

    def _apply_filters(self) -> None:
        self.proxy.set_filters(
            sector=self.sector.currentData() or "",
            hub=self.hub.currentData() or "",
            status=self.status.currentData() or "",
            text=self.search.text(),
        )
        self._update_count()

    def _update_count(self) -> None:
        rows = self.model.rows()
        unmet = sum(r.status == "unmet" for r in rows)
        self.count_label.setText(
            self.tr("{shown} of {total} requests shown · {unmet} unmet").format(
                shown=self.proxy.rowCount(), total=len(rows), unmet=unmet
            )
        )

    def _update_buttons(self, *_args) -> None:
        row = self.selected()
        self.add_button.setEnabled(bool(self.term_id))
        self.edit_button.setEnabled(row is not None)
        self.withdraw_button.setEnabled(row is not None and row.status != "withdrawn")

    def selected(self) -> RequestRow | None:
        indexes = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not indexes or not indexes[0].isValid():
            return None
        return indexes[0].data(PlanRole.ROW)

    def select_request(self, request_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(PlanRole.ID) == request_id:
                self.table.selectRow(row)
                self.table.scrollTo(index)
                return True
        self.table.setCurrentIndex(QModelIndex())
        return False

    def add_request(self) -> RequestForm:
        return self._open_form(None)

    def edit_selected(self) -> RequestForm | None:
        row = self.selected()
        return self._open_form(row.id) if row is not None else None

    def _open_form(self, request_id: int | None) -> RequestForm:
        form = RequestForm(self.services, self.term_id, request_id=request_id, parent=self)
        form.setModal(True)
        form.saved.connect(self._saved)
        self.form = form
        form.open()
        return form

    def _saved(self, request_id: int) -> None:
        self.reload()
        self.select_request(request_id)
        self.changed.emit()

    def withdraw_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        question = self.tr(
            "Withdraw {title} ({organisation})? It is left out of the next allocation, and its placed sessions "
            "are cancelled when that allocation is accepted."
        ).format(title=row.title, organisation=row.organisation)
        if not self.prompts.confirm(self, self.tr("Withdraw request"), question):
            return
        try:
            self.services.requests.withdraw(row.id, row.version)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot withdraw {title}").format(title=row.title), str(exc))
        self.reload()
        self.changed.emit()
