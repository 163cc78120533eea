"""GUI composition root: QApplication, database, services, settings, main window.

Owns: start-up of the desktop app. Opens (and creates or upgrades) the database, loads the demo borough
into an empty one on first start, builds the services once and hands them to the window. A database
that cannot be opened is reported in a dialog, never as a traceback.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.main_window import MainWindow
from desktop_app.services import AppServices, connect
from desktop_app.settings import AppSettings
from models import db
from scheduler.errors import HubSchedError, NewerSchema
from scheduler.services.directory import DirectoryService


def open_database(url: str, operator: str) -> DirectoryService:
    """Engine, schema at head, demo on first start; returns the directory (kept for callers and tests)."""
    return connect(url, operator).directory


def choose_url(url: str, settings: AppSettings) -> str:
    """--db or $HUBSCHED_DB win; otherwise the database chosen in the settings; otherwise the default."""
    if url == db.default_url() and not os.environ.get(db.ENV_VAR) and settings.database_url:
        return settings.database_url
    return url


def run(url: str, operator: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Hub Scheduler")
    app.setOrganizationName("Hub Scheduler")
    settings = AppSettings(QSettings())
    try:
        services: AppServices = connect(choose_url(url, settings), operator)
    except NewerSchema as exc:
        # Nothing was written: the check runs before any migration, backup or demo load.
        QMessageBox.critical(None, app.translate("app", "Hub Scheduler"), str(exc))
        return 2
    except HubSchedError as exc:
        QMessageBox.critical(None, "Hub Scheduler", f"Cannot open the database:\n{exc}")
        return 2
    window = MainWindow(services, settings, connect=lambda new_url: connect(new_url, operator))
    window.show()
    return app.exec()
