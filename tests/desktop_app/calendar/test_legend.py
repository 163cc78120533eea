"""The legend names every sector and state in words, and draws no half label when short of room."""

from __future__ import annotations

from desktop_app.calendar.legend import CalendarLegend
from desktop_app.calendar.view.painter import SECTOR_PATTERNS


def test_the_legend_names_each_sector_and_state(qtbot) -> None:
    legend = CalendarLegend()
    qtbot.addWidget(legend)
    description = legend.accessibleDescription()
    for words in ("Council", "Partner", "Resident-led", "Private", "moved", "Proposed", "Hub closed", "holiday"):
        assert words in description
    # Each sector has its own pattern as well as its colour: colour is never the only cue.
    assert len(set(SECTOR_PATTERNS.values())) == len(SECTOR_PATTERNS) == 3


def test_a_narrow_legend_still_paints(qtbot) -> None:
    legend = CalendarLegend()
    qtbot.addWidget(legend)
    legend.resize(200, legend.sizeHint().height())
    assert not legend.grab().isNull()
