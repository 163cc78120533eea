"""SectorChart: each sector's met share of its priority-weighted demand, as labelled horizontal bars.

Owns: painting only. Every bar carries its numbers as text and the target as a marked line with a label, so
nothing is told by colour alone (WCAG 1.4.1).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.planning.models import SECTOR_NAMES
from scheduler.services.allocation import SectorRow

BAR_HEIGHT = 30
GAP = 10
LABEL_WIDTH = 90
TEXT_WIDTH = 250


class SectorChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SectorRow] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Met share by sector"))

    def set_rows(self, rows: list[SectorRow] | tuple[SectorRow, ...]) -> None:
        self.rows = list(rows)
        self.setAccessibleDescription(self.describe())
        self.setToolTip(self.describe())
        self.updateGeometry()
        self.update()

    def _part(self, row: SectorRow) -> float:
        total = sum(r.met for r in self.rows)
        return row.met / total if total else 0.0

    def describe(self) -> str:
        return "; ".join(
            self.tr(
                "{sector}: {share:.0%} met ({met} of {requested}), {part:.0%} of all met, target {target:.0%}"
            ).format(
                part=self._part(r),
                sector=self.tr(SECTOR_NAMES.get(r.sector, r.sector)),
                share=r.met_share,
                met=r.met,
                requested=r.requested,
                target=r.target,
            )
            for r in self.rows
        )

    def sizeHint(self) -> QSize:
        return QSize(420, max(1, len(self.rows)) * (BAR_HEIGHT + GAP) + GAP + 34)

    def minimumSizeHint(self) -> QSize:
        return QSize(360, self.sizeHint().height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        track = palette.color(QPalette.ColorRole.Midlight)
        fill = palette.color(QPalette.ColorRole.Highlight)
        width = max(60, self.width() - LABEL_WIDTH - TEXT_WIDTH - 2 * GAP)
        y = GAP
        for row in self.rows:
            label = QRectF(0, y, LABEL_WIDTH, BAR_HEIGHT)
            painter.setPen(text)
            painter.drawText(
                label,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                self.tr(SECTOR_NAMES.get(row.sector, row.sector)),
            )
            bar = QRectF(LABEL_WIDTH + GAP, y, width, BAR_HEIGHT)
            painter.fillRect(bar, track)
            painter.fillRect(QRectF(bar.left(), bar.top(), width * min(1.0, row.met_share), BAR_HEIGHT), fill)
            painter.setPen(QPen(text, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(bar)
            painter.setPen(text)
            painter.drawText(
                QRectF(bar.right() + GAP, y, TEXT_WIDTH, BAR_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                self.tr("{share:.0%} met ({met}/{requested})\n{part:.0%} of all met; target {target:.0%}").format(
                    share=row.met_share, met=row.met, requested=row.requested, part=self._part(row), target=row.target
                ),
            )
            y += BAR_HEIGHT + GAP
        if not self.rows:
            painter.end()
            return
        painter.setPen(text)
        painter.drawText(
            QRectF(0, y - 4, self.width(), 36),
            Qt.AlignmentFlag.AlignLeft,
            self.tr(
                "Bar: share of the sector's priority-weighted demand met.\n"
                "Target: the sector's fair share of everything met."
            ),
        )
        painter.end()
