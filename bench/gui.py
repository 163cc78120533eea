"""Desktop calendar benchmark (not a test): `python -m bench.gui`.

Measures, offscreen:
1. cold start to an interactive window on the demo database, on the real launch path: a fresh process
   that enters through the `hubsched` console script's `main` (CLI parser, GUI start-up, database check,
   services, window built, shown and painted once) — target < 2 s;
2. with a full year loaded (>= 20,000 sessions across the six hubs, booked through the BookingService)
   the time to switch between the day view (all hubs) and the week view and repaint — target < 100 ms;
3. the peak resident memory of that process — target < 400 MB.
Each measurement runs in its own process so that set-up work does not count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time as clock
from datetime import date, time, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

YEAR_FIRST, YEAR_LAST = date(2027, 1, 4), date(2027, 12, 31)
SLOTS = (time(9), time(11), time(13), time(15))


def make_demo(path: Path) -> None:
    from desktop_app.services import connect

    connect(f"sqlite:///{path}", "bench").close()


def fill_year(path: Path) -> int:
    """Weekly 90-minute series in every room, four slots a weekday, all through 2027, via the services."""
    from sqlalchemy import func, select

    from models import db
    from models.entities import Occurrence, Organisation, Room
    from models.types import Frequency
    from scheduler.bootstrap import bootstrap
    from scheduler.errors import BookingRefused
    from scheduler.services.booking import NewBooking

    engine = db.make_engine(f"sqlite:///{path}")
    sessions = db.make_session_factory(engine)
    service = bootstrap(sessions, "bench").booking
    with sessions.begin() as session:
        organisations = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
        rooms = list(session.scalars(select(Room.id).where(Room.bookable).order_by(Room.id)))
        number = 0
        for room_id in rooms:
            for weekday in range(5):
                first = YEAR_FIRST + timedelta(days=weekday)
                for start in SLOTS:
                    number += 1
                    booking = NewBooking(
                        room_id=room_id,
                        organisation_id=organisations[number % len(organisations)],
                        title=f"Year session {number}",
                        first_date=first,
                        last_date=YEAR_LAST,
                        frequency=Frequency.WEEKLY,
                        start=start,
                        duration_min=90,
                    )
                    # Refused: out of hours at that hub, or the demo already uses the slot.
                    with contextlib.suppress(BookingRefused):
                        service.book_within(session, booking)
        count = session.scalar(select(func.count()).select_from(Occurrence))
    engine.dispose()
    return int(count)


def child_start(path: str) -> None:
    """Runs in a fresh process: start the app through the console script's entry point, as a user does.

    The probe only adds a timer that fires once the event loop runs, finds the main window, paints it
    and reports; everything else is the product's own start-up (desktop_app.launcher.main).
    """
    started = float(os.environ["BENCH_T0"])
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app import launcher

    app = QApplication(sys.argv[:1])

    def ready() -> None:
        windows = [w for w in app.topLevelWidgets() if w.isVisible() and w.inherits("QMainWindow")]
        if not windows:
            QTimer.singleShot(10, ready)
            return
        windows[0].repaint()
        print(json.dumps({"cold_start_s": clock.time() - started}), flush=True)
        app.quit()

    QTimer.singleShot(0, ready)
    launcher.main(["--db", f"sqlite:///{path}"])


def child_switch(path: str, rounds: int) -> None:
    import resource

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import text

    from desktop_app.main_window import DAY, WEEK, MainWindow
    from desktop_app.services import connect
    from desktop_app.settings import AppSettings

    app = QApplication(sys.argv[:1])
    settings = AppSettings(QSettings(str(Path(path).with_suffix(".ini")), QSettings.Format.IniFormat))
    services = connect(f"sqlite:///{path}", "bench")
    window = MainWindow(services, settings)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    window.show_day(None, date(2027, 3, 10))
    busy = max(window.sessions_model.rows(), key=lambda r: r.room_id).room_id
    window.week_room_id = busy
    timings: dict[str, list[float]] = {"day_to_week_ms": [], "week_to_day_ms": [], "next_day_ms": []}
    for number in range(rounds):
        for key, action in (
            ("day_to_week_ms", lambda: window.set_mode(WEEK)),
            ("week_to_day_ms", lambda: window.set_mode(DAY)),
            ("next_day_ms", lambda n=number: window.set_date(date(2027, 3, 10) + timedelta(days=n % 2 + 1))),
        ):
            begin = clock.perf_counter()
            action()
            window.view.viewport().repaint()
            app.processEvents()
            timings[key].append((clock.perf_counter() - begin) * 1000)
    window.set_mode(DAY)
    shown_day = len(window.sessions_model.rows())
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the count below
    with services.engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM occurrences")).scalar_one()
    result = {key: {"median": statistics.median(v), "max": max(v)} for key, v in timings.items()}
    result["sessions_in_db"] = total
    result["sessions_on_screen_day"] = shown_day
    result["peak_rss_mb"] = peak_rss_mb
    print(json.dumps(result), flush=True)
    window.close()
    services.close()


def _run_child(args: list[str], config_home: str) -> dict:
    # The app keeps its settings in the user's configuration folder: give each run an empty one.
    env = dict(os.environ, BENCH_T0=repr(clock.time()), XDG_CONFIG_HOME=config_home)
    output = subprocess.run([sys.executable, "-m", "bench.gui", *args], env=env, capture_output=True, text=True)
    if output.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child-start")
    parser.add_argument("--child-switch")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    if args.child_start:
        child_start(args.child_start)
        return 0
    if args.child_switch:
        child_switch(args.child_switch, args.rounds)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.sqlite3"
        make_demo(demo)
        starts = [_run_child(["--child-start", str(demo)], folder)["cold_start_s"] for _ in range(3)]
        print(
            f"cold start to interactive window (demo DB): best {min(starts):.2f} s, "
            f"runs {', '.join(f'{s:.2f}' for s in starts)} (target < 2 s)"
        )
        year = Path(folder) / "year.sqlite3"
        make_demo(year)
        began = clock.perf_counter()
        sessions = fill_year(year)
        print(
            f"full year: {sessions} sessions in the database (booked through the services in "
            f"{clock.perf_counter() - began:.0f} s)"
        )
        result = _run_child(["--child-switch", str(year), "--rounds", str(args.rounds)], folder)
        for key in ("day_to_week_ms", "week_to_day_ms", "next_day_ms"):
            print(f"{key}: median {result[key]['median']:.1f} ms, max {result[key]['max']:.1f} ms (target < 100 ms)")
        print(
            f"sessions in the database: {result['sessions_in_db']}; on screen in the all-hubs day view: "
            f"{result['sessions_on_screen_day']}"
        )
        print(f"peak RSS of the window process: {result['peak_rss_mb']:.0f} MB (target < 400 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
