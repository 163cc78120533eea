"""RecordTableModel: a table of reference records (hubs, rooms, ...) for the Administration window.

Owns: showing `Record` rows (plain dataclasses from ReferenceService, never ORM objects) in columns given
as (heading, text function, sort function); a filter proxy that searches every column. No widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from scheduler.services.reference import Record

Index = QModelIndex | QPersistentModelIndex


class AdminRole(IntEnum):
    RECORD = Qt.ItemDataRole.UserRole + 1  # the Record itself
    ID = Qt.ItemDataRole.UserRole + 2
    SORT = Qt.ItemDataRole.UserRole + 3  # numbers sort as numbers


@dataclass(frozen=True)
class RecordColumn:
    heading: str
    text: Callable[[Record], str]
    sort: Callable[[Record], Any] | None = None


class RecordTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[RecordColumn], parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Record] = []

    def set_records(self, records: Sequence[Record]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def records(self) -> list[Record]:
        return list(self._rows)

    def row_of(self, record_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == record_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
        if horizontal and 0 <= section < len(self._columns):
            return self._columns[section].heading
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(record)
        if role == AdminRole.RECORD:
            return record
        if role == AdminRole.ID:
            return record.id
        if role == AdminRole.SORT:
            return column.sort(record) if column.sort else column.text(record).lower()
        return None


class RecordFilterProxy(QSortFilterProxyModel):
    """Sorts by AdminRole.SORT; the search text matches any column, ignoring case."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(AdminRole.SORT)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
