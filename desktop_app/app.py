"""GUI composition root: QApplication, database, services, main window.

Owns: start-up of the desktop app. Opens (and creates or upgrades) the database, loads the demo borough
into an empty one on first start, builds the services once and hands them to the window. A database
that cannot be opened is reported in a dialog, never as a traceback.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from desktop_app.main_window import MainWindow
from models import db
from resources import locate
from scheduler.errors import HubSchedError
from scheduler.services.demo import DemoService, read_demo_file
from scheduler.services.directory import DirectoryService


def open_database(url: str, operator: str) -> DirectoryService:
    """Engine, schema at head, demo on first start; returns the services the window needs."""
    engine = db.make_engine(url)
    if not db.is_current(engine):
        db.upgrade(engine)
    sessions = db.make_session_factory(engine)
    directory = DirectoryService(sessions)
    if directory.is_empty():
        DemoService(sessions, operator).load(read_demo_file(locate("demo/borough.yaml")))
    return directory


def run(url: str, operator: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Hub Scheduler")
    app.setOrganizationName("Hub Scheduler")
    try:
        directory = open_database(url, operator)
    except (HubSchedError, db.DatabaseUrlError, SQLAlchemyError) as exc:
        QMessageBox.critical(None, "Hub Scheduler", f"Cannot open the database:\n{exc}")
        return 2
    window = MainWindow(directory)
    window.show()
    return app.exec()
