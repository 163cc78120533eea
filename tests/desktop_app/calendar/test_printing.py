"""Printing to PDF with Qt: the day sheet names hub, rooms and sessions; the door sheet is A4 landscape,
carries the room feed's QR code and never names a private session; the current view prints as shown."""

from __future__ import annotations

from datetime import time

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QImage, QPainter

from desktop_app.calendar.printing import door_sheet_document, qr_image
from models.types import Frequency, Visibility
from scheduler.services.booking import NewBooking
from tests.desktop_app.conftest import FRIDAY
from tests.screenshots import screenshot_dir


def pdf_text(path) -> str:
    """The PDF's text with every run of white space as one space (pypdf gives tabs between words)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(str(path)).pages).split())


@pytest.fixture
def with_private(small):
    small.services.booking.book(
        NewBooking(
            room_id=small.borough.meeting_id,
            organisation_id=small.borough.advice_id,
            title="Refuge outreach",
            first_date=FRIDAY,
            start=time(14),
            duration_min=60,
            frequency=Frequency.ONCE,
            visibility=Visibility.PRIVATE,
        )
    )
    return small


def test_day_sheet_pdf_names_the_hub_rooms_sessions_and_attendance(qtbot, window, with_private, tmp_path) -> None:
    window.show_day(with_private.borough.civic_id, FRIDAY)
    path = tmp_path / "day.pdf"
    window.print_day_sheet(str(path))
    text = pdf_text(path)
    for expected in ("Ilford Civic Hub", "Main Hall", "Meeting Room 1", "Food pantry", "40 people", "Advice drop-in"):
        assert expected in text, expected
    assert "Refuge outreach" in text and "(private)" in text  # staff sheet: marked, not hidden


def test_door_sheet_pdf_is_landscape_hides_private_titles_and_has_the_feed(
    qtbot, window, with_private, tmp_path
) -> None:
    window.show_week(with_private.borough.meeting_id, FRIDAY)
    path = tmp_path / "door.pdf"
    window.print_door_sheet(str(path))
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape
    text = pdf_text(path)
    assert "Meeting Room 1" in text and "Ilford Civic Hub" in text
    assert "Advice drop-in" in text and "Private booking" in text
    assert "Refuge outreach" not in text
    assert "rooms/ilford-civic-hub/meeting-room-1.ics" in text.replace(" ", "")


def test_the_qr_code_is_a_real_image(qtbot) -> None:
    image = qr_image("https://feeds.example.org/hubs/rooms/x.ics")
    assert not image.isNull() and image.width() == image.height() >= 100


def test_current_view_prints_to_a_pdf(qtbot, window, tmp_path) -> None:
    path = tmp_path / "view.pdf"
    window.print_view(str(path))
    assert len(PdfReader(str(path)).pages) == 1


def test_door_sheet_screenshot(qtbot, demo_services) -> None:
    hubs = demo_services.directory.hubs()
    room = next(r for h in hubs for r in h.rooms if r.name == "Main Hall" and h.name.startswith("Ilford"))
    sheet = demo_services.wired.sheets.door_sheet(room.id, FRIDAY.replace(year=2026, month=12, day=2))
    document = door_sheet_document(sheet, f"https://feeds.example.org/hubs/{sheet.feed_path}")
    document.setPageSize(QSizeF(1123, 794))  # A4 landscape at 96 dpi
    image = QImage(1123, 794, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    assert image.save(str(screenshot_dir() / "door_sheet.png"))
