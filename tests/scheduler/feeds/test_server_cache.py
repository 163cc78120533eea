"""The feed server's caches and its answering in the serving thread.

A feed is read, hashed and its headers built once, and the index parsed once, each kept under its
file's (inode, mtime_ns, size); any change publishing can make (a republish, a reissue, even one with
the same size and modification time) is seen by the very next request. Requests are answered in the
serving thread: pipelined requests in order, one send per response, and a client that pipelines
without reading holds back nobody but itself. The folders here are written by hand (index.json and
.ics files, atomically as `publish` writes them), so no database is needed.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from waitress.channel import HTTPChannel

from scheduler.feeds.publish import INDEX_NAME, write_atomically
from scheduler.feeds.server import FeedFolder, Limits
from tests.scheduler.feeds.test_server import Running, get

TOKEN_A = "A" * 32
TOKEN_B = "B" * 32


def feed(name: str, size: int = 2000) -> bytes:
    """A calendar of exactly `size` bytes whose content depends on `name`."""
    head = f"BEGIN:VCALENDAR\r\nX-WR-CALNAME:{name}\r\n".encode()
    tail = b"END:VCALENDAR\r\n"
    return head + b"X" * (size - len(head) - len(tail)) + tail


def write_index(root: Path, paths: list[str], mtime_ns: int | None = None) -> None:
    content = json.dumps({"feeds": [{"name": p, "kind": "hub", "path": p} for p in sorted(paths)]}).encode()
    write_atomically(root / INDEX_NAME, content)
    if mtime_ns is not None:
        os.utime(root / INDEX_NAME, ns=(mtime_ns, mtime_ns))


def replace(path: Path, content: bytes, mtime_ns: int | None = None) -> None:
    """Replace a file the way publishing does (a new file renamed over it), optionally keeping an mtime."""
    assert write_atomically(path, content)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    for path, name in (("hubs/a.ics", "A"), ("hubs/b.ics", "B"), (f"org/{TOKEN_A}.ics", "org")):
        write_atomically(root / path, feed(name))
    write_index(root, ["hubs/a.ics", "hubs/b.ics", f"org/{TOKEN_A}.ics"])
    return root


def test_an_unchanged_feed_is_read_and_hashed_once(root: Path) -> None:
    folder = FeedFolder(root)
    first = folder.lookup("/hubs/a.ics")
    assert first is not None and first.content == feed("A")
    assert folder.lookup("/hubs/a.ics") is first  # the same object: nothing read or hashed again
    assert dict(first.ok_headers)["Content-Length"] == str(len(feed("A")))
    assert dict(first.ok_headers)["ETag"] == first.etag == dict(first.not_modified_headers)["ETag"]
    assert "Content-Length" not in dict(first.not_modified_headers)


def test_a_republished_feed_is_seen_by_the_next_lookup_even_with_the_same_size_and_mtime(root: Path) -> None:
    folder = FeedFolder(root)
    path = root / "hubs/a.ics"
    before = folder.lookup("/hubs/a.ics")
    assert before is not None
    replace(path, feed("Z"), mtime_ns=path.stat().st_mtime_ns)  # same size, same mtime: only the inode differs
    after = folder.lookup("/hubs/a.ics")
    assert after is not None and after.content == feed("Z")
    assert after.etag != before.etag


def test_a_feed_rewritten_in_place_is_seen_by_the_next_lookup(root: Path) -> None:
    folder = FeedFolder(root)
    assert folder.lookup("/hubs/b.ics") is not None
    (root / "hubs/b.ics").write_bytes(feed("B2", size=2500))  # same inode, new size
    after = folder.lookup("/hubs/b.ics")
    assert after is not None and after.content == feed("B2", size=2500)
    assert dict(after.ok_headers)["Content-Length"] == "2500"


def test_a_reissue_with_an_index_of_the_same_size_and_mtime_revokes_at_once(root: Path) -> None:
    folder = FeedFolder(root)
    assert folder.lookup(f"/org/{TOKEN_A}.ics") is not None
    index = root / INDEX_NAME
    old = index.stat()
    write_atomically(root / f"org/{TOKEN_B}.ics", feed("org"))
    write_index(root, ["hubs/a.ics", "hubs/b.ics", f"org/{TOKEN_B}.ics"], mtime_ns=old.st_mtime_ns)
    assert index.stat().st_size == old.st_size  # a token of the same length: only the inode tells
    assert folder.lookup(f"/org/{TOKEN_A}.ics") is None  # the old file is still there, but not indexed
    assert folder.lookup(f"/org/{TOKEN_B}.ics") is not None


def test_a_feed_whose_file_disappears_is_not_served_from_the_cache(root: Path) -> None:
    folder = FeedFolder(root)
    assert folder.lookup("/hubs/b.ics") is not None
    (root / "hubs/b.ics").unlink()
    assert folder.lookup("/hubs/b.ics") is None


def test_memoised_paths_are_still_checked_against_the_current_index(root: Path) -> None:
    folder = FeedFolder(root)
    for _ in range(2):  # the second time from the memo of normalised paths
        assert folder.lookup("/hubs/a.ics") is not None
        assert folder.lookup("/hubs/../hubs/a.ics") is None
        assert folder.lookup("/index.json") is None
    write_index(root, ["hubs/b.ics"])
    assert folder.lookup("/hubs/a.ics") is None


# -- through the server -----------------------------------------------------------------------------------


@pytest.fixture(params=[0, 2], ids=["answered-in-the-serving-thread", "two-request-threads"])
def running(request: pytest.FixtureRequest, root: Path) -> Iterator[Running]:
    served = Running(root, Limits(threads=request.param))
    yield served
    served.stop()


def test_a_republish_into_the_served_folder_is_served_from_the_next_request(running: Running, root: Path) -> None:
    status, headers, body = get(running.address, "/hubs/a.ics")
    assert (status, body) == (200, feed("A"))
    old_tag = headers["ETag"]
    path = root / "hubs/a.ics"
    replace(path, feed("Z"), mtime_ns=path.stat().st_mtime_ns)
    status, headers, body = get(running.address, "/hubs/a.ics", {"If-None-Match": old_tag})
    assert (status, body) == (200, feed("Z"))  # the old ETag no longer matches
    new_tag = headers["ETag"]
    assert new_tag != old_tag
    assert get(running.address, "/hubs/a.ics", {"If-None-Match": new_tag})[0] == 304
    assert len(headers.get_all("Date")) == 1 and headers["Content-Length"] == str(len(feed("Z")))


def read_response(stream: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    """One response from a keep-alive connection: (status, body), by its Content-Length."""
    while b"\r\n\r\n" not in buffer:
        chunk = stream.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    end = buffer.index(b"\r\n\r\n")
    lines = bytes(buffer[:end]).split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length:"))
    status = int(lines[0].split()[1])
    length = 0 if status == 304 else length
    while len(buffer) < end + 4 + length:
        chunk = stream.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    body = bytes(buffer[end + 4 : end + 4 + length])
    del buffer[: end + 4 + length]
    return status, body


def test_pipelined_requests_are_answered_in_order(running: Running) -> None:
    paths = ["/hubs/a.ics", "/hubs/b.ics", "/nowhere.ics", f"/org/{TOKEN_A}.ics"] * 10
    request = b"".join(f"GET {path} HTTP/1.1\r\nHost: feeds\r\n\r\n".encode() for path in paths)
    with socket.create_connection(running.address, timeout=10) as stream:
        stream.sendall(request)
        buffer = bytearray()
        answers = [read_response(stream, buffer) for _ in paths]
    expected = {"/hubs/a.ics": feed("A"), "/hubs/b.ics": feed("B"), f"/org/{TOKEN_A}.ics": feed("org")}
    for path, (status, body) in zip(paths, answers, strict=True):
        if path in expected:
            assert (status, body) == (200, expected[path])
        else:
            assert status == 404
    assert len([line for line in running.log if " 200 " in line]) == 30


def test_a_client_that_pipelines_without_reading_holds_back_only_itself(root: Path) -> None:
    big = feed("big", size=1_000_000)
    replace(root / "hubs/a.ics", big)
    served = Running(root, Limits(threads=0, max_unsent_bytes=64 * 1024))
    try:
        greedy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server must hold
        greedy.settimeout(30)
        greedy.connect(served.address)
        count = 30  # 30 MB of answers: far more than the kernel's socket buffers take
        greedy.sendall(b"GET /hubs/a.ics HTTP/1.1\r\nHost: feeds\r\n\r\n" * count)
        for _ in range(5):  # meanwhile, everyone else is served
            assert get(served.address, "/hubs/b.ics")[:3:2] == (200, feed("B"))
        # ...and the server holds at most one answer over the limit for the greedy client, not all 30.
        waiting = [c for c in served.server._server._map.values() if isinstance(c, HTTPChannel) and c.requests]
        assert len(waiting) == 1 and len(waiting[0].requests) > 1
        assert waiting[0].total_outbufs_len <= 64 * 1024 + len(big) + 1024
        buffer = bytearray()
        for _ in range(count):  # and the greedy client gets every answer, whole and in order
            assert read_response(greedy, buffer) == (200, big)
        greedy.close()
    finally:
        served.stop()
