"""Term report benchmark (not a test): `python -m bench.report`.

On a fresh demo borough (with its illustrative Autumn 2026 attendance) measures, in one process, the
median of a few runs of: reading the learning facts from the database, computing every figure of the
report, writing the XLSX, and writing the A4 PDF with Qt's PDF writer (offscreen). No target is set by the
issue; the numbers say where the time goes.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time as clock
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(runs: int = 5) -> None:
    from PySide6.QtGui import QGuiApplication

    from desktop_app.learning.report_pdf import render_pdf
    from desktop_app.services import connect
    from models import db
    from scheduler.reporting.report import build_report
    from scheduler.reporting.xlsx import write_xlsx
    from scheduler.services.learning import LearningService

    app = QGuiApplication([])  # noqa: F841 - the PDF writer needs it
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.sqlite3"
        connect(f"sqlite:///{path}", "bench").close()
        engine = db.make_engine(f"sqlite:///{path}")
        service = LearningService(db.make_session_factory(engine))
        term_id = service.term_id("Autumn 2026")
        timings: dict[str, list[float]] = {"facts": [], "figures": [], "xlsx": [], "pdf": []}
        for _ in range(runs):
            start = clock.perf_counter()
            data = service.learning_data(term_id)
            timings["facts"].append(clock.perf_counter() - start)
            start = clock.perf_counter()
            report = build_report(data)
            timings["figures"].append(clock.perf_counter() - start)
            start = clock.perf_counter()
            write_xlsx(report, Path(folder) / "report.xlsx")
            timings["xlsx"].append(clock.perf_counter() - start)
            start = clock.perf_counter()
            render_pdf(report, Path(folder) / "report.pdf")
            timings["pdf"].append(clock.perf_counter() - start)
        sessions = len(data.term.sessions)
        engine.dispose()
    print(f"term report of Autumn 2026 on the demo borough ({sessions} sessions), median of {runs} runs:")
    for name, values in timings.items():
        print(f"  {name:<8} {statistics.median(values) * 1000:7.0f} ms   (best {min(values) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
