"""The Details panel's buttons (Edit details…, Move…, Cancel…) wrap onto a second row when the dock is narrow or
the font is large, so no sideways scroll is needed: at 1280x720 and 1.5x font no horizontal scroll bar shows
and every button lies inside the panel's visible area."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QScrollArea

from tests.desktop_app.conftest import open_window
from tests.screenshots import screenshot_dir


@pytest.fixture
def big_font(qapp):
    original = QFont(qapp.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 1.5)
    qapp.setFont(bigger)
    yield
    qapp.setFont(original)


@pytest.mark.parametrize("dock_width", [None, 200])  # as the window lays it out, and dragged narrow
def test_details_buttons_wrap_instead_of_scrolling_sideways(
    qtbot, demo_services, settings, prompts, big_font, dock_width
) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    window.show_day(None, date(2026, 12, 2))
    window.view.select(window.sessions_model.rows()[0])
    dock = window.details_dock
    if dock_width is not None:
        window.resizeDocks([dock], [dock_width], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    area = dock.widget()
    assert isinstance(area, QScrollArea)
    buttons = [window.edit_button, window.move_button, window.cancel_button]
    assert all(b.isVisibleTo(window) and b.isEnabled() for b in buttons)
    viewport = area.viewport()
    assert not area.horizontalScrollBar().isVisible(), (
        f"sideways scroll in a {viewport.width()} px wide Details panel; buttons need "
        f"{sum(b.sizeHint().width() for b in buttons)} px in one row"
    )
    visible = QRect(QPoint(0, 0), viewport.size())
    for button in buttons:
        rect = QRect(button.mapTo(viewport, QPoint(0, 0)), button.size())
        assert visible.contains(rect), f"{button.text()} at {rect} outside the panel's {visible}"
    rows = {button.mapTo(viewport, QPoint(0, 0)).y() for button in buttons}
    if sum(b.sizeHint().width() for b in buttons) > viewport.width():
        assert len(rows) >= 2, "the buttons did not wrap although one row is too wide"
    dock.grab().save(str(screenshot_dir() / f"details-buttons-font-1.5x-{dock_width or 'default'}.png"))
