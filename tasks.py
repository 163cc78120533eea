#!/usr/bin/env python3
"""Developer entry point: the README's two commands, with nothing but Python 3 and git.

    python3 tasks.py run     start Hub Scheduler on the embedded SQLite database (demo borough on first start)
    python3 tasks.py test    run the whole test suite (starts its own PostgreSQL server)

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


def ensure_postgres() -> None:
    """The PostgreSQL tests need a server binary; install Debian's when we can, else say what is missing."""
    if _postgres_available():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("tasks: installing PostgreSQL from Debian's packages for the database tests", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql", "postgresql-contrib"], check=True, env=env)
        return
    sys.exit(
        "tasks: the test suite needs a PostgreSQL 15+ server (initdb, pg_ctl). Install your system's "
        "postgresql package, or set HUBSCHED_PG_BIN to the folder holding initdb and pg_ctl."
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "test":
        ensure_postgres()
    python = ensure_venv()
    if command == "run":
        # The README promises the demo borough on first start: answer the app's first-start question so.
        env = {**os.environ, "HUBSCHED_FIRST_START": os.environ.get("HUBSCHED_FIRST_START", "demo")}
        return subprocess.call([str(python), "-m", "desktop_app", *rest], cwd=ROOT, env=env)
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
