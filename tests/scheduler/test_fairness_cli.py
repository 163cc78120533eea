"""`hubsched terms fairness`: show, set and reset a term's fairness policy; `hubsched allocate` uses it by
default, and its --fairness-weight/--sector-target options override it for one run and say so."""

from __future__ import annotations

import json

import pytest

from scheduler import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exited:  # argparse's own refusals
        code = exited.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def term_db(db_url, capsys) -> str:
    code, _, err = run(
        capsys, "--db", db_url, "terms", "add", "Spring 2027", "--from", "2027-01-04", "--to", "2027-03-26"
    )
    assert code == 0, err
    return db_url


@pytest.fixture
def demo_url(sqlite_url, capsys) -> str:
    assert run(capsys, "--db", sqlite_url, "demo")[0] == 0
    return sqlite_url


def test_show_set_and_reset_a_terms_policy(term_db, capsys) -> None:
    db = ["--db", term_db, "terms", "fairness", "Spring 2027"]
    code, out, _ = run(capsys, *db)
    assert code == 0
    assert "Fairness policy of Spring 2027 (the default; nothing set for this term):" in out
    assert "weight   0.25" in out and "resident  40%" in out

    code, out, _ = run(capsys, *db, "--weight", "0.5", "--share", "resident=50%", "--share", "council=0.2")
    assert code == 0 and out.startswith("Stored the fairness policy of Spring 2027:")
    assert "council   20%" in out and "partner   30%" in out and "resident  50%" in out

    code, out, _ = run(capsys, *db, "--json")
    assert json.loads(out) == {
        "term": "Spring 2027",
        "weight": 0.5,
        "sector_targets": {"council": 0.2, "partner": 0.3, "resident": 0.5},
        "source": "term",
        "version": 1,
    }

    code, out, _ = run(capsys, *db, "--reset", "--json")
    assert code == 0 and json.loads(out)["source"] == "default" and json.loads(out)["weight"] == 0.25


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--share", "resident=0.5"], "the sector target shares add up to 110%"),
        (["--share", "wizards=0.2"], "unknown sector 'wizards'"),
        (["--share", "resident=1.5"], "a sector's target share must be between 0 and 1"),
        (["--weight", "-1"], "the fairness weight must be between 0 and 10"),
        (["--weight", "lots"], "'lots' is not a number"),
        (["--reset", "--weight", "0.1"], "give either --reset or new values"),
    ],
)
def test_a_mistake_is_one_line_and_changes_nothing(term_db, capsys, args, message) -> None:
    code, _, err = run(capsys, "--db", term_db, "terms", "fairness", "Spring 2027", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, out, _ = run(capsys, "--db", term_db, "terms", "fairness", "Spring 2027", "--json")
    assert json.loads(out)["source"] == "default"


def test_an_unknown_term_is_named(term_db, capsys) -> None:
    code, _, err = run(capsys, "--db", term_db, "terms", "fairness", "Winter 1999")
    assert code == 2 and "unknown term 'Winter 1999'; known terms: Spring 2027" in err


def test_allocate_uses_the_terms_policy_and_an_option_overrides_it_for_one_run(demo_url, capsys) -> None:
    db = ["--db", demo_url]
    assert run(capsys, *db, "terms", "fairness", "Spring 2027", "--weight", "0.5", "--share", "council=0.2")[0] == 0

    code, out, _ = run(capsys, *db, "allocate", "--term", "Spring 2027", "--time-limit", "5", "--json")
    fairness = json.loads(out)["fairness"]
    assert code == 0
    assert (fairness["weight"], fairness["source"]) == (0.5, "term")
    assert fairness["sector_targets"] == {"council": 0.2, "partner": 0.3, "resident": 0.4}

    code, out, _ = run(capsys, *db, "allocate", "--term", "Spring 2027", "--time-limit", "5", "--fairness-weight", "0")
    line = next(line for line in out.splitlines() if "fairness policy" in line)
    assert line.strip() == (
        "fairness policy: off — given for this run only; the term's setting is unchanged: "
        "weight 0.5; council 20%, partner 30%, resident 40%"
    )
    code, out, _ = run(capsys, *db, "terms", "fairness", "Spring 2027", "--json")
    assert json.loads(out)["weight"] == 0.5  # the one run did not change the term

    code, out, _ = run(capsys, *db, "allocate", "--term", "Spring 2027", "--time-limit", "5")
    line = next(line for line in out.splitlines() if "fairness policy" in line)
    assert line.strip().endswith("— the term's setting") and "weight 0.5" in line
