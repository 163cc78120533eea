"""The Details pane's text: a session's facts as HTML for a QTextBrowser.

Owns: the wording and layout of a session's details (title, organisation, sector, where, when, pattern,
visibility, attendance, the organisation's contacts with mailto and copy links, the series' previous and
next sessions as links, the last change and the history). Pure functions of a `SessionDetails` and a
translation function, so they are tested without a window. Must not import QtWidgets or any service.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from desktop_app.calendar.words import people
from desktop_app.item_models import SECTOR_LABELS
from scheduler.recurrence import to_local
from scheduler.services.calendar import SessionDetails

Translate = Callable[[str], str]
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def placeholder_html(tr: Translate) -> str:
    return tr(
        "<p>Select a session to see its details.</p><p>Drag across free time, or press Enter on a free "
        "slot, to book. Drag a session to move it. Ctrl+Up/Down steps between sessions.</p>"
    )


def _contact_html(contact: str, tr: Translate) -> str:
    """Each part of the contact (comma or semicolon separated) as text, an e-mail address also as a
    mailto link, and a Copy link for the whole of it."""
    e = html.escape
    parts = [p.strip() for p in contact.replace(";", ",").split(",") if p.strip()]
    shown = ", ".join(f"<a href='mailto:{quote(p)}'>{e(p)}</a>" if EMAIL.fullmatch(p) else e(p) for p in parts)
    return f"{shown} <a href='copy:{quote(contact)}'>[{tr('Copy')}]</a>"


def _session_link(place: tuple[int, int, datetime] | None, tr: Translate) -> str:
    if place is None:
        return tr("none")
    occurrence_id, room_id, start = place
    return f"<a href='session:{occurrence_id}:{room_id}:{start:%Y-%m-%d}'>{start:%a %d %b %Y %H:%M}</a>"


def parse_session_link(href: str) -> tuple[int, int, date] | None:
    """(occurrence id, room id, day) of a `session:` link in the details, else None."""
    if not href.startswith("session:"):
        return None
    _, occurrence_id, room_id, day = href.split(":")
    return int(occurrence_id), int(room_id), date.fromisoformat(day)


def details_html(info: SessionDetails, tr: Translate) -> str:
    e = html.escape
    visibility = {
        "public": tr("Public"),
        "generic": tr("Generic title in public feeds"),
        "private": tr("Private: not in public feeds"),
    }
    history = "".join(
        f"<li>{e(f'{to_local(h.at):%d %b %Y %H:%M}')} — {e(h.operator)}: {e(h.summary)}</li>"
        for h in reversed(info.history)
    )
    last = info.history[-1] if info.history else None
    last_change = (
        f"<b>{tr('Last change')}:</b> {e(f'{to_local(last.at):%d %b %Y %H:%M}')} {tr('by')} {e(last.operator)}: "
        f"{e(last.summary)}"
        if last is not None
        else f"<b>{tr('Last change')}:</b> {tr('none recorded')}"
    )
    contact = _contact_html(info.contact, tr) if info.contact else tr("none recorded")
    return (
        f"<h3>{e(info.title)}</h3>"
        f"<p><b>{tr('Organisation')}:</b> {e(info.organisation)}<br>"
        f"<b>{tr('Contact')}:</b> {contact}<br>"
        f"<b>{tr('Sector')}:</b> {e(SECTOR_LABELS.get(info.sector, info.sector))}<br>"
        f"<b>{tr('Where')}:</b> {e(info.room)}<br>"
        f"<b>{tr('When')}:</b> {info.start_local:%a %d %b %Y %H:%M}–{info.end_local:%H:%M}"
        f"{' (' + tr('moved') + ')' if info.status == 'moved' else ''}<br>"
        f"<b>{tr('Pattern')}:</b> {e(info.pattern)}<br>"
        f"<b>{tr('Previous')}:</b> {_session_link(info.previous, tr)} · "
        f"<b>{tr('Next')}:</b> {_session_link(info.next, tr)}<br>"
        f"<b>{tr('Visibility')}:</b> {e(visibility.get(info.visibility, info.visibility))}"
        f"{' · ' + tr('location hidden') if info.hide_location else ''}<br>"
        f"<b>{tr('Expected')}:</b> {people(info.attendance)}</p>"
        f"<p>{last_change}</p>"
        f"<h4>{tr('History')}</h4><ul>{history}</ul>"
    )
