"""CalendarLayout: the calendar grid's geometry and hit-testing, with no widget.

Owns: where each column, session block and proposed block lies in content coordinates (before
scrolling), which column and minute a point falls on, snapping to the time grid, which columns are
visible for a scroll position, and the band each hub's columns form. It is plain data plus arithmetic on
`QRectF`/`QPointF` (QtCore only), so it is unit-tested without a window or an application.
Must not import QtWidgets or QtGui, nor any service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from PySide6.QtCore import QPointF, QRectF

from desktop_app.settings import TimeGrid
from scheduler.services.allocation_calendar import PreviewSession
from scheduler.services.calendar import BlockedSpan
from scheduler.services.queries import OccurrenceRow

HEADER = 46
RULER = 56
MIN_ZOOM, MAX_ZOOM = 0.5, 4.0
MIN_COLUMN_WIDTH = 100


@dataclass(frozen=True)
class Column:
    """One column: a room on a day. Day view: the rooms of one day; week view: one room on seven days."""

    room_id: int
    day: date
    title: str
    subtitle: str
    hub: str = ""  # the hub band this column sits under (day view); "" draws no band


def minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def row_minutes(row: OccurrenceRow) -> int:
    return int((row.end_utc - row.start_utc).total_seconds() // 60)


class CalendarLayout:
    """Columns, zoom and the placed blocks of one calendar grid."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.column_of: dict[tuple[int, date], int] = {}
        self.blocked: dict[int, list[BlockedSpan]] = {}
        self.blocks: list[tuple[QRectF, OccurrenceRow]] = []
        self.preview: list[PreviewSession] = []
        self.preview_blocks: list[tuple[QRectF, PreviewSession]] = []
        self.grid = TimeGrid()
        self.zoom = 1.2  # pixels per minute
        self.column_width = 168
        self.fit_columns = False  # share the viewport's width between the columns
        self.min_column_width = MIN_COLUMN_WIDTH
        self.header = HEADER  # column headers (and the hub band, when there is one); grows with the font
        self.ruler = RULER  # the hour labels; grows with the font
        self.band = 0  # height of the hub band at the top of the header, 0 when no column names a hub

    # -- content ------------------------------------------------------------------------------------

    def set_columns(self, columns: list[Column], blocked: list[BlockedSpan], grid: TimeGrid) -> None:
        self.columns = list(columns)
        self.column_of = {(c.room_id, c.day): i for i, c in enumerate(columns)}
        self.blocked = {}
        for span in blocked:
            index = self.column_of.get((span.room_id, span.day))
            if index is not None:
                self.blocked.setdefault(index, []).append(span)
        self.grid = grid

    def slots(self) -> int:
        return max(1, (self.grid.day_end - self.grid.day_start) * 60 // self.grid.slot_min)

    def content_size(self) -> tuple[int, int]:
        return (
            self.ruler + len(self.columns) * self.column_width,
            self.header + int((self.grid.day_end - self.grid.day_start) * 60 * self.zoom) + 1,
        )

    def place(self, rows: list[OccurrenceRow], viewport_width: int) -> None:
        """Lay out the live sessions (and the preview) for the current columns and zoom."""
        if self.fit_columns and self.columns:
            self.column_width = max(self.min_column_width, (viewport_width - self.ruler) // len(self.columns))
        self.blocks = []
        for row in rows:
            if row.status == "cancelled":
                continue
            index = self.column_of.get((row.room_id, row.start_local.date()))
            if index is not None:
                self.blocks.append((self.rect(index, row.start_local.time(), row.end_local.time()), row))
        self.blocks.sort(key=lambda item: (item[0].x(), item[0].y()))
        self._place_preview()

    def _place_preview(self) -> None:
        """Place the proposed sessions; where one overlaps a booked session, the two share the column
        side by side (booked on the left, proposed on the right), so neither hides the other."""
        self.preview_blocks = []
        if not self.preview:
            return
        booked: dict[int, list[int]] = {}  # column -> indexes into self.blocks
        for i, (_, row) in enumerate(self.blocks):
            booked.setdefault(self.column_of[(row.room_id, row.start_local.date())], []).append(i)
        halved: set[int] = set()
        for session in self.preview:
            index = self.column_of.get((session.room_id, session.day))
            if index is None:
                continue
            rect = self.rect(index, session.start, session.end)
            overlapping = [
                i
                for i in booked.get(index, [])
                if self.blocks[i][0].top() < rect.bottom() and rect.top() < self.blocks[i][0].bottom()
            ]
            if overlapping:
                half = self.column_width / 2
                rect = QRectF(rect.x() + half, rect.y(), half, rect.height())
                halved.update(overlapping)
            self.preview_blocks.append((rect, session))
        for i in halved:
            rect, row = self.blocks[i]
            self.blocks[i] = (QRectF(rect.x(), rect.y(), rect.width() / 2, rect.height()), row)

    # -- geometry (content coordinates) ---------------------------------------------------------------

    def y(self, minute: float) -> float:
        return self.header + (minute - self.grid.day_start * 60) * self.zoom

    def x(self, column: int) -> float:
        return self.ruler + column * self.column_width

    def rect(self, column: int, start: time, end: time) -> QRectF:
        top, bottom = self.y(minutes(start)), self.y(minutes(end) if end != time(23, 59) else 24 * 60)
        return QRectF(self.x(column), top, self.column_width, bottom - top)

    def cell_at(self, content: QPointF) -> tuple[int, float] | None:
        """(column, minute of day) at a content point, or None outside the columns."""
        if content.x() < self.ruler:
            return None
        column = int((content.x() - self.ruler) // self.column_width)
        if not 0 <= column < len(self.columns):
            return None
        return column, self.grid.day_start * 60 + (content.y() - self.header) / self.zoom

    def snap(self, minute: float) -> int:
        step = self.grid.slot_min
        snapped = int(round(minute / step) * step)
        return max(self.grid.day_start * 60, min(self.grid.day_end * 60, snapped))

    def block_at(self, content: QPointF) -> OccurrenceRow | None:
        return next((row for rect, row in self.blocks if rect.contains(content)), None)

    def preview_at(self, content: QPointF) -> PreviewSession | None:
        return next((session for rect, session in self.preview_blocks if rect.contains(content)), None)

    def block_rect(self, occurrence_id: int) -> QRectF | None:
        return next((rect for rect, row in self.blocks if row.id == occurrence_id), None)

    def row(self, occurrence_id: int | None) -> OccurrenceRow | None:
        return next((row for _, row in self.blocks if row.id == occurrence_id), None)

    def column_index(self, room_id: int, day: date) -> int | None:
        return self.column_of.get((room_id, day))

    def row_at(self, column: int, minute: int) -> OccurrenceRow | None:
        """The live session in `column` that covers `minute`, if any."""
        col = self.columns[column]
        for _, row in self.blocks:
            begin = minutes(row.start_local.time())
            if (row.room_id, row.start_local.date()) == (col.room_id, col.day) and (
                begin <= minute < begin + row_minutes(row)
            ):
                return row
        return None

    def visible_columns(self, dx: int, width: int) -> range:
        """The columns at least partly inside a viewport `width` wide scrolled `dx` to the right."""
        if not self.columns:
            return range(0)
        first = max(0, dx // self.column_width)
        last = min(len(self.columns) - 1, (dx + width - self.ruler) // self.column_width)
        return range(first, last + 1)

    def hub_bands(self) -> list[tuple[str, int, int]]:
        """(hub, first column, last column) for each run of columns under one hub, in order."""
        bands: list[tuple[str, int, int]] = []
        for i, column in enumerate(self.columns):
            if not column.hub:
                continue
            if bands and bands[-1][0] == column.hub and bands[-1][2] == i - 1:
                bands[-1] = (column.hub, bands[-1][1], i)
            else:
                bands.append((column.hub, i, i))
        return bands
