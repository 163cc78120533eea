"""File ▸ Back up… and File ▸ Restore…: the desktop side of scheduler.backup.

Owns: the two menu actions, their file dialogs and their messages. `add_backup_actions(menu, ...)` adds
them to a given QMenu (the main window's File menu), so the window itself needs one line:

    self.backup_actions = add_backup_actions(file_menu, self, lambda: self.services, self.prompts, self.reload)

Back up writes an SQLite file (or a portable .jsonl export) of the whole database. Restore verifies the
chosen file completely, asks for confirmation naming what will be replaced, makes the automatic backup
of the current contents, replaces everything in one transaction and calls `on_restored` so the window
reloads. Every failure is a dialog with one sentence; the database is unchanged then.
Must not import: main_window (the window imports this, not the reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from desktop_app.prompts import Prompts
from desktop_app.services import AppServices
from models import db
from scheduler import backup as backups
from scheduler.database import describe_database_error
from scheduler.errors import HubSchedError

# (parent, title, suggested path, filter) -> chosen path or "" when cancelled; replaced in tests.
FileChooser = Callable[[QWidget, str, str, str], str]
_FILTER = "Hub Scheduler backups (*.sqlite3 *.jsonl);;All files (*)"


def _save_dialog(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, suggested, filters)[0]


def _open_dialog(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, suggested, filters)[0]


class BackupActions(QObject):
    """The actions and what they do; `back_up()` and `restore()` may be called directly (tests)."""

    def __init__(
        self,
        parent: QWidget,
        services: Callable[[], AppServices],
        prompts: Prompts,
        on_restored: Callable[[], None],
        *,
        choose_save: FileChooser = _save_dialog,
        choose_open: FileChooser = _open_dialog,
        policy: backups.BackupPolicy | None = None,
    ):
        super().__init__(parent)
        self._parent = parent
        self._services = services
        self._prompts = prompts
        self._on_restored = on_restored
        self._choose_save = choose_save
        self._choose_open = choose_open
        self._policy = policy or backups.BackupPolicy.from_environment()
        self.back_up_action = QAction(self.tr("&Back up…"), parent)
        self.back_up_action.setStatusTip(self.tr("Save a copy of the whole database to a file"))
        self.back_up_action.triggered.connect(lambda _checked=False: self.back_up())
        self.restore_action = QAction(self.tr("&Restore…"), parent)
        self.restore_action.setStatusTip(self.tr("Replace the whole database by a backup"))
        self.restore_action.triggered.connect(lambda _checked=False: self.restore())
        self.last_message = ""

    def _error(self, message: str) -> None:
        self.last_message = message
        self._prompts.error(self._parent, self.tr("Hub Scheduler"), message)

    def _suggested_name(self, services: AppServices) -> str:
        suffix = ".sqlite3" if services.engine.dialect.name == "sqlite" else ".jsonl"
        return str(Path.home() / f"hubsched-backup-{datetime.now():%Y-%m-%d-%H%M}{suffix}")

    def back_up(self) -> Path | None:
        services = self._services()
        chosen = self._choose_save(
            self._parent, self.tr("Back up the database"), self._suggested_name(services), self.tr(_FILTER)
        )
        if not chosen:
            return None
        try:
            made = backups.backup(services.engine, Path(chosen))
        except HubSchedError as exc:
            self._error(str(exc))
            return None
        except Exception as exc:  # a database error: one sentence, never a traceback
            self._error(str(describe_database_error(exc, services.url)))
            return None
        self.last_message = self.tr("Backed up to %1").replace("%1", str(made))
        return made

    def restore(self) -> bool:
        services = self._services()
        chosen = self._choose_open(self._parent, self.tr("Restore a backup"), str(Path.home()), self.tr(_FILTER))
        if not chosen:
            return False
        path = Path(chosen)
        try:
            verified = backups.verify(path)  # before anything is touched
            verified.close()
        except HubSchedError as exc:
            self._error(str(exc))
            return False
        question = (
            self.tr("Replace everything in %1 by the backup %2 (%3 rows)? The current contents are backed up first.")
            .replace("%1", db.display_url(services.url))
            .replace("%2", path.name)
            .replace("%3", str(verified.rows))
        )
        if not self._prompts.confirm(self._parent, self.tr("Restore"), question):
            return False
        try:
            self._policy.before(services.engine, services.url, "before-restore")
            backups.restore(services.engine, path)
        except HubSchedError as exc:
            self._error(str(exc))
            return False
        except Exception as exc:
            self._error(str(describe_database_error(exc, services.url)))
            return False
        self.last_message = self.tr("Restored from %1").replace("%1", str(path))
        self._on_restored()
        return True


def add_backup_actions(
    menu: QMenu,
    parent: QWidget,
    services: Callable[[], AppServices],
    prompts: Prompts,
    on_restored: Callable[[], None],
    **options: object,
) -> BackupActions:
    """Add File ▸ Back up… and Restore… (with a separator before them) to `menu`; returns the actions."""
    actions = BackupActions(parent, services, prompts, on_restored, **options)  # type: ignore[arg-type]
    menu.addSeparator()
    menu.addAction(actions.back_up_action)
    menu.addAction(actions.restore_action)
    return actions
