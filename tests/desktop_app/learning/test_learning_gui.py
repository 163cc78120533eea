"""Learning and reporting in the desktop app with real widgets: the day sheet by keyboard only, recording
from the calendar, the dashboard on the demo borough, and the term report written from File ▸ Term report."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from desktop_app import launcher
from desktop_app.day_sheet import Column, DaySheet
from desktop_app.learning.attendance_ui import AttendanceDialog, LearningServices
from desktop_app.learning.report_dialog import TermReportDialog
from desktop_app.services import connect
from models import db
from models.types import Outcome
from tests.desktop_app.conftest import FRIDAY, open_window
from tests.learning_borough import AFTER, make_learning_borough
from tests.screenshots import screenshot_dir

EVENING = datetime(2027, 1, 15, 18, tzinfo=UTC)  # both of Friday's sessions are over


def type_keys(qtbot, text: str) -> None:
    """Type as a person does: each key goes to whatever has the keyboard focus now."""
    for char in text:
        qtbot.keyClick(QApplication.focusWidget(), char)


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def enter(qtbot, sheet: DaySheet) -> None:
    """Return in a cell editor: the delegate commits and closes it on the next turn of the event loop."""
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sheet.view)


def test_a_day_sheet_is_filled_in_and_saved_by_keyboard_only(qtbot, qtmodeltester, small, prompts) -> None:
    services = LearningServices.from_app(small.services, clock=lambda: EVENING)
    stack = QUndoStack()
    sheet = DaySheet(
        services, small.services.directory.hubs(), prompts, stack, hub_id=small.borough.civic_id, day=FRIDAY
    )
    qtbot.addWidget(sheet)
    sheet.show()
    qtbot.waitExposed(sheet)
    sheet.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sheet.view)
    # rows by start: Advice drop-in 10:00, Food pantry 12:00; the cursor starts on the first attendance cell
    assert [r.title for r in sheet.model.rows] == ["Advice drop-in", "Food pantry"]
    qtmodeltester.check(sheet.model)
    assert (sheet.view.currentIndex().row(), sheet.view.currentIndex().column()) == (0, Column.ATTENDANCE)
    type_keys(qtbot, "3")
    enter(qtbot, sheet)  # into the sheet, and the cursor moves one row down
    assert sheet.view.currentIndex().row() == 1
    type_keys(qtbot, "35")
    enter(qtbot, sheet)
    press(qtbot, Qt.Key.Key_Up)
    press(qtbot, Qt.Key.Key_Left)  # Outcome of the advice drop-in
    type_keys(qtbot, "n")
    enter(qtbot, sheet)
    assert sheet.status.text() == "2 sessions, 2 recorded, 2 not saved"
    sheet.grab().save(str(screenshot_dir() / "day-sheet.png"))
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    states = {r.title: r.record for r in sheet.model.rows}
    assert (states["Advice drop-in"].outcome, states["Advice drop-in"].headcount) == (Outcome.NO_SHOW, None)
    assert (states["Food pantry"].outcome, states["Food pantry"].headcount) == (Outcome.TOOK_PLACE, 35)
    assert sheet.status.text() == "2 sessions, 2 recorded, 0 not saved" and not prompts.errors
    # one undoable step for the whole sheet
    assert stack.count() == 1 and stack.undoText() == "Record attendance at Ilford Civic Hub, Fri 15 Jan"
    stack.undo()
    assert all(r.record is None for r in sheet.model.rows)
    stack.redo()
    assert {r.title: r.record.headcount for r in sheet.model.rows} == {"Advice drop-in": None, "Food pantry": 35}


def test_a_session_that_has_not_started_cannot_be_filled_in(qtbot, small, prompts) -> None:
    services = LearningServices.from_app(small.services, clock=lambda: datetime(2027, 1, 15, 11, tzinfo=UTC))
    sheet = DaySheet(services, small.services.directory.hubs(), prompts, hub_id=small.borough.civic_id, day=FRIDAY)
    qtbot.addWidget(sheet)
    pantry = sheet.model.index(1, Column.ATTENDANCE)
    assert not sheet.model.setData(pantry, "20")
    assert sheet.model.index(1, Column.OUTCOME).data() == "not yet"
    assert sheet.status.text() == "2 sessions, 0 recorded, 0 not saved; 1 not started yet"


def test_record_the_session_selected_in_the_calendar_by_typing_the_number(qtbot, small, settings, prompts) -> None:
    window = open_window(qtbot, small.services, settings, prompts, now=EVENING)
    window.show_day(None, FRIDAY)
    window.view.select(next(r for r in window.sessions_model.rows() if r.title == "Food pantry"))
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    type_keys(qtbot, "3")  # a digit on a selected session opens its attendance with that digit ...
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AttendanceDialog))
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (dialog.count, dialog.count.lineEdit()))
    type_keys(qtbot, "3")  # ... and the next digits follow it
    dialog.note.setText("rain")
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Qt.Key.Key_Return)
    services = LearningServices.from_app(small.services, clock=lambda: EVENING)
    row = next(r for r in services.attendance.day_sheet(small.borough.civic_id, FRIDAY) if r.title == "Food pantry")
    assert (row.record.outcome, row.record.headcount, row.record.note) == (Outcome.TOOK_PLACE, 33, "rain")
    assert window.undo_action.text() == "&Undo Record attendance of Food pantry"
    window.undo_action.trigger()
    assert services.attendance.state(row.occurrence_id) is None
    window.redo_action.trigger()
    assert services.attendance.state(row.occurrence_id).headcount == 33


def test_a_future_session_in_the_calendar_says_it_has_not_started(qtbot, small, settings, prompts) -> None:
    window = open_window(qtbot, small.services, settings, prompts)  # Fri 15 Jan 10:30: the pantry is at 12:00
    window.show_day(None, FRIDAY)
    window.view.select(next(r for r in window.sessions_model.rows() if r.title == "Food pantry"))
    assert window.learning_actions.record_selected() is None
    assert prompts.errors == [
        (
            "Record attendance",
            "Food pantry (Ilford Food Pantry) Fri 15 Jan 2027 12:00 has not started yet; "
            "attendance is recorded after a session.",
        )
    ]


@pytest.fixture
def learning_url(migrated_sqlite_url: str) -> str:
    engine = db.make_engine(migrated_sqlite_url)
    make_learning_borough(db.make_session_factory(engine))
    engine.dispose()
    return migrated_sqlite_url


def pdf_text(path: Path) -> str:
    """The PDF's text with every run of white space as one space (pypdf gives Qt's word gaps as tabs)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_term_report_from_the_file_menu_is_a_pdf_and_a_workbook(qtbot, learning_url, prompts, tmp_path) -> None:
    services = connect(learning_url, "Tester")
    dialog = TermReportDialog(LearningServices.from_app(services, clock=lambda: AFTER), prompts)
    qtbot.addWidget(dialog)
    dialog.term_combo.setCurrentIndex(dialog.term_combo.findText("Autumn 2026"))
    dialog.xlsx_box.setChecked(True)
    dialog.pdf_path.setText(str(tmp_path / "report.pdf"))
    dialog.xlsx_path.setText(str(tmp_path / "report.xlsx"))
    assert dialog.write() == [tmp_path / "report.xlsx", tmp_path / "report.pdf"] and not prompts.errors
    reader = PdfReader(tmp_path / "report.pdf")
    first = reader.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)  # A4
    assert reader.metadata.title == "Term report: Autumn 2026"
    text = pdf_text(tmp_path / "report.pdf")
    for heading in (
        "Term report: Autumn 2026",
        "Utilisation by hub, weekday and hour",
        "Who uses the hubs",
        "Who is missing",
        "Right-sizing",
        "Closures and re-homing",
        "Method notes",
    ):
        assert heading in text
    # 4 pantry Fridays x 3 h + 2 debt advice Tuesdays x 1 h = 14 h; attendance 30 + 26 + 14 + 10 = 80
    assert "6 sessions took 14.0 hours" in text
    assert "4 took place with 80 attendances" in text
    # the pantry's organisation had 4 sessions: "<5"; the private debt advice is never named
    assert "Ilford Food Pantry Resident-led groups <5 12.0 <5 80" in text
    assert "Debt advice" not in text
    assert "<5 private or generic series counted but not named." in text
    services.close()


