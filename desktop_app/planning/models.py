"""Item models of the planning panels: requests (with their filter proxy), placements, unmet requests,
closures, re-homing plans, feeds and the term overview.

Owns: Qt table models over plain row dataclasses from the services (never ORM objects); custom roles from
UserRole + 1. No widgets, no database sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from scheduler.feeds.service import FeedLink
from scheduler.services.allocation import PlacementRow, UnmetRow
from scheduler.services.closures import ClosureRow, Rehoming
from scheduler.services.overview import OverviewRow
from scheduler.services.queries import OccurrenceRow
from scheduler.services.requests import RequestRow

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableView

Index = QModelIndex | QPersistentModelIndex
ROLE_BASE = Qt.ItemDataRole.UserRole + 1
T = TypeVar("T")


class PlanRole(IntEnum):
    ROW = ROLE_BASE  # the row dataclass itself
    ID = ROLE_BASE + 1  # the row's id (request id, occurrence id...); 0 when it has none
    SORT = ROLE_BASE + 2  # a value that sorts naturally (numbers as numbers)
    SECTOR = ROLE_BASE + 3
    HUBS = ROLE_BASE + 4  # a request's acceptable hubs, "|"-joined
    STATUS = ROLE_BASE + 5


SECTOR_NAMES = {"council": "Council", "partner": "Partner", "resident": "Resident-led"}
CHANGE_NAMES = {
    "new": "New",
    "unchanged": "Unchanged",
    "pinned": "Pinned",
    "room": "Moved (room)",
    "hub": "Moved (hub)",
    "time": "Moved (time)",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("Planning", text)


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None
    align_right: bool = False


class RowTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table of row dataclasses, one column per `Column`."""

    def __init__(self, columns: Sequence[Column[T]], parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def row_id(self, row: T) -> int:
        return int(getattr(row, "id", 0) or 0)

    def fit_columns(self, view: QTableView, widest: int) -> None:
        """Size `view`'s columns to their header and text, at most `widest` px. Measures each cell's text once
        instead of asking the model for every role of every cell, as QTableView.resizeColumnsToContents does
        (which kept the planning window from opening quickly)."""
        metrics = view.fontMetrics()
        header = view.horizontalHeader().fontMetrics()
        style = view.style()
        padding = 2 * style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, view) + 2 * 6
        for number, column in enumerate(self._columns):
            text = max((metrics.horizontalAdvance(column.text(row)) for row in self._rows), default=0)
            title = header.horizontalAdvance(column.header) + 16  # room for the sort indicator
            view.setColumnWidth(number, min(widest, max(text + padding, title + padding)))

    def extra(self, row: T, role: int) -> Any:
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self._rows)
            or not 0 <= index.column() < len(self._columns)
        ):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == PlanRole.SORT:
            return column.sort(row) if column.sort else column.text(row).lower()
        if role == PlanRole.ROW:
            return row
        if role == PlanRole.ID:
            return self.row_id(row)
        if role >= ROLE_BASE:
            return self.extra(row, role)
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({role.value: role.name.lower().encode() for role in PlanRole})
        return names


# -- requests ---------------------------------------------------------------------------------------------


STATUS_NAMES = {"pending": "Pending", "placed": "Placed", "unmet": "Unmet", "withdrawn": "Withdrawn"}


def _all_hubs(row: RequestRow) -> str:
    return ", ".join(row.hubs)


def _minute_of_week(p: PlacementRow) -> int:
    return p.weekday * 1440 + p.start.hour * 60 + p.start.minute


def number(header: str, get: Callable[[Any], float], fmt: Callable[[float], str] = str) -> Column[Any]:
    """A right-aligned numeric column that sorts as a number."""
    return Column(header, lambda row: fmt(get(row)), sort=get, align_right=True)


