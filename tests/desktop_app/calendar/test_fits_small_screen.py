"""Every window and dialog fits a 1280x720 laptop screen at 100% and 150% scale (853x480 logical pixels)
and at 1.5x font size: nothing needs to be wider or taller than the screen (a window larger than the
screen is shrunk to it, as a window manager does) and every visible button then lies on the screen (inside
a scroll area counts: it can be scrolled to)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QTabWidget, QWidget

from tests.desktop_app.conftest import open_window
from tests.screenshots import screenshot_dir

CASES = {
    "100%": (QRect(0, 0, 1280, 720), 1.0),
    "150%-scale": (QRect(0, 0, 853, 480), 1.0),  # 1280x720 physical pixels at 150%: 853x480 logical
    "font-1.5x": (QRect(0, 0, 1280, 720), 1.5),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def font_scale(request, qapp) -> Iterator[str]:
    screen, scale = CASES[request.param]
    if os.environ.get("QT_SCALE_FACTOR"):  # the real-scale run (test_fits_real_scale.py): scaling must be on
        real = qapp.primaryScreen()
        assert real.devicePixelRatio() == float(os.environ["QT_SCALE_FACTOR"])
        assert real.geometry() == screen, f"the screen is {real.geometry()}, the test checks against {screen}"
    original = QFont(qapp.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * scale)
    qapp.setFont(bigger)
    yield request.param
    qapp.setFont(original)


def _inside_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def off_screen_buttons(top: QWidget, screen: QRect) -> list[str]:
    """Visible buttons of `top` (placed at the screen's corner) that lie partly off the 1280x720 screen."""
    QApplication.processEvents()
    problems = []
    for button in top.findChildren(QAbstractButton):
        if not button.isVisibleTo(top) or _inside_scroll_area(button, top):
            continue
        rect = QRect(button.mapTo(top, QPoint(0, 0)), button.size())
        if not screen.contains(rect):
            problems.append(f"{button.text() or button.accessibleName() or type(button).__name__} at {rect}")
    return problems


def check_fits(top: QWidget, name: str, scale: str) -> None:
    screen = CASES[scale][0]
    top.move(0, 0)
    if top.width() > screen.width() or top.height() > screen.height():
        top.resize(min(top.width(), screen.width()), min(top.height(), screen.height()))
    QApplication.processEvents()
    assert top.width() <= screen.width() and top.height() <= screen.height(), (
        f"{name} is {top.width()}x{top.height()}, minimum {top.minimumSizeHint().width()}x"
        f"{top.minimumSizeHint().height()}"
    )
    assert off_screen_buttons(top, screen) == [], f"{name}: buttons off a {screen.width()}x{screen.height()} screen"
    top.grab().save(str(screenshot_dir() / f"fit-{name}-{scale}.png"))


def test_the_calendar_window_and_its_dialogs_fit(qtbot, demo_services, settings, prompts, font_scale) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(CASES[font_scale][0].size())
    check_fits(window, "calendar-day", font_scale)
    window.set_mode("week")
    check_fits(window, "calendar-week", font_scale)
    assert window.width() <= CASES[font_scale][0].width(), "switching to the week view widened the window"
    window.set_mode("day")
    window.show_day(None, date(2026, 12, 2))
    for name, open_dialog in (
        ("booking", lambda: window.new_booking()),
        ("free-room", window.find_free_room),
        ("settings", window.open_settings),
        ("search", window.open_search),
    ):
        dialog = open_dialog()
        qtbot.waitExposed(dialog)
        check_fits(dialog, name, font_scale)
        dialog.reject()
    row = window.sessions_model.rows()[0]
    window.view.select(row)
    for name, open_dialog in (("move", window.move_selected), ("edit-details", window.edit_selected)):
        dialog = open_dialog()
        qtbot.waitExposed(dialog)
        check_fits(dialog, name, font_scale)
        dialog.reject()


def test_the_planning_window_and_the_request_form_fit(qtbot, demo_services, settings, prompts, font_scale) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(CASES[font_scale][0].size())
    planning = window.open_planning()
    qtbot.waitExposed(planning)
    try:
        tabs = planning.findChild(QTabWidget)
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            check_fits(planning, f"planning-tab{index + 1}", font_scale)
        tabs.setCurrentIndex(0)
        form = planning.requests.add_request()
        qtbot.waitExposed(form)
        check_fits(form, "request-form", font_scale)
        form.reject()
    finally:
        planning.join()
