"""The Details pane's text: a session's facts as HTML for a QTextBrowser.

Owns: the wording and layout of a session's details (title, organisation, sector, where, when, pattern,
visibility, attendance, history). Pure functions of a `SessionDetails` and a translation function, so
they are tested without a window. Must not import QtWidgets or any service.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from desktop_app.calendar.words import people
from desktop_app.item_models import SECTOR_LABELS
from scheduler.recurrence import to_local
from scheduler.services.calendar import SessionDetails

Translate = Callable[[str], str]


def placeholder_html(tr: Translate) -> str:
    return tr(
        "<p>Select a session to see its details.</p><p>Drag across free time, or press Enter on a free "
        "slot, to book. Drag a session to move it. Ctrl+Up/Down steps between sessions.</p>"
    )


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
    return (
        f"<h3>{e(info.title)}</h3>"
        f"<p><b>{tr('Organisation')}:</b> {e(info.organisation)}<br>"
        f"<b>{tr('Sector')}:</b> {e(SECTOR_LABELS.get(info.sector, info.sector))}<br>"
        f"<b>{tr('Where')}:</b> {e(info.room)}<br>"
        f"<b>{tr('When')}:</b> {info.start_local:%a %d %b %Y %H:%M}–{info.end_local:%H:%M}"
        f"{' (' + tr('moved') + ')' if info.status == 'moved' else ''}<br>"
        f"<b>{tr('Pattern')}:</b> {e(info.pattern)}<br>"
        f"<b>{tr('Visibility')}:</b> {e(visibility.get(info.visibility, info.visibility))}"
        f"{' · ' + tr('location hidden') if info.hide_location else ''}<br>"
        f"<b>{tr('Expected')}:</b> {people(info.attendance)}</p>"
        f"<h4>{tr('History')}</h4><ul>{history}</ul>"
    )
