"""`tab_in_order`: make Tab visit the given widgets in the order given (the order they appear on screen), so
that a form laid out in rows or columns is tabbed through as it is read. Widgets not named keep their place
in Qt's focus chain relative to the first one. Must not import any service or window.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtWidgets import QWidget


def tab_in_order(*widgets: QWidget) -> None:
    for before, after in pairwise(widgets):
        QWidget.setTabOrder(before, after)
