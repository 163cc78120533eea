"""The feed server on loopback: 200 then 304, 404 for unknown and revoked addresses, no way out of DIR,
a status code for every malformed request with no traceback in the log, idle connections timed out,
and no organisation token in the access log however its path is encoded."""

from __future__ import annotations

import contextlib
import http.client
import logging
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models import db
from scheduler.errors import InvalidInput
from scheduler.feeds.publish import publish
from scheduler.feeds.server import FeedServer, Limits, make_server
from scheduler.feeds.service import FeedService
from tests.scheduler.feeds.conftest import FixedClock, Year, book_year


@pytest.fixture(scope="module")
def module_sessions(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    path = tmp_path_factory.mktemp("db") / "hubsched.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
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


class Running:
    """A server serving in a thread, with its access log."""

    def __init__(self, directory: Path, limits: Limits | None = None):
        limits = limits or Limits()
        self.log: list[str] = []
        self.server: FeedServer = make_server(directory, "127.0.0.1", 0, log=self.log.append, limits=limits)
        self.address = self.server.server_address
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture(scope="module")
def running(published: tuple[Path, Year]) -> Iterator[Running]:
    served = Running(published[0])
    yield served
    served.stop()


@pytest.fixture(scope="module")
def server(running: Running) -> tuple[str, int]:
    return running.address


@pytest.fixture
def waitress_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="waitress")
    return caplog


def get(address: tuple[str, int], path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()  # headers: case-insensitive
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


def raw(address: tuple[str, int], data: bytes) -> bytes:
    """Send `data` as it is and read the reply until the server closes the connection."""
    with socket.create_connection(address, timeout=10) as connection:
        with contextlib.suppress(OSError):  # the server may answer and close before a huge request is sent
            connection.sendall(data)
        reply = b""
        try:
            while chunk := connection.recv(65536):
                reply += chunk
        except ConnectionResetError:  # it closed with our unread bytes still queued; the reply came first
            pass
        return reply


FEED = b"/hubs/ilford-civic-hub.ics"
CLOSE = b"Host: feeds\r\nConnection: close\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        pytest.param(b"POST " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"Content-Length: 3\r\n\r\nabc", 405, id="POST"),
        pytest.param(b"PUT " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"Content-Length: 0\r\n\r\n", 405, id="PUT"),
        pytest.param(b"OPTIONS * HTTP/1.1\r\n" + CLOSE + b"\r\n", 405, id="OPTIONS"),
        pytest.param(b"DELETE " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"\r\n", 405, id="DELETE"),
        pytest.param(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n" + CLOSE + b"\r\n", 431, id="70KB-URL"),
        pytest.param(
            b"GET " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
            200,
            id="150-headers",
        ),
        pytest.param(
            b"GET " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"X-Big: " + b"v" * 20_000 + b"\r\n\r\n", 431, id="20KB-header"
        ),
        pytest.param(b"GET " + FEED + b" HTTP/9.9\r\n" + CLOSE + b"\r\n", 200, id="HTTP/9.9"),
        pytest.param(b"GET " + FEED + b"\r\n\r\n", 200, id="HTTP/0.9-style"),
        pytest.param(bytes.fromhex("16030100a5010000a10303") + bytes(range(32)) * 6, 400, id="TLS-hello"),
        pytest.param(b"\x00\x01\x02 hello\r\n\r\n", 400, id="binary"),
        pytest.param(b"GET\r\n\r\n", 400, id="no-path"),
        pytest.param(
            b"GET "
            + FEED
            + b" HTTP/1.1\r\n"
            + CLOSE
            + b"If-Modified-Since: Fri, 31 Dec 99999999999 23:59:59 GMT\r\n\r\n",
            200,
            id="If-Modified-Since-overflow",
        ),
        pytest.param(
            b"GET " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"If-Modified-Since: yesterday-ish\r\n\r\n",
            200,
            id="If-Modified-Since-garbage",
        ),
        pytest.param(
            b"GET " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"If-None-Match: \xff\xfe\r\n\r\n", 200, id="latin-1-header"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\n" + CLOSE + b"Content-Length: 100000\r\n\r\n" + b"x" * 100_000, 413, id="big-body"
        ),
        pytest.param(b"POST / HTTP/1.1\r\n" + CLOSE + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, id="bad-chunk"),
        pytest.param(
            b"GET " + FEED + b" HTTP/1.1\r\n" + CLOSE + b"Content-Length: -1\r\n\r\n", 400, id="negative-length"
        ),
        pytest.param(b"GET /%ff%fe.ics HTTP/1.1\r\n" + CLOSE + b"\r\n", 404, id="not-UTF-8-path"),
        pytest.param(b"GET /hubs/%00.ics HTTP/1.1\r\n" + CLOSE + b"\r\n", 404, id="NUL-in-path"),
    ],
)
def test_every_malformed_request_gets_a_status_and_no_traceback(
    running: Running, waitress_log: pytest.LogCaptureFixture, request_bytes: bytes, status: int
) -> None:
    before = len(running.log)
    reply = raw(running.address, request_bytes)
    assert reply.split(b"\r\n", 1)[0].split(b" ")[1] == str(status).encode(), reply[:200]
    lines = running.log[before:] + [r.getMessage() for r in waitress_log.records]
    assert not any("Traceback" in line or "Error" in line for line in lines), lines
    assert not any(r.exc_info for r in waitress_log.records)
    assert get(running.address, FEED.decode())[0] == 200  # and the server carries on


