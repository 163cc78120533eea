"""OutboxWindow (Borough ▸ Outbox): review, edit, discard, send or retry the notices to organisations.

Owns: the notice list with each one's delivery state (queued, sent with the server's reply, failed with
the reason, interrupted), editing a queued notice's recipients, subject and text, the mail server settings
(host, port, security, login and sender in QSettings; the password only in the system keyring, through
`scheduler.notify.mail`) with a Test button, sending (on a worker thread, desktop_app.planning.workers, behind
a busy bar, so the window stays responsive), and the fall-backs when no server is set: saving as
.eml files and opening a notice in the default mail client (mailto:). `add_outbox_actions` adds the
Borough ▸ Outbox… entry to a main window's menu bar.
The work is done by OutboxService; nothing here opens a database session.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenuBar,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.focus_order import tab_in_order
from desktop_app.form_rows import labelled_row
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.notify.mail import SmtpSettings, SmtpTransport, check_connection, store_password
from scheduler.services.outbox import NoticeRow, OutboxService

STATE_WORDS = {
    "queued": "Queued",
    "sending": "Interrupted",
    "sent": "Sent",
    "failed": "Failed",
    "discarded": "Discarded",
}


class OutboxWindow(QMainWindow):
    sent = Signal(object)  # list[NoticeRow]

    def __init__(
        self, outbox: OutboxService, prompts: Prompts, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.outbox = outbox
        self.prompts = prompts
        self.settings = settings
        self.rows: list[NoticeRow] = []
        self.send_job: BackgroundJob | None = None
        self.setWindowTitle(self.tr("Outbox — notices to organisations"))
        self.setMinimumSize(900, 560)

        self.table = QTableWidget(0, 4, self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        self.table.setAccessibleName(self.tr("Notices"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Organisation"), self.tr("Subject"), self.tr("To"), self.tr("State")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)

        self.recipients = QLineEdit(self)
        self.subject = QLineEdit(self)
        self.body = QPlainTextEdit(self)
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        message_form = QFormLayout()
        for text, field in (
            (self.tr("&To:"), self.recipients),
            (self.tr("S&ubject:"), self.subject),
        ):
            labelled_row(message_form, text, field)
        self.body.setAccessibleName(self.tr("Message"))
        self.save_button = QPushButton(self.tr("Sa&ve changes"), self)
        self.discard_button = QPushButton(self.tr("&Discard"), self)
        self.retry_button = QPushButton(self.tr("&Retry"), self)
        self.send_one_button = QPushButton(self.tr("Send &this one"), self)
        self.send_all_button = QPushButton(self.tr("Send &all queued"), self)
        self.eml_button = QPushButton(self.tr("Save as .&eml…"), self)
        self.mailto_button = QPushButton(self.tr("Open in &mail app"), self)
        self.save_button.clicked.connect(self.save_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.send_one_button.clicked.connect(lambda: self.send(only_selected=True))
        self.send_all_button.clicked.connect(lambda: self.send(only_selected=False))
        self.eml_button.clicked.connect(self._save_eml)
        self.mailto_button.clicked.connect(self.open_in_mail_app)

        message_box = QGroupBox(self.tr("Notice"), self)
        message_layout = QVBoxLayout(message_box)
        message_layout.addLayout(message_form)
        message_layout.addWidget(self.body, 1)
        message_layout.addWidget(self.state)
        for group in (
            (self.save_button, self.discard_button, self.retry_button),
            (self.send_one_button, self.send_all_button, self.eml_button, self.mailto_button),
        ):
            row = QHBoxLayout()
            for button in group:
                row.addWidget(button)
            message_layout.addLayout(row)

        # Mail server settings: the password goes to the keyring only.
        self.host = QLineEdit(self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.security = QComboBox(self)
        for value, text in (("starttls", self.tr("STARTTLS")), ("ssl", self.tr("SSL/TLS")), ("none", self.tr("None"))):
            self.security.addItem(text, value)
        self.user = QLineEdit(self)
        self.sender = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("kept in the system keyring"))
        server_form = QFormLayout()
        for text, field in (
            (self.tr("&Host:"), self.host),
            (self.tr("&Port:"), self.port),
            (self.tr("Se&curity:"), self.security),
            (self.tr("&Login:"), self.user),
            (self.tr("Pass&word:"), self.password),
            (self.tr("Se&nder:"), self.sender),
        ):
            labelled_row(server_form, text, field)
        tab_in_order(self.host, self.port, self.security, self.user, self.password, self.sender)
        self.test_button = QPushButton(self.tr("Save and te&st"), self)
        self.test_button.clicked.connect(self.test_server)
        self.server_status = QLabel(self)
        self.server_status.setWordWrap(True)
        self.busy = QProgressBar(self)  # moves while notices are being sent
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName(self.tr("Sending"))
        self.busy.setTextVisible(False)
        self.busy.hide()
        server_box = QGroupBox(self.tr("Mail server"), self)
        server_layout = QVBoxLayout(server_box)
        server_layout.addLayout(server_form)
        server_layout.addWidget(self.test_button)
        server_layout.addWidget(self.server_status)
        server_layout.addWidget(self.busy)
        server_layout.addStretch(1)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(message_box, 3)
        right_layout.addWidget(server_box, 2)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(right)
        splitter = QSplitter(self)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setSizes([420, 580])
        self.setCentralWidget(splitter)
        self._load_settings()
        self.reload()

    # -- settings ---------------------------------------------------------------------------------------

    def _load_settings(self) -> None:
        s = self.settings
        self.host.setText(str(s.value("outbox/host", "") or ""))
        self.port.setValue(int(s.value("outbox/port", 587) or 587))
        index = self.security.findData(str(s.value("outbox/security", "starttls") or "starttls"))
        self.security.setCurrentIndex(max(index, 0))
        self.user.setText(str(s.value("outbox/user", "") or ""))
        self.sender.setText(str(s.value("outbox/sender", "") or ""))

    def smtp_settings(self) -> SmtpSettings:
        return SmtpSettings(
            self.host.text().strip(),
            self.port.value(),
            self.sender.text().strip(),
            str(self.security.currentData()),
            self.user.text().strip(),
        )

    def save_settings(self) -> SmtpSettings:
        settings = self.smtp_settings()
        for key, value in (
            ("host", settings.host),
            ("port", settings.port),
            ("security", settings.security),
            ("user", settings.username),
            ("sender", settings.sender),
        ):
            self.settings.setValue(f"outbox/{key}", value)
        if self.password.text() and settings.username:
            store_password(settings, self.password.text())  # never QSettings
            self.password.clear()
        return settings

    def test_server(self) -> bool:
        try:
            settings = self.save_settings()
            self.server_status.setText(check_connection(settings))
            return True
        except HubSchedError as exc:
            self.server_status.setText(str(exc))
            return False

    # -- the list ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        selected = self.selected()
        self.rows = [r for r in self.outbox.list() if r.state != "discarded"]
        self.table.setRowCount(len(self.rows))
        for n, r in enumerate(self.rows):
            for column, text in enumerate(
                (
                    r.organisation,
                    r.subject,
                    ", ".join(r.recipients) or self.tr("(nobody)"),
                    self.tr(STATE_WORDS[r.state]),
                )
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(r.state_text if column == 3 else text)
                self.table.setItem(n, column, item)
        self.table.resizeColumnsToContents()
        for column in range(3):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 220))
        if selected is not None:
            index = next((n for n, r in enumerate(self.rows) if r.id == selected.id), -1)
            if index >= 0:
                self.table.selectRow(index)
        elif self.rows:
            self.table.selectRow(0)
        self._selected()

    def selected(self) -> NoticeRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def select(self, notice_id: int) -> None:
        index = next(n for n, r in enumerate(self.rows) if r.id == notice_id)
        self.table.selectRow(index)

    def _selected(self) -> None:
        row = self.selected()
        editable = row is not None and row.state in ("queued", "failed")
        for field in (self.recipients, self.subject):
            field.setText(
                "" if row is None else (", ".join(row.recipients) if field is self.recipients else row.subject)
            )
            field.setReadOnly(not editable)
        self.body.setPlainText("" if row is None else row.body)
        self.body.setReadOnly(not editable)
        self.state.setText("" if row is None else self.tr("State: {state}").format(state=row.state_text))
        self.save_button.setEnabled(editable)
        self.discard_button.setEnabled(editable)
        self.retry_button.setEnabled(row is not None and row.state in ("failed", "sending"))
        self.send_one_button.setEnabled(row is not None and row.state == "queued")
        self.eml_button.setEnabled(row is not None)
        self.mailto_button.setEnabled(row is not None)

    def _guard(self, title: str, work) -> bool:
        try:
            work()
        except HubSchedError as exc:
            self.prompts.error(self, title, str(exc))
            return False
        self.reload()
        return True

    def save_selected(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        recipients = [a.strip() for a in self.recipients.text().split(",") if a.strip()]
        return self._guard(
            self.tr("Cannot save the notice"),
            lambda: self.outbox.edit(
                row.id, subject=self.subject.text(), body=self.body.toPlainText(), recipients=recipients
            ),
        )

    def discard_selected(self) -> bool:
        row = self.selected()
        if row is None or not self.prompts.confirm(
            self, self.tr("Discard the notice?"), self.tr("Discard the notice to {org}?").format(org=row.organisation)
        ):
            return False
        return self._guard(self.tr("Cannot discard the notice"), lambda: self.outbox.discard(row.id))

    def retry_selected(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        return self._guard(self.tr("Cannot retry the notice"), lambda: self.outbox.retry(row.id))

    @property
    def sending(self) -> bool:
        """From the click until the result is shown and the buttons are back."""
        return self.send_job is not None

    def send(self, *, only_selected: bool) -> TaskWorker | None:
        """Send on a worker thread; `sent` carries the notices afterwards (a failure is said in a dialog)."""
        if self.sending:
            return None
        row = self.selected()
        if only_selected and row is not None and row.state in ("queued", "failed"):
            self.save_selected()
        ids = [row.id] if only_selected and row is not None else None
        try:
            settings = self.save_settings()  # here: the keyring is asked on the GUI thread
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot send"), str(exc))
            return None
        outbox = self.outbox

        def work(_stop) -> list[NoticeRow]:
            with SmtpTransport(settings) as transport:
                return outbox.send(transport, ids)

        worker = TaskWorker(work)
        # Bound methods of this window, never lambdas: a lambda would run in the worker's thread.
        worker.finished.connect(self._send_finished)
        worker.failed.connect(self._send_failed)
        self.send_job = BackgroundJob(worker, self)
        self.send_job.done.connect(self._send_done)
        self._set_sending(True)
        self.send_job.start()
        return worker

    def _set_sending(self, on: bool) -> None:
        busy_buttons = (self.send_one_button, self.send_all_button, self.test_button, self.retry_button)
        for button in (*busy_buttons, self.save_button, self.discard_button):  # no edits while it goes out
            button.setEnabled(not on)
        self.busy.setVisible(on)
        if on:
            self.server_status.setText(self.tr("Sending…"))

    def _send_finished(self, done: list[NoticeRow]) -> None:
        failed = [r for r in done if r.state == "failed"]
        self.server_status.setText(
            self.tr("{sent} sent, {failed} failed.").format(sent=len(done) - len(failed), failed=len(failed))
        )
        self.reload()
        self.sent.emit(done)

    def _send_failed(self, message: str) -> None:
        self.server_status.setText(self.tr("Nothing was sent."))
        self.reload()  # a notice being sent when the server went away shows as interrupted
        self.prompts.error(self, self.tr("Cannot send"), message)

    def _send_done(self) -> None:
        if self.send_job is not None:
            self.send_job.deleteLater()  # its thread has ended
        self.send_job = None
        self.busy.hide()
        self.test_button.setEnabled(True)
        self.send_all_button.setEnabled(True)
        self._selected()  # the per-notice buttons as the selection allows

    def join(self) -> None:
        """Wait for a send in progress (closing the window, ending a test)."""
        if self.send_job is not None:
            self.send_job.join()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.join()
        super().closeEvent(event)

    # -- without a mail server ------------------------------------------------------------------------------

    def export_selected(self, folder: Path) -> Path | None:
        row = self.selected()
        if row is None:
            return None
        try:
            return self.outbox.export_eml(row.id, folder, self.sender.text().strip() or "hubs@example.org")
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot save the notice"), str(exc))
            return None

    def _save_eml(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save the notice as .eml in"))
        if folder:
            path = self.export_selected(Path(folder))
            if path is not None:
                self.state.setText(self.tr("Saved {path}").format(path=path))

    def mailto_url(self) -> str:
        row = self.selected()
        return "" if row is None else self.outbox.mailto(row.id)

    def open_in_mail_app(self) -> None:
        url = self.mailto_url()
        if url:
            QDesktopServices.openUrl(QUrl(url))


def add_outbox_actions(menubar: QMenuBar, window) -> QAction:
    """Add Borough ▸ Outbox… to `menubar` for a main window with `services.wired.outbox`, `prompts`, `settings`.

    One line in the main window: `add_outbox_actions(self.menuBar(), self)`.
    """
    menu = next((a.menu() for a in menubar.actions() if a.menu() and a.text().replace("&", "") == "Borough"), None)
    if menu is None:
        menu = menubar.addMenu(menubar.tr("&Borough"))
    action = QAction(menubar.tr("&Outbox…"), window)

    def open_outbox() -> None:
        existing = getattr(window, "outbox_window", None)
        if existing is None:
            qsettings = getattr(getattr(window, "settings", None), "qsettings", None) or QSettings()
            existing = OutboxWindow(window.services.wired.outbox, window.prompts, qsettings)
            window.outbox_window = existing
        existing.reload()
        existing.show()
        existing.activateWindow()

    action.triggered.connect(open_outbox)
    menu.addAction(action)
    return action
