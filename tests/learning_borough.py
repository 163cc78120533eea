"""A small borough with a past term and recorded attendance, on a real database (CLI, PDF and GUI tests).

Autumn 2026 (2 Nov - 27 Nov 2026, already past) at Ilford Civic Hub:
- Food pantry (public, Ilford Food Pantry), Main Hall, Fridays 12:00-15:00, 6, 13, 20, 27 Nov:
  took place with 30, 26, 14 and 10 people.
- Debt advice (PRIVATE, Citizens Advice Redbridge), Meeting Room 1, Tuesdays 10:00-11:00, 3 and 10 Nov:
  a no-show and a late cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session, sessionmaker

from models.entities import Term
from models.types import Frequency, Outcome, Visibility
from scheduler.services.attendance import AttendanceEntry, AttendanceService
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import Borough, make_borough

AFTER = datetime(2026, 11, 28, 12, tzinfo=UTC)


@dataclass(frozen=True)
class LearningBorough:
    borough: Borough
    autumn_id: int


def make_learning_borough(sessions: sessionmaker[Session], *, record: bool = True) -> LearningBorough:
    borough = make_borough(sessions)
    with sessions.begin() as s:
        autumn = Term(name="Autumn 2026", first_day=date(2026, 11, 2), last_day=date(2026, 11, 27))
        s.add(autumn)
        s.flush()
        autumn_id = autumn.id
    booking = BookingService(sessions, "Tester")
    booking.book(
        NewBooking(
            room_id=borough.hall_id,
            organisation_id=borough.pantry_id,
            title="Food pantry",
            first_date=date(2026, 11, 6),
            last_date=date(2026, 11, 27),
            start=time(12),
            duration_min=180,
            frequency=Frequency.WEEKLY,
            attendance=40,
            term_id=autumn_id,
        )
    )
    booking.book(
        NewBooking(
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Debt advice",
            visibility=Visibility.PRIVATE,
            first_date=date(2026, 11, 3),
            last_date=date(2026, 11, 10),
            start=time(10),
            duration_min=60,
            frequency=Frequency.WEEKLY,
            attendance=4,
            term_id=autumn_id,
        )
    )
    if record:
        service = AttendanceService(sessions, "Tester", clock=lambda: AFTER)
        rows = service.sessions_between(date(2026, 11, 2), date(2026, 11, 27))
        pantry = [r for r in rows if r.title == "Food pantry"]
        debt = [r for r in rows if r.title == "Debt advice"]
        entries = [
            AttendanceEntry(r.occurrence_id, Outcome.TOOK_PLACE, n)
            for r, n in zip(pantry, (30, 26, 14, 10), strict=True)
        ]
        entries += [
            AttendanceEntry(debt[0].occurrence_id, Outcome.NO_SHOW),
            AttendanceEntry(debt[1].occurrence_id, Outcome.LATE_CANCEL),
        ]
        service.record_many(entries)
    return LearningBorough(borough, autumn_id)
