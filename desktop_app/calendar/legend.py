"""CalendarLegend: what the calendar's colours, patterns and marks mean, in one strip under the grid.

Owns: one swatch per sector (its colour and the pattern of its left-edge strip, with the sector's name),
and the states: private, moved, proposed (dashed), closed (shaded) and bank holiday or closure (hatched).
Draws with the same helpers as the calendar, so the legend cannot drift from it. Must not import any
service.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.calendar.view.painter import SECTOR_COLOURS, paint_sector_strip
from desktop_app.item_models import SECTOR_LABELS

SWATCH = 26


class CalendarLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Legend"))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.entries = [(sector, self.tr(label)) for sector, label in SECTOR_LABELS.items()] + [
            ("private", self.tr("Private: not in public feeds")),
            ("moved", self.tr("moved: not in its usual place")),
            ("proposed", self.tr("Proposed, not booked")),
            ("closed", self.tr("Hub closed")),
            ("closure", self.tr("Closure or bank holiday")),
        ]
        self.setAccessibleDescription("; ".join(text for _, text in self.entries))
        self.setToolTip(self.accessibleDescription())

    def sizeHint(self) -> QSize:
        return QSize(400, self.fontMetrics().height() + 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height() + 10)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        metrics = self.fontMetrics()
        h = self.height()
        x = 4.0
        for key, text in self.entries:
            width = metrics.horizontalAdvance(text)
            if x + SWATCH + 4 + width > self.width():
                break  # the rest are in the tooltip and the accessible description; never half a label
            box = QRectF(x, 4, SWATCH, h - 8)
            self._swatch(painter, palette, key, box)
            x += SWATCH + 4
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(x, 0, width + 2, h), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 16
        painter.end()

    def _swatch(self, painter: QPainter, palette: QPalette, key: str, box: QRectF) -> None:
        if key in SECTOR_COLOURS:
            painter.fillRect(box, SECTOR_COLOURS[key])
            paint_sector_strip(painter, box, key)
        elif key == "private":
            painter.fillRect(box, QColor("#ffffff"))
            painter.setPen(QColor("#202020"))
            painter.drawRect(box)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "P")
        elif key == "moved":
            painter.fillRect(box, palette.color(QPalette.ColorRole.Mid))
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "↷")
        elif key == "proposed":
            pen = QPen(palette.color(QPalette.ColorRole.WindowText), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box.adjusted(1, 1, -1, -1))
        elif key == "closed":
            shade = QColor(palette.color(QPalette.ColorRole.Mid))
            shade.setAlpha(110)
            painter.fillRect(box, shade)
        else:
            shade = QColor(palette.color(QPalette.ColorRole.Mid))
            shade.setAlpha(110)
            painter.fillRect(box, shade)
            painter.fillRect(box, QBrush(QColor(palette.color(QPalette.ColorRole.Dark)), Qt.BrushStyle.BDiagPattern))
