"""MainWindow: the hubs-and-rooms overview (the hub calendar arrives with the desktop-app issues).

Owns: showing the borough's hubs and rooms from `DirectoryService` rows. Holds no business rules and no
database session; it only calls services.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QTreeView

from scheduler.recurrence import WEEKDAY_NAMES
from scheduler.services.directory import DirectoryService, HubRow, RoomRow

ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def build_hub_model(hubs: list[HubRow]) -> QStandardItemModel:
    """A two-level model: hubs, then their rooms with capacity and facilities."""
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["Hub / room", "Capacity", "Facilities"])
    for hub in hubs:
        hub_item = QStandardItem(hub.name)
        hub_item.setData(hub, ROW_ROLE)
        hub_item.setEditable(False)
        for room in hub.rooms:
            cells = [
                QStandardItem(room.name),
                QStandardItem(str(room.capacity)),
                QStandardItem(", ".join(room.facilities)),
            ]
            for cell in cells:
                cell.setEditable(False)
                cell.setData(room, ROW_ROLE)
            hub_item.appendRow(cells)
        blank_capacity, blank_facilities = QStandardItem(""), QStandardItem("")
        blank_capacity.setEditable(False)
        blank_facilities.setEditable(False)
        model.appendRow([hub_item, blank_capacity, blank_facilities])
    return model


def describe(row: HubRow | RoomRow | None) -> str:
    if isinstance(row, HubRow):
        hours = "<br>".join(f"{WEEKDAY_NAMES[d]} {o:%H:%M}–{c:%H:%M}" for d, o, c in row.opening_hours)
        return f"<h2>{row.name}</h2><p>{row.area}<br>{row.address} {row.postcode}</p><p>{hours}</p>"
    if isinstance(row, RoomRow):
        access = "step-free access" if row.step_free else "not step-free"
        return (
            f"<h2>{row.name}</h2><p>{row.hub}</p><p>Holds {row.capacity} people; {access}.</p>"
            f"<p>{', '.join(row.facilities) or 'No listed facilities'}</p>"
        )
    return ""


class MainWindow(QMainWindow):
    def __init__(self, directory: DirectoryService) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Hub Scheduler"))
        self.model = build_hub_model(directory.hubs())
        self.tree = QTreeView()
        self.tree.setAccessibleName(self.tr("Hubs and rooms"))
        self.tree.setModel(self.model)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.details = QLabel()
        self.details.setAccessibleName(self.tr("Details"))
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setWordWrap(True)
        self.details.setMargin(12)
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([680, 320])
        self.setCentralWidget(splitter)
        self.tree.selectionModel().currentChanged.connect(self._show_details)
        self.resize(1000, 640)
        self.statusBar().showMessage(self.tr("%n hub(s)", "", self.model.rowCount()))

    def _show_details(self, current, _previous) -> None:
        self.details.setText(describe(current.data(ROW_ROLE)))
