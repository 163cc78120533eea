"""MonthView: a month of a hub or a room, six weeks of days, each showing its sessions or a count.

Owns: painting the month grid (weekday headings, day numbers, days outside the month dimmed, today
marked), listing each day's sessions as "10:00 Title" beside a small sector-coloured mark (the text says
what each is), or "12 sessions" and the first few when there are too many to list, and
turning a click, a double click or Enter on a day into `day_chosen(date)`. Arrow keys move between days.
Holds rows it is given; must not import any service.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.calendar.view.painter import NOW_COLOUR, SECTOR_COLOURS
from desktop_app.calendar.words import sessions as sessions_in_words
from scheduler.services.queries import OccurrenceRow

WEEKS = 6


def month_grid_start(day: date) -> date:
    """The Monday on or before the first of `day`'s month: the grid's first cell."""
    first = day.replace(day=1)
    return first - timedelta(days=first.weekday())


class MonthView(QWidget):
    day_chosen = Signal(object)  # date: open this day in the day view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Month"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.month = date.today().replace(day=1)
        self.today = date.today()
        self.current = self.month
        self._by_day: dict[date, list[OccurrenceRow]] = {}

    def minimumSizeHint(self) -> QSize:
        return QSize(7 * 60, self._heading() + WEEKS * 50)

    def set_month(self, day: date, rows: list[OccurrenceRow], today: date) -> None:
        self.month = day.replace(day=1)
        self.today = today
        self.current = day
        self._by_day = defaultdict(list)
        for row in sorted(rows, key=lambda r: r.start_local):
            if row.status != "cancelled":
                self._by_day[row.start_local.date()].append(row)
        self._describe()
        self.update()

    def sessions_on(self, day: date) -> list[OccurrenceRow]:
        return list(self._by_day.get(day, []))

    def first_day(self) -> date:
        return month_grid_start(self.month)

    # -- geometry -------------------------------------------------------------------------------------

    def _heading(self) -> int:
        return self.fontMetrics().height() + 8

    def cell_rect(self, day: date) -> QRectF:
        index = (day - self.first_day()).days
        width = self.width() / 7
        height = (self.height() - self._heading()) / WEEKS
        return QRectF((index % 7) * width, self._heading() + (index // 7) * height, width, height)

    def day_at(self, pos: QPointF) -> date | None:
        if pos.y() < self._heading():
            return None
        column = int(pos.x() // (self.width() / 7))
        row = int((pos.y() - self._heading()) // ((self.height() - self._heading()) / WEEKS))
        if not (0 <= column < 7 and 0 <= row < WEEKS):
            return None
        return self.first_day() + timedelta(days=row * 7 + column)

    def lines_that_fit(self) -> int:
        """Session lines a day cell holds below its day number."""
        height = (self.height() - self._heading()) / WEEKS
        line = self.fontMetrics().height()
        return max(0, int((height - line - 6) // line))

    def day_lines(self, day: date) -> list[str]:
        """The text lines a day shows: every session when they fit, else a count and the first few."""
        rows = self._by_day.get(day, [])
        fit = self.lines_that_fit()
        lines = [f"{r.start_local:%H:%M} {r.title}" for r in rows]
        if len(rows) <= fit:
            return lines
        if fit <= 0:
            return []
        return [sessions_in_words(len(rows)), *lines[: fit - 1]]

    # -- input ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position())
        if day is not None:
            self.current = day
            self._describe()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position())
        if day is not None and event.button() == Qt.MouseButton.LeftButton:
            self.day_chosen.emit(day)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}
        if event.key() in steps:
            moved = self.current + timedelta(days=steps[event.key()])
            if self.first_day() <= moved < self.first_day() + timedelta(days=7 * WEEKS):
                self.current = moved
                self._describe()
                self.update()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.day_chosen.emit(self.current)
            return
        super().keyPressEvent(event)

    def _describe(self) -> None:
        rows = self._by_day.get(self.current, [])
        self.setAccessibleDescription(
            f"{self.current:%A %d %B}: "
            + (sessions_in_words(len(rows)) if rows else self.tr("no sessions"))
            + "".join(f"; {r.start_local:%H:%M} {r.title}" for r in rows[:10])
        )

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = self.fontMetrics()
        line = metrics.height()
        width = self.width() / 7
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.fillRect(QRectF(0, 0, self.width(), self._heading()), palette.color(QPalette.ColorRole.Window))
        for column in range(7):
            name = (self.first_day() + timedelta(days=column)).strftime("%A")
            painter.drawText(
                QRectF(column * width + 4, 0, width - 8, self._heading()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(width - 8)),
            )
        for index in range(7 * WEEKS):
            day = self.first_day() + timedelta(days=index)
            rect = self.cell_rect(day)
            inside = day.month == self.month.month
            if not inside:
                painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            painter.drawRect(rect)
            if day == self.current and self.hasFocus():
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setFont(bold)
            painter.setPen(NOW_COLOUR if day == self.today else palette.color(QPalette.ColorRole.WindowText))
            if not inside:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            label = f"{day.day}" if day.day != 1 else f"{day:%d %b}"
            painter.drawText(QRectF(rect.left() + 4, rect.top() + 2, rect.width() - 8, line), label)
            painter.setFont(self.font())
            y = rect.top() + line + 4
            rows = self._by_day.get(day, [])
            for number, text in enumerate(self.day_lines(day)):
                count_line = len(rows) > self.lines_that_fit() and number == 0
                if not count_line:
                    row = rows[number - (1 if len(rows) > self.lines_that_fit() else 0)]
                    painter.fillRect(QRectF(rect.left() + 3, y + 2, 4, line - 4), SECTOR_COLOURS.get(row.sector))
                painter.setPen(palette.color(QPalette.ColorRole.Text))
                painter.setFont(bold if count_line else self.font())
                painter.drawText(
                    QRectF(rect.left() + 10, y, rect.width() - 14, line),
                    Qt.AlignmentFlag.AlignLeft,
                    painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width() - 14)),
                )
                y += line
        painter.end()
