"""Small wording helpers for the calendar: counts in words ("1 person", "2 people") and messages that
start with a capital letter. Pure functions; must not import QtWidgets or any service."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("Words", text)


def people(count: int) -> str:
    return _tr("1 person") if count == 1 else _tr("{n} people").format(n=count)


def sessions(count: int) -> str:
    return _tr("1 session") if count == 1 else _tr("{n} sessions").format(n=count)


def sentence(text: str) -> str:
    """The message with its first letter in capitals ("cannot open…" -> "Cannot open…")."""
    return text[:1].upper() + text[1:] if text else text
