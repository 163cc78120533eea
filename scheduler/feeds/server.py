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

The index and each feed are cached under their file's (inode, mtime_ns, size), checked by one stat()
each on every request, so a publish or a `feeds reissue --dir` into the served folder takes effect with
the next request while an unchanged feed is never read, hashed or given headers twice. On Linux the
serving loop runs on epoll (see _run_with_epoll) and, by default (`Limits.threads` 0), answers each
request itself, with no worker thread (see _InlineDispatcher); elsewhere it is waitress's own loop with
worker threads.
Reads only the folder: no database.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import collections
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
from stat import S_ISREG
from typing import Any

from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
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
    """One feed as served, kept until its file changes on disk: the bytes, their ETag and Last-Modified,
    and the response headers for 200 and 304 built once instead of on every request."""

    stamp: tuple[int, int, int]  # (inode, mtime_ns, size) of the file the content was read from
    content: bytes
    etag: str
    mtime: int
    last_modified: str
    ok_headers: tuple[tuple[str, str], ...]
    not_modified_headers: tuple[tuple[str, str], ...]


def _stamp(stat: os.stat_result) -> tuple[int, int, int]:
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _cached(stamp: tuple[int, int, int], content: bytes, mtime: int) -> _Cached:
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    last_modified = formatdate(mtime, usegmt=True)
    validators = (("ETag", etag), ("Last-Modified", last_modified), ("Cache-Control", "no-cache"))
    ok = (
        *validators,
        ("Content-Type", CONTENT_TYPE),
        ("Content-Length", str(len(content))),
        ("X-Content-Type-Options", "nosniff"),
    )
    return _Cached(stamp, content, etag, mtime, last_modified, ok, validators)


class FeedFolder:
    """The published feeds of one folder, looked up by decoded URL path through the folder's index.

    Both the parsed index and each feed are cached under the (inode, mtime_ns, size) of their file and
    checked with one stat() per request each: publishing replaces a file by renaming a new one over it
    (a new inode), so a publish or a reissue is seen by the very next request, and nothing is read,
    parsed or hashed again while the files stay as they are.
    """

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
            stamp = _stamp(os.stat(self._index))
        except OSError:
            return frozenset()
        if stamp == self._index_stamp:
            return self._paths
        with self._lock:
            if stamp != self._index_stamp:
                # Read after the stat: what is read is never older than the stamp it is kept under, so
                # a change during the read at worst makes the next request read the index again.
                try:
                    paths = frozenset(entry["path"] for entry in read_index(self.root))
                except InvalidInput:
                    paths = frozenset()
                self._cache = {path: item for path, item in self._cache.items() if path in paths}
                self._paths, self._index_stamp = paths, stamp
            return self._paths

    def lookup(self, path: str) -> _Cached | None:
        """The feed at a decoded request path such as '/hubs/x.ics' (content, ETag, headers), or None."""
        relative = _relative(path) if len(path) <= _CACHED_PATH_LENGTH else normalised(path)
        if relative is None or relative not in self._published():
            return None
        try:
            stamp = _stamp(os.stat(os.path.join(self.root, relative)))
        except OSError:
            return None
        cached = self._cache.get(relative)
        if cached is not None and cached.stamp == stamp:
            return cached
        return self._read(relative)

    def _read(self, relative: str) -> _Cached | None:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root):
            return None
        try:
            with open(resolved, "rb") as file:
                stat = os.fstat(file.fileno())  # the stamp of exactly the bytes read
                if not S_ISREG(stat.st_mode):
                    return None
                content = file.read()
        except OSError:
            return None
        item = _cached(_stamp(stat), content, int(stat.st_mtime))
        with self._lock:
            if relative in self._paths:  # not revoked by an index read meanwhile (another thread)
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


_CACHED_PATH_LENGTH = 256  # longer request paths (rare, and attacker-chosen) are not memoised
_relative = functools.lru_cache(maxsize=1024)(normalised)


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


_masked = functools.lru_cache(maxsize=1024)(masked)


