"""Every window and dialog fits a 1280x720 laptop screen, at the normal font and at 1.5x: nothing is wider
or taller than the screen and every visible button lies on it (inside a scroll area counts: it can be
scrolled to)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QTabWidget, QWidget

from tests.desktop_app.conftest import open_window
from tests.screenshots import screenshot_dir

SCREEN = QRect(0, 0, 1280, 720)


@pytest.fixture(params=[1.0, 1.5], ids=["font-1x", "font-1.5x"])
def font_scale(request, qapp) -> Iterator[float]:
    original = QFont(qapp.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * request.param)
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


def off_screen_buttons(top: QWidget) -> list[str]:
    """Visible buttons of `top` (placed at the screen's corner) that lie partly off the 1280x720 screen."""
    QApplication.processEvents()
    problems = []
    for button in top.findChildren(QAbstractButton):
        if not button.isVisibleTo(top) or _inside_scroll_area(button, top):
            continue
        rect = QRect(button.mapTo(top, QPoint(0, 0)), button.size())
        if not SCREEN.contains(rect):
            problems.append(f"{button.text() or button.accessibleName() or type(button).__name__} at {rect}")
    return problems


def check_fits(top: QWidget, name: str, scale: float) -> None:
    top.move(0, 0)
    if top.width() > SCREEN.width() or top.height() > SCREEN.height():
        top.resize(min(top.width(), SCREEN.width()), min(top.height(), SCREEN.height()))
    QApplication.processEvents()
    assert top.width() <= SCREEN.width() and top.height() <= SCREEN.height(), (
        f"{name} is {top.width()}x{top.height()}, minimum {top.minimumSizeHint().width()}x"
        f"{top.minimumSizeHint().height()}"
    )
    assert off_screen_buttons(top) == [], f"{name}: buttons off a 1280x720 screen"
    top.grab().save(str(screenshot_dir() / f"fit-{name}-{scale}.png"))


def test_the_calendar_window_and_its_dialogs_fit(qtbot, demo_services, settings, prompts, font_scale) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(SCREEN.size())
    check_fits(window, "calendar-day", font_scale)
    window.set_mode("week")
    check_fits(window, "calendar-week", font_scale)
    assert window.width() <= SCREEN.width(), "switching to the week view widened the window"
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
    window.resize(SCREEN.size())
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
