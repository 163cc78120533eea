"""Tab order follows the layout: in every main dialog and form, pressing Tab (QWidget.focusNextChild) from the
first input visits the inputs in the order they appear on screen — column by column in a two-column form,
each top to bottom and left to right within a row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.admin.menu import NewOrganisationDialog
from desktop_app.admin.window import AdministrationWindow
from desktop_app.outbox_window import OutboxWindow
from tests.desktop_app.conftest import open_window
from tests.desktop_app.tab_order import orders


def assert_follows_layout(top: QWidget, within: QWidget | None = None, *, at_least: int = 2) -> None:
    top.show()
    QApplication.processEvents()
    tabbed, on_screen = orders(top, within)
    assert len(tabbed) >= at_least, f"only {tabbed} take the focus"
    assert tabbed == on_screen, f"Tab visits {tabbed}\nbut on screen they read {on_screen}"


CALENDAR_DIALOGS: dict[str, tuple[Callable, int]] = {
    "booking": (lambda w: w.new_booking(), 6),
    "find a free room": (lambda w: w.find_free_room(), 9),
    "settings": (lambda w: w.open_settings(), 6),
    "search": (lambda w: w.open_search(), 1),
    "move": (lambda w: w.move_selected(), 3),
    "edit details": (lambda w: w.edit_selected(), 6),
}


@pytest.mark.parametrize("dialog_name", list(CALENDAR_DIALOGS))
def test_calendar_dialogs(qtbot, demo_services, settings, prompts, dialog_name) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    window.show_day(None, date(2026, 12, 2))
    window.view.select(window.sessions_model.rows()[0])
    opener, at_least = CALENDAR_DIALOGS[dialog_name]
    dialog = opener(window)
    qtbot.waitExposed(dialog)
    try:
        assert_follows_layout(dialog, at_least=at_least)
    finally:
        dialog.reject()


def test_the_calendar_window(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    window.resize(1280, 720)
    assert_follows_layout(window, at_least=6)


def test_the_planning_window_and_the_request_form(qtbot, demo_services, settings, prompts) -> None:
    window = open_window(qtbot, demo_services, settings, prompts)
    planning = window.open_planning()
    qtbot.waitExposed(planning)
    try:
        for panel, at_least in (
            (planning.requests, 4),
            (planning.allocate_tab, 1),
            (planning.closures, 7),
            (planning.feeds, 3),
        ):
            planning.tabs.setCurrentWidget(panel)
            assert_follows_layout(planning, panel, at_least=at_least)
        planning.tabs.setCurrentWidget(planning.requests)
        form = planning.requests.add_request()
        qtbot.waitExposed(form)
        assert_follows_layout(form, at_least=15)
        form.reject()
    finally:
        planning.join()
        planning.close()


def test_the_outbox(qtbot, demo_services, prompts, tmp_path) -> None:
    outbox = OutboxWindow(
        demo_services.wired.outbox, prompts, QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(outbox)
    outbox.resize(1280, 720)
    assert_follows_layout(outbox, at_least=6)


def test_the_administration_forms_and_new_organisation(qtbot, demo_services, prompts) -> None:
    wired = demo_services.wired
    admin = AdministrationWindow(wired.reference, wired.setup, prompts)
    qtbot.addWidget(admin)
    admin.resize(1280, 720)
    admin.show()
    for key, tab in admin.tab.items():
        admin.tabs.setCurrentWidget(tab)
        tab.form.setFocus()
        try:
            assert_follows_layout(admin, tab.form)
        except AssertionError as exc:
            raise AssertionError(f"{key}: {exc}") from None
    dialog = NewOrganisationDialog(wired.reference)
    qtbot.addWidget(dialog)
    assert_follows_layout(dialog, at_least=4)
