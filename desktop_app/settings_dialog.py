"""SettingsDialog: database and its connect timeout, time grid and default hub.

Owns: collecting the settings and testing a new database before it is used: "Test connection" (and
Save) open it through `desktop_app.services.connect`, which reports a clear sentence on failure. The
window switches to the new services only after a successful test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.prompts import Prompts
from desktop_app.services import AppServices
from desktop_app.settings import TimeGrid
from models import db
from scheduler.errors import HubSchedError


class SettingsDialog(QDialog):
    def __init__(
        self,
        *,
        url: str,
        grid: TimeGrid,
        hubs: list[str],
        default_hub: str,
        connect: Callable[[str], AppServices],
        parent: QWidget | None = None,
        confirm_new_file: Callable[[Path], bool] | None = None,
        connect_timeout: float = 5.0,
    ):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._connect = connect
        self._confirm_new_file = confirm_new_file or self._ask_new_file
        self._original_url = url
        self.connected: AppServices | None = None
        self.url = QLineEdit(url, self)
        self.url.setAccessibleName(self.tr("Database URL"))
        self.url.setToolTip(self.tr("A SQLite file (sqlite:///path/hubsched.sqlite3) or postgresql://user@host/db"))
        browse = QPushButton(self.tr("SQLite &file…"), self)
        browse.setAccessibleName(self.tr("Choose a SQLite file"))
        browse.clicked.connect(self._browse)
        self.test_button = QPushButton(self.tr("&Test connection"), self)
        self.test_button.clicked.connect(self.test_connection)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Connection status"))
        # How long to wait for a database server (AppSettings.connect_timeout keeps it between 1 and 120 s).
        self.connect_timeout = QSpinBox(self)
        self.connect_timeout.setRange(1, 120)
        self.connect_timeout.setSuffix(self.tr(" s"))
        self.connect_timeout.setValue(round(connect_timeout))
        self.connect_timeout.setToolTip(
            self.tr("How long to wait for a database server before saying that it does not answer")
        )
        self.day_start = QSpinBox(self)
        self.day_start.setRange(0, 23)
        self.day_start.setValue(grid.day_start)
        self.day_end = QSpinBox(self)
        self.day_end.setRange(1, 24)
        self.day_end.setValue(grid.day_end)
        self.slot = QComboBox(self)
        for minutes in (15, 30, 60):
            self.slot.addItem(self.tr("%n minute(s)", "", minutes), minutes)
        self.slot.setCurrentIndex(max(0, self.slot.findData(grid.slot_min)))
        self.default_hub = QComboBox(self)
        self.default_hub.addItem(self.tr("All hubs"), "")
        for name in hubs:
            self.default_hub.addItem(name, name)
        self.default_hub.setCurrentIndex(max(0, self.default_hub.findData(default_hub)))
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(browse)
        row.addWidget(self.test_button)
        form = QFormLayout(self)
        form.addRow(self.tr("&Database:"), row)
        form.addRow("", self.status)
        for label, field in (
            (self.tr("&Connect timeout (seconds):"), self.connect_timeout),
            (self.tr("Day &starts at (hour):"), self.day_start),
            (self.tr("Day &ends at (hour):"), self.day_end),
            (self.tr("&Grid step:"), self.slot),
            (self.tr("Default &hub:"), self.default_hub),
        ):
            form.addRow(label, field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(640, 280)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("SQLite database"), "", self.tr("SQLite databases (*.sqlite3 *.db);;All files (*)")
        )
        if path:
            self.url.setText(f"sqlite:///{path}")

    def test_connection(self) -> bool:
        if self.connected is not None and self.connected.url == self.url.text().strip():
            return True
        if self.connected is not None:
            self.connected.close()
            self.connected = None
        path = db.sqlite_path(self.url.text().strip())
        if path is not None and not path.exists() and path.parent.is_dir() and not self._confirm_new_file(path):
            self.status.setText(self.tr("Not connected: no new database file was created."))
            return False
        try:
            self.connected = self._connect(self.url.text().strip())
        except HubSchedError as exc:
            self.status.setText(self.tr("Cannot connect: ") + str(exc))
            return False
        hubs = len(self.connected.directory.hubs())
        self.status.setText(self.tr("Connected: %n hub(s).", "", hubs))
        return True

    def _ask_new_file(self, path: Path) -> bool:
        # The window's Prompts when it has them (so tests script the answer), the real dialog otherwise.
        prompts = getattr(self.parent(), "prompts", None) or Prompts()
        question = self.tr("There is no database file at %1. Create a new one there (with the demo borough)?")
        return prompts.confirm(self, self.tr("New database"), question.replace("%1", str(path)))

    def grid(self) -> TimeGrid:
        return TimeGrid(
            self.day_start.value(), max(self.day_start.value() + 1, self.day_end.value()), self.slot.currentData()
        )

    def url_changed(self) -> bool:
        return self.url.text().strip() != self._original_url

    def accept(self) -> None:
        if self.url_changed() and not self.test_connection():
            return
        super().accept()
