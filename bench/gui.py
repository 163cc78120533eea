"""Desktop calendar benchmark (not a test): `python -m bench.gui`.

Measures, offscreen:
1. cold start to an interactive window on the demo database, on the real launch path: a fresh process
   that enters through the `hubsched` console script's `main` (CLI parser, GUI start-up, database check,
   services, window built, shown and painted once) — target < 2 s;
2. with a full year loaded (>= 20,000 sessions across the six hubs, booked through the BookingService)
   the time to switch between the day view (all hubs) and the week view and repaint — target < 100 ms;
3. the peak resident memory of that process — target < 400 MB;
4. the longest GUI-thread block (an event-loop stall probe) on the real launch path, once the window is
   shown, through everyday workflows (switching views, search, opening the planning window) — target
   < 200 ms; the block before the window first shows is printed too, as part of the cold start;
5. search (Ctrl+K) latency over that year, topped up to >= 30,000 sessions: the service's answer and the
   search box's full round trip (service + result list) for typical queries — target < 50 ms.
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


BEFORE_SHOWN = "start-up: importing and building the window, before it first shows"


def child_stalls(path: str) -> None:
    """Runs in a fresh process on the real launch path (desktop_app.launcher.main), with an event-loop stall
    probe: a 5 ms timer started with the QApplication whose late ticks measure how long the GUI thread was
    blocked, attributed to the step that was running. After start-up the probe drives everyday workflows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app import launcher

    app = QApplication(sys.argv[:1])
    # The database is opened off the GUI thread (behind a busy dialog whose event loop keeps this probe
    # ticking); what blocks before the window first shows is importing the GUI and building the window.
    state = {"label": BEFORE_SHOWN, "last": clock.perf_counter()}
    worst: dict[str, float] = {}

    def tick() -> None:
        now = clock.perf_counter()
        gap = (now - state["last"]) * 1000
        label = str(state["label"])
        worst[label] = max(worst.get(label, 0.0), gap)
        state["last"] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    probe.start()

    def steps(window) -> list[tuple[str, object]]:
        return [
            ("day view: next day", lambda: window.step_date(1)),
            ("day view to week view", lambda: window.set_mode("week")),
            ("week view to month view", lambda: window.set_mode("month-hub")),
            ("month view to day view", lambda: window.set_mode("day")),
            ("fit all rooms to the width", lambda: window.fit_action.setChecked(True)),
            ("open the search box", window.open_search),
            ("search: type 'job' and search", lambda: (window.search_dialog.query.setText("job"),)),
            ("search: results shown", lambda: window.search_dialog.run_search()),
            ("search: Enter jumps to the session", lambda: window.search_dialog.choose_current()),
            ("reading the calendar for 3 s", lambda: None),
            ("open the planning window", window.open_planning),
            ("close the planning window", lambda: window.planning_window.close()),
        ]

    def run_steps(window, todo: list) -> None:
        if not todo:
            state["label"] = "idle"
            QTimer.singleShot(200, finish)
            return
        label, action = todo[0]
        state["label"] = label
        action()
        QTimer.singleShot(3000 if label.startswith("reading") else 150, lambda: run_steps(window, todo[1:]))

    def finish() -> None:
        probe.stop()
        print(json.dumps(worst), flush=True)
        app.closeAllWindows()
        app.quit()

    def ready() -> None:
        windows = [w for w in app.topLevelWidgets() if w.isVisible() and w.inherits("QMainWindow")]
        if not windows:
            QTimer.singleShot(10, ready)
            return
        state["label"] = "start-up: first paint"
        windows[0].repaint()
        QTimer.singleShot(100, lambda: run_steps(windows[0], steps(windows[0])))

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


SEARCH_QUERIES = ("job", "cafe", "hainault", "year session 12", "clinic room", "a", "zzz nothing")
SEARCH_TARGET = 30_000


def top_up(path: Path, target: int) -> int:
    """One-off evening-free sessions (weekday 16:00-16:45) until the database holds `target` sessions."""
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
        count = int(session.scalar(select(func.count()).select_from(Occurrence)))
        organisations = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
        rooms = list(session.scalars(select(Room.id).where(Room.bookable).order_by(Room.id)))
        number = 0
        for room_id in rooms:
            for weekday in range(5):
                if count >= target:
                    break
                number += 1
                booking = NewBooking(
                    room_id=room_id,
                    organisation_id=organisations[number % len(organisations)],
                    title=f"Late club {number}",
                    first_date=YEAR_FIRST + timedelta(days=weekday),
                    last_date=YEAR_LAST,
                    frequency=Frequency.WEEKLY,
                    start=time(16, 45),
                    duration_min=15,
                )
                with contextlib.suppress(BookingRefused):
                    count += service.book_within(session, booking).sessions
        count = int(session.scalar(select(func.count()).select_from(Occurrence)))
    engine.dispose()
    return count


