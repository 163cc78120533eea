"""LearningDashboard (Borough ▸ Learning): what happened in a term, for the hub team.

Owns: the filter bar (term, hub or area, sector), the tabs that show the report's sections as painted
charts with their numbers beside them and as table views, each with its text alternative in words; the
per-term choice of requested size or recorded attendance for room fit; and the suggested sizes of the
term's requests. Figures come from scheduler.reporting (disclosure control off: this is the hub team's own
view; the term report for the board turns it on).
Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.learning.attendance_ui import LearningServices
from desktop_app.learning.heatmap import HeatmapWidget
from desktop_app.learning.trend import paint_trend, trend_height
from desktop_app.prompts import Prompts
from models.types import SizeSource
from scheduler.errors import HubSchedError
from scheduler.reporting import figures as fig
from scheduler.reporting.facts import Scope, narrow
from scheduler.reporting.report import SECTOR_NAMES, Section, Table, TermReport, build_report

ALL = ""


class ReportTableModel(QAbstractTableModel):
    """A report table (columns + rows of text and numbers) for a QTableView; numbers sort as numbers."""

    def __init__(self, table: Table, parent=None) -> None:
        super().__init__(parent)
        self.table = table

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.table.columns[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self.table.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)
        numeric = isinstance(value, int | float) or (isinstance(value, str) and (value.endswith("%") or value == "<5"))
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TrendChart(QWidget):
    """Each sector's share of booked hours per term as labelled bars, the target as a marked line.

    Every bar carries its percentage and term in text, and the target line is labelled, so nothing is told
    by colour alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[fig.TrendRow, ...] = ()
        self.setAccessibleName(self.tr("Sector share of hours against target, by term"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_rows(self, rows: Sequence[fig.TrendRow]) -> None:
        self.rows = tuple(rows)
        self.setAccessibleDescription(self.describe())
        self.setToolTip(self.describe())
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def describe(self) -> str:
        return "; ".join(
            self.tr("{sector} {term}: {share:.0%} of hours, target {target:.0%}").format(
                sector=SECTOR_NAMES[r.sector], term=r.term, share=r.share, target=r.target
            )
            for r in self.rows
        )

    def sizeHint(self) -> QSize:
        return QSize(520, trend_height(self.rows))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        paint_trend(
            painter,
            self.rows,
            self.width(),
            palette.color(QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorRole.Midlight),
            palette.color(QPalette.ColorRole.Highlight),
        )
        painter.end()


def _paragraphs(section: Section) -> QLabel:
    label = QLabel("\n\n".join(section.paragraphs))
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
    )
    label.setAccessibleName(section.title)
    return label


def table_view(table: Table, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
    view.setModel(ReportTableModel(table, view))
    view.setAccessibleName(table.title)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.resizeRowsToContents()
    # As tall as its rows (at most about 12 of them), so a page reads as a document, not as empty boxes.
    shown = (
        sum(view.rowHeight(r) for r in range(min(len(table.rows), 12))) or view.verticalHeader().defaultSectionSize()
    )
    chrome = view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
    view.setFixedHeight(shown + chrome + view.horizontalScrollBar().sizeHint().height())
    return view


class SectionPage(QScrollArea):
    """One report section: its words (the text alternative), an optional chart, and its tables."""

    def __init__(self, section: Section, chart: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        body = QWidget()
        layout = QVBoxLayout(body)
        heading = QLabel(f"<h2>{section.title}</h2>")
        layout.addWidget(heading)
        layout.addWidget(_paragraphs(section))
        if chart is not None:
            scroll = QScrollArea()
            scroll.setWidget(chart)
            scroll.setWidgetResizable(isinstance(chart, TrendChart))
            scroll.setMinimumHeight(min(chart.sizeHint().height() + 24, 380))
            layout.addWidget(scroll)
        self.views: list[QTableView] = []
        for table in section.tables:
            title = QLabel(f"<b>{table.title}</b>")
            layout.addWidget(title)
            view = table_view(table, body)
            title.setBuddy(view)
            self.views.append(view)
            layout.addWidget(view)
            if table.note:
                layout.addWidget(QLabel(table.note))
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)


class LearningDashboard(QWidget):
    """Borough ▸ Learning."""

    size_source_changed = Signal(int, str)

    def __init__(
        self,
        services: LearningServices,
        prompts: Prompts,
        parent: QWidget | None = None,
        term_id: int | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Learning dashboard"))
        self.services = services
        self.prompts = prompts
        self.report: TermReport | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.term_combo = QComboBox()
        self.scope_combo = QComboBox()
        self.sector_combo = QComboBox()
        for text, combo in (
            (self.tr("&Term:"), self.term_combo),
            (self.tr("&Where:"), self.scope_combo),
            (self.tr("&Sector:"), self.sector_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            bar.addWidget(label)
            bar.addWidget(combo, 1)
        layout.addLayout(bar)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.heatmap = HeatmapWidget()
        self.trend = TrendChart()
        self.pages: dict[str, SectionPage] = {}
        self._today = today or date.today()
        self._fill_filters(term_id)
        for combo in (self.term_combo, self.scope_combo, self.sector_combo):
            combo.currentIndexChanged.connect(self.refresh)
        self.resize(1200, 700)
        self.setMinimumSize(800, 500)
        self.refresh()

    def _fill_filters(self, term_id: int | None) -> None:
        terms = self.services.learning.terms()
        for term in terms:
            self.term_combo.addItem(term.name, term.id)
        # Default: the given term, else the latest term that has begun (it has sessions to learn from).
        index = self.term_combo.findData(term_id) if term_id is not None else -1
        if index < 0:
            started = [i for i, t in enumerate(terms) if t.first_day <= self._today]
            index = started[-1] if started else 0
        self.term_combo.setCurrentIndex(index)
        data = self.services.learning.learning_data(self.term_combo.currentData()) if terms else None
        self.scope_combo.addItem(self.tr("All hubs"), ALL)
        if data is not None:
            for area in sorted({h.area for h in data.term.hubs if h.area}):
                self.scope_combo.addItem(self.tr("Area: {area}").format(area=area), f"area:{area}")
            for hub in data.term.hubs:
                self.scope_combo.addItem(hub.name, f"hub:{hub.name}")
        self.sector_combo.addItem(self.tr("All sectors"), ALL)
        for key, name in SECTOR_NAMES.items():
            self.sector_combo.addItem(self.tr(name), key)

    def scope(self) -> Scope:
        where = self.scope_combo.currentData() or ""
        sector = self.sector_combo.currentData() or None
        if where.startswith("hub:"):
            return Scope(hub=where[4:], sector=sector)
        if where.startswith("area:"):
            return Scope(area=where[5:], sector=sector)
        return Scope(sector=sector)

    def term_id(self) -> int | None:
        return self.term_combo.currentData()

    def refresh(self) -> None:
        term_id = self.term_id()
        if term_id is None:
            return
        try:
            data = self.services.learning.learning_data(term_id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot show the term"), str(exc))
            return
        scope = self.scope()
        self.report = build_report(narrow(data, scope), disclosure=False, scope=scope.label)
        current = self.tabs.currentIndex()
        self.tabs.clear()
        self.pages.clear()
        self.heatmap.setParent(None)
        self.trend.setParent(None)
        self.heatmap = HeatmapWidget()
        self.trend = TrendChart()
        self.heatmap.set_rows(self.report.heatmap)
        self.trend.set_rows(fig.sector_trend(narrow(data, scope)))
        charts = {"Heatmap": self.heatmap, "Who uses": self.trend}
        names = {
            "Summary": self.tr("&1 Summary"),
            "Heatmap": self.tr("&2 Utilisation"),
            "Who uses": self.tr("&3 Who uses the hubs"),
            "Who is missing": self.tr("&4 Who is missing"),
            "Right-sizing": self.tr("&5 Right-sizing"),
            "For review": self.tr("&6 For review"),
            "Closures": self.tr("&7 Closures"),
            "Method": self.tr("&8 Method"),
        }
        for section in self.report.sections:
            page = SectionPage(section, charts.get(section.key))
            self.pages[section.key] = page
            self.tabs.addTab(page, names.get(section.key, section.title))
        self.tabs.addTab(self._planning_page(term_id), self.tr("&9 Next term's sizes"))
        self.tabs.setCurrentIndex(max(0, current))

    def _planning_page(self, term_id: int) -> QWidget:
        """The term after the chosen one: its requests' sizes learned from this term, and its size source."""
        page = QWidget()
        layout = QVBoxLayout(page)
        terms = self.services.learning.terms()
        this = next(t for t in terms if t.id == term_id)
        following = [t for t in terms if t.first_day > this.last_day]
        self.next_term = following[0] if following else None
        if self.next_term is None:
            layout.addWidget(QLabel(self.tr("No term follows {term} yet.").format(term=this.name)))
            layout.addStretch(1)
            return page
        nxt = self.next_term
        layout.addWidget(
            QLabel(self.tr("<h2>Sizes for {next}, learned from {term}</h2>").format(next=nxt.name, term=this.name))
        )
        explain = QLabel(
            self.tr(
                "A request that continues a series of {term} is suggested that series' median attendance. "
                "Choose what the allocation of {next} uses to fit rooms; its review says which was used."
            ).format(term=this.name, next=nxt.name)
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        choice = QHBoxLayout()
        self.size_group = QButtonGroup(page)
        self.requested_button = QRadioButton(self.tr("Room fit uses the &requested size"))
        self.recorded_button = QRadioButton(self.tr("Room fit uses recorded &attendance where there is some"))
        for button in (self.requested_button, self.recorded_button):
            self.size_group.addButton(button)
            choice.addWidget(button)
        recorded = nxt.size_source == SizeSource.RECORDED.value
        (self.recorded_button if recorded else self.requested_button).setChecked(True)
        apply_button = QPushButton(self.tr("Sa&ve choice"))
        apply_button.clicked.connect(lambda: self.set_size_source(nxt.id))
        choice.addWidget(apply_button)
        choice.addStretch(1)
        layout.addLayout(choice)
        suggestions = self.services.learning.suggestion_rows(nxt.id)
        table = Table(
            self.tr("Suggested sizes"),
            (self.tr("Request"), self.tr("Organisation"), self.tr("Requested"), self.tr("Suggested"), self.tr("From")),
            tuple(suggestions),
        )
        title = QLabel(self.tr("<b>Requests of {next} with a size learned from attendance</b>").format(next=nxt.name))
        layout.addWidget(title)
        self.suggestions_view = table_view(table, page)
        title.setBuddy(self.suggestions_view)
        layout.addWidget(self.suggestions_view)
        if not suggestions:
            layout.addWidget(QLabel(self.tr("No request continues a series with recorded attendance.")))
        layout.addStretch(1)
        return page

    def set_size_source(self, term_id: int) -> None:
        source = SizeSource.RECORDED if self.recorded_button.isChecked() else SizeSource.REQUESTED
        try:
            self.services.learning.set_size_source(term_id, source)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot save the choice"), str(exc))
            return
        self.size_source_changed.emit(term_id, source.value)
