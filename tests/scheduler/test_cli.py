"""The `hubsched` command line as a user runs it: output, bad input, exit statuses, database untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import db
from models.entities import Base
from scheduler import cli
from tests.builders import make_borough

BOOK = [
    "book",
    "--hub",
    "Ilford Civic Hub",
    "--room",
    "Main Hall",
    "--org",
    "Ilford Food Pantry",
    "--title",
    "Food pantry",
    "--date",
    "2027-01-15",
    "--start",
    "12:00",
    "--end",
    "15:00",
]


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    engine = db.make_engine(migrated_sqlite_url)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    return migrated_sqlite_url


def row_counts(url: str) -> dict[str, int]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        counts = {t.name: connection.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    engine.dispose()
    return counts


def run(url: str, *args: str) -> int:
    return cli.main(["--db", url, "--operator", "Tester", *args])


def test_book_then_list_as_json(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, *BOOK) == 0
    assert "booked Food pantry in Main Hall, Ilford Civic Hub: 1 session(s)" in capsys.readouterr().out
    assert run(url, "occurrences", "--from", "2027-01-01", "--to", "2027-01-31", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["hub"], r["room"], r["start_utc"], r["end_utc"], r["start_local"], r["status"]) for r in rows] == [
        (
            "Ilford Civic Hub",
            "Main Hall",
            "2027-01-15T12:00:00Z",
            "2027-01-15T15:00:00Z",
            "2027-01-15T12:00:00+00:00",
            "confirmed",
        )
    ]
    assert rows[0]["uid"].endswith("@hubsched") and rows[0]["series_id"] >= 1


def test_book_a_monthly_series_reports_skipped_dates(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        *BOOK[:-6],
        "--date",
        "2027-01-29",
        "--start",
        "10:00",
        "--duration",
        "60",
        "--repeat",
        "monthly",
        "--nth",
        "-1",
        "--until",
        "2027-04-30",
    ]
    assert run(url, *args) == 0
    out = capsys.readouterr().out
    assert "3 session(s)" in out and "skipped Fri 26 Mar 2027: bank holiday (Good Friday)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hub", "Nowhere Hub"], "unknown hub 'Nowhere Hub'; known hubs: Hainault Hub, Ilford Civic Hub"),
        (["--room", "Ballroom"], "unknown room 'Ballroom' in Ilford Civic Hub; its rooms: Main Hall, Meeting Room 1"),
        (["--org", "Nobody"], "unknown organisation 'Nobody'"),
        (["--date", "2027-13-01"], "'2027-13-01' is not a date (use YYYY-MM-DD)"),
        (["--start", "25:00"], "'25:00' is not a time (use HH:MM)"),
        (["--end", "11:00"], "end 11:00 is not after start 12:00"),
        (["--date", "2027-03-26"], "closed on Fri 26 Mar 2027: bank holiday (Good Friday)"),
        (["--start", "16:00", "--end", "18:00"], "outside opening hours"),
        (["--attendance", "0"], "'0' must be at least 1"),
        (["--attendance", "500"], "holds 100 people but 500 are expected"),
        (["--repeat", "weekly"], "a regular booking needs a last date"),
    ],
)
def test_bad_booking_input_is_one_line_exit_2_and_changes_nothing(
    url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = row_counts(url)
    options = dict(zip(BOOK[1::2], BOOK[2::2], strict=True))
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    argv = ["book", *[item for pair in options.items() for item in pair]]
    with pytest.raises(SystemExit) as exited:  # argparse's own type errors exit via SystemExit
        raise SystemExit(run(url, *argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert row_counts(url) == before


def test_clash_from_the_command_line_names_the_booking(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, *BOOK) == 0
    before = row_counts(url)
    assert run(url, *BOOK) == 2
    assert capsys.readouterr().err.strip() == (
        "hubsched: error: Main Hall, Ilford Civic Hub is already booked by Food pantry (Ilford Food Pantry) "
        "on Fri 15 Jan 2027 12:00–15:00"
    )
    assert row_counts(url) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["occurrences", "--from", "2027-02-01", "--to", "2027-01-01"], "--to 2027-01-01 is before --from 2027-02-01"),
        (["occurrences", "--from", "1 Jan", "--to", "2027-01-01"], "'1 Jan' is not a date"),
        (["occurrences", "--from", "2027-01-01", "--to", "2027-01-02", "--hub", "Ilford"], "unknown hub 'Ilford'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_query_input(url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(run(url, *args))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_unreachable_database_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--db", "postgresql://hubsched@127.0.0.1:1/nothing", "hubs"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("hubsched: error: cannot open database postgresql://hubsched@127.0.0.1:1/nothing: ")
    assert "Connection refused" in err
    assert len(err.strip().splitlines()) == 1


def test_unusable_database_url_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", "not a url", "hubs"]) == 2
    assert "not a database URL: 'not a url'" in capsys.readouterr().err


def test_db_upgrade_creates_the_schema(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", sqlite_url, "db", "upgrade"]) == 0
    assert f"is at schema revision {db.head_revision()}" in capsys.readouterr().out
    assert db.is_current(db.make_engine(sqlite_url))


def test_console_script_prints_no_traceback_for_a_user_mistake(url: str) -> None:
    script = Path(sys.executable).parent / "hubsched"
    result = subprocess.run(
        [str(script), "--db", url, *BOOK[:-2], "--end", "nonsense"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hubsched book: error: argument --end: 'nonsense' is not a time (use HH:MM) (see `hubsched book --help`)"
    ]


def test_output_cut_short_by_the_reader_is_not_an_error(sqlite_url: str) -> None:
    """`hubsched occurrences ... | head -c 1` must not end in a BrokenPipeError traceback."""
    assert cli.main(["--db", sqlite_url, "demo"]) == 0  # several hundred lines: more than a pipe holds
    script = Path(sys.executable).parent / "hubsched"
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    result = subprocess.run(
        [str(script), "--db", sqlite_url, "occurrences", "--from", "2026-09-01", "--to", "2026-12-31"],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    reader.stdin.close()
    reader.wait()
    assert "Traceback" not in result.stderr and result.returncode == 0


def test_hubs_on_an_empty_database_says_how_to_load_the_demo(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--db", sqlite_url, "hubs"]) == 0
    assert capsys.readouterr().out.startswith("no hubs yet: run `hubsched demo` to load the demo borough")
