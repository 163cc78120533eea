"""All hubs readable: a band per hub over its rooms, headers that name the hub, fit to width, one hub fits."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QFont

from desktop_app.main_window import WEEK
from tests.desktop_app.conftest import FRIDAY, open_window
from tests.screenshots import screenshot_dir


def test_day_view_groups_rooms_under_a_band_per_hub(qtbot, window, small) -> None:
    window.show_day(None, FRIDAY)
    bands = window.view.geo.hub_bands()
    assert [hub for hub, *_ in bands] == ["Hainault Hub", "Ilford Civic Hub"]
    assert window.view.geo.band > 0
    # Every column's header names its hub, so two "Main Hall"s are told apart.
    assert all(c.hub in c.subtitle for c in window.view.columns())


def test_a_week_header_names_the_room_and_its_hub(qtbot, window, small) -> None:
    window.show_week(small.borough.hainault_hall_id, FRIDAY)
    assert window.mode == WEEK
    assert all(c.subtitle == "Main Hall, Hainault Hub" for c in window.view.columns())


def test_fit_to_width_shows_every_room_without_scrolling(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    window.show_day(None, date(2026, 12, 2))
    assert window.view.horizontalScrollBar().maximum() > 0  # 168 px per room: the hubs do not fit
    window.fit_action.setChecked(True)
    window.grab().save(str(screenshot_dir() / "all_hubs_fit.png"))
    print(window.width(), window.minimumSizeHint().width(), window.view.viewport().width(), len(window.view.columns()))
    assert window.view.horizontalScrollBar().maximum() == 0
    assert len(window.view.geo.hub_bands()) == len(demo_services.directory.hubs())
    window.grab().save(str(screenshot_dir() / "all_hubs_fit.png"))
    window.fit_action.setChecked(False)
    assert window.view.horizontalScrollBar().maximum() > 0
    window.grab().save(str(screenshot_dir() / "all_hubs.png"))


def test_one_hub_fits_its_rooms_in_the_window(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    ilford = next(h for h in demo_services.directory.hubs() if h.name.startswith("Ilford"))
    window.show_day(ilford.id, date(2026, 12, 2))
    assert window.view.horizontalScrollBar().maximum() == 0, "every Ilford room should be on screen"


def test_a_large_font_grows_the_header_and_ruler_instead_of_clipping(qtbot, window) -> None:
    normal_header, normal_ruler = window.view.geo.header, window.view.geo.ruler
    font = QFont(window.view.font())
    font.setPointSizeF(font.pointSizeF() * 1.6)
    window.view.setFont(font)
    line = window.view.fontMetrics().height()
    assert window.view.geo.header >= window.view.geo.band + 2 * line
    assert window.view.geo.header > normal_header
    assert window.view.geo.ruler >= window.view.fontMetrics().horizontalAdvance("00:00") + 6
    assert window.view.geo.ruler >= normal_ruler
