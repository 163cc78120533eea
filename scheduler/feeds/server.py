"""Serving a published feed folder over HTTP (stdlib ThreadingHTTPServer).

Owns: answering GET and HEAD for the feeds listed in the folder's index.json and nothing else: the
index itself, temporary files, other files and anything outside the folder (../, encoded %2e%2e,
backslashes, symlinks out) all get 404. Responses carry Content-Type text/calendar; charset=utf-8, a
strong ETag (hash of the bytes) and Last-Modified (the file's mtime, which publishing keeps for an
unchanged feed); If-None-Match and If-Modified-Since give 304. Organisation tokens are not written to
the request log. Reads only the folder: no database.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import hashlib
import re
import threading
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scheduler.errors import InvalidInput
from scheduler.feeds.publish import INDEX_NAME, read_index

CONTENT_TYPE = "text/calendar; charset=utf-8"
_TOKEN_IN_PATH = re.compile(r"/org/[^/\s?]+")


class FeedFolder:
    """The published feeds of one folder, looked up by URL path through the folder's index."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        if not self.root.is_dir():
            raise InvalidInput(f"{root} is not a folder (run `hubsched feeds publish {root}` first)")
        self._lock = threading.Lock()
        self._index_stamp: tuple[int, int] | None = None
        self._paths: frozenset[str] = frozenset()

    def _published(self) -> frozenset[str]:
        """The indexed paths, re-read whenever index.json changes (publishing replaces it atomically)."""
        try:
            stat = (self.root / INDEX_NAME).stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return frozenset()
        with self._lock:
            if stamp != self._index_stamp:
                try:
                    self._paths = frozenset(entry["path"] for entry in read_index(self.root))
                except InvalidInput:
                    self._paths = frozenset()
                self._index_stamp = stamp
            return self._paths

    def lookup(self, url_path: str) -> Path | None:
        """The file for a request path such as '/hubs/ilford-civic-hub.ics', or None."""
        path = unquote(urlsplit(url_path).path, errors="strict")  # '%2e%2e' is '..' from here on
        if not path.startswith("/") or "\\" in path or "\x00" in path:
            return None
        relative = path[1:]
        parts = relative.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return None
        if relative not in self._published():
            return None
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [item.strip() for item in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def _not_modified_since(header: str, mtime: int) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return mtime <= int(since.timestamp())


class FeedRequestHandler(BaseHTTPRequestHandler):
    server_version = "HubSchedulerFeeds/1.0"
    folder: FeedFolder  # set on the subclass made by make_server

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        try:
            target = self.folder.lookup(self.path)
        except UnicodeDecodeError:
            target = None
        if target is None:
            self._plain(HTTPStatus.NOT_FOUND, b"Not found\n", with_body)
            return
        try:
            content = target.read_bytes()
            mtime = int(target.stat().st_mtime)
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, b"Not found\n", with_body)
            return
        etag = _etag(content)
        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_none_match is not None:
            not_modified = _etag_matches(if_none_match, etag)
        else:
            not_modified = if_modified_since is not None and _not_modified_since(if_modified_since, mtime)
        self.send_response(HTTPStatus.NOT_MODIFIED if not_modified else HTTPStatus.OK)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        if not_modified:
            self.end_headers()
            return
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if with_body:
            self.wfile.write(content)

    def _plain(self, status: HTTPStatus, body: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # Organisation feed addresses are secrets: keep them out of logs.
        super().log_message(format, *(_TOKEN_IN_PATH.sub("/org/<token>", str(a)) for a in args))


def make_server(
    directory: Path, host: str = "127.0.0.1", port: int = 8080, *, quiet: bool = False
) -> ThreadingHTTPServer:
    """A server (not yet running) for the published folder; port 0 picks a free port."""
    folder = FeedFolder(directory)
    attributes: dict[str, object] = {"folder": folder}
    if quiet:
        attributes["log_message"] = lambda self, format, *args: None
    handler = type("BoundFeedRequestHandler", (FeedRequestHandler,), attributes)
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.daemon_threads = True
    return server
