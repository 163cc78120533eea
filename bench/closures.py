"""Re-homing benchmark (not a test): `python -m bench.closures [--runs N]`.

On the demo borough with Spring 2027 allocated (in a temporary SQLite database), plans the re-homing of a
two-week whole-hub closure of Hainault Hub (1–12 February 2027) — target < 2 s — and reports how many
displaced sessions were re-homed, how many stay cancelled (with their reasons) and how often the booking
rules were asked. The warm figure is the plan itself (candidate search, gate checks, the one solve) in a
process that has OR-Tools loaded; the cold figure is `hubsched closures add … --json` in a new process
(Python start-up, imports including OR-Tools, database open, plan, JSON out).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from models import db
from models.entities import Hub
from models.types import ClosureScope
from resources import locate
from scheduler.bootstrap import bootstrap
from scheduler.services.closures import ClosureDraft
from scheduler.services.demo import read_demo_file

NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.upgrade(engine)
        sessions = db.make_session_factory(engine)
        services = bootstrap(sessions, "bench", clock=lambda: NOW)
        services.demo.load(read_demo_file(locate("demo/borough.yaml")))
        term_id = services.allocation.term_id("Spring 2027")
        services.allocation.apply(services.allocation.preview(term_id, time_limit=10))
        with sessions() as s:
            hainault = s.scalars(select(Hub).where(Hub.name == "Hainault Hub")).one().id
        draft = ClosureDraft(ClosureScope.HUB, date(2027, 2, 1), date(2027, 2, 12), "Roof repairs", hub_id=hainault)
        times = []
        for _ in range(args.runs):
            started = clock.perf_counter()
            plan = services.closures.plan_rehoming(draft)
            times.append(clock.perf_counter() - started)
        figures = services.closures.last_figures
        found = sum(r.found for r in plan)
        print(
            f"two-week closure of Hainault Hub: {len(plan)} displaced, {found} re-homed, {len(plan) - found} cancelled"
        )
        for r in plan:
            where = f"{r.room} {r.day:%a %d %b} {r.start:%H:%M}" if r.found else f"cancelled: {r.reason}"
            print(f"  {r.title}: {where}")
        print(
            f"plan: median {statistics.median(times):.2f} s, best {min(times):.2f} s, worst {max(times):.2f} s "
            f"over {args.runs} runs (target 2 s); {figures.gate_checks if figures else 0} gate checks"
        )
        command = [
            sys.executable,
            "-c",
            "import sys; from scheduler import cli; sys.exit(cli.main(sys.argv[1:]))",
            "--db",
            str(engine.url),
            "closures",
            "add",
            "--hub",
            "Hainault Hub",
            "--from",
            "2027-02-01",
            "--to",
            "2027-02-12",
            "--reason",
            "Roof repairs",
            "--json",
        ]
        started = clock.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        print(f"cold: the same plan from the command line in a new process {clock.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
