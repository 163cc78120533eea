"""Desktop start-up and recovery: a newer database gets a dialog, new files are asked for, backups work."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox
from sqlalchemy import text

from desktop_app import app as desktop_app
from desktop_app.backup_actions import add_backup_actions
from desktop_app.services import connect
from desktop_app.settings import TimeGrid
from desktop_app.settings_dialog import SettingsDialog
from models import db
from scheduler import backup as backups
from tests.screenshots import screenshot_dir


def test_a_newer_database_gets_a_dialog_at_start_and_is_not_written(
    qtbot, demo_services, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = demo_services.url
    with demo_services.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    before = backups.dump(demo_services.engine)
    demo_services.close()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, message: shown.append(message))
    monkeypatch.setenv(db.ENV_VAR, url)
    assert desktop_app.run(url, "Tester") == 2
    assert shown == ["This database was upgraded by a newer Hub Scheduler (schema 0099); please upgrade Hub Scheduler"]
    engine = db.make_engine(url)
    assert backups.dump(engine) == before
    assert db.current_revision(engine) == "0099"
    engine.dispose()


def test_settings_ask_before_creating_a_new_database_file(qtbot, demo_services, tmp_path: Path) -> None:
    asked: list[Path] = []
    answers = [False, True]

    def confirm(path: Path) -> bool:
        asked.append(path)
        return answers.pop(0)

    dialog = SettingsDialog(
        url=demo_services.url,
        grid=TimeGrid(8, 20, 30),
        hubs=[],
        default_hub="",
        connect=lambda url: connect(url, "Tester"),
        confirm_new_file=confirm,
    )
    qtbot.addWidget(dialog)
    new_file = tmp_path / "new.sqlite3"
    dialog.url.setText(f"sqlite:///{new_file}")
    assert not dialog.test_connection()
    assert not new_file.exists()
    assert "no new database file was created" in dialog.status.text()
    assert dialog.test_connection()
    assert new_file.exists()
    assert asked == [new_file, new_file]
    dialog.connected.close()


def test_back_up_and_restore_from_the_file_menu(qtbot, demo_services, prompts, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    menu = QMenu("&File", parent)
    reloaded: list[bool] = []
    saved = tmp_path / "saved.sqlite3"
    chosen = [str(saved)]
    actions = add_backup_actions(
        menu,
        parent,
        lambda: demo_services,
        prompts,
        lambda: reloaded.append(True),
        choose_save=lambda *_: chosen[0],
        choose_open=lambda *_: chosen[0],
        policy=backups.BackupPolicy(folder=tmp_path / "auto"),
    )
    labels = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert labels == ["&Back up…", "&Restore…"]
    original = backups.dump(demo_services.engine)
    actions.back_up_action.trigger()
    assert saved.exists() and actions.last_message.startswith("Backed up to")

    with demo_services.engine.begin() as connection:
        connection.execute(text("DELETE FROM occurrences WHERE id IN (SELECT id FROM occurrences LIMIT 5)"))
    assert backups.dump(demo_services.engine) != original

    prompts.confirmations.append(False)  # the manager says no: nothing changes
    actions.restore_action.trigger()
    assert reloaded == [] and backups.dump(demo_services.engine) != original

    actions.restore_action.trigger()  # yes this time
    assert reloaded == [True]
    assert backups.dump(demo_services.engine) == original
    assert "replace everything" in prompts.questions[-1].lower()
    assert len(list((tmp_path / "auto").iterdir())) == 1  # the automatic backup before the restore

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_text("not a backup")
    chosen[0] = str(garbage)
    actions.restore_action.trigger()
    assert prompts.errors[-1][1].endswith("neither an SQLite file nor a Hub Scheduler export; nothing was changed")
    assert backups.dump(demo_services.engine) == original
    menu.grab().save(str(screenshot_dir() / "file-menu-backup.png"))


def test_the_window_settings_ask_through_its_prompts_before_a_new_file(qtbot, window, prompts, tmp_path) -> None:
    dialog = window.open_settings()
    new_file = tmp_path / "declined.sqlite3"
    dialog.url.setText(f"sqlite:///{new_file}")
    prompts.confirmations.append(False)
    assert not dialog.test_connection()
    assert not new_file.exists()
    assert "There is no database file at" in prompts.questions[-1]
