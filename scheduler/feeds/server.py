"""Serving a published feeds folder over HTTP: a small WSGI app run by waitress.

Owns: which request paths are served (only the feeds listed in the folder's current index.json, so a
revoked organisation address answers 404 as soon as the folder is republished; never index.json, never
anything outside the folder), the response headers (text/calendar, a strong ETag from the content,
Last-Modified from the file's mtime, which publishing keeps for an unchanged feed; If-None-Match and
If-Modified-Since give 304), the access log (the *decoded, normalised* path with organisation tokens
masked, so `/%6frg/<token>.ics` or `/org%2f<token>.ics` cannot smuggle a token into it; no query strings)
and the server's limits: request-line and header size, body size, idle-connection timeout, listen
backlog, connection limit. Malformed requests are answered by waitress (400, 413, 431) or by the app
(405, 404, 500), never with an empty reply, and nothing a client sends puts a traceback in the log.

The index is read again whenever it changes on disk (checked on every request), so a publish or a
`feeds reissue --dir` into the served folder takes effect with the next request. On Linux the serving
loop runs on epoll (see _run_with_epoll), elsewhere it is waitress's own.
Reads only the folder: no database.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import select
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server
from waitress.utilities import BadRequest

from scheduler.errors import InvalidInput
from scheduler.feeds.limits import Limits
from scheduler.feeds.publish import INDEX_NAME, read_index

CONTENT_TYPE = "text/calendar; charset=utf-8"
SERVER_NAME = "HubSchedulerFeeds"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
LogLine = Callable[[str], None]


# -- which files are served ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[int, int, int]  # (inode, mtime_ns, size): publishing replaces files by rename
    content: bytes
    etag: str
    mtime: int
    last_modified: str


class FeedFolder:
    """The published feeds of one folder, looked up by decoded URL path through the folder's index."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        if not self.root.is_dir():
            raise InvalidInput(f"{root} is not a folder (run `hubsched feeds publish {root}` first)")
        self._index = os.path.join(self.root, INDEX_NAME)
        self._lock = threading.Lock()
        self._index_stamp: tuple[int, int, int] | None = None
        self._paths: frozenset[str] = frozenset()
        self._cache: dict[str, _Cached] = {}

    def _published(self) -> frozenset[str]:
        """The indexed paths, re-read whenever index.json changes (publishing replaces it atomically)."""
        try:
            stat = os.stat(self._index)
        except OSError:
            return frozenset()
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._index_stamp:
                try:
                    self._paths = frozenset(entry["path"] for entry in read_index(self.root))
                except InvalidInput:
                    self._paths = frozenset()
                self._index_stamp = stamp
                self._cache = {path: item for path, item in self._cache.items() if path in self._paths}
            return self._paths

    def lookup(self, path: str) -> _Cached | None:
        """The feed at a decoded request path such as '/hubs/x.ics' (content, ETag, mtime), or None."""
        relative = normalised(path)
        if relative is None or relative not in self._published():
            return None
        try:
            stat = os.stat(os.path.join(self.root, relative))
        except OSError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(relative)
        if cached is not None and cached.stamp == stamp:
            return cached
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        try:
            content = resolved.read_bytes()
        except OSError:
            return None
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        mtime = int(stat.st_mtime)
        item = _Cached(stamp, content, etag, mtime, formatdate(mtime, usegmt=True))
        with self._lock:
            self._cache[relative] = item
        return item


_NOT_IN_A_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def normalised(path: str) -> str | None:
    """'hubs/x.ics' for a decoded request path '/hubs/x.ics'; None for anything that is not a plain path.

    No empty, '.' or '..' segment, no backslash and no control character: such paths are never served.
    """
    if not path.startswith("/") or _NOT_IN_A_PATH.search(path):
        return None
    relative = path[1:]
    if any(part in ("", ".", "..") for part in relative.split("/")):
        return None
    return relative


# -- the access log --------------------------------------------------------------------------------------

_ORG_SEGMENT = re.compile(r"(?i)(^|/)org/[^/]*")
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}")  # a segment that could be a token (ours are 32 characters)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\"\\]")


def masked(path: str) -> str:
    """A decoded request path fit for a log: tokens masked, control characters and quotes escaped."""
    path = _ORG_SEGMENT.sub(lambda m: f"{m.group(1)}org/<token>", path)
    path = "/".join(_TOKEN_LIKE.sub("<token>", part) for part in path.split("/"))
    if len(path) > 200:
        path = path[:200] + "…"
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", path)


def _decoded_path(environ: Environ) -> str | None:
    """PATH_INFO as text: waitress has percent-decoded it into latin-1 per PEP 3333; we want UTF-8."""
    try:
        return environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None


# -- the application ------------------------------------------------------------------------------------


