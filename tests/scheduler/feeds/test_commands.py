"""`hubsched feeds ...` as a user runs it: output, links, exit status 2 and one line for every mistake."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from models import db
from scheduler import cli
from tests.builders import make_borough
from tests.scheduler.feeds.test_importer import GROUP_CALENDAR


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    engine = db.make_engine(migrated_sqlite_url)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    return migrated_sqlite_url


def run(url: str, *args: str) -> int:
    try:
        return cli.main(["--db", url, "--operator", "Tester", *args])
    except SystemExit as exited:  # argparse's own usage errors
        return int(exited.code or 0)


def test_publish_then_list_links(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "feeds", "publish", str(tmp_path / "out")) == 0
    assert "published 8 feeds" in capsys.readouterr().out
    assert run(url, "feeds", "list", "--base-url", "https://feeds.example.org/hubs/") == 0
    out = capsys.readouterr().out
    assert "https://feeds.example.org/hubs/hubs/ilford-civic-hub.ics" in out
    assert "webcal://feeds.example.org/hubs/hubs/ilford-civic-hub.ics" in out
    tokens = re.findall(r"https://feeds\.example\.org/hubs/org/([\w-]+)\.ics", out)
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert {f"org/{t}.ics" for t in tokens} == {e["path"] for e in index["feeds"] if e["kind"] == "organisation"}


def test_reissue_with_dir_republishes(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(url, "feeds", "publish", str(out)) == 0
    before = {p.name for p in (out / "org").iterdir()}
    assert run(url, "feeds", "reissue", "--org", "Ilford Food Pantry", "--dir", str(out)) == 0
    assert "1 written, 7 unchanged, 1 removed" in capsys.readouterr().out
    assert len(before & {p.name for p in (out / "org").iterdir()}) == 1


def test_import_reports_then_applies(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ics = tmp_path / "group.ics"
    ics.write_bytes(GROUP_CALENDAR)
    args = ["feeds", "import", str(ics), "--hub", "Ilford Civic Hub", "--room", "Meeting Room 1"]
    args += ["--org", "Ilford Food Pantry", "--from", "2027-03-01", "--to", "2027-04-30"]
    assert run(url, *args) == 0
    out = capsys.readouterr().out
    assert "group.ics: 5 session(s)" in out and "no problems: run again with --apply" in out
    assert "left out Spring fair on Sat 20 Mar 2027: an all-day event has no times to book" in out
    assert run(url, *args, "--apply") == 0
    assert "imported 5 session(s) from group.ics" in capsys.readouterr().out
    assert run(url, *args, "--apply") == 2  # every session now clashes with itself: nothing imported again
    err = capsys.readouterr().err
    assert err.startswith("hubsched: error: nothing imported: 5 of 5 session(s) cannot be booked")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feeds", "list"], "no base URL: give --base-url"),
        (["feeds", "list", "--base-url", "ftp://x"], "base URL 'ftp://x' must look like https://"),
        (["feeds", "reissue", "--org", "Nobody"], "unknown organisation 'Nobody'"),
        (["feeds", "serve", "/nonexistent/feeds"], "/nonexistent/feeds is not a folder"),
        (["feeds", "serve", ".", "--port", "70000"], "port 70000 is not between 0 and 65535"),
        (["feeds", "serve", ".", "--threads", "65"], "65 threads is not between 0 and 64"),
        (
            [
                "feeds",
                "import",
                "/nonexistent.ics",
                "--hub",
                "Ilford Civic Hub",
                "--room",
                "Main Hall",
                "--org",
                "Ilford Food Pantry",
            ],
            "cannot read /nonexistent.ics",
        ),
        (
            ["feeds", "import", "x.ics", "--hub", "Nowhere", "--room", "Main Hall", "--org", "Ilford Food Pantry"],
            "unknown hub 'Nowhere'",
        ),
        (
            [
                "feeds",
                "import",
                "BAD",
                "--hub",
                "Ilford Civic Hub",
                "--room",
                "Main Hall",
                "--org",
                "Ilford Food Pantry",
            ],
            "bad.ics line 3: bad DTSTART 'tomorrow'",
        ),
        (
            [
                "feeds",
                "import",
                "BAD",
                "--hub",
                "Ilford Civic Hub",
                "--room",
                "Main Hall",
                "--org",
                "Ilford Food Pantry",
                "--from",
                "2027-02-01",
                "--to",
                "2027-01-01",
            ],
            "--to 2027-01-01 is before --from 2027-02-01",
        ),
        (
            # The same date checks as every other command (they once differed here): years 1900-2999.
            [
                "feeds",
                "import",
                "BAD",
                "--hub",
                "Ilford Civic Hub",
                "--room",
                "Main Hall",
                "--org",
                "X",
                "--from",
                "0001-01-01",
            ],
            "argument --from: '0001-01-01' is out of range (1900-01-01 to 2999-12-31)",
        ),
        (["feeds", "frobnicate"], "invalid choice: 'frobnicate'"),
        (["feeds"], "the following arguments are required: ACTION"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    args = [str(bad) if a == "BAD" else a for a in args]
    assert run(url, *args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_publish_onto_a_file_is_one_line_and_exit_2(url: str, tmp_path: Path, capsys) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    assert run(url, "feeds", "publish", str(target)) == 2
    assert capsys.readouterr().err.strip() == f"hubsched: error: {target} exists and is not a folder"


def test_the_serve_command_serves_until_stopped(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(url, "feeds", "publish", str(out)) == 0
    script = Path(sys.executable).parent / "hubsched"
    server = subprocess.Popen(
        [str(script), "--db", url, "feeds", "serve", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))  # type: ignore[union-attr]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/borough/whats-on.ics")
        response = connection.getresponse()
        assert response.status == 200 and response.read().startswith(b"BEGIN:VCALENDAR\r\n")
        connection.close()
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _tokens(url: str) -> list[tuple[int, str, object]]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT organisation_id, token, revoked_at FROM feed_tokens ORDER BY id"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _bad_index(tmp_path: Path) -> Path:
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "index.json").write_text("{ this is not json")
    return folder


def _a_file(tmp_path: Path) -> Path:
    target = tmp_path / "a-file"
    target.write_text("x")
    return target


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: ["feeds", "publish", str(_a_file(tmp))], "exists and is not a folder"),
        (lambda tmp: ["feeds", "publish", str(_a_file(tmp) / "sub" / "dir")], "is a file, not a folder"),
        (lambda tmp: ["feeds", "publish", str(_bad_index(tmp))], "is not a feed index"),
        (lambda tmp: ["feeds", "publish", ""], "an empty folder name"),
        (lambda tmp: ["feeds", "publish", "   "], "an empty folder name"),
        (lambda tmp: ["feeds", "list", "--base-url", "not a url"], "base URL 'not a url' must look like"),
        (lambda tmp: ["feeds", "list", "--base-url", "https://"], "must look like"),
        (lambda tmp: ["feeds", "list", "--base-url", "https://x:99999/"], "must look like"),
        (lambda tmp: ["feeds", "list", "--base-url", "https://feeds.example.org/a b"], "must look like"),
    ],
)
def test_a_refused_feeds_command_issues_no_token_and_writes_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], make_args, message
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # `publish ""` once wrote into the current folder
    args = make_args(tmp_path)

    def files() -> list[Path]:
        return sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.name.startswith("hubsched.sqlite3"))

    before = files()
    assert _tokens(url) == []
    assert run(url, *args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _tokens(url) == []  # nothing issued
    assert files() == before  # nothing written


def test_reissue_into_a_bad_folder_revokes_nothing(url: str, tmp_path: Path, capsys) -> None:
    assert run(url, "feeds", "publish", str(tmp_path / "out")) == 0
    tokens = _tokens(url)
    assert run(url, "feeds", "reissue", "--org", "Ilford Food Pantry", "--dir", str(_a_file(tmp_path))) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert _tokens(url) == tokens


def test_reissue_says_when_the_old_address_stops(url: str, tmp_path: Path, capsys) -> None:
    assert run(url, "feeds", "publish", str(tmp_path / "out")) == 0
    capsys.readouterr()
    assert run(url, "feeds", "reissue", "--org", "Ilford Food Pantry") == 0
    out = capsys.readouterr().out
    assert "the old address keeps working until the served folder is published again" in out
    assert run(url, "feeds", "reissue", "--org", "Ilford Food Pantry", "--dir", str(tmp_path / "out")) == 0
    assert "the old address answers 404 from now on" in capsys.readouterr().out


def test_publish_removes_the_temporary_files_of_a_killed_publish(url: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert run(url, "feeds", "publish", str(out)) == 0
    strays = [out / "hubs" / ".ilford-civic-hub.ics.k2j_x9q1.tmp", out / ".index.json.abcd1234.tmp"]
    strays.append(out / "rooms" / "ilford-civic-hub" / ".main-hall.ics.zz99yy88.tmp")
    for stray in strays:
        stray.write_bytes(b"BEGIN:VCALENDAR\r\n")  # cut off mid-write
    keep = out / "hubs" / "notes.tmp"
    keep.write_text("not ours")
    capsys.readouterr()
    assert run(url, "feeds", "publish", str(out)) == 0
    assert "removed 3 temporary file(s) left by an interrupted publish" in capsys.readouterr().out
    assert not any(stray.exists() for stray in strays) and keep.exists()


@pytest.mark.parametrize("apply", [False, True])
def test_import_of_a_minutely_rule_without_end_is_refused_at_once(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], apply: bool
) -> None:
    """It once ran for more than 15 minutes and past 1 GB; now the rule is refused before any expansion."""
    ics = tmp_path / "flood.ics"
    ics.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:flood@x\r\n"
        b"DTSTAMP:20261101T000000Z\r\nSUMMARY:Flood\r\nDTSTART:20270101T000000Z\r\nDURATION:PT1M\r\n"
        b"RRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    args = ["feeds", "import", str(ics), "--hub", "Ilford Civic Hub", "--room", "Main Hall"]
    args += ["--org", "Ilford Food Pantry", "--from", "2027-01-01", "--to", "2028-12-31"]
    assert run(url, *args, *(["--apply"] if apply else [])) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "hubsched: error: flood.ics line 4: the event repeats every minute (FREQ=MINUTELY); "
        "a room booking repeats at most daily"
    )