def _shown(text: str) -> str:
    """masked(text), memoised for the short strings almost every request repeats."""
    return _masked(text) if len(text) <= _CACHED_PATH_LENGTH else masked(text)


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
        now = int(time.time())
        start_response(status, [*headers, ("Date", _http_date(now))])
        if self._log is not None:
            self._access(environ, path, status, len(body), now)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def _answer(self, environ: Environ, path: str | None) -> tuple[str, Iterable[tuple[str, str]], bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method != "GET" and method != "HEAD":
            status, headers, body = _plain("405 Method Not Allowed", b"Only GET and HEAD\n")
            return status, [*headers, ("Allow", "GET, HEAD")], body
        found = self.folder.lookup(path) if path is not None else None
        if found is None:
            return _plain("404 Not Found", b"Not found\n")
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            not_modified = _etag_matches(if_none_match, found.etag)
        else:
            since = environ.get("HTTP_IF_MODIFIED_SINCE")
            not_modified = since is not None and _not_modified_since(since, found.mtime)
        if not_modified:
            return "304 Not Modified", found.not_modified_headers, b""
        return "200 OK", found.ok_headers, found.content

    def _access(self, environ: Environ, path: str | None, status: str, size: int, now: int) -> None:
        assert self._log is not None
        method = _shown(environ.get("REQUEST_METHOD", "")[:16])
        shown = _shown(path) if path is not None else "<not UTF-8>"
        protocol = _shown(environ.get("SERVER_PROTOCOL", "")[:16])
        remote = environ.get("REMOTE_ADDR", "-")
        self._log(f'{remote} - - [{_log_time(now)}] "{method} {shown} {protocol}" {status[:3]} {size}')


@functools.lru_cache(maxsize=4)
def _log_time(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    """The Date header, made once a second (waitress would format it for every response)."""
    return formatdate(second, usegmt=True)


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

    def add_channel(self, map: Any = None) -> None:
        super().add_channel(map)
        fresh = getattr(self.server, "fresh_fds", None)  # set by _run_with_epoll: ask it on the next turn
        if fresh is not None:
            fresh.add(self._fileno)


class _InlineChannel(_Channel):
    """A connection whose requests are answered in the serving thread (see _InlineDispatcher)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._held: list[bytes] = []
        super().__init__(*args, **kwargs)

    def write_soon(self, data: Any) -> int:
        """Hold the pieces of a response (waitress writes the header, then the body) until the request
        has been answered, then pass them on as one: one send() per response instead of two."""
        if type(data) is not bytes:  # a file wrapper: passed on as it is, in order
            self._release()
            return super().write_soon(data)
        if not self.connected:
            raise ClientDisconnected
        if data:
            self._held.append(data)
        return len(data)

    def service(self) -> None:
        try:
            super().service()
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            with contextlib.suppress(ClientDisconnected):  # the client has gone: nothing to send
                super().write_soon(data)

    def _flush_outbufs_below_high_watermark(self) -> None:
        """Send what the socket takes now, and never wait for the serving loop to send the rest: it is
        this thread. (waitress's worker threads wait here; _InlineDispatcher instead answers no request of a
        connection whose unsent output is over the high watermark.)"""
        if self.total_outbufs_len > self.adj.outbuf_high_watermark:
            self._flush_exception(self._flush_some, do_close=False)


class _InlineDispatcher:
    """In place of waitress's thread pool: each request is answered in the serving thread, after the
    turn of the loop that read it, and its response is sent at once, header and body in one send().

    The application never waits (a feed is answered from memory after two stat() calls, and read from
    disk once after each publish: serve a local folder, not a network share), so handing each request
    to a worker thread only added cost: a condition variable, a wake-up of the loop through
    its trigger pipe, and GIL hand-overs between nine threads, which on a loaded 2-core machine made up
    about 30% of the server's CPU time per request (see bench/feeds_server.py). A connection whose
    unsent output is over the high watermark (a client that pipelines requests and does not read the
    answers) is answered no further until the loop has sent it some, so its memory stays bounded and
    the loop never waits for one client.
    """

    def __init__(self) -> None:
        self.pending: collections.deque[HTTPChannel] = collections.deque()

    def add_task(self, channel: HTTPChannel) -> None:  # called by the channel with its requests_lock held
        self.pending.append(channel)  # so it is answered later, by run_pending, not here

    def set_thread_count(self, count: int) -> None:
        pass

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        while self.pending:
            self.pending.popleft().cancel()
        return True

    def run_pending(self) -> None:
        waiting = []
        while self.pending:
            channel = self.pending.popleft()
            if channel.total_outbufs_len > channel.adj.outbuf_high_watermark:
                waiting.append(channel)
                continue
            try:
                channel.service()
            except Exception:
                logging.getLogger("waitress").exception("Exception when servicing %r", channel)
            if channel.connected and channel.writable():  # what the socket did not take, or a close
                wasyncore.readwrite(channel, select.POLLOUT)
        self.pending.extend(waiting)


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


FALLBACK_THREADS = 4  # request threads where there is no epoll (not Linux) and Limits.threads is 0


def _nothing_to_wake() -> None:
    pass


ACCEPT_BATCH = 64  # connections accepted per wake-up of the listening socket


def _accept_waiting(server: BaseWSGIServer, flags: int) -> None:
    """Accept up to ACCEPT_BATCH waiting connections (waitress takes one per turn of its loop), so that
    a burst of new connections, idle ones included, does not keep others waiting in the backlog."""
    for _ in range(ACCEPT_BATCH):
        before = len(server._map)
        wasyncore.readwrite(server, flags)
        if len(server._map) == before or len(server._map) >= server.adj.connection_limit:
            return


def _register(poller: select.epoll, fd: int, flags: int, before: int) -> None:
    """Tell epoll the flags for `fd`, which were `before` (0: not registered, or a closed socket's fd)."""
    try:
        if not flags:
            poller.unregister(fd)
        elif before:
            poller.modify(fd, flags)
        else:
            poller.register(fd, flags)
    except FileExistsError:  # still registered under a socket not yet seen closed
        poller.modify(fd, flags)
    except FileNotFoundError:  # not registered after all: the socket was closed and its fd reused
        if flags:
            poller.register(fd, flags)


def _run_with_epoll(server: BaseWSGIServer, timeout: float, rescan_every: float = 1.0) -> None:
    """waitress's serving loop on epoll, asking only busy connections what they wait for.

    WORKAROUND: waitress's poll() loop asks every connection readable()/writable() and rebuilds the
    poll set on every turn, so 1,000 idle connections doubled active clients' latency (see
    bench/feeds_server.py). Here a turn of the loop costs in proportion to the busy connections only:
    a connection waiting for its client stays registered as it is and is asked again only after an
    event on it; every connection is asked once a second (which also covers the idle sweep).
    Waiting connections are accepted in batches; with the inline dispatcher, the requests read in a
    turn are answered at its end.
    """
    socket_map = server._map
    inline = server.task_dispatcher if isinstance(server.task_dispatcher, _InlineDispatcher) else None
    poller = select.epoll()
    registered: dict[int, tuple[Any, int]] = {}  # fd -> (dispatcher, flags registered)
    busy: set[int] = set()  # asked on every turn: all but the connections waiting for their client
    touched: set[int] = set()  # asked on the next turn: an event on them, or new (see _Channel.add_channel)
    server.fresh_fds = touched
    next_rescan = 0.0
    try:
        while socket_map:
            now = time.monotonic()
            if now >= next_rescan:
                next_rescan = now + rescan_every
                asked = set(socket_map) | set(registered)
            else:
                asked = busy | touched
            touched.clear()
            for fd in asked:
                obj = socket_map.get(fd)
                known = registered.get(fd)
                if obj is None:  # gone from the map: closed, so normally no longer registered either
                    if known is not None:
                        with contextlib.suppress(OSError):
                            poller.unregister(fd)
                        del registered[fd]
                    busy.discard(fd)
                    continue
                # Quiescence first: a worker thread may finish a request between the two questions, and
                # only a connection that was already quiescent keeps the flags asked after it.
                settled = _quiescent(obj)
                flags = _interest(obj)
                if known is None or known[0] is not obj or known[1] != flags:
                    _register(poller, fd, flags, known[1] if known is not None and known[0] is obj else 0)
                    registered[fd] = (obj, flags)
                if settled:
                    busy.discard(fd)
                else:
                    busy.add(fd)
            try:
                events = poller.poll(timeout)
            except InterruptedError:
                events = []
            for fd, flags in events:
                obj = socket_map.get(fd)
                touched.add(fd)
                if obj is server:
                    _accept_waiting(server, flags)
                elif obj is not None:
                    wasyncore.readwrite(obj, flags)
            if inline is not None and inline.pending:
                inline.run_pending()
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
    inline = limits.threads == 0 and hasattr(select, "epoll")  # the inline dispatcher needs our epoll loop
    try:
        server = create_server(
            FeedApp(folder, log),
            _dispatcher=_InlineDispatcher() if inline else None,
            host=host,
            port=port,
            threads=limits.threads or FALLBACK_THREADS,
            outbuf_high_watermark=limits.max_unsent_bytes,
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
    server.channel_class = _InlineChannel if inline else _Channel
    if inline:
        # Channels wake the loop when a worker thread has answered; here the loop itself answers.
        server.pull_trigger = _nothing_to_wake
    logging.getLogger("waitress").setLevel(logging.WARNING)
    return FeedServer(server)
