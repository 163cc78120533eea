"""Printing and PDF with Qt's own QPrinter / QPdfWriter: a hub's day sheet, a room's weekly door sheet
(A4 landscape, with a QR code of the room's feed made by `segno`), and the calendar as shown.

Owns: turning a `DaySheet` / `DoorSheet` (scheduler.services.sheets, which decides what each sheet may
say) into a QTextDocument, and sending a document or a widget to a printer or a PDF file. Must not open a
database session or decide what is private: the sheets arrive already worded.
"""

from __future__ import annotations

import html
import io
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QWidget

from desktop_app.calendar.words import people
from scheduler.services.sheets import DaySheet, DoorSheet

A4 = QPageSize(QPageSize.PageSizeId.A4)
QR_RESOURCE = "hubsched://qr.png"


def page_layout(landscape: bool) -> QPageLayout:
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(A4, orientation, QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)


def pdf_writer(path: Path | str, landscape: bool, title: str) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setPageLayout(page_layout(landscape))
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Hub Scheduler")
    return writer


def print_document(document: QTextDocument, device: QPagedPaintDevice) -> None:
    """Lay the document out on the device's pages and print it (a QPrinter or a QPdfWriter)."""
    document.print_(device)


def _document(body: str, *, point_size: float = 10.0) -> QTextDocument:
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(point_size)
    document.setDefaultFont(font)
    document.setDefaultStyleSheet(
        "table { border-collapse: collapse; } th, td { border: 1px solid #777; padding: 4px; vertical-align: top; }"
        " th { background: #e8e8e8; text-align: left; } h1 { font-size: 18pt; } .private { font-style: italic; }"
    )
    document.setHtml(body)
    return document


def day_sheet_document(sheet: DaySheet) -> QTextDocument:
    """The front desk's sheet: every room of the hub, every session, organisation and attendance."""
    e = html.escape
    rows = []
    for room in sheet.rooms:
        if not room.sessions:
            rows.append(
                f"<tr><td><b>{e(room.room)}</b><br>{e(people(room.capacity))}</td>"
                f"<td colspan='4'><i>{e(_tr('Free all day'))}</i></td></tr>"
            )
            continue
        for number, session in enumerate(room.sessions):
            head = (
                f"<td rowspan='{len(room.sessions)}'><b>{e(room.room)}</b><br>{e(people(room.capacity))}</td>"
                if number == 0
                else ""
            )
            private = f" <span class='private'>({e(_tr('private'))})</span>" if session.private else ""
            rows.append(
                f"<tr>{head}<td>{session.start:%H:%M}–{session.end:%H:%M}</td>"
                f"<td>{e(session.title)}{private}</td><td>{e(session.organisation)}</td>"
                f"<td>{e(people(session.attendance))}</td></tr>"
            )
    body = (
        f"<h1>{e(sheet.hub)}</h1><p><b>{e(_tr('Day sheet for'))} {sheet.day:%A %d %B %Y}</b> · "
        f"{e(_tr('for the hub team: includes private sessions; do not display'))}</p>"
        f"<table width='100%'><tr><th>{e(_tr('Room'))}</th><th>{e(_tr('Time'))}</th>"
        f"<th>{e(_tr('Session'))}</th><th>{e(_tr('Organisation'))}</th><th>{e(_tr('Expected'))}</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return _document(body)


def qr_image(url: str) -> QImage:
    import segno  # only when a door sheet is printed, not while the calendar starts

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    image = QImage()
    image.loadFromData(buffer.getvalue(), "PNG")
    return image


def door_sheet_document(sheet: DoorSheet, feed_url: str) -> QTextDocument:
    """The week on the room's door (A4 landscape): a column per day, a QR code of the room's feed."""
    e = html.escape
    days = [(d, sessions) for d, sessions in sheet.days if d.weekday() < 5 or sessions]
    cells = []
    for _day, sessions in days:
        lines = [
            f"<p><b>{s.start:%H:%M}–{s.end:%H:%M}</b><br>{e(s.title)}"
            + (f"<br><small>{e(s.organisation)}</small>" if s.organisation else "")
            + "</p>"
            for s in sessions
        ]
        width = 100 // max(1, len(days))
        cells.append(f"<td width='{width}%'>{''.join(lines) or '&nbsp;'}</td>")
    heads = "".join(f"<th>{d:%a %d %b}</th>" for d, _ in days)
    last = sheet.monday + timedelta(days=6)
    body = (
        "<table width='100%' style='border: none'><tr>"
        f"<td style='border: none'><h1>{e(sheet.room)}</h1><p><b>{e(sheet.hub)}</b><br>"
        f"{e(_tr('Week of'))} {sheet.monday:%A %d %B %Y}</p></td>"
        f"<td style='border: none' align='right'><img src='{QR_RESOURCE}' width='110' height='110'><br>"
        f"<small>{e(_tr('This room’s calendar:'))}<br>{e(feed_url)}</small></td></tr></table>"
        f"<table width='100%'><tr>{heads}</tr><tr>{''.join(cells)}</tr></table>"
        f"<p><small>{e(_tr('Printed from Hub Scheduler; bookings can change, the calendar link is current.'))}"
        f" ({sheet.monday:%d %b} – {last:%d %b %Y})</small></p>"
    )
    document = _document(body, point_size=12)
    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(QR_RESOURCE), qr_image(feed_url))
    document.setHtml(body)  # re-laid out now that the image is known
    return document


def write_day_sheet(sheet: DaySheet, path: Path | str) -> None:
    print_document(day_sheet_document(sheet), pdf_writer(path, False, f"{sheet.hub} {sheet.day}"))


def write_door_sheet(sheet: DoorSheet, feed_url: str, path: Path | str) -> None:
    print_document(door_sheet_document(sheet, feed_url), pdf_writer(path, True, f"{sheet.room} {sheet.monday}"))


def print_widget(widget: QWidget, device: QPagedPaintDevice) -> None:
    """The widget as shown, scaled to fit the page (the calendar's "print the current view")."""
    picture = widget.grab()
    painter = QPainter(device)
    page = QRectF(painter.viewport())
    size = QSizeF(picture.size()).scaled(page.size(), Qt.AspectRatioMode.KeepAspectRatio)
    painter.drawPixmap(QRectF(page.topLeft(), size), picture, QRectF(picture.rect()))
    painter.end()


def write_widget(widget: QWidget, path: Path | str, title: str) -> None:
    print_widget(widget, pdf_writer(path, True, title))


def _tr(text: str) -> str:
    return QCoreApplication.translate("Printing", text)
