"""Compatibility re-export: the calendar grid now lives in `desktop_app.calendar.view` (layout, painter,
view). Import from there in new code."""

from desktop_app.calendar.view.layout import HEADER, MAX_ZOOM, MIN_ZOOM, RULER, Column, row_minutes
from desktop_app.calendar.view.painter import NOW_COLOUR, SECTOR_COLOURS
from desktop_app.calendar.view.view import CalendarView

__all__ = [
    "HEADER",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "NOW_COLOUR",
    "RULER",
    "SECTOR_COLOURS",
    "CalendarView",
    "Column",
    "row_minutes",
]