class RequestTableModel(RowTableModel[RequestRow]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Request"), lambda r: r.title),
                Column(tr("Organisation"), lambda r: r.organisation),
                Column(tr("Sector"), lambda r: tr(SECTOR_NAMES.get(r.sector, r.sector))),
                Column(tr("Status"), lambda r: tr(STATUS_NAMES.get(r.status, r.status))),
                Column(tr("Why unmet"), lambda r: r.short_reason, tooltip=lambda r: r.reason),
                Column(tr("Hubs"), lambda r: ", ".join(r.preferred_hubs or r.hubs), tooltip=_all_hubs),
                Column(tr("When"), lambda r: r.windows),
                Column(tr("Frequency"), lambda r: tr(r.frequency.title())),
                Column(tr("People"), lambda r: str(r.attendance), sort=lambda r: r.attendance, align_right=True),
                Column(tr("Minutes"), lambda r: str(r.duration_min), sort=lambda r: r.duration_min, align_right=True),
                Column(tr("Priority"), lambda r: str(r.priority), sort=lambda r: r.priority, align_right=True),
            ],
            parent,
        )

    def extra(self, row: RequestRow, role: int) -> Any:
        if role == PlanRole.SECTOR:
            return row.sector
        if role == PlanRole.HUBS:
            return "|".join(row.hubs)
        if role == PlanRole.STATUS:
            return row.status
        return None


