"""CalendarView: the custom-painted hub calendar widget (rooms or days as columns, time as rows).

Owns: scrolling, selection, the keyboard cursor, and turning mouse and keyboard gestures into requests
(`create_requested`, `move_requested`, `open_requested`, `delete_requested`, `session_selected`).
Geometry and hit-testing live in `layout.CalendarLayout`, drawing in `painter.CalendarPainter`: sessions
as blocks coloured by sector (with the sector and a "Private" badge in text, never colour alone),
unbookable time shaded and labelled, the now-line, and an optional preview layer of proposed sessions
(never selectable). It decides nothing: the window passes requests to the services. Only the visible
part is painted, so a full term stays smooth. Must not import any service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from desktop_app.calendar.view.layout import (
    HEADER,
    MAX_ZOOM,
    MIN_ZOOM,
    RULER,
    CalendarLayout,
    Column,
    minutes,
    row_minutes,
)
from desktop_app.calendar.view.painter import CalendarPainter
from desktop_app.item_models import SECTOR_LABELS, SessionListModel
from desktop_app.settings import TimeGrid
from scheduler.services.allocation_calendar import PreviewSession
from scheduler.services.calendar import BlockedSpan
from scheduler.services.queries import OccurrenceRow


class CalendarView(QAbstractScrollArea):
    session_selected = Signal(object)  # OccurrenceRow | None
    open_requested = Signal(object)  # OccurrenceRow
    create_requested = Signal(int, object, object, object)  # room id, day, start, end
    move_requested = Signal(object, int, object, object)  # OccurrenceRow, room id, day, start
    delete_requested = Signal(object)  # OccurrenceRow

    def __init__(self, model: SessionListModel, *, clock: Callable[[], datetime], parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Calendar"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.viewport().setMouseTracking(True)
        self._model = model
        self.clock = clock
        self.geo = CalendarLayout()
        self._painter = CalendarPainter(self, self.geo)
        self.selected_id: int | None = None
        self.cursor = (0, 0)  # (column, slot): the keyboard's place on the grid
        self._press: QPointF | None = None
        self.press_row: OccurrenceRow | None = None
        self._grab_offset = 0.0
        self.drag_target: tuple[int, int] | None = None  # (column, start minute) while moving a session
        self.create_drag: tuple[int, int, int] | None = None  # (column, first minute, last minute) while dragging
        self.create_moved = False
        model.modelReset.connect(self._relayout)

    # -- the layout's settings, as the window sets them ---------------------------------------------

    @property
    def grid(self) -> TimeGrid:
        return self.geo.grid

    @property
    def zoom(self) -> float:
        return self.geo.zoom

    @zoom.setter
    def zoom(self, value: float) -> None:
        self.geo.zoom = value

    @property
    def column_width(self) -> int:
        return self.geo.column_width

    @column_width.setter
    def column_width(self, value: int) -> None:
        self.geo.column_width = value

    @property
    def fit_columns(self) -> bool:
        return self.geo.fit_columns

    @fit_columns.setter
    def fit_columns(self, value: bool) -> None:
        self.geo.fit_columns = value

    # -- content ------------------------------------------------------------------------------------

    def set_columns(self, columns: list[Column], blocked: list[BlockedSpan], grid: TimeGrid) -> None:
        self.geo.set_columns(columns, blocked, grid)
        self._update_metrics()
        self.cursor = (
            min(self.cursor[0], max(0, len(columns) - 1)),
            min(self.cursor[1], self.geo.slots() - 1),
        )
        self._relayout()

    def columns(self) -> list[Column]:
        return self.geo.columns

    def set_preview(self, sessions: list[PreviewSession]) -> None:
        """Draw proposed sessions (an allocation under review) over the calendar; those outside the columns
        are ignored. They are a layer to look at: never selected, dragged or opened."""
        self.geo.preview = list(sessions)
        self._relayout()

    def clear_preview(self) -> None:
        self.set_preview([])

    def preview_sessions(self) -> list[PreviewSession]:
        """The proposed sessions that fall in the columns shown, in painting order."""
        return [session for _, session in self.geo.preview_blocks]

    def preview_rects(self) -> list[tuple[QRectF, PreviewSession]]:
        """The preview blocks' rectangles in viewport coordinates (tests use them)."""
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        return [(rect.translated(-dx, -dy), session) for rect, session in self.geo.preview_blocks]

    def set_zoom(self, zoom: float) -> None:
        centre = (self.verticalScrollBar().value() + self.viewport().height() / 2) / self.zoom
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._relayout()
        self.verticalScrollBar().setValue(int(centre * self.zoom - self.viewport().height() / 2))

    def _relayout(self) -> None:
        self.geo.place(self._model.rows(), self.viewport().width())
        if self.selected_id is not None and self.selected_row() is None:
            self.selected_id = None
        width, height = self.geo.content_size()
        self.horizontalScrollBar().setRange(0, max(0, width - self.viewport().width()))
        self.horizontalScrollBar().setPageStep(self.viewport().width())
        self.horizontalScrollBar().setSingleStep(self.column_width // 4)
        self.verticalScrollBar().setRange(0, max(0, height - self.viewport().height()))
        self.verticalScrollBar().setPageStep(self.viewport().height())
        self.verticalScrollBar().setSingleStep(int(self.grid.slot_min * self.zoom))
        self.viewport().update()

    def _update_metrics(self) -> None:
        """Header, hub band and ruler sized from the font, so a 1.5x font never clips or collides."""
        metrics = self.fontMetrics()
        line = metrics.height()
        self.geo.band = line + 6 if any(c.hub for c in self.geo.columns) else 0
        self.geo.header = max(HEADER, self.geo.band + 2 * (line + 2) + 8)
        self.geo.ruler = max(RULER, metrics.horizontalAdvance("00:00") + 14)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_metrics()
            self._relayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    # -- geometry (viewport coordinates; the layout works in content coordinates) --------------------

    def _to_content(self, pos: QPointF) -> QPointF:
        return QPointF(pos.x() + self.horizontalScrollBar().value(), pos.y() + self.verticalScrollBar().value())

    def _cell_at(self, pos: QPointF) -> tuple[int, float] | None:
        """(column, minute of day) under a viewport position, or None outside the grid."""
        if pos.x() < self.geo.ruler or pos.y() < self.geo.header:
            return None
        return self.geo.cell_at(self._to_content(pos))

    def block_at(self, pos: QPointF) -> OccurrenceRow | None:
        if pos.x() < self.geo.ruler or pos.y() < self.geo.header:
            return None
        return self.geo.block_at(self._to_content(pos))

    def block_rect(self, occurrence_id: int) -> QRectF | None:
        """The block's rectangle in viewport coordinates (tests and the keyboard use it)."""
        rect = self.geo.block_rect(occurrence_id)
        if rect is None:
            return None
        return rect.translated(-self.horizontalScrollBar().value(), -self.verticalScrollBar().value())

    def point_for(self, column: int, at: time) -> QPoint:
        """A viewport point inside `column` at time `at` (scrolls it into view first)."""
        self.ensure_visible(column, minutes(at))
        x = self.geo.x(column) + self.column_width // 2 - self.horizontalScrollBar().value()
        y = self.geo.y(minutes(at)) - self.verticalScrollBar().value()
        return QPoint(int(x), int(y) + 1)

    def ensure_visible(self, column: int, minute: int, span: int = 60) -> None:
        left = self.geo.x(column)
        h = self.horizontalScrollBar()
        view_w = self.viewport().width() - self.geo.ruler
        if left - self.geo.ruler < h.value():
            h.setValue(int(left - self.geo.ruler))
        elif left + self.column_width - self.geo.ruler > h.value() + view_w:
            h.setValue(int(left + self.column_width - self.geo.ruler - view_w))
        top, bottom = self.geo.y(minute) - self.geo.header, self.geo.y(minute + span) - self.geo.header
        v = self.verticalScrollBar()
        view_h = self.viewport().height() - self.geo.header
        if top < v.value():
            v.setValue(int(top))
        elif bottom > v.value() + view_h:
            v.setValue(int(bottom - view_h))

    def scroll_to_time(self, at: time) -> None:
        self.verticalScrollBar().setValue(int(self.geo.y(minutes(at)) - self.geo.header))

    # -- selection ----------------------------------------------------------------------------------

    def selected_row(self) -> OccurrenceRow | None:
        return self.geo.row(self.selected_id)

    def select(self, row: OccurrenceRow | None) -> None:
        self.selected_id = row.id if row else None
        if row is not None:
            column = self.geo.column_of.get((row.room_id, row.start_local.date()), 0)
            first = minutes(row.start_local.time()) - self.grid.day_start * 60
            self.cursor = (column, max(0, min(self.geo.slots() - 1, first // self.grid.slot_min)))
            self.ensure_visible(column, minutes(row.start_local.time()), row_minutes(row))
        self.setAccessibleDescription(self._describe_cursor())
        self.session_selected.emit(row)
        self.viewport().update()

    def cursor_cell(self) -> tuple[Column, time]:
        column, slot = self.cursor
        minute = self.grid.day_start * 60 + slot * self.grid.slot_min
        return self.geo.columns[column], time(minute // 60, minute % 60)

    def _describe_cursor(self) -> str:
        row = self.selected_row()
        if row is not None:
            return self._model.data(self._model.index(self._model.rows().index(row)))
        if not self.geo.columns:
            return ""
        column, at = self.cursor_cell()
        text = self.tr("Free: {room}, {day} {time}").format(
            room=column.title, day=f"{column.day:%a %d %b}", time=f"{at:%H:%M}"
        )
        minute = minutes(at)
        for _, session in self.geo.preview_blocks:
            if (session.room_id, session.day) == (column.room_id, column.day) and (
                minutes(session.start) <= minute < minutes(session.end)
            ):
                text += " · " + self._preview_label(session)
        return text

    def _row_at_cursor(self) -> OccurrenceRow | None:
        if not self.geo.columns:
            return None
        _column, at = self.cursor_cell()
        return self.geo.row_at(self.cursor[0], minutes(at))

    # -- keyboard -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if not self.geo.columns:
            super().keyPressEvent(event)
            return
        column, slot = self.cursor
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if shift and not ctrl and key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._nudge_selected(key)
            return
        if ctrl and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self._step_session(1 if key == Qt.Key.Key_Down else -1)
            return
        moves = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in moves and not ctrl:
            dc, ds = moves[key]
            self.cursor = (
                max(0, min(len(self.geo.columns) - 1, column + dc)),
                max(0, min(self.geo.slots() - 1, slot + ds)),
            )
            minute = self.grid.day_start * 60 + self.cursor[1] * self.grid.slot_min
            self.ensure_visible(self.cursor[0], minute, self.grid.slot_min)
            under = self._row_at_cursor()
            self.selected_id = under.id if under else None
            self.setAccessibleDescription(self._describe_cursor())
            self.session_selected.emit(under)
            self.viewport().update()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            row = self.selected_row()
            if row is not None:
                self.delete_requested.emit(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            row = self.selected_row()
            if row is not None:
                self.open_requested.emit(row)
            else:
                col, at = self.cursor_cell()
                end = min(minutes(at) + 60, self.grid.day_end * 60)
                self.create_requested.emit(
                    col.room_id, col.day, at, time(end // 60, end % 60) if end < 1440 else time(23, 59)
                )
            return
        super().keyPressEvent(event)

    def _nudge_selected(self, key: int) -> None:
        """Shift+arrows ask to move the selected session one grid step or one column: the keyboard's drag."""
        row = self.selected_row()
        if row is None:
            return
        index = self.geo.column_of.get((row.room_id, row.start_local.date()))
        if index is None:
            return
        minute = minutes(row.start_local.time())
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            minute += self.grid.slot_min if key == Qt.Key.Key_Down else -self.grid.slot_min
            if not 0 <= minute < 24 * 60:
                return
        else:
            index += 1 if key == Qt.Key.Key_Right else -1
            if not 0 <= index < len(self.geo.columns):
                return
        target = self.geo.columns[index]
        self.move_requested.emit(row, target.room_id, target.day, time(minute // 60, minute % 60))

    def _step_session(self, direction: int) -> None:
        if not self.geo.blocks:
            return
        ids = [row.id for _, row in self.geo.blocks]
        if self.selected_id in ids:
            index = (ids.index(self.selected_id) + direction) % len(ids)
        else:
            index = 0 if direction > 0 else len(ids) - 1
        self.select(self.geo.blocks[index][1])

    # -- mouse ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        self._press = pos
        row = self.block_at(pos)
        self.press_row = row
        if row is not None:
            rect = self.block_rect(row.id)
            self._grab_offset = pos.y() - rect.y() if rect is not None else 0.0
            self.select(row)
            return
        cell = self._cell_at(pos)
        if cell is not None:
            column, minute = cell
            first = int(minute // self.grid.slot_min * self.grid.slot_min)
            self.create_drag = (column, first, first + self.grid.slot_min)
            self.create_moved = False
            self.cursor = (column, (first - self.grid.day_start * 60) // self.grid.slot_min)
            self.select(None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is None:
            return
        if self.press_row is not None:
            if (pos - self._press).manhattanLength() < 4 and self.drag_target is None:
                return
            cell = self._cell_at(QPointF(max(pos.x(), self.geo.ruler + 1), max(pos.y(), self.geo.header + 1)))
            if cell is not None:
                column, _ = cell
                top = self.geo.snap(cell[1] - self._grab_offset / self.zoom)
                self.drag_target = (column, top)
                self.viewport().update()
            return
        if self.create_drag is not None:
            if (pos - self._press).manhattanLength() >= 4:
                self.create_moved = True
            cell = self._cell_at(QPointF(max(pos.x(), self.geo.ruler + 1), max(pos.y(), self.geo.header + 1)))
            if cell is not None:
                column, first, _ = self.create_drag
                last = max(first + self.grid.slot_min, self.geo.snap(cell[1] + self.grid.slot_min / 2))
                self.create_drag = (column, first, last)
                self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row, target, create = self.press_row, self.drag_target, self.create_drag
        self._press, self.press_row, self.drag_target, self.create_drag = None, None, None, None
        self.viewport().update()
        if row is not None and target is not None:
            column, minute = target
            col = self.geo.columns[column]
            start = time(minute // 60, minute % 60)
            if (col.room_id, col.day, start) != (row.room_id, row.start_local.date(), row.start_local.time()):
                self.move_requested.emit(row, col.room_id, col.day, start)
            return
        if create is not None and self.create_moved:
            column, first, last = create
            col = self.geo.columns[column]
            end = time(last // 60, last % 60) if last < 1440 else time(23, 59)
            self.create_requested.emit(col.room_id, col.day, time(first // 60, first % 60), end)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        row = self.block_at(event.position())
        if row is not None:
            self.open_requested.emit(row)
            return
        cell = self._cell_at(event.position())
        if cell is not None:
            column, minute = cell
            first = int(minute // self.grid.slot_min * self.grid.slot_min)
            col = self.geo.columns[column]
            end = min(first + 60, 24 * 60 - 1)
            self.create_requested.emit(col.room_id, col.day, time(first // 60, first % 60), time(end // 60, end % 60))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            row = self.block_at(QPointF(event.pos()))
            proposed = self.preview_at(QPointF(event.pos())) if row is None else None
            if row is not None:
                QToolTip.showText(event.globalPos(), self._tooltip(row), self)
            elif proposed is not None:
                QToolTip.showText(event.globalPos(), self._preview_tooltip(proposed), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _tooltip(self, row: OccurrenceRow) -> str:
        private = self.tr("\nPrivate session") if row.visibility == "private" else ""
        return (
            f"{row.title}\n{row.organisation} ({SECTOR_LABELS.get(row.sector, row.sector)})\n"
            f"{row.room}, {row.hub}\n{row.start_local:%a %d %b %H:%M}–{row.end_local:%H:%M}{private}"
        )

    def preview_at(self, pos: QPointF) -> PreviewSession | None:
        if pos.x() < self.geo.ruler or pos.y() < self.geo.header:
            return None
        return self.geo.preview_at(self._to_content(pos))

    def change_word(self, session: PreviewSession) -> str:
        return {
            "new": self.tr("new"),
            "moved": self.tr("moved"),
            "unchanged": self.tr("unchanged"),
            "pinned": self.tr("pinned"),
        }.get(session.kind, session.kind)

    def _preview_label(self, session: PreviewSession) -> str:
        return self.tr("Proposed ({change}): {title}, {start}–{end}").format(
            change=self.change_word(session),
            title=session.title,
            start=f"{session.start:%H:%M}",
            end=f"{session.end:%H:%M}",
        )

    def _preview_tooltip(self, session: PreviewSession) -> str:
        return (
            self.tr("Proposed: {title} ({change}), not yet booked").format(
                title=session.title, change=self.change_word(session)
            )
            + f"\n{session.organisation} ({SECTOR_LABELS.get(session.sector, session.sector)})\n"
            f"{session.room}, {session.hub}\n{session.day:%a %d %b} {session.start:%H:%M}–{session.end:%H:%M}"
        )

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        self._painter.paint()
