"""PlanningWindow: "Plan term" — one window with the term chooser and the planning tabs.

Owns: arranging the panels (Requests, Allocate and review, Closures, Feeds, Term overview), keeping them on
the chosen term, reloading the others when one changes something, and joining every background thread
before it closes. Built from `PlanningData` read off the GUI thread (desktop_app.planning.loading), it only
creates and fills widgets; without it (tests, tools) it reads the same data itself. `bookings_changed` tells
the hub calendar to reload; `calendar_preview_changed` hands it the proposal to draw as a preview layer
(None: stop drawing it; also sent when this window closes).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop_app.commands import ChangeController
from desktop_app.planning.allocation_panel import AllocationPanel
from desktop_app.planning.closures_panel import ClosuresPanel
from desktop_app.planning.fairness_box import FairnessBox
from desktop_app.planning.feeds_panel import FeedsPanel
from desktop_app.planning.loading import PlanningData
from desktop_app.planning.overview_panel import OverviewPanel
from desktop_app.planning.requests_panel import RequestsPanel
from desktop_app.planning.review_panel import ReviewPanel
from desktop_app.planning.services import PlanningServices
from desktop_app.prompts import Prompts
from desktop_app.scrolling import scrolled
from scheduler.services.directory import TermRow


class PlanningWindow(QWidget):
    bookings_changed = Signal()
    calendar_preview_changed = Signal(object)  # AllocationPreview | None

    def __init__(
        self,
        services: PlanningServices,
        prompts: Prompts,
        settings: QSettings,
        *,
        term_id: int | None = None,
        controller: ChangeController | None = None,
        parent: QWidget | None = None,
        data: PlanningData | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Plan term — Hub Scheduler"))
        self.services = services
        self.prompts = prompts
        self.terms: list[TermRow] = services.directory.terms() if data is None else data.terms
        if data is not None:
            term_id = data.term_id

        self.term = QComboBox(self)
        self.term.setAccessibleName(self.tr("Term"))
        for term in self.terms:
            self.term.addItem(f"{term.name} ({term.first_day:%d %b} – {term.last_day:%d %b %Y})", term.id)
        hubs = None if data is None else data.hubs
        self.requests = RequestsPanel(services, prompts, self, hubs=hubs)
        self.allocation = AllocationPanel(services, self)
        self.fairness = FairnessBox(services, prompts, self)
        self.review = ReviewPanel(services, prompts, self, controller=controller)
        self.closures = ClosuresPanel(services, prompts, self, hubs=hubs)
        base_url = str(settings.value("feeds/base_url", "") or "")
        if services.outbox is not None and base_url:  # notices carry each organisation's published feed link
            services.outbox.use_feed_links(base_url)
        if controller is not None:  # applied closures undo from the calendar's Edit menu too
            self.closures.use_undo_stack(controller.stack)
            self.closures.changed.connect(controller.changed)
        organisations = None if data is None else data.organisations
        self.feeds = FeedsPanel(services, prompts, settings, self, organisations=organisations)
        self.overview = OverviewPanel(services, prompts, self)

        allocate = QWidget(self)
        allocate_layout = QVBoxLayout(allocate)
        allocate_layout.addWidget(self.allocation, 0)
        allocate_layout.addWidget(self.fairness, 0)
        allocate_layout.addWidget(self.review, 1)
        self.allocate_tab = allocate
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.requests, self.tr("&1 Requests"))
        self.tabs.addTab(allocate, self.tr("&2 Allocate and review"))
        self.tabs.addTab(self.closures, self.tr("&3 Closures"))
        self.tabs.addTab(self.feeds, self.tr("&4 Feeds"))
        self.tabs.addTab(self.overview, self.tr("&5 Term overview"))

        top = QHBoxLayout()
        label = QLabel(self.tr("&Term:"), self)
        label.setBuddy(self.term)
        top.addWidget(label)
        top.addWidget(self.term)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scrolled(self.tabs, self), 1)  # scrolls rather than outgrow a small screen

        self.allocation.preview_ready.connect(self.review.set_preview)
        self.allocation.run_started.connect(lambda: self.review.set_preview(None))
        self.review.rerun_requested.connect(self.allocation.start)
        self.review.accepted.connect(self._bookings_changed)
        self.review.pins_changed.connect(self.bookings_changed)
        self.review.calendar_preview_changed.connect(self.calendar_preview_changed)
        self.closures.closure_added.connect(self._bookings_changed)
        self.requests.changed.connect(self.overview.reload)
        self.term.currentIndexChanged.connect(self._term_changed)
        if controller is not None:  # an undo or redo in the calendar changes what these panels show
            controller.changed.connect(self.refresh)
        if term_id is not None:  # quietly: the line below loads the term once, not twice
            self.term.blockSignals(True)
            self.term.setCurrentIndex(max(0, self.term.findData(term_id)))
            self.term.blockSignals(False)
        if data is not None and (term := self._term()) is not None and term.id == data.term_id:
            self._show_term(term, data)
            self.feeds.reload(data.feed_links)
        else:
            self._term_changed()
            self.feeds.reload()

    @property
    def term_id(self) -> int:
        return int(self.term.currentData() or 0)

    def _term(self) -> TermRow | None:
        return next((t for t in self.terms if t.id == self.term_id), None)

    def _term_changed(self, *_args) -> None:
        term = self._term()
        if term is not None:
            self._show_term(term, None)

    def _show_term(self, term: TermRow, data: PlanningData | None) -> None:
        self.requests.set_term(term.id, None if data is None else data.requests)
        self.allocation.set_term(term.id, term.name)
        self.fairness.set_term(term.id)
        self.review.set_preview(None)
        self.closures.set_term(term.first_day, term.last_day, None if data is None else data.closures)
        self.overview.set_term(term.id)

    def refresh(self) -> None:
        self.requests.reload()
        self.overview.reload()
        self.closures.reload()
        self.feeds.reload()

    def _bookings_changed(self, *_args) -> None:
        self.refresh()
        self.bookings_changed.emit()

    @property
    def idle(self) -> bool:
        return all(p.idle for p in (self.allocation, self.review, self.closures, self.feeds))

    def join(self) -> None:
        """Stop and wait for every background thread of the planning panels."""
        for panel in (self.allocation, self.review, self.closures, self.feeds):
            panel.join()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.join()
        self.review.calendar_button.setChecked(False)  # a proposal is not left drawn in the calendar
        super().closeEvent(event)
