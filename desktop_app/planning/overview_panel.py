"""OverviewPanel: the term at a glance — per hub and per sector, hours requested and placed, utilisation
of open hours, unmet demand ("who is missing") — and its CSV export.

Owns: two tables over `OverviewService.term_overview` rows and writing its `to_csv()` to a file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.planning.models import OverviewTableModel
from desktop_app.planning.services import PlanningServices
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.services.overview import TermOverview


def _table(parent: QWidget, name: str, model: OverviewTableModel) -> QTableView:
    table = QTableView(parent)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


class OverviewPanel(QWidget):
    def __init__(self, services: PlanningServices, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.term_id = 0
        self.overview: TermOverview | None = None
        self.hub_model = OverviewTableModel(self)
        self.sector_model = OverviewTableModel(self)
        self.hub_table = _table(self, self.tr("Hours by hub"), self.hub_model)
        self.sector_table = _table(self, self.tr("Hours by sector"), self.sector_model)
        self.headline = QLabel(self)
        self.headline.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("Re&fresh"), self)
        self.export_button = QPushButton(self.tr("E&xport CSV…"), self)
        self.refresh_button.clicked.connect(self.reload)
        self.export_button.clicked.connect(self.export)
        hubs = QGroupBox(self.tr("By hub (requests counted at their preferred hub)"), self)
        QVBoxLayout(hubs).addWidget(self.hub_table)
        sectors = QGroupBox(self.tr("By sector"), self)
        QVBoxLayout(sectors).addWidget(self.sector_table)
        buttons = QHBoxLayout()
        buttons.addWidget(self.headline, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(hubs, 3)
        layout.addWidget(sectors, 2)

    def set_term(self, term_id: int) -> None:
        self.term_id = term_id
        # The overview is the last tab: compute it when it is shown, not while the planning window opens.
        self._stale = not self.isVisible()
        if not self._stale:
            self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload()

    def reload(self) -> None:
        if not self.term_id:
            return
        try:
            overview = self.services.overview.term_overview(self.term_id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot show the overview"), str(exc))
            return
        self.overview = overview
        self.hub_model.set_rows([*overview.hubs, overview.total])
        self.sector_model.set_rows(overview.sectors)
        total = overview.total
        if total.requested_hours == 0:  # "1,007 of 0 requested hours placed" reads as an error
            self.headline.setText(
                self.tr(
                    "<b>{term}</b>: nothing has been requested for this term; {placed:,.0f} hours are booked, "
                    "{util} of open hours used."
                ).format(
                    term=overview.term,
                    placed=total.placed_hours,
                    util="—" if total.utilisation is None else f"{total.utilisation:.0%}",
                )
            )
            return
        self.headline.setText(
            self.tr(
                "<b>{term}</b>: {placed:,.0f} of {requested:,.0f} requested hours placed; {util} of open hours used; "
                "<b>{unmet} request(s) unmet</b> ({unmet_hours:,.0f} h)."
            ).format(
                term=overview.term,
                placed=total.placed_hours,
                requested=total.requested_hours,
                util="—" if total.utilisation is None else f"{total.utilisation:.0%}",
                unmet=total.unmet_requests,
                unmet_hours=total.unmet_hours,
            )
        )

    def export(self) -> None:
        if self.overview is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export term overview"), f"{self.overview.term}-overview.csv", self.tr("CSV files (*.csv)")
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        if self.overview is None:
            return
        try:
            path.write_text(self.overview.to_csv(), encoding="utf-8", newline="")
        except OSError as exc:
            self.prompts.error(self, self.tr("Cannot export the overview"), str(exc))
