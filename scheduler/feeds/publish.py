"""Publishing feeds to a folder: each file written atomically, only when its content changed.

Owns: the folder layout (borough/, hubs/, rooms/<hub>/, org/<token>.ics), the index (index.json: each
feed's name, kind and relative path; it names the secret organisation paths, so the server never
serves it), atomic writes (a temporary file in the same folder, fsync, then os.replace, so a client
never reads half a feed), removing feeds that no longer exist (revoked tokens, deleted rooms) and the
temporary files of a publish that was killed, and checking a target folder before anything is issued.
An unchanged feed's file is not touched at all, so its bytes and mtime (the Last-Modified the server
sends) stay the same. Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scheduler.errors import InvalidInput
from scheduler.feeds.service import Feed

INDEX_NAME = "index.json"
LOCK_NAME = ".publish.lock"
FEED_FOLDERS = ("borough", "hubs", "rooms", "org")
_TEMPORARY = re.compile(r"\.(?:.+\.ics|index\.json)\.[A-Za-z0-9_]+\.tmp")  # what write_atomically makes


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)  # left by a publish that was killed, now removed


def write_atomically(path: Path, content: bytes) -> bool:
    """Write `content` to `path` unless it already holds exactly that; True when the file was written."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def index_bytes(feeds: Sequence[Feed]) -> bytes:
    entries = [
        {"name": feed.spec.name, "kind": str(feed.spec.kind), "path": feed.spec.path}
        for feed in sorted(feeds, key=lambda f: f.spec.path)
    ]
    return (json.dumps({"feeds": entries}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_index(directory: Path) -> list[dict[str, str]]:
    """The published index's entries; [] when there is none yet."""
    try:
        data = json.loads((directory / INDEX_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{directory / INDEX_NAME} is not a feed index: {exc}") from None
    entries = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidInput(f"{directory / INDEX_NAME} is not a feed index: no list of feeds")
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("path"), str)]


def check_target(directory: Path) -> None:
    """Refuse a folder that publishing could not use, before anything (such as a token) is issued.

    The folder may not exist yet, but the nearest existing ancestor must be a writable folder; an
    existing folder must hold no index.json or a readable one; an empty path is refused rather than
    taken as the current folder.
    """
    if not str(directory).strip():
        raise InvalidInput("no folder given to publish to")
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} exists and is not a folder")
    existing = directory
    while not existing.exists():
        if existing.is_symlink():
            raise InvalidInput(f"cannot publish to {directory}: {existing} is a broken link")
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidInput(f"cannot publish to {directory}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot publish to {directory}: {existing} is not writable")
    if directory.is_dir():
        read_index(directory)  # a damaged index would be replaced blindly; say so instead
        if (directory / INDEX_NAME).exists() and not os.access(directory / INDEX_NAME, os.R_OK):
            raise InvalidInput(f"cannot publish to {directory}: {directory / INDEX_NAME} is not readable")


def remove_stray_temporaries(directory: Path) -> list[str]:
    """Delete temporary files a killed publish left behind ('.name.ics.XXXX.tmp'); their relative paths."""
    removed = []
    serialised = sys.platform != "win32"  # see _publishing
    candidates = [*directory.glob(".*.tmp")]
    for name in FEED_FOLDERS:
        if (directory / name).is_dir():
            candidates += (directory / name).rglob(".*.tmp")
    for path in candidates:
        if path.is_file() and _TEMPORARY.fullmatch(path.name) and (serialised or _older_than_an_hour(path)):
            path.unlink(missing_ok=True)
            removed.append(path.relative_to(directory).as_posix())
    return sorted(removed)


def _older_than_an_hour(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > 3600
    except OSError:
        return False


def _safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts and pure.suffix == ".ics"


def publish(feeds: Sequence[Feed], directory: Path) -> PublishReport:
    """Write every feed and the index into `directory`; remove feeds that are no longer published.

    Also removes the temporary files of an earlier publish that was killed half-way.
    """
    check_target(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with _publishing(directory):
        return _publish_locked(feeds, directory)


@contextmanager
def _publishing(directory: Path) -> Iterator[None]:
    """One publish at a time per folder, so temporary files found while holding the lock are strays.

    WORKAROUND: where fcntl does not exist (Windows), publishes are not serialised, and only temporary
    files older than an hour count as strays.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(directory / LOCK_NAME, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _publish_locked(feeds: Sequence[Feed], directory: Path) -> PublishReport:
    report = PublishReport(temporaries=remove_stray_temporaries(directory))
    previous = {entry["path"] for entry in read_index(directory)}
    current = set()
    for feed in sorted(feeds, key=lambda f: f.spec.path):
        current.add(feed.spec.path)
        target = directory / feed.spec.path
        (report.written if write_atomically(target, feed.content) else report.unchanged).append(feed.spec.path)
    # The new index goes live before stale files disappear: the server only serves indexed paths.
    write_atomically(directory / INDEX_NAME, index_bytes(feeds))
    lying_around = {
        str(path.relative_to(directory).as_posix())
        for folder in FEED_FOLDERS
        for path in (directory / folder).rglob("*.ics")
        if path.is_file()
    }
    for stale in sorted((previous | lying_around) - current):
        if _safe_relative(stale):
            (directory / stale).unlink(missing_ok=True)
            report.removed.append(stale)
    return report