def test_head_and_304_have_no_body_and_keep_alive_serves_several_requests(server) -> None:
    connection = http.client.HTTPConnection(*server, timeout=5)
    try:
        connection.request("HEAD", FEED.decode())
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"")
        etag = response.getheader("ETag")
        connection.request("GET", FEED.decode(), headers={"If-None-Match": etag})
        response = connection.getresponse()
        assert (response.status, response.read()) == (304, b"")
        connection.request("GET", FEED.decode())
        response = connection.getresponse()
        assert response.status == 200 and response.read().startswith(b"BEGIN:VCALENDAR")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "template",
    [
        "/org/{token}.ics",
        "/%6frg/{token}.ics",
        "/org%2f{token}.ics",
        "/%6F%72%67%2F{token}.ics",
        "/ORG/{token}.ics",
        "/org/{token}.ics?download=1",
        "/hubs/..%2forg/{token}.ics",
        "/org/{token}",
        "/{token}.ics",
        "/org//{token}.ics",
    ],
)
def test_no_token_reaches_the_access_log_however_it_is_encoded(
    running: Running, module_sessions, template: str
) -> None:
    token = next(iter(FeedService(module_sessions).live_tokens().values()))
    before = len(running.log)
    status = get(running.address, template.format(token=token))[0]
    assert status in (200, 404)
    logged = running.log[before:]
    assert len(logged) == 1 and str(status) in logged[0]
    assert token not in logged[0] and token[:12] not in logged[0], logged[0]


def test_encoded_organisation_paths_are_the_same_feed(running: Running, module_sessions) -> None:
    token = next(iter(FeedService(module_sessions).live_tokens().values()))
    plain = get(running.address, f"/org/{token}.ics")
    assert plain[0] == 200
    assert get(running.address, f"/%6frg/{token}.ics")[2] == plain[2]
    assert get(running.address, f"/org%2f{token}.ics")[2] == plain[2]


def _closed_by_server(connection: socket.socket, within: float) -> bool:
    connection.settimeout(within)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False


def test_idle_connections_are_closed_and_do_not_block_others(published: tuple[Path, Year]) -> None:
    served = Running(published[0], Limits(channel_timeout=1, cleanup_interval=1, connection_limit=20))
    try:
        idle = [socket.create_connection(served.address, timeout=5) for _ in range(30)]  # more than the limit
        # Connections over the limit wait in the listen backlog; they are not refused.
        assert get(served.address, FEED.decode())[0] == 200
        assert all(_closed_by_server(connection, 15) for connection in idle[:20])
        for connection in idle:
            connection.close()
        half_sent = socket.create_connection(served.address, timeout=5)
        half_sent.sendall(b"GET " + FEED)  # a request line that never ends
        assert _closed_by_server(half_sent, 15)
        half_sent.close()
    finally:
        served.stop()


def test_reissue_into_the_served_folder_stops_the_old_address_at_once(tmp_path: Path, migrated_sqlite_url: str) -> None:
    from scheduler import cli
    from tests.builders import make_borough

    engine = db.make_engine(migrated_sqlite_url)
    sessions = db.make_session_factory(engine)
    make_borough(sessions)
    out = tmp_path / "feeds"
    assert cli.main(["--db", migrated_sqlite_url, "--operator", "Tester", "feeds", "publish", str(out)]) == 0
    served = Running(out)
    try:
        service = FeedService(sessions)
        old = service.live_tokens()
        assert all(get(served.address, f"/org/{token}.ics")[0] == 200 for token in old.values())
        args = ["feeds", "reissue", "--org", "Ilford Food Pantry", "--dir", str(out)]
        assert cli.main(["--db", migrated_sqlite_url, "--operator", "Tester", *args]) == 0
        new = service.live_tokens()
        changed = [organisation for organisation in old if old[organisation] != new[organisation]]
        assert len(changed) == 1
        assert get(served.address, f"/org/{old[changed[0]]}.ics")[0] == 404  # no restart, no waiting
        assert get(served.address, f"/org/{new[changed[0]]}.ics")[0] == 200
    finally:
        served.stop()
        engine.dispose()