def _not_modified_since(header: str, mtime: int) -> bool:
    """Whether an If-Modified-Since value is at or after `mtime`; an unreadable one (even a year 99999999999)
    is ignored."""
    try:
        since = parsedate_to_datetime(header)
        if since is None or since.tzinfo is None:
            return False
        return mtime <= since.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [item.strip() for item in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


class FeedApp:
    """The WSGI application: GET and HEAD of the indexed feeds, everything else answered with its status."""

    def __init__(self, folder: FeedFolder, log: LogLine | None = None):
        self.folder = folder
        self._log = log

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = _decoded_path(environ)
        try:
            status, headers, body = self._answer(environ, path)
        except Exception as exc:  # a bug of ours: one line in the log, a 500 to the client, no traceback
            status, headers, body = _plain("500 Internal Server Error", b"Internal server error\n")
            if self._log is not None:
                self._log(f"internal error {type(exc).__name__} serving {masked(path or '?')}")
        start_response(status, headers)
        if self._log is not None:
            self._access(environ, path, status, len(body))
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def _answer(self, environ: Environ, path: str | None) -> tuple[str, list[tuple[str, str]], bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method not in ("GET", "HEAD"):
            status, headers, body = _plain("405 Method Not Allowed", b"Only GET and HEAD\n")
            return status, [*headers, ("Allow", "GET, HEAD")], body
        found = self.folder.lookup(path) if path is not None else None
        if found is None:
            return _plain("404 Not Found", b"Not found\n")
        content, etag, mtime = found.content, found.etag, found.mtime
        headers = [
            ("ETag", etag),
            ("Last-Modified", found.last_modified),
            ("Cache-Control", "no-cache"),
        ]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            not_modified = _etag_matches(if_none_match, etag)
        else:
            since = environ.get("HTTP_IF_MODIFIED_SINCE")
            not_modified = since is not None and _not_modified_since(since, mtime)
        if not_modified:
            return "304 Not Modified", headers, b""
        headers += [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(content))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return "200 OK", headers, content

    def _access(self, environ: Environ, path: str | None, status: str, size: int) -> None:
        assert self._log is not None
        when = _log_time(int(time.time()))
        method = masked(environ.get("REQUEST_METHOD", "")[:16])
        shown = masked(path) if path is not None else "<not UTF-8>"
        protocol = masked(environ.get("SERVER_PROTOCOL", "")[:16])
        remote = environ.get("REMOTE_ADDR", "-")
        self._log(f'{remote} - - [{when}] "{method} {shown} {protocol}" {status.split()[0]} {size}')


@functools.lru_cache(maxsize=4)
def _log_time(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _plain(status: str, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    return status, headers, body


# -- the server ------------------------------------------------------------------------------------------


class _RequestParser(HTTPRequestParser):
    """waitress's parser, but a request that cannot be HTTP (a TLS handshake, binary noise) is answered
    400 at once instead of waiting, silent, for a line end that never comes until the idle timeout."""

    def received(self, data: bytes) -> int:
        if not self.completed and self.body_rcv is None and not self.header_plus:
            first = data.lstrip(b"\r\n")[:1]
            if first and not first.isalpha():
                self.parse_header(b"GET / HTTP/1.0\r\n")
                self.error = BadRequest("not an HTTP request (TLS to a plain-HTTP port?)")
                self.completed = True
                return len(data)
        return super().received(data)


class _Channel(HTTPChannel):
    parser_class = _RequestParser


def _interest(obj: Any) -> int:
    """The poll flags waitress's own loop (wasyncore.poll2) would register for a dispatcher."""
    flags = 0
    if obj.readable():
        flags |= select.POLLIN | select.POLLPRI
    if obj.writable() and not obj.accepting:
        flags |= select.POLLOUT
    return flags


def _quiescent(obj: Any) -> bool:
    """A connection waiting for its client: no request in hand, nothing to send, not closing.

    Only the serving thread changes such a channel (an event on its socket, or the idle sweep, which
    is followed by a full rescan), so its poll flags stay as they are until then.
    """
    return (
        isinstance(obj, HTTPChannel)
        and not obj.requests
        and not obj.total_outbufs_len
        and not obj.will_close
        and not obj.close_when_flushed
    )


ACCEPT_BATCH = 64  # connections accepted per wake-up of the listening socket


def _accept_waiting(server: BaseWSGIServer, flags: int) -> None:
    """Accept up to ACCEPT_BATCH waiting connections (waitress takes one per turn of its loop), so that
    a burst of new connections, idle ones included, does not keep others waiting in the backlog."""
    for _ in range(ACCEPT_BATCH):
        before = len(server._map)
        wasyncore.readwrite(server, flags)
        if len(server._map) == before or len(server._map) >= server.adj.connection_limit:
            return


def _run_with_epoll(server: BaseWSGIServer, timeout: float, rescan_every: float = 1.0) -> None:
    """waitress's serving loop on epoll, asking only busy connections what they wait for.

    WORKAROUND: waitress's poll() loop asks every connection readable()/writable() and rebuilds the
    poll set on every turn, so 1,000 idle connections doubled active clients' latency (see
    bench/feeds_server.py). Here idle connections stay registered as they are; every connection is
    asked again after any event on it, and all of them once a second (which also covers the idle sweep).
    Waiting connections are accepted in batches.
    """
    socket_map = server._map
    poller = select.epoll()
    registered: dict[int, tuple[Any, int]] = {}  # fd -> (dispatcher, flags registered)
    quiet: set[int] = set()
    next_rescan = 0.0
    try:
        while socket_map:
            now = time.monotonic()
            rescan = now >= next_rescan
            if rescan:
                next_rescan = now + rescan_every
            for fd, obj in list(socket_map.items()):
                if not rescan and fd in quiet and registered.get(fd, (None,))[0] is obj:
                    continue
                # Quiescence first: a worker thread may finish a request between the two questions, and
                # only a connection that was already quiescent keeps the flags asked after it.
                settled = _quiescent(obj)
                flags = _interest(obj)
                known = registered.get(fd)
                if known is None or known[0] is not obj or known[1] != flags:
                    with contextlib.suppress(OSError):
                        poller.unregister(fd)
                    if flags:
                        poller.register(fd, flags)
                    registered[fd] = (obj, flags)
                if settled:
                    quiet.add(fd)
                else:
                    quiet.discard(fd)
            for fd in [fd for fd in registered if fd not in socket_map]:
                with contextlib.suppress(OSError):
                    poller.unregister(fd)
                del registered[fd]
                quiet.discard(fd)
            try:
                events = poller.poll(timeout)
            except InterruptedError:
                events = []
            for fd, flags in events:
                obj = socket_map.get(fd)
                quiet.discard(fd)
                if obj is server:
                    _accept_waiting(server, flags)
                elif obj is not None:
                    wasyncore.readwrite(obj, flags)
    finally:
        poller.close()


class FeedServer:
    """A waitress server for one folder: `serve_forever()` in one thread, `shutdown()` from another."""

    def __init__(self, server: BaseWSGIServer):
        self._server = server
        self._stopped = threading.Event()
        host, port = server.socket.getsockname()[:2]
        self.server_address: tuple[str, int] = (host, port)

    def serve_forever(self) -> None:
        try:
            if hasattr(select, "epoll"):
                try:
                    _run_with_epoll(self._server, self._server.adj.asyncore_loop_timeout)
                except (SystemExit, KeyboardInterrupt):
                    self._server.task_dispatcher.shutdown()
            else:
                self._server.run()
        finally:
            self._stopped.set()

    def _close_all(self) -> None:  # runs in the serving thread, through waitress's trigger
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)

    def shutdown(self, timeout: float = 10) -> None:
        """Stop serving and close every connection; returns when serve_forever has returned."""
        self._server.trigger.pull_trigger(self._close_all)
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        """Close the listening socket of a server that was never run (after shutdown it is closed already)."""
        if not self._stopped.is_set():
            self._close_all()


def _raise_open_files_limit(wanted: int) -> None:
    """Let the process hold `wanted` sockets where the hard limit allows (idle clients each hold one)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        pass


def make_server(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    log: LogLine | None = None,
    limits: Limits = Limits(),  # noqa: B008 (frozen: shared safely)
) -> FeedServer:
    """A server (not yet running) for the published folder; port 0 picks a free port.

    `log` receives one access-log line per request (None: no access log). waitress's own warnings (for
    example the connection limit reached) go to the standard `waitress` logger.
    """
    folder = FeedFolder(directory)
    _raise_open_files_limit(limits.connection_limit + 256)
    try:
        server = create_server(
            FeedApp(folder, log),
            host=host,
            port=port,
            threads=limits.threads,
            backlog=limits.backlog,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.channel_timeout,
            cleanup_interval=limits.cleanup_interval,
            max_request_header_size=limits.max_request_header_size,
            max_request_body_size=limits.max_request_body_size,
            asyncore_use_poll=True,  # select() cannot watch more than 1,024 sockets
            log_socket_errors=False,  # a client that resets its connection is not our error
            expose_tracebacks=False,
            ident=SERVER_NAME,
            clear_untrusted_proxy_headers=True,
        )
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}") from None
    if not isinstance(server, BaseWSGIServer):  # several addresses (a host name with IPv4 and IPv6)
        server.close()
        raise InvalidInput(f"{host!r} names several addresses; give one address such as 127.0.0.1")
    server.channel_class = _Channel
    logging.getLogger("waitress").setLevel(logging.WARNING)
    return FeedServer(server)
