"""CalendarLayout: geometry and hit-testing, without a window or an application."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from PySide6.QtCore import QPointF

from desktop_app.calendar.view.layout import HEADER, RULER, CalendarLayout, Column
from desktop_app.settings import TimeGrid
from scheduler.services.queries import OccurrenceRow

DAY = date(2027, 1, 15)  # winter: London is UTC


def row(id_: int, room_id: int, start: time, end: time, status: str = "scheduled") -> OccurrenceRow:
    begin, finish = datetime.combine(DAY, start), datetime.combine(DAY, end)
    return OccurrenceRow(
        id=id_, uid=f"u{id_}", recurrence_id="", series_id=id_, series_version=1, room_id=room_id,
        room=f"Room {room_id}", hub="Hub", title=f"Session {id_}", organisation="Org", sector="council",
        visibility="public", start_utc=begin.replace(tzinfo=UTC), end_utc=finish.replace(tzinfo=UTC),
        start_local=begin, end_local=finish, status=status,
    )  # fmt: skip


def layout(*rooms: int, hubs: tuple[str, ...] = ()) -> CalendarLayout:
    geo = CalendarLayout()
    columns = [Column(r, DAY, f"Room {r}", "", hubs[i] if hubs else "") for i, r in enumerate(rooms)]
    geo.set_columns(columns, [], TimeGrid(day_start=8, day_end=20, slot_min=15))
    geo.zoom, geo.column_width = 1.0, 100
    return geo


def test_a_session_block_spans_its_column_and_its_minutes():
    geo = layout(1, 2)
    geo.place([row(7, 2, time(10), time(11, 30))], viewport_width=800)
    rect = geo.block_rect(7)
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (RULER + 100, HEADER + 120, 100, 90)


def test_a_point_inside_a_block_hits_it_and_a_point_beside_it_does_not():
    geo = layout(1, 2)
    geo.place([row(7, 2, time(10), time(11))], viewport_width=800)
    assert geo.block_at(QPointF(RULER + 150, HEADER + 130)).id == 7
    assert geo.block_at(QPointF(RULER + 50, HEADER + 130)) is None


def test_cancelled_sessions_are_not_placed():
    geo = layout(1)
    geo.place([row(7, 1, time(10), time(11), status="cancelled")], viewport_width=800)
    assert geo.blocks == []


def test_cell_at_gives_column_and_minute_and_nothing_left_of_the_grid():
    geo = layout(1, 2, 3)
    assert geo.cell_at(QPointF(RULER + 250, HEADER + 60)) == (2, 9 * 60)
    assert geo.cell_at(QPointF(RULER - 1, HEADER + 60)) is None
    assert geo.cell_at(QPointF(RULER + 350, HEADER + 60)) is None


def test_snap_rounds_to_the_grid_and_stays_inside_the_day():
    geo = layout(1)
    assert geo.snap(9 * 60 + 8) == 9 * 60 + 15
    assert geo.snap(9 * 60 + 7) == 9 * 60
    assert geo.snap(2 * 60) == 8 * 60
    assert geo.snap(23 * 60) == 20 * 60


def test_fit_columns_shares_the_width_but_never_below_the_minimum():
    geo = layout(1, 2, 3, 4)
    geo.fit_columns = True
    geo.place([], viewport_width=RULER + 800)
    assert geo.column_width == 200
    geo.place([], viewport_width=RULER + 200)
    assert geo.column_width == 100


def test_visible_columns_follow_the_scroll_position():
    geo = layout(*range(1, 11))
    assert geo.visible_columns(0, RULER + 250) == range(0, 3)
    assert geo.visible_columns(450, RULER + 250) == range(4, 8)  # column 7 touches the right edge


def test_row_at_finds_the_session_covering_a_minute():
    geo = layout(1)
    geo.place([row(7, 1, time(10), time(11))], viewport_width=800)
    assert geo.row_at(0, 10 * 60 + 59).id == 7
    assert geo.row_at(0, 11 * 60) is None


def test_hub_bands_group_consecutive_columns_of_a_hub():
    geo = layout(1, 2, 3, 4, hubs=("Ilford", "Ilford", "Hainault", "Hainault"))
    assert geo.hub_bands() == [("Ilford", 0, 1), ("Hainault", 2, 3)]
