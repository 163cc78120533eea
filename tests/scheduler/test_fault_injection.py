"""Kill -9 `hubsched` at each step of a first start, a restore, an allocation apply and a publish.

Each trial is a process forked by tests/fault_runner.py that sends itself SIGKILL just before its Nth
database statement, commit or file rename. Afterwards what the command was changing must be untouched
or complete, never half-made, and the next command must work:
- first start (`hubsched demo` on a new SQLite file, and on a new PostgreSQL database): every step of
  the schema creation and a spread of steps through the demo load, with the steps next to each commit;
- restore (of a small hand-made borough): a spread of steps through the whole command, with the commits
  and renames;
- `allocate --apply`: the steps of the apply, after the solver has run;
- `feeds publish`: every step, on a small hand-made borough that still has every kind of feed (a publish
  of the demo's 62 feeds took a second, and only a spread of its steps could be tried).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import inspect

from models import db
from models.types import Visibility
from scheduler import backup as backups
from scheduler import cli
from scheduler.services.booking import BookingService
from tests.builders import make_borough, weekly_pantry
from tests.fault_runner import FaultRunner, Outcome, Trial

pytestmark = pytest.mark.slow

MARKS = ("COMMIT", "RENAME")
ENV = {"HUBSCHED_OPERATOR": "Tester", "HUBSCHED_DAILY_BACKUP": "0"}


@pytest.fixture(scope="module")
def runner() -> Iterator[FaultRunner]:
    with FaultRunner(ENV) as warm:
        yield warm


Point = tuple[int, str, int]  # a Trial's kill_at, kind and after


def _kill_points(kinds: list[str], steps: Iterable[int]) -> list[Point]:
    """The given steps, and just before and just after every commit and rename.

    Steps next to a commit or rename are named by it, not by their number: the number of reads before
    them can vary by one between runs.
    """
    total = len(kinds)
    marks = [i for i, kind in enumerate(kinds, start=1) if kind in MARKS]
    near = {p for m in marks for p in (m - 1, m, m + 1)}
    points: list[Point] = [(p, "", 0) for p in sorted(set(steps)) if 1 <= p <= total - 3 and p not in near]
    for kind in MARKS:
        positions = [i for i, k in enumerate(kinds, start=1) if k == kind]
        for number in range(1, len(positions) + 1):
            points.append((number, kind, 0))
            if positions[number - 1] < total:
                points.append((number, kind, 1))
    return points


def _label(point: Point) -> str:
    kill_at, kind, after = point
    return f"{kind or 'step'}-{kill_at}-{after}"


def _killed(outcomes: list[Outcome]) -> list[Outcome]:
    for outcome in outcomes:
        assert outcome.status == -9, (outcome.trial, outcome.status, outcome.stderr)
    return outcomes


def _dump(url: str) -> dict[str, list[dict[str, object]]]:
    engine = db.make_engine(url)
    try:
        return backups.dump(engine)
    finally:
        engine.dispose()


def _first_start_state(url: str) -> str:
    path = db.sqlite_path(url)
    if path is not None and not path.exists():
        return "absent"
    engine = db.make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        revision = db.current_revision(engine)
        if revision is None:
            assert not tables - {"alembic_version"}, f"tables without a schema version: {sorted(tables)}"
            return "untouched"
        assert revision == db.head_revision(), revision
        dumped = backups.dump(engine)
        if not any(dumped.values()):
            return "schema only"
        assert len(dumped["hubs"]) == 6 and len(dumped["occurrences"]) == 396, "demo half loaded"
        return "complete"
    finally:
        engine.dispose()


def _run(runner: FaultRunner, points: list[Point], args_for) -> list[tuple[Outcome, str]]:
    """Kill a trial at each point; each (outcome, label), `args_for(label)` giving the trial's arguments."""
    labels = [_label(point) for point in points]
    trials = [Trial(point[0], args_for(label), point[1], point[2]) for point, label in zip(points, labels, strict=True)]
    return list(zip(_killed(runner.run(trials)), labels, strict=True))


