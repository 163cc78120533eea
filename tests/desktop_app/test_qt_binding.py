"""The Qt binding itself: a defect that would crash long sessions must not come back unnoticed.

PySide6-Essentials 6.12.0 on CPython 3.11 returned None from every void C++ method without taking a
reference, so each call drained None's reference count; a few thousand repaints later the interpreter
aborted with "none_dealloc". pyproject.toml pins the binding below 6.12; this test fails on any version
that has the defect (CPython 3.12+ makes None immortal, so there it cannot fail and cannot matter).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QStatusBar


def test_void_calls_leave_the_reference_count_of_none_alone(qtbot) -> None:
    bar = QStatusBar()
    qtbot.addWidget(bar)
    before = sys.getrefcount(None)
    for _ in range(200):
        bar.showMessage("x")
    assert before - sys.getrefcount(None) < 100
