"""The utilisation heatmap: hub x weekday rows, clock-hour columns, painted with QPainter.

Owns: `paint_heatmap` (shared by the dashboard widget and the PDF report) and `HeatmapWidget`. Every cell
carries its percentage as text, closed hours are hatched and marked "–", and shading gets darker with use:
colour is never the only cue (WCAG 1.4.1). The widget's accessible description is the text alternative.
Must not import: models, sqlalchemy.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from scheduler.reporting.figures import WEEKDAY_NAMES, HeatRow, heatmap_text

LABEL_WIDTH = 150
CELL_WIDTH = 42
CELL_HEIGHT = 22
HEADER = 20
LOW, HIGH = QColor("#f2f6fb"), QColor("#08306b")  # light to dark blue; contrast handled per cell


def shade(utilisation: float) -> QColor:
    t = max(0.0, min(1.0, utilisation))
    return QColor.fromRgbF(
        LOW.redF() + (HIGH.redF() - LOW.redF()) * t,
        LOW.greenF() + (HIGH.greenF() - LOW.greenF()) * t,
        LOW.blueF() + (HIGH.blueF() - LOW.blueF()) * t,
    )


def heatmap_size(rows: Sequence[HeatRow]) -> QSize:
    hours = len(rows[0].cells) if rows else 0
    return QSize(LABEL_WIDTH + hours * CELL_WIDTH + 2, HEADER + len(rows) * CELL_HEIGHT + 2)


def paint_heatmap(painter: QPainter, rows: Sequence[HeatRow], text: QColor, font: QFont | None = None) -> None:
    """Paint at the painter's origin in `heatmap_size(rows)` (scale the painter to fit elsewhere)."""
    if font is not None:
        painter.setFont(font)
    grid = QPen(QColor("#9aa5b1"))
    hatch = QBrush(QColor("#9aa5b1"), Qt.BrushStyle.BDiagPattern)
    if not rows:
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, 300, HEADER), "No opening hours in this selection.")
        return
    for column, cell in enumerate(rows[0].cells):
        painter.setPen(text)
        painter.drawText(
            QRectF(LABEL_WIDTH + column * CELL_WIDTH, 0, CELL_WIDTH, HEADER),
            Qt.AlignmentFlag.AlignCenter,
            f"{cell.hour:02d}:00",
        )
    previous_hub = None
    for index, row in enumerate(rows):
        y = HEADER + index * CELL_HEIGHT
        painter.setPen(text)
        label = f"{row.hub}  {WEEKDAY_NAMES[row.weekday]}" if row.hub != previous_hub else None
        painter.drawText(
            QRectF(0, y, LABEL_WIDTH - 6, CELL_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            label or WEEKDAY_NAMES[row.weekday],
        )
        if row.hub != previous_hub and index:
            painter.setPen(QPen(text, 1.5))
            painter.drawLine(0, y, LABEL_WIDTH + len(row.cells) * CELL_WIDTH, y)
        previous_hub = row.hub
        for column, cell in enumerate(row.cells):
            rect = QRectF(LABEL_WIDTH + column * CELL_WIDTH, y, CELL_WIDTH, CELL_HEIGHT)
            if not cell.open_hours:
                painter.fillRect(rect, hatch)
                painter.setPen(grid)
                painter.drawRect(rect)
                painter.setPen(QColor("#5f6b7a"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "–")
                continue
            value = cell.utilisation or 0.0
            painter.fillRect(rect, shade(value))
            painter.setPen(grid)
            painter.drawRect(rect)
            painter.setPen(QColor("white") if value >= 0.45 else QColor("#111111"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{value:.0%}")


class HeatmapWidget(QWidget):
    """The heatmap in a widget: put it in a scroll area; its description reads the busiest/emptiest hours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[HeatRow, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Utilisation heatmap"))
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_rows(self, rows: Sequence[HeatRow]) -> None:
        self.rows = tuple(rows)
        description = " ".join(heatmap_text(self.rows))
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.setFixedSize(heatmap_size(self.rows))
        self.update()

    def sizeHint(self) -> QSize:
        return heatmap_size(self.rows)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        paint_heatmap(painter, self.rows, self.palette().windowText().color())
        painter.end()
