"""Publishing feeds to a folder: each file written atomically, only when its content changed.

Owns: the folder layout (borough/, hubs/, rooms/<hub>/, org/<token>.ics), the index (index.json: each
feed's name, kind and relative path; it names the secret organisation paths, so the server never
serves it), atomic writes (a temporary file in the same folder, fsync, then os.replace, so a client
never reads half a feed) and removing feeds that no longer exist (revoked tokens, deleted rooms).
An unchanged feed's file is not touched at all, so its bytes and mtime (the Last-Modified the server
sends) stay the same. Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scheduler.errors import InvalidInput
from scheduler.feeds.service import Feed

INDEX_NAME = "index.json"
FEED_FOLDERS = ("borough", "hubs", "rooms", "org")


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


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


def _safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts and pure.suffix == ".ics"


def publish(feeds: Sequence[Feed], directory: Path) -> PublishReport:
    """Write every feed and the index into `directory`; remove feeds that are no longer published."""
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    report = PublishReport()
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
