"""Fixtures of the feed tests: ical.js installed from the npm registry, libical, expanders, a borough with a year.

`icaljs` runs `npm ci` into tests/scheduler/feeds/js/node_modules when ical.js is missing. `libical`
runs libical_expand.py under Debian's system Python with python3-gi and gir1.2-ical-3.0, installing
those two packages with apt-get when they are missing and the tests run as root (as tasks.py installs
PostgreSQL). Without node, npm or libical the conformance tests fail with the reason: they are never
skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.entities import Occurrence, Room, Series
from models.types import Frequency, Visibility
from scheduler.feeds.facts import BoroughFacts
from scheduler.feeds.privacy import FeedSpec, includes
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import Borough, add_closure, make_borough

JS = Path(__file__).resolve().parent / "js"
LIBICAL_SCRIPT = Path(__file__).resolve().parent / "libical_expand.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
LIBICAL_PACKAGES = ("python3-gi", "gir1.2-ical-3.0")
SINGLE_UID = re.compile(r"^\d{8}T\d{6}-")
Instance = tuple[str, datetime, datetime]  # (series uid, start UTC, end UTC)


class FixedClock:
    """A clock that moves only when told, so DTSTAMP/LAST-MODIFIED are known."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


def series_uid(uid: str) -> str:
    """The series a VEVENT belongs to: single events of a series carry '<recurrence>-<series uid>'."""
    return SINGLE_UID.sub("", uid)


def expected_instances(spec: FeedSpec, facts: BoroughFacts) -> list[Instance]:
    """The app's own occurrence list for a feed: live stored occurrences the feed includes."""
    return sorted(
        (series.uid, o.start_utc, o.end_utc)
        for series in facts.series
        for o in series.occurrences
        if includes(spec, series, o, facts.places[o.room_id])
    )


def expand_with_recurring_ical_events(content: bytes) -> list[Instance]:
    calendar = Calendar.from_ical(content)
    events = recurring_ical_events.of(calendar).between(date(2000, 1, 1), date(2035, 1, 1))
    return sorted(
        (
            series_uid(str(e["UID"])),
            e.decoded("DTSTART").astimezone(UTC),
            e.decoded("DTEND").astimezone(UTC),
        )
        for e in events
    )