class RequestFilterProxy(QSortFilterProxyModel):
    """Requests of one sector / hub / status (empty: any) whose text contains the search words."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._sector = self._hub = self._status = self._text = ""
        self.setSortRole(PlanRole.SORT)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_filters(self, *, sector: str = "", hub: str = "", status: str = "", text: str = "") -> None:
        self.beginFilterChange()
        self._sector, self._hub, self._status, self._text = sector, hub, status, text.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RequestTableModel) or not 0 <= source_row < model.rowCount():
            return False
        row = model.row_at(source_row)
        if self._sector and row.sector != self._sector:
            return False
        if self._hub and self._hub not in row.hubs:
            return False
        if self._status and row.status != self._status:
            return False
        if self._text:
            haystack = " ".join((row.title, row.organisation, row.windows, row.reason, *row.hubs)).lower()
            return all(word in haystack for word in self._text.split())
        return True


# -- allocation review ------------------------------------------------------------------------------------


class PlacementTableModel(RowTableModel[PlacementRow]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Change"), lambda p: tr(CHANGE_NAMES.get(p.change, p.change))),
                Column(tr("Request"), lambda p: p.title),
                Column(tr("Organisation"), lambda p: p.organisation),
                Column(tr("Hub"), lambda p: p.hub),
                Column(tr("Room"), lambda p: p.room),
                Column(
                    tr("When"),
                    lambda p: f"{p.when}–{p.end:%H:%M}",
                    sort=_minute_of_week,
                ),
                Column(tr("Sessions"), lambda p: str(p.sessions), sort=lambda p: p.sessions, align_right=True),
                Column(tr("Was"), lambda p: p.previous or "—"),
            ],
            parent,
        )

    def row_id(self, row: PlacementRow) -> int:
        return row.request_id

    def extra(self, row: PlacementRow, role: int) -> Any:
        if role == PlanRole.SECTOR:
            return row.sector
        if role == PlanRole.STATUS:
            return row.change
        return None


class PlacementFilterProxy(QSortFilterProxyModel):
    """Placements of one kind of change: "" all, "new", "moved" (room, hub, time) or "unchanged" (and pinned)."""

    GROUPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "new": ("new",),
        "moved": ("room", "hub", "time"),
        "unchanged": ("unchanged", "pinned"),
    }

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._group = ""
        self.setSortRole(PlanRole.SORT)

    def set_group(self, group: str) -> None:
        self.beginFilterChange()
        self._group = group
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not self._group or not isinstance(model, PlacementTableModel) or not 0 <= source_row < model.rowCount():
            return True
        return model.row_at(source_row).change in self.GROUPS.get(self._group, ())


UNMET_KINDS = {
    "no_room": "No suitable room",
    "blocked": "Slots taken",
    "not_placed": "Not reached",
    "pin_conflict": "Pin conflict",
}


class UnmetTableModel(RowTableModel[UnmetRow]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Request"), lambda u: u.title),
                Column(tr("Organisation"), lambda u: u.organisation),
                Column(tr("Sector"), lambda u: tr(SECTOR_NAMES.get(u.sector, u.sector))),
                Column(tr("Why"), lambda u: tr(UNMET_KINDS.get(u.kind, u.kind)), tooltip=lambda u: u.message),
                Column(tr("Blocked by"), lambda u: "; ".join(u.blockers) or "—"),
            ],
            parent,
        )

    def row_id(self, row: UnmetRow) -> int:
        return row.request_id


# -- closures ---------------------------------------------------------------------------------------------


def _span(first, last) -> str:
    return f"{first:%a %d %b %Y}" if first == last else f"{first:%a %d %b} – {last:%a %d %b %Y}"


class ClosureTableModel(RowTableModel[ClosureRow]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Dates"), lambda c: _span(c.first_day, c.last_day), sort=lambda c: c.first_day.toordinal()),
                Column(
                    tr("Hours"),
                    lambda c: f"{c.start:%H:%M}–{c.end:%H:%M}" if c.start and c.end else tr("All day"),
                ),
                Column(tr("Where"), lambda c: c.where),
                Column(tr("Reason"), lambda c: c.reason),
                Column(tr("Kind"), lambda c: tr("Bank holiday") if c.bank_holiday else tr("Closure")),
            ],
            parent,
        )


def _would_go_to(r: Rehoming) -> str:
    if r.found and r.start and r.end:
        return f"{r.room} {r.day:%a %d %b} {r.start:%H:%M}–{r.end:%H:%M}"
    return tr("Nowhere free: cancelled")


class RehomingTableModel(RowTableModel[Rehoming]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Session"), lambda r: r.title, tooltip=lambda r: f"{r.title} ({r.organisation})"),
                Column(
                    tr("Would go to"),
                    _would_go_to,
                    tooltip=lambda r: _would_go_to(r) + (f"\n{r.note}" if r.note else ""),
                ),
                Column(tr("Was"), lambda r: r.was),
                Column(tr("Organisation"), lambda r: r.organisation),
            ],
            parent,
        )

    def row_id(self, row: Rehoming) -> int:
        return row.occurrence_id


# -- feeds and overview -----------------------------------------------------------------------------------

FEED_KINDS = {"borough": "Borough", "hub": "Hub", "room": "Room", "organisation": "Organisation"}


class FeedTableModel(RowTableModel[FeedLink]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Feed"), lambda f: f.spec.name, tooltip=lambda f: f.spec.description),
                Column(tr("Kind"), lambda f: tr(FEED_KINDS.get(str(f.spec.kind), str(f.spec.kind)))),
                Column(tr("Web address"), lambda f: f.https),
                Column(tr("Calendar app (webcal)"), lambda f: f.webcal),
            ],
            parent,
        )

    def row_id(self, row: FeedLink) -> int:
        return int(row.spec.subject_id or 0)


def _hours(value: float) -> str:
    return f"{value:,.1f}"


class OverviewTableModel(RowTableModel[OverviewRow]):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Name"), lambda o: tr(SECTOR_NAMES.get(o.name, o.name)) if o.kind == "sector" else o.name),
                Column(tr("Requests"), lambda o: str(o.requests), sort=lambda o: o.requests, align_right=True),
                Column(
                    tr("Hours requested"),
                    lambda o: _hours(o.requested_hours),
                    sort=lambda o: o.requested_hours,
                    align_right=True,
                ),
                Column(
                    tr("Hours placed"),
                    lambda o: _hours(o.placed_hours),
                    sort=lambda o: o.placed_hours,
                    align_right=True,
                ),
                Column(
                    tr("Open hours"),
                    lambda o: "—" if o.open_hours is None else _hours(o.open_hours),
                    sort=lambda o: o.open_hours or 0.0,
                    align_right=True,
                ),
                Column(
                    tr("Utilisation"),
                    lambda o: "—" if o.utilisation is None else f"{o.utilisation:.0%}",
                    sort=lambda o: o.utilisation or 0.0,
                    align_right=True,
                ),
                Column(
                    tr("Unmet requests"),
                    lambda o: str(o.unmet_requests),
                    sort=lambda o: o.unmet_requests,
                    align_right=True,
                ),
                Column(
                    tr("Unmet hours"), lambda o: _hours(o.unmet_hours), sort=lambda o: o.unmet_hours, align_right=True
                ),
            ],
            parent,
        )

    def row_id(self, row: OverviewRow) -> int:
        return 0


class DisplacedTableModel(RowTableModel[OccurrenceRow]):
    """Sessions a closure would displace."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(
                    tr("When"),
                    lambda o: f"{o.start_local:%a %d %b %H:%M}–{o.end_local:%H:%M}",
                    sort=lambda o: o.start_utc.timestamp(),
                ),
                Column(tr("Session"), lambda o: o.title),
                Column(tr("Organisation"), lambda o: o.organisation),
                Column(tr("Room"), lambda o: f"{o.room}, {o.hub}"),
            ],
            parent,
        )
