"""`hubsched --help` answers at once: building the command groups' parsers loads none of the heavy libraries.

Each command group module (scheduler/commands/*.py, scheduler/feeds/commands.py) keeps at its top only what
`register()` and argument parsing need; the services, feeds, imports and reports are imported where a
command runs, and scheduler.cli itself loads the database library only once a command is chosen. A fresh
interpreter builds the parsers and prints every help; the libraries that take seconds to load must still
be absent from sys.modules. `hubsched hubs`, run through scheduler.cli.main on a real database, may read it
but loads no migration, feed, spreadsheet, mail-password, solver or web-server library.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from models import db
from tests.builders import make_borough

ROOT = Path(__file__).resolve().parents[2]

GROUP_MODULES = (
    "scheduler.commands.allocate",
    "scheduler.commands.attendance",
    "scheduler.commands.closures",
    "scheduler.commands.outbox",
    "scheduler.commands.reference",
    "scheduler.commands.report",
    "scheduler.commands.spreadsheets",
    "scheduler.feeds.commands",
)
# Not for --help (nor for building any parser): the database library and everything a command does.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "icalendar",
    "recurring_ical_events",
    "holidays",
    "dateutil",
    "openpyxl",
    "waitress",
    "keyring",
    "ortools",
    "pandas",
)

PROBE = textwrap.dedent(
    """
    import argparse, importlib, json, sys

    modules, heavy = json.loads(sys.argv[1])
    parser = argparse.ArgumentParser(prog="hubsched")
    commands = parser.add_subparsers(dest="command")
    loaded = {}
    for name in modules:
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(commands)
        # every sub-command's help, as `hubsched GROUP ACTION --help` prints it (defaults, choices, metavars)
        pending = [parser]
        while pending:
            current = pending.pop()
            current.format_help()
            for action in current._actions:
                if isinstance(action, argparse._SubParsersAction):
                    pending.extend(action.choices.values())
        # the heavy libraries this module brought in (the ones before it are named against those)
        loaded[name] = [h for h in heavy if h in sys.modules and not any(h in v for v in loaded.values())]
    print(json.dumps(loaded))
    """
)


# `hubsched hubs` reads the database (sqlalchemy; holidays and dateutil come with the services' recurrence),
# but needs no migrations, feeds, spreadsheets, mail password, solver or web server.
NOT_FOR_HUBS_LIST = tuple(h for h in HEAVY if h not in {"sqlalchemy", "holidays", "dateutil"})

HUBS_LIST = textwrap.dedent(
    """
    import contextlib, io, json, sys

    from scheduler import cli

    url, heavy = json.loads(sys.argv[1])
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = cli.main(["--db", url, "hubs"])
    print(json.dumps({"status": status, "out": out.getvalue(), "heavy": [h for h in heavy if h in sys.modules]}))
    """
)

CLI_HELP = textwrap.dedent(
    """
    import argparse, json, sys

    from scheduler import cli

    heavy = json.loads(sys.argv[1])
    pending = [cli.build_parser()]
    while pending:  # every command's help, as `hubsched [COMMAND [ACTION]] --help` prints it
        current = pending.pop()
        current.format_help()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    print(json.dumps([h for h in heavy if h in sys.modules]))
    """
)


def heavy_loaded_by(*modules: str) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([list(modules), list(HEAVY)])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_registering_every_command_group_loads_no_heavy_library() -> None:
    loaded = heavy_loaded_by(*GROUP_MODULES)

    assert set(loaded) == set(GROUP_MODULES)
    assert {name: found for name, found in loaded.items() if found} == {}


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: the services' wiring does load the database library."""
    loaded = heavy_loaded_by("scheduler.bootstrap")

    assert "sqlalchemy" in loaded["scheduler.bootstrap"]


def test_the_whole_command_line_and_every_help_load_no_heavy_library() -> None:
    """`hubsched --help` and every `hubsched COMMAND --help`: the real parser, built by scheduler.cli."""
    result = subprocess.run(
        [sys.executable, "-c", CLI_HELP, json.dumps(list(HEAVY))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_listing_hubs_loads_no_migration_feed_spreadsheet_or_solver_library(migrated_sqlite_url: str) -> None:
    engine = db.make_engine(migrated_sqlite_url)
    make_borough(db.make_session_factory(engine))
    engine.dispose()

    result = subprocess.run(
        [sys.executable, "-c", HUBS_LIST, json.dumps([migrated_sqlite_url, list(NOT_FOR_HUBS_LIST)])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["status"] == 0
    assert "Ilford Civic Hub" in listed["out"]  # it did read the hubs
    assert listed["heavy"] == []
