"""CalendarPainter: draws a CalendarView's grid, sessions, proposed sessions, now-line, gestures,
column headers (with the hub band) and the hour ruler.

Owns: every pixel of the calendar grid. Reads the view's layout and its selection and gesture state; it
changes nothing and decides nothing. Must not import any service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette, QPen

from desktop_app.calendar.view.layout import CalendarLayout, row_minutes
from desktop_app.item_models import SECTOR_LABELS
from scheduler.recurrence import to_local
from scheduler.services.queries import OccurrenceRow

if TYPE_CHECKING:
    from desktop_app.calendar.view.view import CalendarView

# Sector colours dark enough for white text (contrast >= 4.5:1) in light and dark themes alike.
SECTOR_COLOURS = {"council": QColor("#2f5f9e"), "partner": QColor("#23704a"), "resident": QColor("#9a4a12")}
NOW_COLOUR = QColor("#d0021b")


# Each sector also has its own pattern, drawn in a strip down a session's left edge: colour is never the
# only cue (WCAG 1.4.1), even on blocks too short or narrow for the sector's name.
SECTOR_PATTERNS = {
    "council": Qt.BrushStyle.HorPattern,
    "partner": Qt.BrushStyle.BDiagPattern,
    "resident": Qt.BrushStyle.CrossPattern,
}
STRIP = 7


def paint_sector_strip(painter: QPainter, box: QRectF, sector: str) -> None:
    """The sector's pattern, in white, in a strip down the left edge of `box`."""
    strip = QRectF(box.left() + 1, box.top() + 1, min(STRIP, box.width() / 3), box.height() - 2)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1a1a1a"))
    painter.drawRect(strip)
    painter.setBrush(QBrush(QColor("#ffffff"), SECTOR_PATTERNS.get(sector, Qt.BrushStyle.DiagCrossPattern)))
    painter.drawRect(strip)
    painter.restore()


