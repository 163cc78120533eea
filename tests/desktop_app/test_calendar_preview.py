"""The calendar's preview layer with hand-made proposed sessions: drawn, labelled, never selectable, and
booked sessions it overlaps stay in view."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from desktop_app.main_window import MainWindow
from scheduler.services.allocation_calendar import PreviewSession
from tests.desktop_app.conftest import FRIDAY, SmallWorld
from tests.desktop_app.test_calendar_workflows import column_of, row_titled


def proposed(room_id: int, start: time, end: time, *, day: date = FRIDAY, change: str = "new") -> PreviewSession:
    return PreviewSession(
        request_id=99,
        room_id=room_id,
        day=day,
        start=start,
        end=end,
        title="Conversation café",
        organisation="Ilford Neighbours",
        sector="resident",
        change=change,
        room="Room",
        hub="Ilford Civic Hub",
    )


def centre(rect) -> QPoint:
    return QPoint(int(rect.center().x()), int(rect.center().y()))


def test_preview_blocks_are_drawn_only_in_the_columns_shown(qtbot, window: MainWindow, small: SmallWorld) -> None:
    view = window.view
    hall = small.borough.hall_id
    before = view.viewport().grab().toImage()
    view.set_preview(
        [
            proposed(hall, time(9), time(10, 30)),
            proposed(hall, time(9), time(10), day=date(2027, 1, 22)),  # another day: not in the columns
        ]
    )
    [(rect, session)] = view.preview_rects()
    assert session.day == FRIDAY and rect.width() > 0 and rect.height() == 90 * view.zoom
    assert view.viewport().grab().toImage() != before, "the proposal is painted"
    view.clear_preview()
    assert view.preview_rects() == [] and view.viewport().grab().toImage() == before


def test_preview_blocks_cannot_be_selected_or_dragged(qtbot, window: MainWindow, small: SmallWorld) -> None:
    view = window.view
    view.scroll_to_time(time(8))
    view.set_preview([proposed(small.borough.hall_id, time(9), time(10, 30))])
    [(rect, _)] = view.preview_rects()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre(rect))
    assert view.selected_row() is None and view.block_at(QPointF(centre(rect))) is None
    assert view.preview_at(QPointF(centre(rect))).title == "Conversation café"
    # Moving the keyboard cursor onto it describes it, without selecting it.
    view.setFocus()
    view.cursor = (column_of(window, small.borough.hall_id), 0)
    for _ in range((9 - view.grid.day_start) * 60 // view.grid.slot_min):
        QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.selected_row() is None
    assert "Proposed (new): Conversation café, 09:00–10:30" in view.accessibleDescription()


def test_a_booked_session_overlapped_by_a_proposal_stays_visible_beside_it(
    qtbot, window: MainWindow, small: SmallWorld
) -> None:
    view = window.view
    pantry = row_titled(window, "Food pantry")  # Main Hall, Fri 12:00–14:00
    full = view.block_rect(pantry.id)
    view.set_preview([proposed(small.borough.hall_id, time(13), time(15), change="time")])
    [(rect, session)] = view.preview_rects()
    booked = view.block_rect(pantry.id)
    assert session.kind == "moved"
    assert booked.width() == full.width() / 2 and booked.left() == full.left()
    assert rect.left() >= booked.right() and not rect.intersects(booked.adjusted(0, 0, -1, 0))
    assert view.block_at(QPointF(centre(booked))) == pantry, "the booked session is still selectable"
    view.clear_preview()
    assert view.block_rect(pantry.id) == full
