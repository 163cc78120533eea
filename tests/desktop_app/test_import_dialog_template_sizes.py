"""File ▸ Import…, Save template… for a term: the continuing series come filled in, sized from last term's
recorded attendance, and the dialog says so. Real widgets offscreen, real services on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from openpyxl import load_workbook

from desktop_app.import_dialog import ImportDialog
from models import db
from models.entities import Term
from models.types import Frequency, Outcome
from scheduler.services.attendance import AttendanceEntry, AttendanceService
from scheduler.services.booking import BookingService, NewBooking
from tests.screenshots import screenshot_dir


def test_saving_the_requests_template_for_a_term_fills_in_sizes_from_attendance(qtbot, small, prompts, tmp_path):
    sessions = db.make_session_factory(small.services.engine)
    with sessions.begin() as s:
        s.add(Term(name="Autumn 2026", first_day=date(2026, 11, 2), last_day=date(2026, 12, 18)))
    lunch = NewBooking(room_id=small.borough.hall_id, organisation_id=small.borough.pantry_id, title="Lunch club",
                       first_date=date(2026, 11, 4), last_date=date(2026, 12, 16), start=time(12), duration_min=120,
                       frequency=Frequency.WEEKLY, attendance=30)  # fmt: skip
    BookingService(sessions, "Tester", clock=lambda: datetime(2026, 10, 1, tzinfo=UTC)).book(lunch)
    attendance = AttendanceService(sessions, "Front desk", clock=lambda: datetime(2027, 1, 2, tzinfo=UTC))
    lunches = [r for r in attendance.sessions_between(date(2026, 11, 2), date(2026, 12, 18)) if r.title == "Lunch club"]
    for row, n in zip(lunches[:3], (18, 11, 16), strict=True):  # held [11, 16, 18]: median 16
        attendance.record(AttendanceEntry(row.occurrence_id, Outcome.TOOK_PLACE, n))

    dialog = ImportDialog(small.services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.kind.currentData() == "requests" and dialog.term.currentText() == "Spring 2027"
    saved = dialog.save_template(str(tmp_path / "spring.xlsx"))
    sheet = load_workbook(saved)["Requests"]
    headings = [str(c.value).removesuffix(" *") for c in sheet[1]]
    rows = [dict(zip(headings, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert [(r["Title"], r["Size"], r["Size suggested from"]) for r in rows] == [
        ("Lunch club", 16, "median attendance of 3 held session(s) in Autumn 2026")
    ]
    assert "1 row(s) for the series continuing into Spring 2027" in dialog.summary.text()
    summary = dialog.summary  # the two-line summary gets its height once the layout has run
    qtbot.waitUntil(lambda: summary.height() >= summary.heightForWidth(summary.width()))
    dialog.grab().save(str(screenshot_dir() / "import-template-sizes.png"))
