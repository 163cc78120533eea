"""The feed server's limits on one client, apart from the server so the command line can show the defaults.

Owns: the `Limits` dataclass (server.py re-exports it and applies it; `feeds serve --threads` names its
default in its help without loading waitress).
Must not import: waitress, sqlalchemy, models, desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What the server allows one client. The defaults suit a feed server on the open internet."""

    max_request_header_size: int = 16 * 1024  # request line and headers together, bytes (else 431)
    max_request_body_size: int = 4 * 1024  # a feed request has no body (else 413)
    channel_timeout: int = 30  # seconds an idle connection is kept open
    cleanup_interval: int = 5  # seconds between sweeps for idle connections
    backlog: int = 2048  # listen queue for connections not yet accepted
    connection_limit: int = 4000  # open connections before the server stops accepting more
    max_unsent_bytes: int = 16 * 1024 * 1024  # answers queued for a client that does not read them
    # 0: each request is answered in the serving thread, which also handles every socket (on Linux; where
    # there is no epoll, 4 threads). N: N request threads, for an application that may wait.
    threads: int = 0
