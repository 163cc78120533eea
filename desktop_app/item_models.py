"""Item models: the hubs-and-rooms tree with its filter, the sessions on screen, free-room results.

Owns: Qt models over plain row dataclasses from the services (never ORM objects), with custom roles
from UserRole + 1. No widgets, no database sessions.
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel

from scheduler.services.directory import HubRow, RoomRow
from scheduler.services.free_rooms import FreeSlot
from scheduler.services.queries import OccurrenceRow

ROLE_BASE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    ROW = ROLE_BASE  # the row dataclass itself
    ID = ROLE_BASE + 1
    ROOM_ID = ROLE_BASE + 2
    SECTOR = ROLE_BASE + 3
    PRIVATE = ROLE_BASE + 4


SECTOR_LABELS = {"council": "Council", "partner": "Partner", "resident": "Resident-led"}


# -- hubs and rooms -------------------------------------------------------------------------------------


class RoomTreeModel(QStandardItemModel):
    """Two levels: hubs, then their rooms with capacity and facilities (Role.ROW holds HubRow / RoomRow)."""

    def __init__(self, hubs: list[HubRow], parent=None) -> None:
        super().__init__(parent)
        self.set_hubs(hubs)

    def set_hubs(self, hubs: list[HubRow]) -> None:
        self.clear()
        self.setHorizontalHeaderLabels([self.tr("Hub / room"), self.tr("People"), self.tr("Facilities")])
        for hub in hubs:
            hub_item = self._item(hub.name, hub)
            for room in hub.rooms:
                access = "" if room.step_free else self.tr(" (not step-free)")
                hub_item.appendRow(
                    [
                        self._item(room.name + access, room),
                        self._item(str(room.capacity), room),
                        self._item(", ".join(room.facilities), room),
                    ]
                )
            self.appendRow([hub_item, self._item("", hub), self._item("", hub)])

    @staticmethod
    def _item(text: str, row: HubRow | RoomRow) -> QStandardItem:
        item = QStandardItem(text)
        item.setEditable(False)
        item.setData(row, Role.ROW)
        item.setData(row.id, Role.ID)
        return item


class RoomFilterProxy(QSortFilterProxyModel):
    """Shows the rooms that match hub, facility, capacity and step-free filters (and their hubs)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.hub_id: int | None = None
        self.facility = ""
        self.min_capacity = 0
        self.step_free = False

    def set_filters(self, *, hub_id: int | None, facility: str, min_capacity: int, step_free: bool) -> None:
        self.beginFilterChange()
        self.hub_id, self.facility, self.min_capacity, self.step_free = hub_id, facility, min_capacity, step_free
        self.endFilterChange()

    def room_matches(self, room: RoomRow) -> bool:
        return (
            (self.hub_id is None or room.hub_id == self.hub_id)
            and (not self.facility or self.facility in room.facilities)
            and room.capacity >= self.min_capacity
            and (room.step_free or not self.step_free)
        )

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row = self.sourceModel().index(source_row, 0, source_parent).data(Role.ROW)
        if isinstance(row, RoomRow):
            return self.room_matches(row)
        if isinstance(row, HubRow):
            return (self.hub_id is None or row.id == self.hub_id) and not (
                self.facility or self.min_capacity or self.step_free
            )
        return False


# -- sessions on screen ----------------------------------------------------------------------------------


class SessionListModel(QAbstractListModel):
    """The sessions of the period on screen, in start order; the calendar view draws from it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[OccurrenceRow] = []

    def set_rows(self, rows: list[OccurrenceRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[OccurrenceRow]:
        return self._rows

    def row_by_id(self, occurrence_id: int) -> OccurrenceRow | None:
        return next((r for r in self._rows if r.id == occurrence_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            private = self.tr(" (private)") if row.visibility == "private" else ""
            return (
                f"{row.start_local:%a %d %b %H:%M}–{row.end_local:%H:%M} {row.title}{private}, "
                f"{row.organisation}, {row.room}, {row.hub}"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.title}\n{row.organisation} ({SECTOR_LABELS.get(row.sector, row.sector)})"
        if role == Role.ROW:
            return row
        if role == Role.ID:
            return row.id
        if role == Role.ROOM_ID:
            return row.room_id
        if role == Role.SECTOR:
            return row.sector
        if role == Role.PRIVATE:
            return row.visibility == "private"
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({role.value: role.name.lower().encode() for role in Role})
        return names


# -- free-room results ------------------------------------------------------------------------------------


class FreeSlotTableModel(QAbstractTableModel):
    """Ranked free room-times: best fit first, as the FreeRoomFinder returns them."""

    COLUMNS = ("Room", "Hub", "People", "Starts", "Time", "Sessions", "Facilities")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[FreeSlot] = []

    def set_rows(self, rows: list[FreeSlot]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[FreeSlot]:
        return self._rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.COLUMNS):
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        slot = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            preferred = self.tr(" (preferred)") if slot.preferred else ""
            step = "" if slot.step_free else self.tr(" (not step-free)")
            return (
                slot.room + step,
                slot.hub + preferred,
                str(slot.capacity),
                f"{slot.first_date:%a %d %b %Y}",
                f"{slot.start:%H:%M}–{slot.end:%H:%M}",
                str(slot.sessions) + (self.tr(" (%n date(s) skipped)", "", slot.skipped) if slot.skipped else ""),
                ", ".join(slot.facilities),
            )[index.column()]
        if role == Role.ROW:
            return slot
        if role == Role.ROOM_ID:
            return slot.room_id
        return None