def test_report_term_pdf_from_the_command_line(learning_url, tmp_path, capsys) -> None:
    path = tmp_path / "board.pdf"
    assert launcher.main(["--db", learning_url, "report", "term", "Autumn 2026", "--pdf", str(path)]) == 0
    assert capsys.readouterr().out == f"wrote {path}\n"
    assert "Term report: Autumn 2026" in pdf_text(path)


def test_dashboard_on_the_demo_borough(qtbot, qtmodeltester, demo_services, settings, prompts, tmp_path) -> None:
    window = open_window(qtbot, demo_services, settings, prompts, now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    dashboard = window.learning_actions.open_dashboard()
    qtbot.addWidget(dashboard)
    assert dashboard.term_combo.currentText() == "Autumn 2026"  # the latest term begun by the window's today
    dashboard.resize(1280, 720)
    qtbot.waitExposed(dashboard)
    assert dashboard.minimumSizeHint().width() <= 1280 and dashboard.minimumSizeHint().height() <= 720
    # six hubs, each with a row per opening weekday; every cell carries its number
    assert {row.hub for row in dashboard.heatmap.rows} == {
        "Ilford Civic Hub",
        "Seven Kings Hub",
        "Gants Hill Hub",
        "Hainault Hub",
        "Wanstead Hub",
        "Woodford Hub",
    }
    assert dashboard.heatmap.accessibleDescription().startswith("Busiest: ")
    summary = dashboard.report.section("Summary")
    assert "ILLUSTRATIVE DATA" in " ".join(summary.paragraphs)  # the demo's history says what it is
    held = dict(summary.tables[0].rows)["Sessions held"]
    assert held > 0
    for page in dashboard.pages.values():
        for view in page.views:
            qtmodeltester.check(view.model())
    dashboard.tabs.setCurrentIndex(1)
    dashboard.grab().save(str(screenshot_dir() / "learning-dashboard.png"))
    # narrow to one hub: only its rows remain, and the tables follow
    dashboard.scope_combo.setCurrentIndex(dashboard.scope_combo.findText("Hainault Hub"))
    assert {row.hub for row in dashboard.heatmap.rows} == {"Hainault Hub"}
    assert dashboard.report.scope == "Hainault Hub, all sectors"
    assert dashboard.tabs.count() == 9
    # next term's sizes: Spring 2027 requests continuing Autumn series, and the room-fit choice for Spring
    assert dashboard.next_term.name == "Spring 2027"
    assert dashboard.suggestions_view.model().rowCount() > 10
    dashboard.recorded_button.setChecked(True)
    with qtbot.waitSignal(dashboard.size_source_changed) as signal:
        dashboard.set_size_source(dashboard.next_term.id)
    assert signal.args == [dashboard.next_term.id, "recorded"]
    assert next(t for t in dashboard.services.learning.terms() if t.name == "Spring 2027").size_source == "recorded"
    # the term report from the window's File menu, on the demo borough
    assert window.learning_actions.report_action.text() == "&Term report…"
    dialog = window.learning_actions.open_report_dialog()
    dialog.term_combo.setCurrentIndex(dialog.term_combo.findText("Autumn 2026"))
    dialog.pdf_path.setText(str(tmp_path / "demo.pdf"))
    assert dialog.write() == [tmp_path / "demo.pdf"] and not prompts.errors
    text = pdf_text(tmp_path / "demo.pdf")
    assert "ILLUSTRATIVE DATA" in text and "Illustrative data: the demo borough's attendance history" in text
    if shutil.which("pdftoppm"):  # the README's picture of the first page (poppler-utils, when installed)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(tmp_path / "demo.pdf"),
                str(screenshot_dir() / "term-report-page-1"),
            ],
            check=True,
        )


def test_request_form_suggests_last_terms_median_attendance(qtbot, learning_url) -> None:
    from desktop_app.planning.request_form import RequestForm
    from desktop_app.planning.services import PlanningServices

    engine = db.make_engine(learning_url)
    services = PlanningServices.on(engine, "Tester")
    spring = next(t.id for t in services.learning.terms() if t.name == "Spring 2027")
    form = RequestForm(services, spring)
    qtbot.addWidget(form)
    assert form.suggested_size.isHidden()  # no organisation and title yet
    form.organisation.setCurrentIndex(form.organisation.findText("Ilford Food Pantry", Qt.MatchFlag.MatchStartsWith))
    form.title_edit.setText("Food pantry")
    # Autumn 2026's pantry had 30, 26, 14 and 10 people: median (14 + 26) / 2 = 20
    assert not form.suggested_size.isHidden()
    assert form.suggested_size.label.text() == (
        "Suggested from attendance: 20 (median attendance of 4 held session(s) in Autumn 2026)."
    )
    form.suggested_size.use_button.click()
    assert form.attendance.value() == 20
    form.title_edit.setText("Something new")
    assert form.suggested_size.isHidden()
    engine.dispose()
