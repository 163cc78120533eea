"""Fixtures for the planning window: real services on a copy of the demo borough, own QSettings, no modal
dialogs, and every background thread joined before a test ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings

from desktop_app.planning.planning_window import PlanningWindow
from desktop_app.planning.services import PlanningServices
from desktop_app.services import AppServices
from models.types import ClosureScope
from tests.screenshots import screenshot_dir


@pytest.fixture
def planning_services(demo_services: AppServices) -> PlanningServices:
    return PlanningServices.on(demo_services.engine, "Tester")


@pytest.fixture
def allocated(planning_services, spring) -> None:
    """Spring 2027 allocated and applied, so the demo's rooms hold the term's sessions."""
    allocation = planning_services.allocation
    allocation.apply(allocation.preview(spring, time_limit=5))


BOOTH_DAYS = (date(2027, 1, 18), date(2027, 1, 19))


def draft_booth_closure(qtbot, panel) -> None:
    """Fill the closures panel: Interview Booth 1 at Ilford Civic Hub, 18–19 Jan 2027, for a refit."""
    panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.ROOM.value))
    panel.room.setCurrentIndex(panel.room.findText("Interview Booth 1, Ilford Civic Hub"))
    first, last = BOOTH_DAYS
    panel.first_day.setDate(QDate(first.year, first.month, first.day))
    panel.last_day.setDate(QDate(last.year, last.month, last.day))
    qtbot.keyClicks(panel.reason, "Booth refit")


def booth_sessions(services: AppServices) -> list:
    """The live sessions in Interview Booth 1 on the booth closure's days."""
    rows = services.occurrences.between(*BOOTH_DAYS, include_cancelled=False)
    return [o for o in rows if o.room == "Interview Booth 1" and o.hub == "Ilford Civic Hub"]


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "planning.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def spring(planning_services: PlanningServices) -> int:
    return planning_services.allocation.term_id("Spring 2027")


@pytest.fixture
def planning(qtbot, planning_services, prompts, qsettings, spring) -> Iterator[PlanningWindow]:
    window = PlanningWindow(planning_services, prompts, qsettings, term_id=spring)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.join()
    assert window.idle, "a planning thread outlived the test"


def screenshot(widget, name: str) -> Path:
    path = screenshot_dir() / f"planning-{name}.png"
    assert widget.grab().save(str(path))
    return path
