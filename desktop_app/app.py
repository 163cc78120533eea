"""GUI composition root: QApplication, database, services, settings, main window.

Owns: start-up of the desktop app. Opens (and creates or upgrades) the database, asks on first start
whether to explore the demo borough or start an empty one, builds the services once and hands them to
the window. A database that cannot be opened is reported in a dialog, never as a traceback.
"""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.connecting import CANCELLED, connect_with_progress, warm_up
from desktop_app.first_start import OWN, answer_first_start
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
    chosen: list[str] = []

    def open_url(url_chosen: str, parent=None, timeout: float | None = None) -> AppServices:
        timeout = settings.connect_timeout if timeout is None else timeout  # as last saved in Settings
        # Off the GUI thread, behind a busy dialog with Cancel, bounded by the connect timeout. A new database
        # is left undecided there; the first-start question is a dialog, so it is asked here, on the GUI thread.
        opened = connect_with_progress(
            lambda: warm_up(connect(url_chosen, operator, first_start=lambda _setup: None, timeout=timeout)),
            where=db.display_url(url_chosen),
            timeout=timeout,
            parent=parent,
        )
        if opened.wired.setup.needs_choice():
            chosen.append(answer_first_start(opened.wired.setup))
        return opened

    try:
        services: AppServices = open_url(choose_url(url, settings))
    except NewerSchema as exc:
        # Nothing was written: the check runs before any migration, backup or demo load.
        QMessageBox.critical(None, app.translate("app", "Hub Scheduler"), str(exc))
        return 2
    except HubSchedError as exc:
        if str(exc) == CANCELLED:
            return 2
        message = str(exc)
        QMessageBox.critical(None, "Hub Scheduler", f"Cannot open the database:\n{message[:1].upper()}{message[1:]}")
        return 2
    window = MainWindow(services, settings, connect=lambda new_url, timeout=None: open_url(new_url, window, timeout))
    window.show()
    if chosen == [OWN]:
        window.open_administration()  # the empty borough's checklist is at the top of that window
    # What start-up made (modules, mappings, the window) lives as long as the app: move it out of the garbage
    # collector's sight, so that a full collection later (opening the planning window) does not walk it all
    # with the GUI thread waiting for the interpreter lock (181 ms measured).
    gc.freeze()
    gc.enable()
    return app.exec()
