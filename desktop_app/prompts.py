"""Prompts: every message box the app shows goes through this one small, replaceable object.

Owns: error dialogs, yes/no confirmations and the "this session or the whole series" choice. Tests pass
a recording fake so that no modal dialog ever blocks them.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget


class Scope(Enum):
    SESSION = "session"
    SERIES = "series"


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

    def choose_scope(self, parent: QWidget | None, title: str, question: str, series_label: str) -> Scope | None:
        box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.Cancel, parent)
        one = box.addButton(_tr("This session only"), QMessageBox.ButtonRole.AcceptRole)
        whole = box.addButton(series_label, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(one)
        box.exec()
        clicked = box.clickedButton()
        if clicked is one:
            return Scope.SESSION
        if clicked is whole:
            return Scope.SERIES
        return None
