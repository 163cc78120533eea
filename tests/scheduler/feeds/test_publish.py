"""Publishing: atomic writes, an index, only changed files rewritten, revoked tokens' files removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Series
from scheduler.errors import InvalidInput
from scheduler.feeds.publish import INDEX_NAME, publish
from scheduler.feeds.service import FeedService
from scheduler.services.booking import BookingService
from tests.scheduler.feeds.conftest import FixedClock, book_year


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "published"


@pytest.fixture
def borough(sqlite_sessions: sessionmaker[Session], clock: FixedClock):
    return book_year(sqlite_sessions, clock)


def test_publish_writes_every_feed_and_an_index(sqlite_sessions, borough, tmp_path: Path) -> None:
    feeds = FeedService(sqlite_sessions).build_all()
    report = publish(feeds, tmp_path / "out")
    assert sorted(report.written) == sorted(f.spec.path for f in feeds) and not report.removed
    index = json.loads((tmp_path / "out" / INDEX_NAME).read_text(encoding="utf-8"))["feeds"]
    assert {(e["kind"], e["path"]) for e in index} == {(str(f.spec.kind), f.spec.path) for f in feeds}
    assert {"borough", "hub", "room", "organisation"} == {e["kind"] for e in index}
    assert all(e["name"] for e in index)
    for feed in feeds:
        assert (tmp_path / "out" / feed.spec.path).read_bytes() == feed.content
    assert not list((tmp_path / "out").rglob("*.tmp")), "no temporary file is left behind"


def test_publishing_twice_with_no_change_touches_nothing(sqlite_sessions, borough, out: Path, clock) -> None:
    publish(FeedService(sqlite_sessions).build_all(), out)
    before = snapshot(out)
    clock.tick(60)
    report = publish(FeedService(sqlite_sessions, clock=clock).build_all(), out)
    assert report.written == [] and report.removed == []
    assert snapshot(out) == before  # bytes and mtimes


def test_a_change_to_one_series_rewrites_only_the_feeds_that_contain_it(
    sqlite_sessions, borough, out: Path, clock
) -> None:
    feeds = FeedService(sqlite_sessions).build_all()
    publish(feeds, out)
    before = snapshot(out)
    containing = {f.spec.path for f in feeds if borough.fortnightly_uid in f.series_uids}
    assert containing == {
        "borough/whats-on.ics",
        "hubs/ilford-civic-hub.ics",
        "rooms/ilford-civic-hub/meeting-room-1.ics",
        next(f.spec.path for f in feeds if f.spec.name.startswith("Citizens Advice")),
    }
    with sqlite_sessions() as s:
        series = s.scalars(select(Series).where(Series.uid == borough.fortnightly_uid)).one()
        sid, version = series.id, series.version
    clock.tick(5)
    BookingService(sqlite_sessions, "Tester", clock=clock).rename_series(
        sid, version, title="Debt and money advice", public_title="Money advice"
    )
    report = publish(FeedService(sqlite_sessions).build_all(), out)
    assert set(report.written) == containing
    after = snapshot(out)
    unchanged = {path for path in after if after[path] == before.get(path)}
    assert unchanged == set(after) - containing


def test_reissuing_a_token_removes_the_old_feed_file(sqlite_sessions, borough, out: Path) -> None:
    service = FeedService(sqlite_sessions)
    publish(service.build_all(), out)
    old = service.live_tokens()[borough.borough.pantry_id]
    new = service.reissue("ilford food pantry")
    report = publish(service.build_all(), out)
    assert report.removed == [f"org/{old}.ics"] and report.written == [f"org/{new}.ics"]
    assert not (out / "org" / f"{old}.ics").exists() and (out / "org" / f"{new}.ics").is_file()


def test_publishing_onto_a_file_is_refused(sqlite_sessions, borough, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    with pytest.raises(InvalidInput, match="is not a folder"):
        publish(FeedService(sqlite_sessions).build_all(), target)
