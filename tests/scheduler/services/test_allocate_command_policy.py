"""`hubsched allocate` in plain words: which bound is shown, the fairness policy as options and in the JSON,
fairness off side by side, moves with their reason, and an apply summary that agrees with the preview."""

from __future__ import annotations

import json

import pytest

from scheduler import cli


@pytest.fixture
def demo_url(demo_sqlite_url: str) -> str:
    return demo_sqlite_url


def test_json_says_which_bound_and_the_fairness_policy(demo_url, capsys) -> None:
    args = ["--db", demo_url, "allocate", "--term", "Spring 2027", "--json", "--compare-fairness-off"]
    assert cli.main([*args, "--fairness-weight", "0.5", "--sector-target", "resident=0.5"]) == 0
    data = json.loads(capsys.readouterr().out)
    bound = data["bound"]
    assert bound["kind"] in ("proven optimal", "solver", "static maximum") and bound["meaning"]
    assert data["met_demand"] <= data["best_possible"] == bound["value"] <= bound["static_maximum"]
    fairness = data["fairness"]
    assert (fairness["weight"], fairness["source"]) == (0.5, "run")
    assert fairness["sector_targets"] == {"council": 0.0, "partner": 0.0, "resident": 0.5}
    assert fairness["term_setting"] == {
        "weight": 0.25,
        "sector_targets": {"council": 0.3, "partner": 0.3, "resident": 0.4},
        "source": "default",
    }
    assert 0 < data["attendance_to_capacity"]["median"] <= data["attendance_to_capacity"]["p90"] <= 1
    assert {row["sector"] for row in data["fairness_off"]["sectors"]} == {"council", "partner", "resident"}
    moved = [p for p in data["placements"] if p["change"] in ("room", "hub", "time")]
    assert all(p["reason"] for p in moved)


def test_summary_names_the_bound_and_apply_agrees_with_the_preview(demo_url, capsys) -> None:
    assert cli.main(["--db", demo_url, "allocate", "--term", "Spring 2027", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "met demand" in out and "best possible" in out and "gap to bound" not in out
    assert "fairness policy: weight 0.25, sector targets council 30%, partner 30%, resident 40% — the default" in out
    placed_line = next(line for line in out.splitlines() if line.strip().startswith("placed "))
    numbers = [int(w.strip("(),")) for w in placed_line.replace("(", " ").split() if w.strip("(),").isdigit()]
    placed, new, moved, unchanged = numbers[:4]
    applied = next(line for line in out.splitlines() if line.startswith("applied:"))
    assert f"{placed} placed ({new} new, {moved} moved, {unchanged} unchanged or pinned)" in applied


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fairness-weight", "-1"], "the fairness weight must be between 0 and 10"),
        (["--sector-target", "wizards=0.2"], "unknown sector 'wizards'"),
        (["--sector-target", "council=0.8", "--sector-target", "resident=0.5"], "add up to 130%"),
    ],
)
def test_bad_policy_options_are_one_line(demo_url, capsys, args, message) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(cli.main(["--db", demo_url, "allocate", "--term", "Spring 2027", *args]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
