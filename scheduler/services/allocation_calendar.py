"""The sessions an allocation proposal would create, dated, for drawing in a calendar before it is accepted.

Owns: turning an `AllocationPreview` (weekly placements) into the dated sessions it proposes in a date
range, from the dates the solver computed for each placement (frequency, fortnight week, nth weekday, term
breaks and closures already applied), so the calendar preview shows exactly the days `apply` would book.
Reads nothing from the database: the preview carries everything.

Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the calendar imports this module; OR-Tools must not load with it
    from scheduler.services.allocation import AllocationPreview

MOVED = ("room", "hub", "time")


@dataclass(frozen=True)
class PreviewSession:
    """One proposed session: where and when a placement would meet on one day (Europe/London wall time)."""

    request_id: int
    room_id: int
    day: date
    start: time
    end: time
    title: str
    organisation: str
    sector: str
    change: str  # the placement's change: new, unchanged, pinned, room, hub, time
    room: str
    hub: str

    @property
    def kind(self) -> str:
        """The change in one word a person reads: "new", "moved", "unchanged" or "pinned"."""
        return "moved" if self.change in MOVED else self.change


def preview_sessions(preview: AllocationPreview, first: date, last: date) -> list[PreviewSession]:
    """The proposed sessions from `first` to `last` (inclusive), ordered by day, start and room.

    Args:
        preview: the proposal under review.
        first: the first day shown.
        last: the last day shown.

    Returns:
        One `PreviewSession` per meeting date of each placement that falls in the range; dates lost to
        closures, bank holidays and (unless the request runs in them) term breaks are not among them.
    """
    # One lookup table rather than `result.placement_for` per row: the calendar asks on every date change.
    dates = {int(p.request_id): p.dates for p in preview.result.placements}
    sessions = []
    for row in preview.placements:
        for day in dates.get(row.request_id, ()):
            if first <= day <= last:
                sessions.append(
                    PreviewSession(
                        request_id=row.request_id,
                        room_id=row.room_id,
                        day=day,
                        start=row.start,
                        end=row.end,
                        title=row.title,
                        organisation=row.organisation,
                        sector=row.sector,
                        change=row.change,
                        room=row.room,
                        hub=row.hub,
                    )
                )
    sessions.sort(key=lambda s: (s.day, s.start, s.room_id, s.request_id))
    return sessions
