"""Run the `hubsched` command line and kill this very process (SIGKILL) at its Nth database step.

A step is a statement sent to the database or a commit. `python -m tests.fault_runner N ARGS...` kills
itself just before step N (a real kill -9: no cleanup, no rollback, no atexit); with N = 0 it runs to
the end and prints the number of steps on stderr's last line as `steps: K`. Used by the fault-injection
tests; lives in tests/ so that the product carries no fault hooks.
"""

from __future__ import annotations

import os
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine


def main(argv: list[str]) -> int:
    kill_at = int(argv[0])
    count = 0

    trace = os.environ.get("HUBSCHED_FAULT_TRACE")
    kinds: list[str] = []

    def step(kind: str) -> None:
        nonlocal count
        count += 1
        if trace:
            kinds.append(kind)
        if count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def statement(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        step(sql.split(None, 2)[0].upper() if sql.strip() else "?")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", lambda *_: step("COMMIT"))
    from desktop_app.launcher import main as hubsched

    status = hubsched(argv[1:])
    sys.stdout.flush()
    if trace:
        with open(trace, "w", encoding="utf-8") as out:
            out.write("\n".join(kinds) + "\n")
    print(f"steps: {count}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