def _next_commands_work(states: list[tuple[Outcome, str, str]], capsys) -> None:
    """`hubs` works after a kill next to each commit, after every kill that left a schema, and after every
    fourth of the others; the whole demo load after the first kill that left each state.

    The others were all found "untouched" (no table but Alembic's), each the same to the next command, and
    each `hubs` there creates the whole schema again: checking every one cost most of this test's time.
    """
    seen: set[str] = set()
    untouched = 0
    for outcome, url, state in states:
        if state in {"absent", "untouched"} and outcome.trial.kind == "":
            untouched += 1
            if untouched % 4 != 1:
                continue
        capsys.readouterr()
        assert cli.main(["--db", url, "hubs"]) == 0, (outcome.trial, capsys.readouterr().err)
        if state not in seen:
            seen.add(state)
            status = cli.main(["--db", url, "--operator", "Tester", "demo"])
            assert status == 0, (outcome.trial, capsys.readouterr().err)
            assert _first_start_state(url) == "complete", outcome.trial


def _first_start_checked(runner: FaultRunner, kinds: list[str], url_for, capsys, stride: int) -> Counter[str]:
    schema_commit = kinds.index("COMMIT") + 1
    # Densely through the schema's creation (one transaction), then a few steps through the demo load.
    steps = [*range(1, 12), *range(12, schema_commit, stride), *range(schema_commit + 2, len(kinds), 400)]
    points = _kill_points(kinds, steps)
    urls = {label: url_for(label) for label in map(_label, points)}
    outcomes = _run(runner, points, lambda label: ["--db", urls[label], "demo"])
    states = [(outcome, urls[label], _first_start_state(urls[label])) for outcome, label in outcomes]
    for outcome, _url, state in states:
        # Killed before the schema's one commit: nothing at all; after it, the schema whole and no data
        # (the demo is loaded in one transaction of its own).
        expected = {"absent", "untouched"} if "COMMIT" not in outcome.kinds else {"schema only"}
        assert state in expected, (outcome.trial, outcome.step, state)
    _next_commands_work(states, capsys)
    counts = Counter(state for _, _, state in states)
    with capsys.disabled():
        print(f"\nfirst start: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    assert counts["schema only"] >= 2
    return counts


def test_first_start_killed_at_any_step_leaves_nothing_half_made(runner: FaultRunner, tmp_path: Path, capsys) -> None:
    kinds = runner.steps(["--db", f"sqlite:///{tmp_path / 'probe.sqlite3'}", "demo"])
    counts = _first_start_checked(
        runner, kinds, lambda label: f"sqlite:///{tmp_path / f'{label}.sqlite3'}", capsys, stride=10
    )
    assert counts["absent"] + counts["untouched"] >= 30


@pytest.mark.postgres
def test_first_start_on_postgresql_killed_at_any_step_leaves_nothing_half_made(
    runner: FaultRunner, pg_server, capsys
) -> None:
    from tests.conftest import drop_pg_database, new_pg_database

    made: list[str] = []

    def new_database(_label: str = "") -> str:
        made.append(new_pg_database(pg_server))
        return made[-1]

    try:
        kinds = runner.steps(["--db", new_database(), "demo"])
        # A wider stride than SQLite's: each trial here also creates a database on the server.
        counts = _first_start_checked(runner, kinds, new_database, capsys, stride=20)
    finally:
        for url in made:
            drop_pg_database(pg_server, url)
    assert counts["untouched"] >= 10


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo borough in a SQLite file, loaded once; each trial works on a copy."""
    path = tmp_path_factory.mktemp("fault-demo") / "demo.sqlite3"
    assert cli.main(["--db", f"sqlite:///{path}", "--operator", "Tester", "demo"]) == 0
    return path


def _copy(source: Path, target: Path) -> str:
    target.write_bytes(source.read_bytes())
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """Two hubs, three rooms, two organisations, a public and a private series: feeds of every kind, few."""
    path = tmp_path_factory.mktemp("fault-small") / "small.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    sessions = db.make_session_factory(engine)
    borough = make_borough(sessions)
    service = BookingService(sessions, "Tester")
    service.book(weekly_pantry(borough))
    service.book(
        weekly_pantry(
            borough,
            room_id=borough.meeting_id,
            organisation_id=borough.advice_id,
            title="Debt advice appointments",
            visibility=Visibility.PRIVATE,
            attendance=4,
        )
    )
    engine.dispose()
    return path


def test_restore_killed_at_any_step_leaves_the_old_or_the_new_database(
    runner: FaultRunner, small_file: Path, tmp_path: Path, capsys
) -> None:
    saved = tmp_path / "saved.sqlite3"
    assert cli.main(["--db", f"sqlite:///{small_file}", "backup", str(saved)]) == 0
    new_dump = _dump(f"sqlite:///{small_file}")
    # The database to restore into differs from the backup: one more booking, so old and new are told apart.
    template = tmp_path / "template.sqlite3"
    template_url = _copy(small_file, template)
    book = ["book", "--hub", "Hainault Hub", "--room", "Main Hall", "--org", "Ilford Food Pantry"]
    book += ["--title", "Extra", "--date", "2027-02-09", "--start", "10:00", "--duration", "30"]
    capsys.readouterr()
    status = cli.main(["--db", template_url, "--operator", "Tester", *book])
    assert status == 0, capsys.readouterr().err
    old_dump = _dump(template_url)
    assert old_dump != new_dump

    command = ["restore", "--yes", str(saved)]
    probe = _copy(template, tmp_path / "probe.sqlite3")
    kinds = runner.steps(["--db", probe, *command])
    assert _dump(probe) == new_dump  # a restore run to its end; its commit is its last step
    points = _kill_points(kinds, range(1, len(kinds), 15))
    urls = {label: _copy(template, tmp_path / f"{label}.sqlite3") for label in map(_label, points)}
    outcomes = _run(runner, points, lambda label: ["--db", urls[label], *command])

    states = {}
    for _outcome, label in outcomes:
        dumped = _dump(urls[label])
        states[label] = "old" if dumped == old_dump else "new" if dumped == new_dump else "mixed"
    counts = Counter(states.values())
    with capsys.disabled():
        print(f"\nrestore: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    assert counts["mixed"] == 0, [label for label, state in states.items() if state == "mixed"]
    assert counts["old"] >= 1
    for label, url in urls.items():
        assert cli.main(["--db", url, *command]) == 0, label
        assert _dump(url) == new_dump, label


SPRING = "Spring 2027"


def _allocation_state(url: str, old_dump: dict[str, list[dict[str, object]]]) -> str:
    """'old' when nothing changed; 'applied' when the whole allocation is there; anything else fails."""
    dumped = _dump(url)
    if dumped == old_dump:
        return "old"
    for table in ("hubs", "rooms", "organisations", "terms", "opening_hours", "closures"):
        assert dumped[table] == old_dump[table], f"{table} changed"
    term_id = next(t["id"] for t in dumped["terms"] if t["name"] == SPRING)
    requests = [r for r in dumped["requests"] if r["term_id"] == term_id]
    statuses = Counter(str(r["status"]) for r in requests)
    assert set(statuses) <= {"placed", "unmet"} and statuses["placed"] > 0, f"requests half decided: {statuses}"
    placed = {r["id"] for r in requests if str(r["status"]) == "placed"}
    booked = {o["series_id"] for o in dumped["occurrences"] if str(o["status"]) != "cancelled"}
    live = [s for s in dumped["series"] if s["request_id"] in placed and s["id"] in booked]
    assert {s["request_id"] for s in live} == placed, "a placed request has no series with sessions"
    assert any(a["action"] == "apply-allocation" for a in dumped["audit_entries"]), "apply not audited"
    return "applied"


def test_allocation_apply_killed_at_any_step_leaves_it_unapplied_or_whole(
    runner: FaultRunner, demo_file: Path, tmp_path: Path, capsys
) -> None:
    old_dump = _dump(f"sqlite:///{demo_file}")
    command = ["allocate", "--term", SPRING, "--apply"]
    probe = _copy(demo_file, tmp_path / "probe.sqlite3")
    kinds = runner.steps(["--db", probe, *command])
    assert _allocation_state(probe, old_dump) == "applied"  # run to its end; its commit is its last step
    # The solver reads first; the apply's writes are the steps from the first INSERT or UPDATE on, and
    # its commit is the last one.
    first_write = next(i for i, kind in enumerate(kinds, start=1) if kind in {"INSERT", "UPDATE"})
    commits = kinds.count("COMMIT")
    points = [
        p for p in _kill_points(kinds, range(first_write - 1, len(kinds), 120)) if p[1] or p[0] >= first_write - 1
    ]
    points = [p for p in points if p[1] != "COMMIT" or p[0] == commits]  # earlier commits: reads only
    urls = {label: _copy(demo_file, tmp_path / f"{label}.sqlite3") for label in map(_label, points)}
    outcomes = _run(runner, points, lambda label: ["--db", urls[label], *command])

    states = {label: (outcome, _allocation_state(urls[label], old_dump)) for outcome, label in outcomes}
    counts = Counter(state for _, state in states.values())
    with capsys.disabled():
        print(f"\nallocate --apply: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    wrong = {
        label: (outcome.step, state)
        for label, (outcome, state) in states.items()
        if state != ("applied" if outcome.kinds.count("COMMIT") == commits else "old")
    }
    assert wrong == {}
    assert counts["old"] >= 3, counts
    # The next command works after every kill; the first killed database then takes the whole allocation.
    for label in states:
        capsys.readouterr()
        status = cli.main(["--db", urls[label], "occurrences", "--from", "2027-01-04", "--to", "2027-01-10"])
        assert status == 0, (label, capsys.readouterr().err)
    first = next(iter(states))
    assert cli.main(["--db", urls[first], "--operator", "Tester", *command]) == 0, capsys.readouterr().err
    assert _allocation_state(urls[first], old_dump) == "applied"


def _published(folder: Path, parse: bool = False) -> set[str]:
    """The feeds a client could read: index.json valid and every indexed feed there, a whole calendar.

    Whole means from BEGIN:VCALENDAR to its END (a torn write would lose the end); `parse` also reads
    each one with icalendar, which the test does for the feeds of a finished publish.
    """
    index = folder / "index.json"
    if not index.exists():
        return set()
    paths = {entry["path"] for entry in json.loads(index.read_text(encoding="utf-8"))["feeds"]}
    for path in paths:
        content = (folder / path).read_bytes()
        assert content.startswith(b"BEGIN:VCALENDAR\r\n") and content.endswith(b"END:VCALENDAR\r\n"), path
        if parse:
            assert Calendar.from_ical(content).get("PRODID"), path
    return paths


def test_publish_killed_at_any_step_leaves_whole_feeds_and_the_next_publish_tidies_up(
    runner: FaultRunner, small_file: Path, tmp_path: Path, capsys
) -> None:
    command = ["feeds", "publish"]
    earlier = tmp_path / "earlier"  # a publish from another database: its organisation feeds go stale
    kinds = runner.steps(["--db", _copy(small_file, tmp_path / "probe.sqlite3"), *command, str(earlier)])
    feeds_written = kinds.count("RENAME")
    assert feeds_written == len(_published(earlier, parse=True)) + 1  # every feed and the index
    assert feeds_written >= 8, kinds  # hubs, rooms, organisations, the index: every kind is probed
    # Two starts: an empty folder, and the earlier publish (whose feeds are left as they are when their
    # bytes do not change, so that run makes fewer files live and is probed on its own).
    over = tmp_path / "over-probe"
    shutil.copytree(earlier, over)
    kinds_over = runner.steps(["--db", _copy(small_file, tmp_path / "probe-over.sqlite3"), *command, str(over)])
    runs: dict[str, tuple[str, Path]] = {}
    points: list[Point] = []
    for start, start_kinds in (("empty", kinds), ("over", kinds_over)):
        for point in _kill_points(start_kinds, range(1, len(start_kinds))):
            folder = tmp_path / f"out-{start}-{_label(point)}"
            if start == "over":
                shutil.copytree(earlier, folder)
            runs[f"{start}-{_label(point)}"] = (_copy(small_file, tmp_path / f"{folder.name}.sqlite3"), folder)
            points.append(point)
    labels = list(runs)
    trials = [
        Trial(point[0], ["--db", runs[label][0], *command, str(runs[label][1])], point[1], point[2])
        for point, label in zip(points, labels, strict=True)
    ]
    outcomes = list(zip(_killed(runner.run(trials)), labels, strict=True))

    counts: Counter[str] = Counter()
    for _outcome, label in outcomes:
        url, folder = runs[label]
        visible = _published(folder)  # whatever was live when the kill came is whole
        counts["index live" if visible else "no index yet"] += 1
        counts["temporary files left"] += any(p.name.endswith(".tmp") for p in folder.rglob(".*"))
        capsys.readouterr()
        assert cli.main(["--db", url, *command, str(folder)]) == 0, (label, capsys.readouterr().err)
        feeds = _published(folder)
        assert len(feeds) == feeds_written - 1, label
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert on_disk == feeds | {"index.json", ".publish.lock"}, (label, on_disk - feeds)
    with capsys.disabled():
        print(f"\nfeeds publish: {len(kinds)} steps, killed at {len(points)} of them: {dict(counts)}")
    assert counts["index live"] >= 1 and counts["no index yet"] >= 1 and counts["temporary files left"] >= 1
