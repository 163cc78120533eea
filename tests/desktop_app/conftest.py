"""Fixtures for the desktop app: real services on temporary SQLite files, a window per test.

The demo borough is loaded once per test session and copied for each test that wants it (loading it
takes seconds). Each window gets its own INI file for QSettings, so tests never share remembered state,
and a `RecordingPrompts` instead of message boxes, so no modal dialog ever blocks a test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from desktop_app.main_window import MainWindow
from desktop_app.prompts import Prompts, Scope
from desktop_app.services import AppServices, connect
from desktop_app.settings import AppSettings
from models import db
from models.types import Frequency
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import Borough, make_borough

# pytest-qt gives up on a signal or condition after 5 s. That bounds a hang; it measures no speed, and a
# busy 2-core CI machine running the whole suite can take longer than 5 s to solve or save off the GUI
# thread. A test that states its own timeout keeps it.
WAIT_MS = 60_000
for _name in ("waitSignal", "waitSignals", "waitUntil", "waitCallback", "waitExposed", "waitActive"):
    getattr(QtBot, _name).__kwdefaults__["timeout"] = WAIT_MS

# Fri 15 Jan 2027, 10:30 in London: the tests' "now" for the small borough.
NOW = datetime(2027, 1, 15, 10, 30, tzinfo=UTC)
FRIDAY = date(2027, 1, 15)


@dataclass
class RecordingPrompts(Prompts):
    """Records every error; answers scope questions from a script (default: this session only)."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    scopes: list[Scope | None] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    confirmations: list[bool] = field(default_factory=list)  # scripted yes/no answers (default yes)
    scope_offers: list[bool] = field(default_factory=list)  # whether "this session only" was offered

    def error(self, parent, title: str, message: str) -> None:
        self.errors.append((title, message))

    def confirm(self, parent, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.confirmations.pop(0) if self.confirmations else True

    def choose_scope(self, parent, title: str, question: str, *, allow_session: bool = True) -> Scope | None:
        self.questions.append(question)
        self.scope_offers.append(allow_session)
        return self.scopes.pop(0) if self.scopes else (Scope.SESSION if allow_session else Scope.SERIES)


@dataclass
class SmallWorld:
    services: AppServices
    borough: Borough
    pantry_series: int
    url: str


@pytest.fixture(scope="session")
def demo_template(sqlite_demo_template) -> str:
    """The demo borough as `hubsched demo` loads it, once per test worker (shared with the other tests)."""
    return str(sqlite_demo_template)


@pytest.fixture
def demo_services(demo_template, tmp_path) -> Iterator[AppServices]:
    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, target)
    services = connect(f"sqlite:///{target}", "Tester")
    yield services
    services.close()


@pytest.fixture
def small(migrated_sqlite_url) -> Iterator[SmallWorld]:
    engine = db.make_engine(migrated_sqlite_url)
    borough = make_borough(db.make_session_factory(engine))
    engine.dispose()
    services = connect(migrated_sqlite_url, "Tester")
    pantry = services.booking.book(
        NewBooking(
            room_id=borough.hall_id,
            organisation_id=borough.pantry_id,
            title="Food pantry",
            first_date=date(2027, 1, 8),
            last_date=date(2027, 1, 29),
            frequency=Frequency.WEEKLY,
            start=time(12),
            duration_min=120,
            attendance=40,
        )
    )
    services.booking.book(
        NewBooking(
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Advice drop-in",
            first_date=FRIDAY,
            start=time(10),
            duration_min=60,
            attendance=4,
        )
    )
    yield SmallWorld(services, borough, pantry.series_id, migrated_sqlite_url)
    services.close()


@pytest.fixture
def settings(tmp_path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def prompts() -> RecordingPrompts:
    return RecordingPrompts()


def open_window(qtbot, services: AppServices, settings: AppSettings, prompts: Prompts, now=NOW) -> MainWindow:
    window = MainWindow(
        services,
        settings,
        prompts=prompts,
        clock=lambda: now,
        connect=lambda url, timeout=None: connect(url, "Tester", timeout=timeout),
    )
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, small: SmallWorld, settings, prompts) -> MainWindow:
    window = open_window(qtbot, small.services, settings, prompts)
    window.show_day(None, FRIDAY)
    return window


@pytest.fixture
def someone_else(small: SmallWorld) -> Iterator[BookingService]:
    """A second BookingService on the same database: 'someone else' at another desk."""
    engine = db.make_engine(small.url)
    yield BookingService(db.make_session_factory(engine), "Someone Else")
    engine.dispose()
