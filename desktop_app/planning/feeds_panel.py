"""FeedsPanel: the borough's calendar feeds with copyable https and webcal links; reissue an organisation's
token; publish now. The publish folder and the base URL are remembered in QSettings.

Owns: the feed table, the two settings fields and the buttons. Publishing (building every feed and writing
the folder) runs on a background thread; the links and tokens are FeedService's.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.planning.loading import DEFAULT_BASE_URL
from desktop_app.planning.models import FeedTableModel, PlanRole
from desktop_app.planning.services import PlanningServices
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.feeds.publish import PublishReport, publish
from scheduler.feeds.service import FeedLink, FeedService
from scheduler.services.directory import OrganisationRow


class FeedSettings:
    """The feed keys of the app's QSettings: where to publish, and the address the folder is served at."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    @property
    def folder(self) -> str:
        return str(self._settings.value("feeds/folder", "") or "")

    @folder.setter
    def folder(self, value: str) -> None:
        self._settings.setValue("feeds/folder", value)

    @property
    def base_url(self) -> str:
        return str(self._settings.value("feeds/base_url", DEFAULT_BASE_URL) or DEFAULT_BASE_URL)

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._settings.setValue("feeds/base_url", value)


def publish_all(feeds: FeedService, folder: Path) -> PublishReport:
    return publish(feeds.build_all(), folder)


