"""`hubsched closures` and `hubsched outbox` as a user runs them, on the small borough."""

from __future__ import annotations

import json
from datetime import date, time

import pytest

from models import db
from models.types import Frequency
from scheduler import cli
from scheduler.bootstrap import bootstrap
from scheduler.services.booking import NewBooking
from tests.builders import make_borough


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    """SQLite only, like tests/scheduler/test_cli.py: each CLI run opens (and leaves to exit) its own engine."""
    engine = db.make_engine(migrated_sqlite_url)
    sessions = db.make_session_factory(engine)
    b = make_borough(sessions)
    services = bootstrap(sessions, "Tester")
    for title, attendance in (("Lunch club", 40), ("Coffee morning", 200)):
        services.booking.book(
            NewBooking(
                room_id=b.hainault_hall_id,
                organisation_id=b.pantry_id,
                title=title,
                first_date=date(2027, 2, 3),
                last_date=date(2027, 2, 10),
                frequency=Frequency.WEEKLY,
                start=time(10) if title == "Lunch club" else time(14),
                duration_min=90,
                attendance=min(attendance, 60),
            )
        )
    engine.dispose()
    return migrated_sqlite_url


def run(url: str, *args: str) -> int:
    try:
        return cli.main(["--db", url, "--operator", "Tester", *args])
    except SystemExit as exit_:  # argparse's own one-line usage errors
        return int(exit_.code or 0)


def test_add_prints_the_plan_as_json_then_applies_it(url, capsys) -> None:
    args = ["closures", "add", "--hub", "Hainault Hub", "--from", "2027-02-01", "--to", "2027-02-12"]
    assert run(url, *args, "--reason", "Roof repairs", "--json") == 0
    plan = json.loads(capsys.readouterr().out)
    assert [d["title"] for d in plan["displaced"]] == ["Lunch club", "Coffee morning", "Lunch club", "Coffee morning"]
    assert {r["room"] for r in plan["rehomed"]} == {"Main Hall, Ilford Civic Hub"}
    assert plan["cancelled"] == [] and plan["applied"] is None
    assert run(url, *args, "--reason", "Roof repairs", "--apply") == 0
    out, err = capsys.readouterr()
    assert "4 session(s) displaced: 4 re-homed, 0 cancelled" in out and "added closure" in out
    assert "1 notice(s) queued in the outbox" in err
    assert run(url, "closures", "list", "--from", "2027-02-01", "--to", "2027-02-28", "--json") == 0
    [row] = [r for r in json.loads(capsys.readouterr().out) if not r["bank_holiday"]]
    assert (row["where"], row["reason"]) == ("Hainault Hub", "Roof repairs")
    # A new reason alone keeps everything; removing restores nothing (nothing was cancelled).
    assert run(url, "closures", "edit", str(row["id"]), "--reason", "Roof and gutters", "--apply") == 0
    assert "changed closure" in capsys.readouterr().out
    assert run(url, "outbox", "list", "--json") == 0
    [notice] = json.loads(capsys.readouterr().out)
    assert notice["organisation"] == "Ilford Food Pantry" and notice["state"] == "queued"
    assert "Lunch club, Wed 3 Feb 2027 10:00–11:30 at Main Hall, Hainault Hub" in notice["body"]
    assert run(url, "closures", "remove", str(row["id"])) == 0
    assert "removed closure" in capsys.readouterr().out


def test_cancelled_sessions_carry_their_reason_in_json(url, capsys) -> None:
    assert (
        run(
            url,
            "closures",
            "add",
            "--borough",
            "--from",
            "2027-02-01",
            "--to",
            "2027-02-14",
            "--reason",
            "Strike",
            "--json",
        )
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert plan["rehomed"] == [] and len(plan["cancelled"]) == 4
    assert all("closure (Strike)" in c["reason"] and c["blocking_rules"] == ["closed"] for c in plan["cancelled"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["closures", "add", "--hub", "Nowhere", "--from", "2027-02-01", "--to", "2027-02-02", "--reason", "x"],
            "no hub",
        ),
        (["closures", "add", "--from", "2027-02-01", "--to", "2027-02-02", "--reason", "x"], "say what closes"),
        (
            [
                "closures",
                "add",
                "--hub",
                "Hainault Hub",
                "--from",
                "2027-02-01",
                "--to",
                "2027-02-02",
                "--reason",
                "x",
                "--hours",
                "9-5",
            ],
            "not a time range",
        ),
        (["closures", "remove", "999"], "no closure with id 999"),
        (["outbox", "send", "--sender", "hubs@example.org"], "no mail server is set"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(url, capsys, args, message) -> None:
    assert run(url, *args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