class CalendarPainter:
    def __init__(self, view: CalendarView, layout: CalendarLayout) -> None:
        self.view = view
        self.layout = layout

    def paint(self) -> None:
        v, lay = self.view, self.layout
        painter = QPainter(v.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = v.palette()
        width, height = v.viewport().width(), v.viewport().height()
        painter.fillRect(0, 0, width, height, palette.color(QPalette.ColorRole.Base))
        if not lay.columns:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(v.viewport().rect(), Qt.AlignmentFlag.AlignCenter, v.tr("No rooms to show"))
            return
        dx, dy = v.horizontalScrollBar().value(), v.verticalScrollBar().value()
        visible = lay.visible_columns(dx, width)

        painter.save()
        painter.setClipRect(lay.ruler, lay.header, width - lay.ruler, height - lay.header)
        painter.translate(-dx, -dy)
        self._paint_grid(painter, palette, visible, dy + lay.header)
        self._paint_blocks(painter, palette, QRectF(dx, dy, width, height))
        self._paint_preview(painter, palette, QRectF(dx, dy, width, height))
        self._paint_now(painter, visible)
        self._paint_gestures(painter, palette)
        painter.restore()

        painter.save()
        painter.setClipRect(lay.ruler, 0, width - lay.ruler, lay.header)
        painter.translate(-dx, 0)
        self._paint_header(painter, palette, visible, dx)
        painter.restore()

        painter.save()
        painter.setClipRect(0, lay.header, lay.ruler, height - lay.header)
        painter.translate(0, -dy)
        self._paint_ruler(painter, palette)
        painter.restore()
        painter.fillRect(0, 0, lay.ruler, lay.header, palette.color(QPalette.ColorRole.Window))
        painter.end()

    def _paint_grid(self, painter: QPainter, palette: QPalette, visible: range, top_visible: float) -> None:
        v, lay = self.view, self.layout
        top, bottom = lay.y(lay.grid.day_start * 60), lay.y(lay.grid.day_end * 60)
        base, alternate = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.AlternateBase)
        text = palette.color(QPalette.ColorRole.Text)
        closed = QColor(palette.color(QPalette.ColorRole.Mid))
        closed.setAlpha(110)
        hatch = QColor(palette.color(QPalette.ColorRole.Dark))
        small = QFont(v.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for column in visible:
            x = lay.ruler + column * lay.column_width
            painter.fillRect(QRectF(x, top, lay.column_width, bottom - top), alternate if column % 2 else base)
            for span in lay.blocked.get(column, []):
                rect = lay.rect(column, span.start, span.end).intersected(
                    QRectF(x, top, lay.column_width, bottom - top)
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
        left = lay.ruler + visible.start * lay.column_width
        right = lay.ruler + (visible.stop) * lay.column_width
        for minute in range(lay.grid.day_start * 60, lay.grid.day_end * 60 + 1, lay.grid.slot_min):
            painter.setPen(QPen(strong if minute % 60 == 0 else light, 1))
            y = int(lay.y(minute))
            painter.drawLine(left, y, right, y)
        painter.setPen(QPen(strong, 1))
        for column in visible:
            x = lay.ruler + (column + 1) * lay.column_width
            painter.drawLine(int(x), int(top), int(x), int(bottom))
        if v.hasFocus() and v.selected_id is None:
            column, slot = v.cursor
            y = lay.y(lay.grid.day_start * 60 + slot * lay.grid.slot_min)
            rect = QRectF(
                lay.ruler + column * lay.column_width + 1, y + 1, lay.column_width - 2, lay.grid.slot_min * lay.zoom - 2
            )
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _paint_blocks(self, painter: QPainter, palette: QPalette, visible_rect: QRectF) -> None:
        v, lay = self.view, self.layout
        bold = QFont(v.font())
        bold.setBold(True)
        normal = QFont(v.font())
        small = QFont(v.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        white = QColor("#ffffff")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for rect, row in lay.blocks:
            if not rect.intersects(visible_rect):
                continue
            colour = SECTOR_COLOURS.get(row.sector, QColor("#555555"))
            box = rect.adjusted(3, 1, -3, -1)
            dragging = v.drag_target is not None and v.press_row is not None and v.press_row.id == row.id
            if dragging:
                colour = QColor(colour)
                colour.setAlpha(90)
            painter.setPen(QPen(colour.darker(140), 1))
            painter.setBrush(colour)
            painter.drawRoundedRect(box, 4, 4)
            if row.id == v.selected_id:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
                painter.drawRoundedRect(box.adjusted(-1, -1, 1, 1), 4, 4)
                painter.setPen(QPen(white, 1))
                painter.drawRoundedRect(box.adjusted(2, 2, -2, -2), 3, 3)
            paint_sector_strip(painter, box, row.sector)
            self._paint_block_text(painter, box.adjusted(STRIP, 0, 0, 0), row, bold, normal, small, white)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_preview(self, painter: QPainter, palette: QPalette, visible_rect: QRectF) -> None:
        """Proposed sessions: a translucent tint of the sector colour, a dashed outline and the words
        "Proposed" and new / moved, so they read as a proposal without relying on colour."""
        v, lay = self.view, self.layout
        if not lay.preview_blocks:
            return
        bold = QFont(v.font())
        bold.setBold(True)
        small = QFont(v.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for rect, session in lay.preview_blocks:
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
            title = v.tr("Proposed: {title}").format(title=session.title)
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
                (small, f"{v.change_word(session)} · {session.start:%H:%M}–{session.end:%H:%M}"),
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
        v = self.view
        inner = box.adjusted(5, 2, -4, -2)
        private = row.visibility == "private"
        small_metrics = QFontMetrics(small)
        if private and inner.width() < small_metrics.horizontalAdvance(v.tr("Private")) + 12:
            private = False  # no room for the badge: the pattern (see _paint_blocks) still says it
        painter.setPen(white)
        if private:
            painter.setFont(small)
            badge = v.tr("Private")
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
                + (v.tr(" · moved") if row.status == "moved" else ""),
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
        v, lay = self.view, self.layout
        now = to_local(v.clock())
        minute = now.hour * 60 + now.minute
        if not lay.grid.day_start * 60 <= minute <= lay.grid.day_end * 60:
            return
        y = lay.y(minute)
        painter.setPen(QPen(NOW_COLOUR, 2))
        for column in visible:
            if lay.columns[column].day == now.date():
                x = lay.ruler + column * lay.column_width
                painter.drawLine(int(x), int(y), int(x + lay.column_width), int(y))
                painter.setBrush(NOW_COLOUR)
                painter.drawEllipse(QPointF(x + 4, y), 3, 3)

    def _paint_gestures(self, painter: QPainter, palette: QPalette) -> None:
        v, lay = self.view, self.layout
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if v.drag_target is not None and v.press_row is not None:
            column, minute = v.drag_target
            row = v.press_row
            end = minute + row_minutes(row)
            rect = QRectF(
                lay.ruler + column * lay.column_width + 3,
                lay.y(minute),
                lay.column_width - 6,
                lay.y(end) - lay.y(minute),
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
        if v.create_drag is not None and v.create_moved:
            column, first, last = v.create_drag
            rect = QRectF(
                lay.ruler + column * lay.column_width + 3,
                lay.y(first),
                lay.column_width - 6,
                lay.y(last) - lay.y(first),
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
                v.tr("New booking\n") + f"{first // 60:02d}:{first % 60:02d}–{last // 60:02d}:{last % 60:02d}",
            )

    def _paint_header(self, painter: QPainter, palette: QPalette, visible: range, dx: int) -> None:
        """The hub band (one stretch per hub, its name kept in sight while scrolling), then each column's
        title and subtitle, the font's own line height apart so large fonts never collide."""
        v, lay = self.view, self.layout
        painter.fillRect(
            QRectF(lay.x(visible.start), 0, len(visible) * lay.column_width, lay.header),
            palette.color(QPalette.ColorRole.Window),
        )
        bold = QFont(v.font())
        bold.setBold(True)
        if lay.band:
            band_fill = palette.color(QPalette.ColorRole.Button)
            painter.setFont(bold)
            metrics = painter.fontMetrics()
            for hub, first, last in lay.hub_bands():
                if last < visible.start or first > visible.stop - 1:
                    continue
                left, right = lay.x(first), lay.x(last + 1)
                painter.fillRect(QRectF(left, 0, right - left, lay.band), band_fill)
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Dark), 2))
                painter.drawLine(int(left), 0, int(left), int(lay.header))
                text_left = max(left, dx + lay.ruler) + 6
                painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
                painter.drawText(
                    QRectF(text_left, 0, max(0.0, right - text_left - 4), lay.band),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    metrics.elidedText(hub, Qt.TextElideMode.ElideRight, int(right - text_left - 4)),
                )
        today = to_local(v.clock()).date()
        line = v.fontMetrics().height()
        for column in visible:
            col = lay.columns[column]
            rect = QRectF(lay.x(column) + 4, lay.band + 3, lay.column_width - 8, lay.header - lay.band - 6)
            painter.setPen(
                NOW_COLOUR
                if col.day == today and len({c.day for c in lay.columns}) > 1
                else palette.color(QPalette.ColorRole.WindowText)
            )
            painter.setFont(bold)
            metrics = painter.fontMetrics()
            painter.drawText(
                QRectF(rect.left(), rect.top(), rect.width(), line + 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                metrics.elidedText(col.title, Qt.TextElideMode.ElideRight, int(rect.width())),
            )
            painter.setFont(v.font())
            metrics = painter.fontMetrics()
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(
                QRectF(rect.left(), rect.top() + line + 2, rect.width(), line + 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                metrics.elidedText(col.subtitle, Qt.TextElideMode.ElideRight, int(rect.width())),
            )
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            x = int(lay.x(column + 1))
            painter.drawLine(x, int(lay.band), x, int(lay.header))
        painter.drawLine(int(lay.x(visible.start)), int(lay.header - 1), int(lay.x(visible.stop)), int(lay.header - 1))

    def _paint_ruler(self, painter: QPainter, palette: QPalette) -> None:
        v, lay = self.view, self.layout
        painter.fillRect(
            QRectF(0, lay.header, lay.ruler, lay.y(lay.grid.day_end * 60)), palette.color(QPalette.ColorRole.Window)
        )
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.setFont(v.font())
        for hour in range(lay.grid.day_start, lay.grid.day_end + 1):
            y = lay.y(hour * 60)
            painter.drawText(
                QRectF(0, y + 1, lay.ruler - 6, v.fontMetrics().height() + 2),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{hour:02d}:00",
            )
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.drawLine(lay.ruler - 1, lay.header, lay.ruler - 1, int(lay.y(lay.grid.day_end * 60)))
