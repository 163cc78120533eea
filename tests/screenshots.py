"""Where GUI tests save their screenshots.

By default a temporary folder, so a test run never rewrites tracked files. To refresh the README's
pictures: `HUBSCHED_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/desktop_app`.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path


@cache
def screenshot_dir() -> Path:
    chosen = os.environ.get("HUBSCHED_SCREENSHOTS")
    folder = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="hubsched-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
