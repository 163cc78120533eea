"""First impression: a day with no sessions opens on the next day that has some, and says so."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop_app.calendar.words import sentence
from desktop_app.prompts import Prompts
from tests.desktop_app.conftest import open_window

SUNDAY = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)  # Sun 10 Jan 2027; the small borough's next session: Fri 15th


def test_a_sunday_opens_on_the_next_day_with_sessions_and_says_so(qtbot, small, settings, prompts) -> None:
    window = open_window(qtbot, small.services, settings, prompts, now=SUNDAY)
    assert window.current_date() == date(2027, 1, 15)
    assert window.first_notice.isVisible()
    assert "No sessions today (Sun 10 Jan)" in window.first_notice.text()
    assert "Fri 15 Jan" in window.first_notice.text()
    assert window.sessions_model.rows(), "the day shown has sessions"
    window.step_date(1)
    assert not window.first_notice.isVisible()


def test_a_busy_today_stays_today(qtbot, window) -> None:
    assert window.current_date() == date(2027, 1, 15)
    assert not window.first_notice.isVisible()


def test_labels_count_people_in_words(qtbot, window, small) -> None:
    advice = next(r for r in window.sessions_model.rows() if r.title == "Advice drop-in")
    window.view.select(advice)
    assert "Expected: 4 people" in window.details.toPlainText()
    assert any(c.subtitle.endswith("12 people") for c in window.view.columns())
    assert window.statusBar().currentMessage().startswith("2 sessions")


def test_planning_opens_on_the_next_term_with_requests_and_words_an_empty_term(
    qtbot, demo_services, settings, prompts
) -> None:
    window = open_window(qtbot, demo_services, settings, prompts, now=datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    planning = window.open_planning()
    try:
        spring = demo_services.wired.allocation.term_id("Spring 2027")
        assert planning.term_id == spring  # Autumn 2026 is current, but nobody has asked for it
        planning.term.setCurrentIndex(planning.term.findText("Autumn 2026", flags=Qt.MatchFlag.MatchStartsWith))
        planning.tabs.setCurrentWidget(planning.overview)
        qtbot.waitUntil(lambda: "Autumn 2026" in planning.overview.headline.text())
        headline = planning.overview.headline.text()
        assert "nothing has been requested for this term" in headline
        assert "of 0 requested" not in headline
    finally:
        planning.join()


def test_error_messages_start_with_a_capital(qtbot, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, message: shown.append(message))
    Prompts().error(None, "Cannot move", "room is closed on Fri 15 Jan")
    assert shown == ["Room is closed on Fri 15 Jan"]
    assert sentence("cannot open the database") == "Cannot open the database"
