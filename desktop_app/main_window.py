"""Compatibility re-export: the calendar window now lives in `desktop_app.calendar.window` (with
`navigation`, `workflows` and `details` beside it). Tests, the app start-up and other windows import
`MainWindow`, `DAY` and `WEEK` from here."""

from desktop_app.calendar.navigation import ALL, DAY, WEEK, combo_value
from desktop_app.calendar.window import MainWindow

__all__ = ["ALL", "DAY", "WEEK", "MainWindow", "combo_value"]
