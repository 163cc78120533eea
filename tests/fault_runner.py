"""Run `hubsched` commands that kill themselves (SIGKILL) at their Nth step, forked from one warm process.

A step is a statement sent to the database, a commit, or a file renamed into place (`os.replace`, how
publishing, backups and restores make a file live). A trial kills its process just before step N: a real
kill -9, with no cleanup, no rollback and no atexit. With N = 0 it runs to the end and reports how many
steps it took, and which kind each was.

Starting Python and importing SQLAlchemy, Alembic and the commands takes longer than most trials, so
`FaultRunner` starts one server process (`python -m tests.fault_runner`) that imports everything once and
forks a fresh child for every trial: each child starts with nothing open (the server never touches a
database) and dies by its own SIGKILL exactly as a `hubsched` process would. Used by the fault-injection
tests; it lives in tests/ so that the product carries no fault hooks.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Trial:
    """Kill before step `kill_at` (0: run to the end), counting only steps of `kind` when one is given.

    `after` moves the kill that many steps (of any kind) further: `Trial(2, args, "COMMIT", after=1)` dies
    just after the second commit. Counting commits rather than all steps keeps a kill next to a commit
    where it belongs even when the number of reads varies by one from run to run (SQLAlchemy's identity
    map holds objects weakly, so a lazy load is sometimes sent again).
    """

    kill_at: int
    args: list[str]
    kind: str = ""
    after: int = 0


@dataclass(frozen=True)
class Outcome:
    trial: Trial
    status: int  # the exit status; -9 when the trial killed itself
    kinds: list[str]  # the kind of every step taken before the kill (or before the end)
    stderr: str

    @property
    def step(self) -> int:
        """The step the process died before (1-based), or the number of steps when it ran to the end."""
        return len(self.kinds) + (1 if self.status == -9 else 0)


class FaultRunner:
    """A warm server process that runs trials `parallel` at a time; use as a context manager."""

    def __init__(self, env: dict[str, str] | None = None, parallel: int = 2) -> None:
        self._parallel = parallel
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.fault_runner"],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lock = threading.Lock()

    def run(self, trials: list[Trial]) -> list[Outcome]:
        """Run every trial; the outcomes in the trials' order."""
        request = {"parallel": self._parallel, "trials": [[t.kill_at, t.kind, t.after, t.args] for t in trials]}
        with self._lock:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            reply = self._process.stdout.readline()
        if not reply:
            raise RuntimeError(f"the fault runner died (exit {self._process.wait()})")
        return [Outcome(trial, *result) for trial, result in zip(trials, json.loads(reply), strict=True)]

    def steps(self, args: list[str]) -> list[str]:
        """The kinds of step a whole run of `args` takes; the run must succeed."""
        (outcome,) = self.run([Trial(0, args)])
        assert outcome.status == 0, outcome.stderr
        return outcome.kinds

    def close(self) -> None:
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        self._process.wait(timeout=60)

    def __enter__(self) -> FaultRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# The server side: everything below runs in the warm process and its forked children.


def _warm_up() -> None:
    """Import what the commands import, so that no child pays for it."""
    import alembic.command  # noqa: F401
    import ortools.sat.python.cp_model  # noqa: F401  (the demo's re-homing and `allocate` solve)
    import psycopg  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    import desktop_app.launcher  # noqa: F401
    import scheduler.backup
    import scheduler.commands.allocate
    import scheduler.feeds.commands
    import scheduler.feeds.publish
    import scheduler.feeds.service
    import scheduler.services.allocation
    import scheduler.services.demo  # noqa: F401
    from scheduler import cli

    cli.build_parser()
    configure_mappers()  # the ORM's mapper set-up, otherwise done again by every child's first query


def _child(trial: Trial, kinds_file: str, stderr_file: str) -> int:
    """In the forked child: count steps, run `hubsched` and kill this process where the trial says."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from desktop_app.launcher import main as hubsched

    error = os.open(stderr_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(error, 2)
    silent = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silent, 1)
    kinds: list[str] = []
    counted = 0
    kill_at_step = 0  # an absolute step number, once known

    def step(kind: str) -> None:
        nonlocal counted, kill_at_step
        if not trial.kind or kind == trial.kind:
            counted += 1
            if counted == trial.kill_at:
                kill_at_step = len(kinds) + 1 + trial.after
        if kill_at_step == len(kinds) + 1:
            Path(kinds_file).write_text("\n".join(kinds), encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        kinds.append(kind)

    def statement(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        step(sql.split(None, 1)[0].upper() if sql.strip() else "?")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", lambda *_: step("COMMIT"))
    real_replace = os.replace

    def replace(source: object, target: object, *rest: object, **options: object) -> None:
        step("RENAME")
        real_replace(source, target, *rest, **options)  # type: ignore[arg-type]

    os.replace = replace  # type: ignore[assignment]
    status = hubsched(trial.args)
    sys.stdout.flush()
    sys.stderr.flush()
    Path(kinds_file).write_text("\n".join(kinds), encoding="utf-8")
    return status


def _fork(trial: Trial, folder: Path, number: int) -> tuple[int, Path, Path]:
    kinds_file, stderr_file = folder / f"{number}.kinds", folder / f"{number}.stderr"
    pid = os.fork()
    if pid == 0:  # the child never returns into the server's loop
        status = 70
        try:
            status = _child(trial, str(kinds_file), str(stderr_file))
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    return pid, kinds_file, stderr_file


def _serve_batch(request: dict[str, object], folder: Path) -> list[tuple[int, list[str], str]]:
    trials = request["trials"]
    assert isinstance(trials, list)
    parallel = int(request["parallel"])  # type: ignore[call-overload]
    results: list[tuple[int, list[str], str] | None] = [None] * len(trials)
    running: dict[int, tuple[int, Path, Path]] = {}
    pending = list(enumerate(trials))
    while pending or running:
        while pending and len(running) < parallel:
            number, (kill_at, kind, after, args) = pending.pop(0)
            pid, kinds_file, stderr_file = _fork(Trial(kill_at, args, kind, after), folder, number)
            running[pid] = (number, kinds_file, stderr_file)
        pid, wait_status = os.wait()
        number, kinds_file, stderr_file = running.pop(pid)
        kinds = kinds_file.read_text(encoding="utf-8").split() if kinds_file.exists() else []
        stderr = stderr_file.read_text(encoding="utf-8", errors="replace") if stderr_file.exists() else ""
        results[number] = (os.waitstatus_to_exitcode(wait_status), kinds, stderr[-4000:])
        kinds_file.unlink(missing_ok=True)
        stderr_file.unlink(missing_ok=True)
    return [result for result in results if result is not None]


def serve() -> int:
    _warm_up()
    # Everything imported so far lives as long as the server: out of the collector's sight, a child's first
    # full collection no longer walks (and so copies, page by page) the whole inherited heap. That took
    # half of a short trial's time.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="fault-runner-") as folder:
        for line in sys.stdin:
            reply = _serve_batch(json.loads(line), Path(folder))
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
