"""The feed server on loopback: 200 then 304, 404 for unknown and revoked addresses, no way out of DIR."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models import db
from scheduler.errors import InvalidInput
from scheduler.feeds.publish import publish
from scheduler.feeds.server import make_server
from scheduler.feeds.service import FeedService
from tests.scheduler.feeds.conftest import FixedClock, Year, book_year


@pytest.fixture(scope="module")
def module_sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'hubsched.sqlite3'}")
    db.upgrade(engine)
    yield db.make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def published(module_sessions: sessionmaker[Session], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Year]:
    year = book_year(module_sessions, FixedClock(datetime(2026, 11, 20, 9, tzinfo=UTC)))
    root = tmp_path_factory.mktemp("served")
    (root / "secret.txt").write_text("outside the published folder")
    out = root / "public"
    publish(FeedService(module_sessions).build_all(), out)
    return out, year


@pytest.fixture(scope="module")
def server(published: tuple[Path, Year]) -> Iterator[tuple[str, int]]:
    running = make_server(published[0], "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running.server_address[:2]
    running.shutdown()
    running.server_close()
    thread.join(5)


def get(address: tuple[str, int], path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_a_feed_is_served_then_not_modified(server, published) -> None:
    out, _ = published
    status, headers, body = get(server, "/hubs/ilford-civic-hub.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert body == (out / "hubs" / "ilford-civic-hub.ics").read_bytes()
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith("GMT")
    status, again, body = get(server, "/hubs/ilford-civic-hub.ics", {"If-None-Match": headers["ETag"]})
    assert (status, body, again["ETag"]) == (304, b"", headers["ETag"])
    status, _, body = get(server, "/hubs/ilford-civic-hub.ics", {"If-Modified-Since": headers["Last-Modified"]})
    assert (status, body) == (304, b"")
    stale = {"If-None-Match": '"something-else"', "If-Modified-Since": headers["Last-Modified"]}
    assert get(server, "/hubs/ilford-civic-hub.ics", stale)[0] == 200  # the ETag decides when both are sent
    old = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert get(server, "/hubs/ilford-civic-hub.ics", old)[0] == 200
    status, headers, body = get(server, "/borough/whats-on.ics", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_organisation_feeds_need_the_live_token(server, published, module_sessions) -> None:
    out, _ = published
    service = FeedService(module_sessions)
    tokens = service.live_tokens()
    token = next(iter(tokens.values()))
    assert get(server, f"/org/{token}.ics")[0] == 200
    # A token one character off (changed deterministically, so never equal to the live one).
    tampered = token[:-1] + ("y" if token.endswith("x") else "x")
    assert get(server, f"/org/{tampered}.ics")[0] == 404
    assert get(server, "/org/")[0] == 404
    organisation = next(o for o in service.facts().organisations if o.id == next(iter(tokens)))
    new = service.reissue(organisation.name)
    publish(service.build_all(), out)
    assert get(server, f"/org/{token}.ics")[0] == 404  # revoked
    assert get(server, f"/org/{new}.ics")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.json",
        "/nothing.ics",
        "/../secret.txt",
        "/hubs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/hubs/%2E%2E/%2e%2e/secret.txt",
        "/hubs/..%2f..%2fsecret.txt",
        "/hubs%2f..%2f..%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/hubs//ilford-civic-hub.ics",
        "/./hubs/ilford-civic-hub.ics",
        "/hubs/ilford-civic-hub.ics%00",
        "/%ff.ics",
    ],
)
def test_nothing_outside_the_published_feeds_is_reachable(server, path: str) -> None:
    status, _, body = get(server, path)
    assert status == 404 and b"outside" not in body


def test_serving_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is not a folder"):
        make_server(tmp_path / "nowhere", "127.0.0.1", 0)
