"""A real, throwaway PostgreSQL server for the test session.

initdb + pg_ctl into a temporary folder, listening on 127.0.0.1 on a free port. PostgreSQL refuses to run
as root, so as root the folder is handed to the `postgres` user and the binaries run through
`runuser -u postgres --`. The server is stopped and its folder removed when the session ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    explicit = os.environ.get("HUBSCHED_PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresUnavailable("no PostgreSQL server binaries found (install postgresql, or set HUBSCHED_PG_BIN)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


START_ATTEMPTS = 5


def _port_was_taken(log: Path, since: int) -> bool:
    """Whether the server's log, from byte `since` on, says its port was taken."""
    with log.open("rb") as text:
        text.seek(since)
        return b"Address already in use" in text.read()


class TemporaryPostgres:
    """Start with `start()`, which returns a SQLAlchemy URL for the superuser database; `stop()` ends it."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="hubsched-pg-"))
        self.data = self.folder / "data"
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.user = "postgres" if self._as_root else os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        result = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout}")

    def start(self) -> str:
        if self._as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        # The port is free when chosen, but an outgoing connection (another worker's, to its own server) can
        # take it before the server binds it: ports from bind(0) come from the same ephemeral range. That
        # happened under load; the server then logs "Address already in use", and another port is tried.
        log = self.folder / "server.log"
        for attempt in range(1, START_ATTEMPTS + 1):
            logged = log.stat().st_size if log.exists() else 0
            try:
                self._pg_ctl_start(log)
                break
            except PostgresUnavailable:
                if attempt == START_ATTEMPTS or not _port_was_taken(log, logged):
                    raise
                self.port = _free_port()
        return self.url("postgres")

    def _pg_ctl_start(self, log: Path) -> None:
        # No autovacuum: the tests empty their tables with DELETE, and a VACUUM would let new rows fill the
        # deleted rows' space, out of insertion order (tests/conftest.py, WorkerDatabase).
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=100"
            " -c autovacuum=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(PostgresUnavailable):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
