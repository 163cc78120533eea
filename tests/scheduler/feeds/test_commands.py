"""`hubsched feeds ...` as a user runs it: output, links, exit status 2 and one line for every mistake."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from models import db
from scheduler import cli
from tests.builders import make_borough
from tests.scheduler.feeds.test_importer import GROUP_CALENDAR


@pytest.fixture
def url(sqlite_url: str) -> str:
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    make_borough(db.make_session_factory(engine))
    engine.dispose()
    return sqlite_url


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
