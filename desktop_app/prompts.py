"""Prompts: every message box the app shows goes through this one small, replaceable object.

Owns: error dialogs, yes/no confirmations and the "this session or the whole series" choice. Tests pass
a recording fake so that no modal dialog ever blocks them.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget


class Scope(Enum):
    """Which sessions of a series a change is for."""

    SESSION = "session"  # this session only
    FOLLOWING = "following"  # this session and every later one (the series is split)
    SERIES = "series"  # the whole series (every session still to come)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Prompts", text)


class Prompts:
    """The real dialogs (modal)."""

    def error(self, parent: QWidget | None, title: str, message: str) -> None:
        QMessageBox.warning(parent, title, message)

    def confirm(self, parent: QWidget | None, title: str, question: str) -> bool:
        answer = QMessageBox.question(
            parent, title, question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel
        )
        return answer == QMessageBox.StandardButton.Yes

    def choose_scope(
        self, parent: QWidget | None, title: str, question: str, *, allow_session: bool = True
    ) -> Scope | None:
        """This session only, this and following, or the whole series (None when cancelled)."""
        box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.Cancel, parent)
        buttons = {}
        if allow_session:
            buttons[box.addButton(_tr("This &session only"), QMessageBox.ButtonRole.AcceptRole)] = Scope.SESSION
        following = box.addButton(_tr("This and &following"), QMessageBox.ButtonRole.AcceptRole)
        buttons[following] = Scope.FOLLOWING
        buttons[box.addButton(_tr("The &whole series"), QMessageBox.ButtonRole.AcceptRole)] = Scope.SERIES
        box.setDefaultButton(next(iter(buttons)))
        box.exec()
        return buttons.get(box.clickedButton())