class FeedsPanel(QWidget):
    published = Signal(object)  # PublishReport
    reissued = Signal(str, str)  # organisation, new https link

    def __init__(
        self,
        services: PlanningServices,
        prompts: Prompts,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        organisations: list[OrganisationRow] | None = None,  # already read (off the GUI thread)
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = prompts
        self.settings = FeedSettings(settings)
        self.publish_job: BackgroundJob | None = None

        self.folder = QLineEdit(self.settings.folder, self)
        self.folder.setPlaceholderText(self.tr("Folder the web server serves, e.g. /srv/hub-feeds"))
        self.browse = QPushButton(self.tr("&Browse…"), self)
        self.browse.clicked.connect(self._browse)
        self.base_url = QLineEdit(self.settings.base_url, self)
        self.folder.editingFinished.connect(self._save_settings)
        self.base_url.editingFinished.connect(self._save_settings)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        form = QFormLayout()
        folder_label = QLabel(self.tr("Publish &folder:"), self)
        folder_label.setBuddy(self.folder)
        url_label = QLabel(self.tr("Base &URL:"), self)
        url_label.setBuddy(self.base_url)
        self.folder.setAccessibleName(self.tr("Publish folder"))
        self.base_url.setAccessibleName(self.tr("Base URL"))
        form.addRow(folder_label, folder_row)
        form.addRow(url_label, self.base_url)

        self.model = FeedTableModel(self)
        self.table = QTableView(self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        self.table.setAccessibleName(self.tr("Feeds"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.copy_https = QPushButton(self.tr("Copy &web link"), self)
        self.copy_webcal = QPushButton(self.tr("Copy &calendar (webcal) link"), self)
        self.copy_https.clicked.connect(lambda: self.copy_selected("https"))
        self.copy_webcal.clicked.connect(lambda: self.copy_selected("webcal"))
        self.organisation = QComboBox(self)
        self.organisation.setAccessibleName(self.tr("Organisation whose token to reissue"))
        for org in services.directory.organisations() if organisations is None else organisations:
            self.organisation.addItem(org.name, org.id)
        self.reissue_button = QPushButton(self.tr("&Reissue token"), self)
        self.reissue_button.setToolTip(self.tr("The organisation's old feed address stops working at the next publish"))
        self.reissue_button.clicked.connect(self.reissue)
        self.publish_button = QPushButton(self.tr("&Publish now"), self)
        self.publish_button.clicked.connect(self.publish_now)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_https)
        copy_row.addWidget(self.copy_webcal)
        copy_row.addStretch(1)
        copy_row.addWidget(QLabel(self.tr("Organisation:"), self))
        copy_row.addWidget(self.organisation)
        copy_row.addWidget(self.reissue_button)
        copy_row.addWidget(self.publish_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(copy_row)
        layout.addWidget(self.status)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Publish feeds to"), self.folder.text())
        if folder:
            self.folder.setText(folder)
            self._save_settings()

    def _save_settings(self) -> None:
        self.settings.folder = self.folder.text().strip()
        self.settings.base_url = self.base_url.text().strip()
        self.reload()

    def reload(self, links: list[FeedLink] | str | None = None) -> None:
        """Read the links again, or show `links` already read (a string: why they cannot be made)."""
        if links is None:
            try:
                links = self.services.feeds.links(self.base_url.text().strip())
            except HubSchedError as exc:
                links = str(exc)
        if isinstance(links, str):
            self.status.setText(links)
            self.model.set_rows([])
            return
        self.model.set_rows(links)
        self.model.fit_columns(self.table, 380)

    def selected(self) -> FeedLink | None:
        indexes = self.table.selectionModel().selectedRows()
        return indexes[0].data(PlanRole.ROW) if indexes and indexes[0].isValid() else None

    def copy_selected(self, kind: str) -> str:
        link = self.selected()
        if link is None:
            return ""
        text = link.webcal if kind == "webcal" else link.https
        QGuiApplication.clipboard().setText(text)
        self.status.setText(self.tr("Copied {link}").format(link=text))
        return text

    def link_for(self, organisation_id: int) -> FeedLink | None:
        return next(
            (
                r
                for r in self.model.rows()
                if str(r.spec.kind) == "organisation" and r.spec.subject_id == organisation_id
            ),
            None,
        )

    def reissue(self) -> str:
        name = self.organisation.currentText()
        try:
            self.services.feeds.reissue(name)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot reissue the token"), str(exc))
            return ""
        self.reload()
        link = self.link_for(int(self.organisation.currentData() or 0))
        url = link.https if link else ""
        if url and self.services.outbox is not None:  # tell the organisation its new address
            self.services.outbox.queue_feed_link(int(self.organisation.currentData() or 0), url)
        self.status.setText(
            self.tr("New address for {org}: {url}. Publish to make the old one stop working.").format(org=name, url=url)
        )
        self.reissued.emit(name, url)
        return url

    @property
    def idle(self) -> bool:
        return self.publish_job is None or not self.publish_job.thread.isRunning()

    def join(self) -> None:
        if self.publish_job is not None:
            self.publish_job.join()

    def publish_now(self) -> TaskWorker | None:
        folder = self.folder.text().strip()
        if not folder:
            self.prompts.error(self, self.tr("Cannot publish"), self.tr("Choose the publish folder first."))
            return None
        if not self.idle:
            return None
        self._save_settings()
        feeds = self.services.feeds
        worker = TaskWorker(lambda _stop: publish_all(feeds, Path(folder)))
        worker.finished.connect(self._published)
        # Bound methods of widgets, never lambdas: a lambda would run in the worker's thread.
        worker.failed.connect(self._publish_failed)
        self.publish_job = BackgroundJob(worker, self)
        self.publish_job.done.connect(self._publish_done)
        self.publish_button.setEnabled(False)
        self.status.setText(self.tr("Publishing…"))
        self.publish_job.start()
        return worker

    def _publish_failed(self, message: str) -> None:
        self.status.setText(self.tr("Publishing failed."))
        self.prompts.error(self, self.tr("Cannot publish"), message)

    def _publish_done(self) -> None:
        self.publish_button.setEnabled(True)

    def _published(self, report: PublishReport) -> None:
        self.status.setText(
            self.tr("Published: {written} written, {unchanged} unchanged, {removed} removed.").format(
                written=len(report.written), unchanged=len(report.unchanged), removed=len(report.removed)
            )
        )
        self.published.emit(report)