def child_search(path: str, rounds: int) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop_app.calendar.search import SearchDialog
    from desktop_app.services import connect

    app = QApplication(sys.argv[:1])
    services = connect(f"sqlite:///{path}", "bench")
    search = services.wired.search
    dialog = SearchDialog(search)
    begin = clock.perf_counter()
    search.search("warm-up")  # the first search reads every series into the index
    first_ms = (clock.perf_counter() - begin) * 1000
    result: dict[str, dict] = {"first_search_ms": {"ms": first_ms}}
    for query in SEARCH_QUERIES:
        service_ms, dialog_ms, hits = [], [], 0
        for _ in range(rounds):
            begin = clock.perf_counter()
            hits = len(search.search(query))
            service_ms.append((clock.perf_counter() - begin) * 1000)
            dialog.query.blockSignals(True)
            dialog.query.setText(query)
            dialog.query.blockSignals(False)
            begin = clock.perf_counter()
            dialog.run_search()
            app.processEvents()
            dialog_ms.append((clock.perf_counter() - begin) * 1000)
        result[query] = {
            "hits": hits,
            "service_median": statistics.median(service_ms),
            "service_max": max(service_ms),
            "dialog_median": statistics.median(dialog_ms),
            "dialog_max": max(dialog_ms),
        }
    print(json.dumps(result), flush=True)
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
    parser.add_argument("--child-search")
    parser.add_argument("--child-stalls")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--year-db", help="reuse (or keep) the full-year database at this path")
    parser.add_argument(
        "--quick", action="store_true", help="only the cold start and the GUI-thread stalls (no full-year database)"
    )
    parser.add_argument("--starts", type=int, default=3, help="how many cold starts to time")
    args = parser.parse_args(argv)
    if args.child_start:
        child_start(args.child_start)
        return 0
    if args.child_switch:
        child_switch(args.child_switch, args.rounds)
        return 0
    if args.child_search:
        child_search(args.child_search, args.rounds)
        return 0
    if args.child_stalls:
        child_stalls(args.child_stalls)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.sqlite3"
        make_demo(demo)
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        starts = [_run_child(["--child-start", str(demo)], folder)["cold_start_s"] for _ in range(args.starts)]
        print(
            f"cold start to interactive window (demo DB): best {min(starts):.2f} s, "
            f"runs {', '.join(f'{s:.2f}' for s in starts)} (target < 2 s)"
        )
        stalls = _run_child(["--child-stalls", str(demo)], folder)
        # A freeze is a window that is there and does not answer: the block before the window first shows
        # is part of the cold start above (target 2 s), and reported apart from the workflows.
        shown = {step: ms for step, ms in stalls.items() if step != BEFORE_SHOWN}
        label, longest = max(shown.items(), key=lambda item: item[1])
        print(
            f"longest GUI-thread block once the window is shown: {longest:.0f} ms in '{label}' (target < 200 ms); "
            f"before it first shows (part of the cold start): {stalls.get(BEFORE_SHOWN, 0):.0f} ms"
        )
        for step, ms in stalls.items():
            print(f"  {step}: {ms:.0f} ms")
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        if args.quick:
            return 0
        year = Path(args.year_db) if args.year_db else Path(folder) / "year.sqlite3"
        began = clock.perf_counter()
        if not year.exists():
            make_demo(year)
            sessions = fill_year(year)
            print(
                f"full year: {sessions} sessions in the database (booked through the services in "
                f"{clock.perf_counter() - began:.0f} s)"
            )
        else:
            sessions = top_up(year, 0)
            print(f"full year: reusing {year} ({sessions} sessions)")
        result = _run_child(["--child-switch", str(year), "--rounds", str(args.rounds)], folder)
        for key in ("day_to_week_ms", "week_to_day_ms", "next_day_ms"):
            print(f"{key}: median {result[key]['median']:.1f} ms, max {result[key]['max']:.1f} ms (target < 100 ms)")
        print(
            f"sessions in the database: {result['sessions_in_db']}; on screen in the all-hubs day view: "
            f"{result['sessions_on_screen_day']}"
        )
        print(f"peak RSS of the window process: {result['peak_rss_mb']:.0f} MB (target < 400 MB)")
        total = top_up(year, SEARCH_TARGET)
        found = _run_child(["--child-search", str(year), "--rounds", str(args.rounds)], folder)
        print(f"search (Ctrl+K) over {total} sessions (target < 50 ms):")
        print(f"  first search of the session (reads the index): {found.pop('first_search_ms')['ms']:.0f} ms")
        for query, figures in found.items():
            print(
                f"  {query!r}: {figures['hits']} hit(s); service median {figures['service_median']:.1f} ms, "
                f"max {figures['service_max']:.1f} ms; search box median {figures['dialog_median']:.1f} ms, "
                f"max {figures['dialog_max']:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