def _install_icaljs(npm: str) -> None:
    if not (JS / "node_modules" / "ical.js" / "package.json").is_file():
        installed = subprocess.run(
            [npm, "ci", "--prefix", str(JS), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if installed.returncode != 0:
            pytest.fail(f"`npm ci --prefix {JS}` failed, so ical.js is unavailable:\n{installed.stderr}")


@pytest.fixture(scope="session")
def icaljs() -> Callable[[Iterable[Path], str], dict[str, list[Instance]]]:
    """Expand files with Mozilla's ical.js under a given TZ; installs ical.js with `npm ci` if missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("the ical.js conformance tests need node and npm on PATH (Node 20 or later); none found")
    with open(Path(tempfile.gettempdir()) / "hubsched-npm.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker installs; the others wait and find it installed
        _install_icaljs(npm)

    def expand(files: Iterable[Path], tz: str) -> dict[str, list[Instance]]:
        paths = [str(f) for f in files]
        result = subprocess.run(
            [node, str(JS / "expand.mjs"), *paths],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env={**os.environ, "TZ": tz},
        )
        assert result.returncode == 0, result.stderr
        return _parse_instances(json.loads(result.stdout))

    return expand


def _parse_instances(parsed: dict[str, list[dict[str, str]]]) -> dict[str, list[Instance]]:
    return {
        path: sorted(
            (
                series_uid(item["uid"]),
                datetime.fromisoformat(item["start"]),
                datetime.fromisoformat(item["end"]),
            )
            for item in items
        )
        for path, items in parsed.items()
    }


def _libical_ready() -> bool:
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    if not SYSTEM_PYTHON.is_file():
        return False
    return subprocess.run([str(SYSTEM_PYTHON), "-c", probe], capture_output=True, check=False).returncode == 0


def _install_libical() -> None:
    if _libical_ready() or not (shutil.which("apt-get") and os.geteuid() == 0):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False, env=env, timeout=600)
    installed = subprocess.run(
        ["apt-get", "install", "-y", "-q", *LIBICAL_PACKAGES],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    if installed.returncode != 0:
        pytest.fail(f"apt-get install {' '.join(LIBICAL_PACKAGES)} failed:\n{installed.stderr}")


@pytest.fixture(scope="session")
def libical() -> Callable[[Iterable[Path]], dict[str, list[Instance]]]:
    """Expand files with libical (Evolution's parser); installs Debian's libical-glib bindings if missing."""
    if not _libical_ready():
        # tasks.py installs these before the workers start; this is for a bare `pytest`. The lock keeps
        # two test workers from running apt-get at once.
        with open(Path(tempfile.gettempdir()) / "hubsched-apt.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _install_libical()
        if not _libical_ready():
            pytest.fail(
                f"the libical conformance tests need {SYSTEM_PYTHON} with the Debian packages "
                f"{' and '.join(LIBICAL_PACKAGES)} (install them, or run the tests as root on Debian)"
            )

    def expand(files: Iterable[Path]) -> dict[str, list[Instance]]:
        result = subprocess.run(
            [str(SYSTEM_PYTHON), str(LIBICAL_SCRIPT), *[str(f) for f in files]],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        parsed = json.loads(result.stdout)
        refused = {path: items["error"] for path, items in parsed.items() if isinstance(items, dict)}
        assert not refused, f"libical refused: {refused}"
        return _parse_instances(parsed)

    return expand


@dataclass(frozen=True)
class Year:
    """A year of bookings crossing both 2027 clock changes, with what happened to it."""

    borough: Borough
    weekly_uid: str  # Main Hall, Mondays 10:00 (bank holidays skipped; one session moved; one cancelled)
    fortnightly_uid: str  # Meeting Room 1, Thursdays 13:00, skips term breaks
    monthly_uid: str  # Hainault Main Hall, last Friday 10:00 (generic)
    private_uid: str  # Meeting Room 1, 2nd Tuesday 18:30, private and hide-location
    sunday_uid: str  # Main Hall, Sundays 00:30-02:30: the clock-change nights themselves
    night_uid: str  # Meeting Room 1, Sundays 01:15-01:45: missing on 28 Mar, twice over on 31 Oct
    one_off_uid: str
    cancelled_uid: str  # a whole series cancelled


def book_year(sessions: sessionmaker[Session], clock: FixedClock) -> Year:
    borough = make_borough(sessions)
    add_closure(sessions, scope="hub", hub_id=borough.civic_id, first_day=date(2027, 6, 7), last_day=date(2027, 6, 11))
    service = BookingService(sessions, "Tester", clock=clock)

    def book(**fields: object) -> str:
        defaults: dict[str, object] = {"organisation_id": borough.advice_id, "attendance": 5}
        return service.book(NewBooking(**{**defaults, **fields})).uid  # type: ignore[arg-type]

    weekly = book(
        room_id=borough.hall_id,
        organisation_id=borough.pantry_id,
        title="Food pantry",
        first_date=date(2027, 1, 4),
        last_date=date(2027, 12, 20),
        start=time(10),
        duration_min=120,
        frequency=Frequency.WEEKLY,
    )
    fortnightly = book(
        room_id=borough.meeting_id,
        title="Debt advice",
        public_title="Money advice",
        visibility=Visibility.GENERIC,
        first_date=date(2027, 1, 7),
        last_date=date(2027, 12, 16),
        start=time(13),
        duration_min=90,
        frequency=Frequency.FORTNIGHTLY,
        runs_in_breaks=False,
    )
    monthly = book(
        room_id=borough.hainault_hall_id,
        title="Benefits check",
        visibility=Visibility.GENERIC,
        first_date=date(2027, 1, 29),
        last_date=date(2027, 12, 31),
        start=time(10),
        duration_min=60,
        frequency=Frequency.MONTHLY,
        nth=-1,
    )
    private = book(
        room_id=borough.meeting_id,
        title="Domestic abuse outreach",
        visibility=Visibility.PRIVATE,
        hide_location=True,
        first_date=date(2027, 1, 12),
        last_date=date(2027, 12, 14),
        start=time(18, 30),
        duration_min=90,
        frequency=Frequency.MONTHLY,
        nth=2,
    )
    sunday = book(
        room_id=borough.hall_id,
        organisation_id=borough.pantry_id,
        title="Night shelter breakfast prep",
        first_date=date(2027, 3, 7),
        last_date=date(2027, 11, 7),
        start=time(0, 30),
        duration_min=120,
        frequency=Frequency.WEEKLY,
    )
    night = book(
        room_id=borough.meeting_id,
        organisation_id=borough.pantry_id,
        title="Night shelter handover",
        first_date=date(2027, 3, 7),
        last_date=date(2027, 11, 14),
        start=time(1, 15),
        duration_min=30,
        frequency=Frequency.WEEKLY,
    )
    one_off = book(
        room_id=borough.hall_id,
        title="Pension credit open day",
        first_date=date(2027, 10, 29),
        start=time(14),
        duration_min=120,
    )
    cancelled = book(
        room_id=borough.hainault_hall_id,
        organisation_id=borough.pantry_id,
        title="Pop-up pantry",
        first_date=date(2027, 4, 6),
        last_date=date(2027, 5, 25),
        start=time(11),
        duration_min=60,
        frequency=Frequency.WEEKLY,
    )
    with sessions() as s:

        def occurrence(uid: str, local: datetime) -> tuple[int, int]:
            row = s.scalars(
                select(Occurrence).join(Series).where(Series.uid == uid, Occurrence.recurrence_local == local)
            ).one()
            return row.id, row.series.version

        moved = occurrence(weekly, datetime(2027, 3, 22, 10))
        dropped = occurrence(weekly, datetime(2027, 11, 1, 10))
        series_version = s.scalars(select(Series.version).where(Series.uid == cancelled)).one()
        cancelled_id = s.scalars(select(Series.id).where(Series.uid == cancelled)).one()
    clock.tick()
    # Moved across the spring clock change, to another room and a Tuesday afternoon.
    version = service.move_occurrence(
        moved[0], moved[1], room_id=borough.meeting_id, day=date(2027, 3, 30), start=time(14, 30)
    )
    clock.tick()
    service.cancel_occurrence(dropped[0], version)
    clock.tick()
    service.cancel_series(cancelled_id, series_version)
    return Year(borough, weekly, fortnightly, monthly, private, sunday, night, one_off, cancelled)


@dataclass(frozen=True)
class Corners:
    """Series whose first, last or only session starts or ends in the autumn's repeated hour or the spring gap."""

    borough: Borough
    uids: dict[str, str]  # what the series tests -> its UID


def book_corners(sessions: sessionmaker[Session], clock: FixedClock) -> Corners:
    """The "clock-change corners" borough: every series below lives in 01:00-02:00 on 28 Mar or 31 Oct 2027.

    Ilford Civic Hub opens 00:00-12:00 on Sundays; three extra rooms keep the corners from clashing.
    """
    borough = make_borough(sessions)
    with sessions.begin() as s:
        names = ("Studio", "Kitchen", "Lounge")
        rooms = {name: Room(hub_id=borough.civic_id, name=name, capacity=20) for name in names}
        s.add_all(rooms.values())
        s.flush()
        room = {"hall": borough.hall_id, "meeting": borough.meeting_id} | {
            name.lower(): r.id for name, r in rooms.items()
        }
    service = BookingService(sessions, "Tester", clock=clock)
    uids: dict[str, str] = {}

    def book(name: str, where: str, first: date, last: date | None, start: time, minutes: int, **more: object) -> None:
        frequency = more.pop("frequency", Frequency.WEEKLY if last else Frequency.ONCE)
        booking = NewBooking(
            room_id=room[where],
            organisation_id=borough.pantry_id,
            title=name.replace("_", " ").capitalize(),
            first_date=first,
            last_date=last,
            start=time(start.hour, start.minute),
            duration_min=minutes,
            frequency=frequency,  # type: ignore[arg-type]
            **more,  # type: ignore[arg-type]
        )
        uids[name] = service.book(booking).uid

    autumn, spring = date(2027, 10, 31), date(2027, 3, 28)
    book("last_in_repeated_hour", "hall", date(2027, 10, 3), autumn, time(1, 30), 30)
    book("first_in_repeated_hour", "meeting", autumn, date(2027, 11, 28), time(1, 30), 30)
    book("only_in_repeated_hour", "lounge", autumn, None, time(1, 30), 30)
    book("ends_in_repeated_hour", "studio", date(2027, 10, 3), date(2027, 11, 14), time(0, 30), 60)
    book("two_minutes_across_one", "kitchen", date(2027, 10, 17), date(2027, 11, 7), time(0, 59), 2)
    book("through_repeated_hour", "studio", date(2027, 10, 3), date(2027, 11, 28), time(1, 30), 20)
    book("cancelled_in_repeated_hour", "kitchen", date(2027, 10, 3), date(2027, 11, 28), time(1, 30), 20)
    book("last_sunday_monthly", "kitchen", date(2027, 1, 31), date(2027, 12, 26), time(1, 10), 15,
         frequency=Frequency.MONTHLY, nth=-1)  # fmt: skip
    book("through_spring_gap", "hall", date(2027, 3, 7), date(2027, 4, 18), time(1, 30), 30)
    book("last_in_spring_gap", "meeting", date(2027, 3, 7), spring, time(1, 30), 30)
    book("first_in_spring_gap", "meeting", spring, date(2027, 4, 25), time(1, 30), 30)
    book("fortnightly_through_gap", "studio", date(2027, 3, 14), date(2027, 4, 25), time(1), 20,
         frequency=Frequency.FORTNIGHTLY)  # fmt: skip
    book("moved_into_repeated_hour", "lounge", date(2027, 10, 3), date(2027, 11, 28), time(10), 30)

    def occurrence(name: str, local: datetime) -> tuple[int, int]:
        with sessions() as s:
            row = s.scalars(
                select(Occurrence).join(Series).where(Series.uid == uids[name], Occurrence.recurrence_local == local)
            ).one()
            return row.id, row.series.version

    def move(name: str, local: datetime, where: str, day: date, start: time) -> None:
        clock.tick()
        service.move_occurrence(*occurrence(name, local), room_id=room[where], day=day, start=start)

    def cancel(name: str, local: datetime) -> None:
        clock.tick()
        service.cancel_occurrence(*occurrence(name, local))

    move("moved_into_repeated_hour", datetime(2027, 10, 24, 10), "lounge", autumn, time(1))
    move("last_in_repeated_hour", datetime(2027, 10, 10, 1, 30), "hall", autumn, time(0, 45))  # ends at 01:15
    move("first_in_repeated_hour", datetime(2027, 10, 31, 1, 30), "meeting", autumn, time(3))  # out of it
    move("through_spring_gap", datetime(2027, 3, 21, 1, 30), "hall", spring, time(2))  # just after the gap
    cancel("cancelled_in_repeated_hour", datetime(2027, 10, 31, 1, 30))
    cancel("ends_in_repeated_hour", datetime(2027, 10, 24, 0, 30))
    cancel("through_spring_gap", datetime(2027, 4, 4, 1, 30))
    return Corners(borough, uids)


@pytest.fixture
def sqlite_sessions(migrated_sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated SQLite file only, for tests whose subject is not the database."""
    engine = db.make_engine(migrated_sqlite_url)
    yield db.make_session_factory(engine)
    engine.dispose()
