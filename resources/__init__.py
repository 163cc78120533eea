"""Data files shipped with Hub Scheduler (demo borough, icons, style sheets), found through `locate`."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent


def locate(relative: str) -> Path:
    """The path of a resource file, e.g. `locate("demo/borough.yaml")`; raises if it is missing."""
    path = _ROOT / relative
    if not path.is_file():
        raise FileNotFoundError(f"resource {relative!r} is missing from {_ROOT}")
    return path
