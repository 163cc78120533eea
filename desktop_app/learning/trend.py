"""The sector trend chart: each sector's share of booked hours per term, against its target share.

Owns: `paint_trend` (shared by the dashboard's TrendChart and the PDF report) — labelled bars grouped by
sector, the target as a dashed line, and every bar's percentage and target written beside it, so nothing is
told by colour alone (WCAG 1.4.1).
Must not import: models, sqlalchemy.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from scheduler.reporting.facts import SECTORS
from scheduler.reporting.figures import TrendRow
from scheduler.reporting.report import SECTOR_NAMES

BAR = 16
STEP = BAR + 4
GROUP_GAP = 10
TEXT_WIDTH = 250


def ordered(rows: Sequence[TrendRow]) -> list[TrendRow]:
    """Grouped by sector (council, partner, resident), terms oldest first within each."""
    position = {id(r): i for i, r in enumerate(rows)}
    return sorted(rows, key=lambda r: (SECTORS.index(r.sector), position[id(r)]))


def trend_height(rows: Sequence[TrendRow]) -> int:
    return 12 + len(rows) * STEP + (len({r.sector for r in rows}) - 1) * GROUP_GAP if rows else 24


def label(row: TrendRow) -> str:
    return f"{SECTOR_NAMES[row.sector]} · {row.term}"


def paint_trend(
    painter: QPainter, rows: Sequence[TrendRow], width: int, text: QColor, track: QColor, fill: QColor
) -> None:
    metrics = painter.fontMetrics()
    label_width = max((metrics.horizontalAdvance(label(r)) for r in rows), default=0) + 12
    bar_width = max(80, width - label_width - TEXT_WIDTH)
    y = 6
    previous = None
    for row in ordered(rows):
        if previous is not None and row.sector != previous:
            y += GROUP_GAP
        previous = row.sector
        painter.setPen(text)
        painter.drawText(
            QRectF(0, y, label_width - 8, BAR), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label(row)
        )
        bar = QRectF(label_width, y, bar_width, BAR)
        painter.fillRect(bar, track)
        painter.fillRect(QRectF(bar.left(), y, bar_width * min(1.0, row.share), BAR), fill)
        target_x = bar.left() + bar_width * row.target
        painter.setPen(QPen(text, 2, Qt.PenStyle.DashLine))
        painter.drawLine(int(target_x), int(y - 2), int(target_x), int(y + BAR + 2))
        painter.setPen(text)
        painter.drawText(
            QRectF(bar.right() + 8, y, TEXT_WIDTH - 8, BAR),
            Qt.AlignmentFlag.AlignVCenter,
            f"{row.share:.0%} of hours (target {row.target:.0%}, dashed)",
        )
        y += STEP
