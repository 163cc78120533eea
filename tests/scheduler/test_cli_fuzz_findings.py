"""What the CLI fuzz test (test_cli_fuzz.py) found, one test each: exit 2 with one line, no traceback, and
neither the database nor the folder changed."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from models import db
from scheduler import backup as backups
from scheduler import cli
from scheduler.feeds import server as feed_server
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import make_borough
from tests.dbdump import dump


@pytest.fixture
def url(migrated_sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The small borough with one session two weeks ago (SQLite: each CLI run opens its own engine)."""
    monkeypatch.setenv(backups.DAILY_VAR, "0")
    monkeypatch.chdir(tmp_path)
    engine = db.make_engine(migrated_sqlite_url)
    sessions = db.make_session_factory(engine)
    b = make_borough(sessions)
    day = date.today() - timedelta(days=14)
    BookingService(sessions, "Tester").book(
        NewBooking(
            room_id=b.hall_id,
            organisation_id=b.pantry_id,
            title="Past session",
            first_date=day - timedelta(days=(day.weekday() - 2) % 7),  # a Wednesday: the hub is open
            start=time(10),
            duration_min=60,
        )
    )
    engine.dispose()
    return migrated_sqlite_url


def refused(url: str, capsys, *args: str) -> str:
    """Run `hubsched --db URL args...`; assert exit 2, one line and the database unchanged; the line."""
    engine = db.make_engine(url)
    before = dump(engine)
    capsys.readouterr()
    try:
        status = cli.main(["--db", url, *args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert dump(engine) == before
    engine.dispose()
    return err.strip()


@pytest.mark.parametrize("note", ["ok\x00", "a\x0bb", "a\x1fb"])  # at either end, whitespace is trimmed
def test_an_attendance_note_with_a_control_character_is_refused(url, capsys, note) -> None:
    with db.make_engine(url).connect() as connection:
        session_id = str(connection.exec_driver_sql("SELECT min(id) FROM occurrences").scalar())
    line = refused(url, capsys, "attendance", "record", "--session", session_id, "--count", "5", "--note", note)
    assert "the note contains a control or invisible character" in line
    # A line break is only a space, as before.
    assert (
        cli.main(["--db", url, "attendance", "record", "--session", session_id, "--count", "5", "--note", "a\nb"]) == 0
    )


@pytest.mark.parametrize(
    "args",
    [
        ["attendance", "export", "--from", "2027-01-01", "--to", "9999-12-31"],
        ["attendance", "export", "--from", "0001-01-01", "--to", "2027-01-01"],
        ["export", "bookings", "out.csv", "--from", "2027-01-01", "--to", "9999-12-31"],
    ],
)
def test_export_dates_beyond_what_the_calendar_computes_are_refused_not_a_traceback(url, capsys, args) -> None:
    assert "out of range (1900-01-01 to 2999-12-31)" in refused(url, capsys, *args)
    assert not Path("out.csv").exists()


def test_an_attendance_start_time_with_an_offset_is_refused(url, capsys) -> None:
    args = ["attendance", "record", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--date", "2027-01-06"]
    assert "has a UTC offset" in refused(url, capsys, *args, "--start", "10:00+05:00", "--count", "3")


def test_an_empty_operator_is_a_mistake_like_an_empty_db(url, capsys) -> None:
    assert refused(url, capsys, "--operator", "", "hubs") == "hubsched: error: --operator is empty"


@pytest.mark.parametrize("where", ["file.txt/report.xlsx", "folder", ""])
def test_a_report_to_a_path_that_cannot_be_a_file_is_refused(url, capsys, where) -> None:
    Path("file.txt").write_text("x", encoding="utf-8")
    Path("folder").mkdir()
    assert "cannot write" in refused(url, capsys, "report", "term", "Spring 2027", "--xlsx", where)


def test_a_report_refused_for_its_pdf_writes_no_xlsx_either(url, capsys) -> None:
    # cli.main without the desktop app has no PDF renderer.
    refused(url, capsys, "report", "term", "Spring 2027", "--xlsx", "report.xlsx", "--pdf", "report.pdf")
    assert not Path("report.xlsx").exists()


def test_serving_a_folder_with_a_damaged_index_is_refused_before_listening(url, capsys, monkeypatch) -> None:
    Path("site").mkdir()
    Path("site/index.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(feed_server, "make_server", lambda *a, **k: pytest.fail("it started a server"))
    line = refused(url, capsys, "feeds", "serve", "site", "--port", "0")
    assert "index.json is not a feed index" in line


@pytest.mark.parametrize("host", ["bad host", "", "a..b", "-a", "x" * 64, "127.0.0.1:80"])
def test_a_host_that_is_no_address_or_host_name_is_refused_without_a_look_up(url, capsys, monkeypatch, host) -> None:
    Path("site").mkdir()
    monkeypatch.setattr(feed_server, "make_server", lambda *a, **k: pytest.fail("it looked the host up"))
    assert "is not an address or host name" in refused(url, capsys, "feeds", "serve", "site", f"--host={host}")


@pytest.mark.parametrize("room", ["Nowhere \r", "Nowhere\nelse", "Nowhere\u2028"])
def test_a_refusal_that_echoes_a_line_break_typed_by_the_user_is_still_one_line(url, capsys, room) -> None:
    args = ["attendance", "record", "--hub", "Ilford Civic Hub", "--room", room, "--date", "2027-01-06"]
    line = refused(url, capsys, *args, "--start", "10:00", "--count", "3")
    assert line.startswith("hubsched: error: no session in Nowhere") and repr(room[7:])[1:-1] in line


@pytest.mark.parametrize("start", ["10.30", "10,30"])
def test_a_time_typed_with_a_point_is_refused_not_booked_half_an_hour_early(url, capsys, start) -> None:
    """Python 3.11's time.fromisoformat reads "10.30" as 10:00 and 0.3 seconds; the booking started at 10:00."""
    book = ["book", "--hub", "Ilford Civic Hub", "--room", "Main Hall", "--org", "Ilford Food Pantry"]
    book += ["--title", "Pantry", "--date", "2027-01-13", "--start", start, "--duration", "60"]
    assert f"{start!r} is not a time (use HH:MM)" in refused(url, capsys, *book)


def test_closure_hours_typed_with_points_are_refused(url, capsys) -> None:
    closure = ["closures", "add", "--hub", "Hainault Hub", "--from", "2027-02-01", "--to", "2027-02-02"]
    err = refused(url, capsys, *closure, "--reason", "Works", "--hours", "10.30-12.00")
    assert "is not a time range (use HH:MM-HH:MM)" in err
