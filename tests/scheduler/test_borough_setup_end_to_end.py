"""From an empty database to a planned term without YAML or Python, as a new borough would do it.

Only the `hubsched` command line and a spreadsheet filled in with openpyxl (as a group would in Excel):
start an empty borough, add 2 hubs and 5 rooms, organisations, a team and a term, import 30 requests from
the template, allocate, and publish the feeds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scheduler import cli

SECTORS = ["council", "partner", "resident"]
TITLES = [
    "Housing advice", "Family support", "Job club", "Benefits check", "Food pantry", "Lunch club",
    "Conversation café", "Tenants' meeting", "Baby massage", "Digital help", "Warm space", "Knit and natter",
    "Chair yoga", "SEND support", "Police surgery",
]  # fmt: skip


def run(url: str, *args: str, capsys) -> str:
    code = cli.main(["--db", url, "--operator", "New Manager", *args])
    out, err = capsys.readouterr()
    assert code == 0, f"hubsched {' '.join(args)} failed: {err}"
    return out


def thirty_requests() -> list[list[object]]:
    """30 regular requests from 10 organisations across the three sectors (deterministic)."""
    rows = []
    for i in range(30):
        org = i % 10
        hubs = ["Ilford Civic Hub", "Hainault Hub", "Ilford Civic Hub, Hainault Hub"][i % 3]
        rows.append(
            [
                f"{TITLES[i % len(TITLES)]} {i // len(TITLES) + 1}",
                None,
                f"Organisation {org}",
                SECTORS[org % 3],
                [6, 10, 20, 35][i % 4],
                [60, 90, 120][i % 3],
                ["weekly", "weekly", "fortnightly", "monthly"][i % 4],
                "2" if i % 4 == 3 else None,
                ["Mon, Wed", "Tue", "Thu, Fri", "Mon-Fri", "Wed"][i % 5],
                ["09:00-13:00", "10:00-16:00", "2:00 PM-5:00 PM", "09:30-12:30; 13:30-16:30"][i % 4],
                hubs,
                "Hainault Hub" if i % 6 == 1 else None,
                "Kitchen" if i % 7 == 0 else None,
                "yes" if i % 5 == 0 else "no",
                "private" if i % 9 == 0 else "public",
                None,
                None,
                "no",
                None,
            ]
        )
    return rows


@pytest.mark.slow
def test_empty_database_to_a_planned_term_with_published_feeds(db_url: str, tmp_path: Path, capsys) -> None:
    run(db_url, "init", capsys=capsys)
    run(
        db_url,
        "hubs",
        "add",
        "Ilford Civic Hub",
        "--postcode",
        "IG1 1EA",
        "--hours",
        "Mon-Fri 09:00-17:00",
        capsys=capsys,
    )
    run(db_url, "hubs", "add", "Hainault Hub", "--hours", "Mon-Fri 09:00-17:00", capsys=capsys)
    run(db_url, "facilities", "add", "Kitchen", capsys=capsys)
    for hub, room, capacity, extra in [
        ("Ilford Civic Hub", "Main Hall", "60", ["--facilities", "Kitchen"]),
        ("Ilford Civic Hub", "Meeting Room 1", "30", []),
        ("Ilford Civic Hub", "Interview Booth", "12", []),
        ("Hainault Hub", "Community Room", "40", ["--facilities", "Kitchen"]),
        ("Hainault Hub", "Quiet Room", "12", ["--steps"]),
    ]:
        run(db_url, "rooms", "add", room, "--hub", hub, "--capacity", capacity, *extra, capsys=capsys)
    run(db_url, "terms", "add", "Spring 2027", "--from", "2027-01-04", "--to", "2027-03-26",
        "--break", "2027-02-15..2027-02-19 Half-term", capsys=capsys)  # fmt: skip
    rooms = json.loads(run(db_url, "rooms", "list", "--json", capsys=capsys))
    assert len(rooms) == 5

    template = tmp_path / "requests.xlsx"
    run(db_url, "template", "requests", str(template), capsys=capsys)
    book = load_workbook(template)
    for row in thirty_requests():
        book["Requests"].append(row)
    filled = tmp_path / "requests-filled.xlsx"
    book.save(filled)

    checked = json.loads(
        run(db_url, "import", "requests", str(filled), "--term", "Spring 2027", "--check", "--json", capsys=capsys)
    )
    assert checked["problems"] == [] and checked["counts"]["add"] == 30
    run(db_url, "import", "requests", str(filled), "--term", "Spring 2027", capsys=capsys)
    again = json.loads(run(db_url, "import", "requests", str(filled), "--term", "Spring 2027", "--json", capsys=capsys))
    assert again["counts"] == {"add": 0, "update": 0, "unchanged": 30}
    orgs = json.loads(run(db_url, "orgs", "list", "--json", capsys=capsys))
    assert len(orgs) == 10

    preview = json.loads(
        run(db_url, "allocate", "--term", "Spring 2027", "--time-limit", "5", "--apply", "--json", capsys=capsys)
    )
    assert preview["counts"]["placed"] + preview["counts"]["unmet"] == 30
    assert preview["counts"]["placed"] >= 20
    sessions = json.loads(
        run(db_url, "occurrences", "--from", "2027-01-04", "--to", "2027-03-26", "--json", capsys=capsys)
    )
    assert sessions and {s["hub"] for s in sessions} == {"Ilford Civic Hub", "Hainault Hub"}

    feeds = tmp_path / "feeds"
    run(db_url, "feeds", "publish", str(feeds), capsys=capsys)
    index = json.loads((feeds / "index.json").read_text())
    published = [entry["path"] for entry in (index if isinstance(index, list) else index["feeds"])]
    assert any("hainault" in p.lower() for p in published)
    hub_feed = next(feeds / p for p in published if "ilford-civic" in p.lower())
    assert hub_feed.read_text().count("BEGIN:VEVENT") > 0

    exported = tmp_path / "requests-result.xlsx"
    run(db_url, "export", "requests", str(exported), "--term", "Spring 2027", capsys=capsys)
    sheet = load_workbook(exported).worksheets[0]
    status = [c.value for c in sheet["T"][1:]]
    assert status.count("placed") == preview["counts"]["placed"]
