"""CalendarView: the custom-painted hub calendar (rooms or days as columns, time as rows).

Owns: drawing the sessions of a `SessionListModel` as blocks coloured by sector (with the sector and a
"Private" badge in text, never colour alone), unbookable time (out of hours, closures, bank holidays)
shaded and labelled, the now-line, zoom, an optional preview layer of proposed sessions (an allocation
under review: dashed, translucent and labelled "Proposed", never selectable), and turning mouse and
keyboard gestures into requests (`create_requested`, `move_requested`, `open_requested`,
`session_selected`). It decides nothing: the window passes requests to the services. Only the visible part
is painted, so a full term stays smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from desktop_app.item_models import SECTOR_LABELS, SessionListModel
from desktop_app.settings import TimeGrid
from scheduler.recurrence import to_local
from scheduler.services.allocation_calendar import PreviewSession
from scheduler.services.calendar import BlockedSpan
from scheduler.services.queries import OccurrenceRow

HEADER = 46
RULER = 56
MIN_ZOOM, MAX_ZOOM = 0.5, 4.0

# Sector colours dark enough for white text (contrast >= 4.5:1) in light and dark themes alike.
SECTOR_COLOURS = {"council": QColor("#2f5f9e"), "partner": QColor("#23704a"), "resident": QColor("#9a4a12")}
NOW_COLOUR = QColor("#d0021b")


@dataclass(frozen=True)
class Column:
    """One column: a room on a day. Day view: the rooms of one day; week view: one room on seven days."""

    room_id: int
    day: date
    title: str
    subtitle: str


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


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
        self._clock = clock
        self._columns: list[Column] = []
        self._column_of: dict[tuple[int, date], int] = {}
        self._blocked: dict[int, list[BlockedSpan]] = {}
        self._blocks: list[tuple[QRectF, OccurrenceRow]] = []
        self._preview: list[PreviewSession] = []
        self._preview_blocks: list[tuple[QRectF, PreviewSession]] = []
        self.grid = TimeGrid()
        self.zoom = 1.2  # pixels per minute
        self.column_width = 168
        self.fit_columns = False  # week view: share the width between the seven days
        self.selected_id: int | None = None
        self.cursor = (0, 0)  # (column, slot): the keyboard's place on the grid
        self._press: QPointF | None = None
        self._press_row: OccurrenceRow | None = None
        self._grab_offset = 0.0
        self._drag_target: tuple[int, int] | None = None  # (column, start minute) while moving a session
        self._create: tuple[int, int, int] | None = None  # (column, first minute, last minute) while dragging
        self._create_moved = False
        model.modelReset.connect(self._relayout)

    # -- content ------------------------------------------------------------------------------------

    def set_columns(self, columns: list[Column], blocked: list[BlockedSpan], grid: TimeGrid) -> None:
        self._columns = columns
        self._column_of = {(c.room_id, c.day): i for i, c in enumerate(columns)}
        self._blocked = {}
        for span in blocked:
            index = self._column_of.get((span.room_id, span.day))
            if index is not None:
                self._blocked.setdefault(index, []).append(span)
        self.grid = grid
        self.cursor = (min(self.cursor[0], max(0, len(columns) - 1)), min(self.cursor[1], self._slots() - 1))
        self._relayout()

    def columns(self) -> list[Column]:
        return self._columns

    def set_preview(self, sessions: list[PreviewSession]) -> None:
        """Draw proposed sessions (an allocation under review) over the calendar; those outside the columns
        are ignored. They are a layer to look at: never selected, dragged or opened."""
        self._preview = list(sessions)
        self._relayout()

    def clear_preview(self) -> None:
        self.set_preview([])

    def preview_sessions(self) -> list[PreviewSession]:
        """The proposed sessions that fall in the columns shown, in painting order."""
        return [session for _, session in self._preview_blocks]

    def preview_rects(self) -> list[tuple[QRectF, PreviewSession]]:
        """The preview blocks' rectangles in viewport coordinates (tests use them)."""
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        return [(rect.translated(-dx, -dy), session) for rect, session in self._preview_blocks]

    def set_zoom(self, zoom: float) -> None:
        centre = (self.verticalScrollBar().value() + self.viewport().height() / 2) / self.zoom
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._relayout()
        self.verticalScrollBar().setValue(int(centre * self.zoom - self.viewport().height() / 2))

    def _slots(self) -> int:
        return max(1, (self.grid.day_end - self.grid.day_start) * 60 // self.grid.slot_min)

    def _content_size(self) -> tuple[int, int]:
        return (
            RULER + len(self._columns) * self.column_width,
            HEADER + int((self.grid.day_end - self.grid.day_start) * 60 * self.zoom) + 1,
        )

    def _relayout(self) -> None:
        if self.fit_columns and self._columns:
            self.column_width = max(100, (self.viewport().width() - RULER) // len(self._columns))
        self._blocks = []
        for row in self._model.rows():
            if row.status == "cancelled":
                continue
            index = self._column_of.get((row.room_id, row.start_local.date()))
            if index is not None:
                self._blocks.append((self._rect(index, row.start_local.time(), row.end_local.time()), row))
        self._blocks.sort(key=lambda item: (item[0].x(), item[0].y()))
        self._layout_preview()
        if self.selected_id is not None and self.selected_row() is None:
            self.selected_id = None
        width, height = self._content_size()
        self.horizontalScrollBar().setRange(0, max(0, width - self.viewport().width()))
        self.horizontalScrollBar().setPageStep(self.viewport().width())
        self.horizontalScrollBar().setSingleStep(self.column_width // 4)
        self.verticalScrollBar().setRange(0, max(0, height - self.viewport().height()))
        self.verticalScrollBar().setPageStep(self.viewport().height())
        self.verticalScrollBar().setSingleStep(int(self.grid.slot_min * self.zoom))
        self.viewport().update()

    def _layout_preview(self) -> None:
        """Place the proposed sessions; where one overlaps a booked session, the two share the column
        side by side (booked on the left, proposed on the right), so neither hides the other."""
        self._preview_blocks = []
        if not self._preview:
            return
        booked: dict[int, list[int]] = {}  # column -> indexes into self._blocks
        for i, (_, row) in enumerate(self._blocks):
            booked.setdefault(self._column_of[(row.room_id, row.start_local.date())], []).append(i)
        halved: set[int] = set()
        for session in self._preview:
            index = self._column_of.get((session.room_id, session.day))
            if index is None:
                continue
            rect = self._rect(index, session.start, session.end)
            overlapping = [
                i
                for i in booked.get(index, [])
                if self._blocks[i][0].top() < rect.bottom() and rect.top() < self._blocks[i][0].bottom()
            ]
            if overlapping:
                half = self.column_width / 2
                rect = QRectF(rect.x() + half, rect.y(), half, rect.height())
                halved.update(overlapping)
            self._preview_blocks.append((rect, session))
        for i in halved:
            rect, row = self._blocks[i]
            self._blocks[i] = (QRectF(rect.x(), rect.y(), rect.width() / 2, rect.height()), row)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    # -- geometry (content coordinates: scrolling is applied when painting and hit-testing) --------------

    def _y(self, minute: float) -> float:
        return HEADER + (minute - self.grid.day_start * 60) * self.zoom

    def _rect(self, column: int, start: time, end: time) -> QRectF:
        top, bottom = self._y(_minutes(start)), self._y(_minutes(end) if end != time(23, 59) else 24 * 60)
        return QRectF(RULER + column * self.column_width, top, self.column_width, bottom - top)

    def _to_content(self, pos: QPointF) -> QPointF:
        return QPointF(pos.x() + self.horizontalScrollBar().value(), pos.y() + self.verticalScrollBar().value())

    def _cell_at(self, pos: QPointF) -> tuple[int, float] | None:
        """(column, minute of day) under a viewport position, or None outside the grid."""
        if pos.x() < RULER or pos.y() < HEADER:
            return None
        content = self._to_content(pos)
        column = int((content.x() - RULER) // self.column_width)
        if not 0 <= column < len(self._columns):
            return None
        minute = self.grid.day_start * 60 + (content.y() - HEADER) / self.zoom
        return column, minute

    def _snap(self, minute: float) -> int:
        step = self.grid.slot_min
        snapped = int(round(minute / step) * step)
        return max(self.grid.day_start * 60, min(self.grid.day_end * 60, snapped))

    def block_at(self, pos: QPointF) -> OccurrenceRow | None:
        if pos.x() < RULER or pos.y() < HEADER:
            return None
        content = self._to_content(pos)
        return next((row for rect, row in self._blocks if rect.contains(content)), None)

    def block_rect(self, occurrence_id: int) -> QRectF | None:
        """The block's rectangle in viewport coordinates (tests and the keyboard use it)."""
        for rect, row in self._blocks:
            if row.id == occurrence_id:
                return rect.translated(-self.horizontalScrollBar().value(), -self.verticalScrollBar().value())
        return None

    def point_for(self, column: int, at: time) -> QPoint:
        """A viewport point inside `column` at time `at` (scrolls it into view first)."""
        self.ensure_visible(column, _minutes(at))
        x = RULER + column * self.column_width + self.column_width // 2 - self.horizontalScrollBar().value()
        y = self._y(_minutes(at)) - self.verticalScrollBar().value()
        return QPoint(int(x), int(y) + 1)

    def ensure_visible(self, column: int, minute: int, span: int = 60) -> None:
        left = RULER + column * self.column_width
        h = self.horizontalScrollBar()
        view_w = self.viewport().width() - RULER
        if left - RULER < h.value():
            h.setValue(left - RULER)
        elif left + self.column_width - RULER > h.value() + view_w:
            h.setValue(left + self.column_width - RULER - view_w)
        top, bottom = self._y(minute) - HEADER, self._y(minute + span) - HEADER
        v = self.verticalScrollBar()
        view_h = self.viewport().height() - HEADER
        if top < v.value():
            v.setValue(int(top))
        elif bottom > v.value() + view_h:
            v.setValue(int(bottom - view_h))

    def scroll_to_time(self, at: time) -> None:
        self.verticalScrollBar().setValue(int(self._y(_minutes(at)) - HEADER))

    # -- selection ----------------------------------------------------------------------------------

    def selected_row(self) -> OccurrenceRow | None:
        return next((row for _, row in self._blocks if row.id == self.selected_id), None)

    def select(self, row: OccurrenceRow | None) -> None:
        self.selected_id = row.id if row else None
        if row is not None:
            column = self._column_of.get((row.room_id, row.start_local.date()), 0)
            first = _minutes(row.start_local.time()) - self.grid.day_start * 60
            self.cursor = (column, max(0, min(self._slots() - 1, first // self.grid.slot_min)))
            self.ensure_visible(column, _minutes(row.start_local.time()), row_minutes(row))
        self.setAccessibleDescription(self._describe_cursor())
        self.session_selected.emit(row)
        self.viewport().update()

    def cursor_cell(self) -> tuple[Column, time]:
        column, slot = self.cursor
        minute = self.grid.day_start * 60 + slot * self.grid.slot_min
        return self._columns[column], time(minute // 60, minute % 60)

    def _describe_cursor(self) -> str:
        row = self.selected_row()
        if row is not None:
            return self._model.data(self._model.index(self._model.rows().index(row)))
        if not self._columns:
            return ""
        column, at = self.cursor_cell()
        text = self.tr("Free: {room}, {day} {time}").format(
            room=column.title, day=f"{column.day:%a %d %b}", time=f"{at:%H:%M}"
        )
        minute = _minutes(at)
        for _, session in self._preview_blocks:
            if (session.room_id, session.day) == (column.room_id, column.day) and (
                _minutes(session.start) <= minute < _minutes(session.end)
            ):
                text += " · " + self._preview_label(session)
        return text

    def _row_at_cursor(self) -> OccurrenceRow | None:
        if not self._columns:
            return None
        column, at = self.cursor_cell()
        minute = _minutes(at)
        for _, row in self._blocks:
            if (row.room_id, row.start_local.date()) == (column.room_id, column.day) and _minutes(
                row.start_local.time()
            ) <= minute < _minutes(row.start_local.time()) + row_minutes(row):
                return row
        return None

    # -- keyboard -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if not self._columns:
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
            self.cursor = (max(0, min(len(self._columns) - 1, column + dc)), max(0, min(self._slots() - 1, slot + ds)))
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
                end = min(_minutes(at) + 60, self.grid.day_end * 60)
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
        index = self._column_of.get((row.room_id, row.start_local.date()))
        if index is None:
            return
        minute = _minutes(row.start_local.time())
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            minute += self.grid.slot_min if key == Qt.Key.Key_Down else -self.grid.slot_min
            if not 0 <= minute < 24 * 60:
                return
        else:
            index += 1 if key == Qt.Key.Key_Right else -1
            if not 0 <= index < len(self._columns):
                return
        target = self._columns[index]
        self.move_requested.emit(row, target.room_id, target.day, time(minute // 60, minute % 60))

    def _step_session(self, direction: int) -> None:
        if not self._blocks:
            return
        ids = [row.id for _, row in self._blocks]
        if self.selected_id in ids:
            index = (ids.index(self.selected_id) + direction) % len(ids)
        else:
            index = 0 if direction > 0 else len(ids) - 1
        self.select(self._blocks[index][1])

    # -- mouse ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        self._press = pos
        row = self.block_at(pos)
        self._press_row = row
        if row is not None:
            rect = self.block_rect(row.id)
            self._grab_offset = pos.y() - rect.y() if rect is not None else 0.0
            self.select(row)
            return
        cell = self._cell_at(pos)
        if cell is not None:
            column, minute = cell
            first = int(minute // self.grid.slot_min * self.grid.slot_min)
            self._create = (column, first, first + self.grid.slot_min)
            self._create_moved = False
            self.cursor = (column, (first - self.grid.day_start * 60) // self.grid.slot_min)
            self.select(None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is None:
            return
        if self._press_row is not None:
            if (pos - self._press).manhattanLength() < 4 and self._drag_target is None:
                return
            cell = self._cell_at(QPointF(max(pos.x(), RULER + 1), max(pos.y(), HEADER + 1)))
            if cell is not None:
                column, _ = cell
                top = self._snap(cell[1] - self._grab_offset / self.zoom)
                self._drag_target = (column, top)
                self.viewport().update()
            return
        if self._create is not None:
            if (pos - self._press).manhattanLength() >= 4:
                self._create_moved = True
            cell = self._cell_at(QPointF(max(pos.x(), RULER + 1), max(pos.y(), HEADER + 1)))
            if cell is not None:
                column, first, _ = self._create
                last = max(first + self.grid.slot_min, self._snap(cell[1] + self.grid.slot_min / 2))
                self._create = (column, first, last)
                self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row, target, create = self._press_row, self._drag_target, self._create
        self._press, self._press_row, self._drag_target, self._create = None, None, None, None
        self.viewport().update()
        if row is not None and target is not None:
            column, minute = target
            col = self._columns[column]
            start = time(minute // 60, minute % 60)
            if (col.room_id, col.day, start) != (row.room_id, row.start_local.date(), row.start_local.time()):
                self.move_requested.emit(row, col.room_id, col.day, start)
            return
        if create is not None and self._create_moved:
            column, first, last = create
            col = self._columns[column]
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
            col = self._columns[column]
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
        if pos.x() < RULER or pos.y() < HEADER:
            return None
        content = self._to_content(pos)
        return next((session for rect, session in self._preview_blocks if rect.contains(content)), None)

    def _change_word(self, session: PreviewSession) -> str:
        return {
            "new": self.tr("new"),
            "moved": self.tr("moved"),
            "unchanged": self.tr("unchanged"),
            "pinned": self.tr("pinned"),
        }.get(session.kind, session.kind)

    def _preview_label(self, session: PreviewSession) -> str:
        return self.tr("Proposed ({change}): {title}, {start}–{end}").format(
            change=self._change_word(session),
            title=session.title,
            start=f"{session.start:%H:%M}",
            end=f"{session.end:%H:%M}",
        )

    def _preview_tooltip(self, session: PreviewSession) -> str:
        return (
            self.tr("Proposed: {title} ({change}), not yet booked").format(
                title=session.title, change=self._change_word(session)
            )
            + f"\n{session.organisation} ({SECTOR_LABELS.get(session.sector, session.sector)})\n"
            f"{session.room}, {session.hub}\n{session.day:%a %d %b} {session.start:%H:%M}–{session.end:%H:%M}"
        )

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        width, height = self.viewport().width(), self.viewport().height()
        painter.fillRect(0, 0, width, height, palette.color(QPalette.ColorRole.Base))
        if not self._columns:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No rooms to show"))
            return
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        first_col = max(0, dx // self.column_width)
        last_col = min(len(self._columns) - 1, (dx + width - RULER) // self.column_width)
        visible = range(first_col, last_col + 1)

        painter.save()
        painter.setClipRect(RULER, HEADER, width - RULER, height - HEADER)
        painter.translate(-dx, -dy)
        self._paint_grid(painter, palette, visible, dy + HEADER)
        self._paint_blocks(painter, palette, QRectF(dx, dy, width, height))
        self._paint_preview(painter, palette, QRectF(dx, dy, width, height))
        self._paint_now(painter, visible)
        self._paint_gestures(painter, palette)
        painter.restore()

        painter.save()
        painter.setClipRect(RULER, 0, width - RULER, HEADER)
        painter.translate(-dx, 0)
        self._paint_header(painter, palette, visible)
        painter.restore()

        painter.save()
        painter.setClipRect(0, HEADER, RULER, height - HEADER)
        painter.translate(0, -dy)
        self._paint_ruler(painter, palette)
        painter.restore()
        painter.fillRect(0, 0, RULER, HEADER, palette.color(QPalette.ColorRole.Window))
        painter.end()

    def _paint_grid(self, painter: QPainter, palette: QPalette, visible: range, top_visible: float) -> None:
        top, bottom = self._y(self.grid.day_start * 60), self._y(self.grid.day_end * 60)
        base, alternate = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.AlternateBase)
        text = palette.color(QPalette.ColorRole.Text)
        closed = QColor(palette.color(QPalette.ColorRole.Mid))
        closed.setAlpha(110)
        hatch = QColor(palette.color(QPalette.ColorRole.Dark))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for column in visible:
            x = RULER + column * self.column_width
            painter.fillRect(QRectF(x, top, self.column_width, bottom - top), alternate if column % 2 else base)
            for span in self._blocked.get(column, []):
                rect = self._rect(column, span.start, span.end).intersected(
                    QRectF(x, top, self.column_width, bottom - top)
                )
                if rect.height() <= 0:
                    continue
                painter.fillRect(rect, closed)
                if span.kind != "closed":
                    painter.fillRect(rect, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
                # The label sticks to the top of the visible part, so a span scrolled half away still says why.
                label_top = max(rect.top(), top_visible)
                if rect.bottom() - label_top >= 14:
                    painter.setFont(small)
                    painter.setPen(text)
                    label = painter.fontMetrics().elidedText(
                        span.reason, Qt.TextElideMode.ElideRight, int(rect.width()) - 8
                    )
                    label_rect = QRectF(rect.left() + 4, label_top + 1, rect.width() - 8, rect.bottom() - label_top - 1)
                    painter.fillRect(
                        QRectF(label_rect.x(), label_rect.y(), painter.fontMetrics().horizontalAdvance(label) + 4, 14),
                        palette.color(QPalette.ColorRole.Base),
                    )
                    painter.drawText(label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
        light = QColor(palette.color(QPalette.ColorRole.Mid))
        light.setAlpha(70)
        strong = QColor(palette.color(QPalette.ColorRole.Mid))
        left = RULER + visible.start * self.column_width
        right = RULER + (visible.stop) * self.column_width
        for minute in range(self.grid.day_start * 60, self.grid.day_end * 60 + 1, self.grid.slot_min):
            painter.setPen(QPen(strong if minute % 60 == 0 else light, 1))
            y = int(self._y(minute))
            painter.drawLine(left, y, right, y)
        painter.setPen(QPen(strong, 1))
        for column in visible:
            x = RULER + (column + 1) * self.column_width
            painter.drawLine(int(x), int(top), int(x), int(bottom))
        if self.hasFocus() and self.selected_id is None:
            column, slot = self.cursor
            y = self._y(self.grid.day_start * 60 + slot * self.grid.slot_min)
            rect = QRectF(
                RULER + column * self.column_width + 1, y + 1, self.column_width - 2, self.grid.slot_min * self.zoom - 2
            )
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _paint_blocks(self, painter: QPainter, palette: QPalette, visible_rect: QRectF) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        normal = QFont(self.font())
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        white = QColor("#ffffff")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for rect, row in self._blocks:
            if not rect.intersects(visible_rect):
                continue
            colour = SECTOR_COLOURS.get(row.sector, QColor("#555555"))
            box = rect.adjusted(3, 1, -3, -1)
            dragging = self._drag_target is not None and self._press_row is not None and self._press_row.id == row.id
            if dragging:
                colour = QColor(colour)
                colour.setAlpha(90)
            painter.setPen(QPen(colour.darker(140), 1))
            painter.setBrush(colour)
            painter.drawRoundedRect(box, 4, 4)
            if row.id == self.selected_id:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
                painter.drawRoundedRect(box.adjusted(-1, -1, 1, 1), 4, 4)
                painter.setPen(QPen(white, 1))
                painter.drawRoundedRect(box.adjusted(2, 2, -2, -2), 3, 3)
            self._paint_block_text(painter, box, row, bold, normal, small, white)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_preview(self, painter: QPainter, palette: QPalette, visible_rect: QRectF) -> None:
        """Proposed sessions: a translucent tint of the sector colour, a dashed outline and the words
        "Proposed" and new / moved, so they read as a proposal without relying on colour."""
        if not self._preview_blocks:
            return
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for rect, session in self._preview_blocks:
            if not rect.intersects(visible_rect):
                continue
            colour = SECTOR_COLOURS.get(session.sector, QColor("#555555"))
            box = rect.adjusted(3, 1, -3, -1)
            # An opaque base first, so grid lines and hatching under the proposal do not show through its text.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(base)
            painter.drawRoundedRect(box, 4, 4)
            tint = QColor(colour)
            tint.setAlpha(48)
            pen = QPen(colour, 2, Qt.PenStyle.DashLine)
            pen.setDashPattern([4.0, 3.0])
            painter.setPen(pen)
            painter.setBrush(tint)
            painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 4, 4)
            inner = box.adjusted(6, 3, -5, -3)
            painter.setPen(text)
            # The title wraps (up to three lines, as the block's height allows): "Proposed: " takes room.
            painter.setFont(bold)
            metrics = painter.fontMetrics()
            title = self.tr("Proposed: {title}").format(title=session.title)
            lines_fit = max(1, min(3, int((inner.height() + 2) // metrics.height()) - 1))
            wrapped = metrics.boundingRect(
                QRect(0, 0, int(inner.width()), 10_000), Qt.TextFlag.TextWordWrap, title
            ).height()
            title_height = min(wrapped, lines_fit * metrics.height())
            if wrapped > title_height:
                title = metrics.elidedText(title, Qt.TextElideMode.ElideRight, int(inner.width()) * lines_fit - 8)
            painter.drawText(
                QRectF(inner.left(), inner.top(), inner.width(), title_height),
                Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                title,
            )
            lines = [
                (small, f"{self._change_word(session)} · {session.start:%H:%M}–{session.end:%H:%M}"),
                (small, f"{session.organisation} · {SECTOR_LABELS.get(session.sector, session.sector)}"),
            ]
            y = inner.top() + title_height
            for font, line in lines:
                painter.setFont(font)
                metrics = painter.fontMetrics()
                if y + metrics.height() > inner.bottom() + 2:
                    break
                elided = metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(inner.width()))
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), metrics.height()), Qt.AlignmentFlag.AlignLeft, elided
                )
                y += metrics.height()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_block_text(self, painter, box: QRectF, row: OccurrenceRow, bold, normal, small, white) -> None:
        inner = box.adjusted(5, 2, -4, -2)
        private = row.visibility == "private"
        painter.setPen(white)
        if private:
            painter.setFont(small)
            badge = self.tr("Private")
            badge_w = painter.fontMetrics().horizontalAdvance(badge) + 8
            badge_rect = QRectF(inner.right() - badge_w, inner.top() + 1, badge_w, painter.fontMetrics().height())
            painter.setBrush(white)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(badge_rect, 3, 3)
            painter.setPen(QColor("#202020"))
            painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
            painter.setPen(white)
        lines = [
            (bold, row.title, inner.width() - (badge_w + 4 if private else 0)),
            (normal, row.organisation, inner.width()),
            (
                small,
                f"{SECTOR_LABELS.get(row.sector, row.sector)} · {row.start_local:%H:%M}–{row.end_local:%H:%M}"
                + (self.tr(" · moved") if row.status == "moved" else ""),
                inner.width(),
            ),
        ]
        y = inner.top()
        for font, text, available in lines:
            painter.setFont(font)
            metrics = painter.fontMetrics()
            if y + metrics.height() > inner.bottom() + 2:
                break
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(available))
            painter.drawText(QRectF(inner.left(), y, available, metrics.height()), Qt.AlignmentFlag.AlignLeft, elided)
            y += metrics.height()

    def _paint_now(self, painter: QPainter, visible: range) -> None:
        now = to_local(self._clock())
        minute = now.hour * 60 + now.minute
        if not self.grid.day_start * 60 <= minute <= self.grid.day_end * 60:
            return
        y = self._y(minute)
        painter.setPen(QPen(NOW_COLOUR, 2))
        for column in visible:
            if self._columns[column].day == now.date():
                x = RULER + column * self.column_width
                painter.drawLine(int(x), int(y), int(x + self.column_width), int(y))
                painter.setBrush(NOW_COLOUR)
                painter.drawEllipse(QPointF(x + 4, y), 3, 3)

    def _paint_gestures(self, painter: QPainter, palette: QPalette) -> None:
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if self._drag_target is not None and self._press_row is not None:
            column, minute = self._drag_target
            row = self._press_row
            end = minute + row_minutes(row)
            rect = QRectF(
                RULER + column * self.column_width + 3,
                self._y(minute),
                self.column_width - 6,
                self._y(end) - self._y(minute),
            )
            fill = QColor(highlight)
            fill.setAlpha(120)
            painter.setBrush(fill)
            painter.setPen(QPen(highlight, 2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(
                rect.adjusted(5, 2, -4, -2),
                Qt.AlignmentFlag.AlignLeft,
                f"{row.title}\n{minute // 60:02d}:{minute % 60:02d}",
            )
        if self._create is not None and self._create_moved:
            column, first, last = self._create
            rect = QRectF(
                RULER + column * self.column_width + 3,
                self._y(first),
                self.column_width - 6,
                self._y(last) - self._y(first),
            )
            fill = QColor(highlight)
            fill.setAlpha(90)
            painter.setBrush(fill)
            painter.setPen(QPen(highlight, 2))
            painter.drawRect(rect)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(
                rect.adjusted(5, 2, -4, -2),
                Qt.AlignmentFlag.AlignLeft,
                self.tr("New booking\n") + f"{first // 60:02d}:{first % 60:02d}–{last // 60:02d}:{last % 60:02d}",
            )

    def _paint_header(self, painter: QPainter, palette: QPalette, visible: range) -> None:
        painter.fillRect(
            QRectF(RULER + visible.start * self.column_width, 0, len(visible) * self.column_width, HEADER),
            palette.color(QPalette.ColorRole.Window),
        )
        bold = QFont(self.font())
        bold.setBold(True)
        today = to_local(self._clock()).date()
        for column in visible:
            col = self._columns[column]
            rect = QRectF(RULER + column * self.column_width + 4, 3, self.column_width - 8, HEADER - 6)
            painter.setPen(
                NOW_COLOUR
                if col.day == today and len({c.day for c in self._columns}) > 1
                else palette.color(QPalette.ColorRole.WindowText)
            )
            painter.setFont(bold)
            metrics = painter.fontMetrics()
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                metrics.elidedText(col.title, Qt.TextElideMode.ElideRight, int(rect.width())),
            )
            painter.setFont(self.font())
            metrics = painter.fontMetrics()
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                metrics.elidedText(col.subtitle, Qt.TextElideMode.ElideRight, int(rect.width())),
            )
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            x = int(RULER + (column + 1) * self.column_width)
            painter.drawLine(x, 0, x, HEADER)
        painter.drawLine(
            RULER + visible.start * self.column_width, HEADER - 1, RULER + visible.stop * self.column_width, HEADER - 1
        )

    def _paint_ruler(self, painter: QPainter, palette: QPalette) -> None:
        painter.fillRect(
            QRectF(0, HEADER, RULER, self._y(self.grid.day_end * 60)), palette.color(QPalette.ColorRole.Window)
        )
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.setFont(self.font())
        for hour in range(self.grid.day_start, self.grid.day_end + 1):
            y = self._y(hour * 60)
            painter.drawText(
                QRectF(0, y + 1, RULER - 6, 18),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{hour:02d}:00",
            )
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.drawLine(RULER - 1, HEADER, RULER - 1, int(self._y(self.grid.day_end * 60)))


def row_minutes(row: OccurrenceRow) -> int:
    return int((row.end_utc - row.start_utc).total_seconds() // 60)
