"""Details that help on the phone: the organisation's contacts (mailto, copy), the series' previous and
next sessions (a click jumps there), and the last change from the audit."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from sqlalchemy import update

from models.entities import Organisation
from tests.desktop_app.conftest import FRIDAY
from tests.desktop_app.test_calendar_workflows import row_titled


def details_links(window) -> list[str]:
    html = window.details.toHtml()
    return [part.split('"')[0] for part in html.split('href="')[1:]]


def test_details_show_contacts_neighbours_and_last_change(qtbot, window, small) -> None:
    with small.services.wired.sessions.begin() as session:
        session.execute(
            update(Organisation)
            .where(Organisation.id == small.borough.pantry_id)
            .values(contact="pantry@example.org, 020 8000 0000")
        )
    pantry = row_titled(window, "Food pantry")
    window.view.select(pantry)
    text = window.details.toPlainText()
    assert "Contact: pantry@example.org, 020 8000 0000" in text
    assert "Previous: Fri 08 Jan 2027 12:00" in text and "Next: Fri 22 Jan 2027 12:00" in text
    assert "Last change:" in text and "Tester" in text
    links = details_links(window)
    assert "mailto:pantry%40example.org" in links or "mailto:pantry@example.org" in links
    copy = next(link for link in links if link.startswith("copy:"))
    window.details.anchorClicked.emit(QUrl(copy))
    assert QGuiApplication.clipboard().text() == "pantry@example.org, 020 8000 0000"
    following = next(link for link in links if link.startswith("session:"))  # the previous session first
    window.details.anchorClicked.emit(QUrl(following))
    assert window.current_date() == date(2027, 1, 8)
    assert window.view.selected_row().title == "Food pantry"
    assert "Previous: none" in window.details.toPlainText()


def test_a_one_off_has_no_neighbours_and_no_contact_says_so(qtbot, window) -> None:
    advice = row_titled(window, "Advice drop-in", FRIDAY)
    window.view.select(advice)
    text = window.details.toPlainText()
    assert "Previous: none" in text and "Next: none" in text
    assert "Contact: none recorded" in text
