#!/usr/bin/env python3
"""Developer entry point: the README's two commands, with nothing but Python 3 and git.

    python3 tasks.py run     start Hub Scheduler on the embedded SQLite database (demo borough on first start)
    python3 tasks.py test    run the whole test suite (starts its own PostgreSQL server)
    python3 tasks.py test --fast   the edit-test loop: every test not marked slow (CI runs the whole suite)

Each creates the local virtual environment `.venv/` on first use and reinstalls the project into it
whenever pyproject.toml changes. Only the standard library is used here, because nothing else exists yet
when this runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"


def _venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the project with its test extras, once per pyproject.toml version."""
    python = _venv_python()
    if not python.exists():
        print("tasks: creating the virtual environment in .venv (first run only)", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != _fingerprint():
        print("tasks: installing Hub Scheduler and its dependencies into .venv", flush=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(_fingerprint())
    return python


def _postgres_available() -> bool:
    if os.environ.get("HUBSCHED_PG_BIN"):
        return True
    if any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return True
    return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None


def _libical_available() -> bool:
    """The feed tests read feeds with libical through Debian's system Python and its GObject bindings."""
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    system_python = Path("/usr/bin/python3")
    if not system_python.is_file():
        return False
    return subprocess.run([str(system_python), "-c", probe], capture_output=True, check=False).returncode == 0


def ensure_test_tools() -> None:
    """What the test suite runs besides Python: a PostgreSQL server, Node.js for ical.js, and libical.

    Missing pieces are installed from Debian's packages in one apt-get call when we run as root on Debian
    (as CI does), before any test worker starts; elsewhere the message says what to install.
    """
    missing: list[str] = []
    if not _postgres_available():
        missing += ["postgresql", "postgresql-contrib"]
    if not (shutil.which("node") and shutil.which("npm")):
        missing += ["nodejs", "npm"]
    if not _libical_available():
        missing += ["python3-gi", "gir1.2-ical-3.0"]
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print(f"tasks: installing {' '.join(missing)} from Debian's packages for the tests", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)
        return
    sys.exit(
        f"tasks: the test suite needs these system packages (Debian names): {' '.join(missing)} — a PostgreSQL "
        "15+ server (or HUBSCHED_PG_BIN pointing at initdb and pg_ctl), Node.js 20+ with npm for ical.js, and "
        "libical's GObject bindings for the system Python 3."
    )


def ensure_icaljs() -> None:
    """Install the pinned ical.js once, before the test workers start (two workers must not both run npm)."""
    js = ROOT / "tests" / "scheduler" / "feeds" / "js"
    if (js / "node_modules" / "ical.js" / "package.json").is_file():
        return
    print("tasks: installing Mozilla's ical.js (pinned) for the feed conformance tests", flush=True)
    npm = shutil.which("npm") or "npm"
    subprocess.run([npm, "ci", "--prefix", str(js), "--no-audit", "--no-fund"], check=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "test":
        ensure_test_tools()
    python = ensure_venv()
    if command == "run":
        # The README promises the demo borough on first start: answer the app's first-start question so.
        env = {**os.environ, "HUBSCHED_FIRST_START": os.environ.get("HUBSCHED_FIRST_START", "demo")}
        return subprocess.call([str(python), "-m", "desktop_app", *rest], cwd=ROOT, env=env)
    ensure_icaljs()
    if "--fast" in rest:
        rest = [arg for arg in rest if arg != "--fast"] + ["-m", "not slow"]
    # Two pytest-xdist workers more than cores, each taking the next test when it is free (worksteal): a
    # worker waiting on PostgreSQL, a subprocess or the disk leaves its core to another, and on a machine
    # busy with other work the suite keeps its share (measured in the README's "Tests" section).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    count = str(cores + 2)
    workers = [] if any(arg.startswith("-n") for arg in rest) else ["-n", count, "--dist", "worksteal"]
    return subprocess.call([str(python), "-m", "pytest", *workers, *rest], cwd=ROOT, env=test_environment())


def test_environment() -> dict[str, str]:
    """The environment of the test run: Python keeps its compiled bytecode, whatever the shell says.

    With PYTHONDONTWRITEBYTECODE set, every worker and every command-line subprocess the tests start compiles
    the whole project again, and pytest rewrites every test module's asserts again: a fifth of the suite's
    machine time (measured in the README's "Tests" section). The caches are the usual __pycache__ folders,
    which git ignores.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
