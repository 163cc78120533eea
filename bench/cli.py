"""Command-line start-up benchmark (not a test): `python -m bench.cli`.

Runs the installed `hubsched` console script as a user would, in a fresh process each time, on a demo
database made for the run, and reports the median and worst of 5 runs of:
- `hubsched --help`
- `hubsched hubs`
Target: both under 0.8 s (median). What slows a command down is importing what it does not need: OR-Tools
and pandas load only in the commands that solve.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time as clock
from pathlib import Path

TARGET_S = 0.8


def hubsched() -> str:
    """The console script next to this interpreter (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("hubsched")
    found = str(beside) if beside.exists() else shutil.which("hubsched")
    if not found:
        raise SystemExit("bench.cli: the hubsched console script is not installed (run python3 tasks.py run once)")
    return found


def timed(args: list[str], env: dict[str, str]) -> float:
    began = clock.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return clock.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    script = hubsched()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        env = {**os.environ, "HUBSCHED_DB": url}
        subprocess.run([script, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        met = True
        for label, command in (("hubsched --help", ["--help"]), ("hubsched hubs", ["hubs"])):
            runs = [timed([script, *command], env) for _ in range(args.runs)]
            median = statistics.median(runs)
            met &= median < TARGET_S
            print(
                f"{label:<16} median {median:.2f} s, worst {max(runs):.2f} s over {args.runs} runs "
                f"(target < {TARGET_S} s: {'met' if median < TARGET_S else 'MISSED'})"
            )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
