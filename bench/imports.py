"""Hostile spreadsheet benchmark (not part of the test suite): time and peak memory to refuse each file.

Usage::

    python -m bench.imports

Builds, in a temporary folder, a file that is not a zip, a zip bomb (100 MB of zeros in 100 KB), a
100,000-row workbook and CSV, and a workbook with a formula; runs each through `read_sheet` in a fresh
child process and reports wall time and the child's peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HEADINGS = ["Title", "Organisation", "Size", "Duration", "Frequency", "Weekdays", "Time windows", "Acceptable hubs"]


def build(folder: Path) -> dict[str, Path]:
    from openpyxl import Workbook

    files = {}
    files["not a zip"] = folder / "nonzip.xlsx"
    files["not a zip"].write_text("hello")
    bomb = folder / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(101):
            member.write(b"\0" * (1024 * 1024))
    files["zip bomb"] = bomb
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Requests")
    sheet.append(HEADINGS)
    for _ in range(100_000):
        sheet.append(["Advice", "Citizens Advice Redbridge", 5, 60, "weekly", "Mon", "09:00-12:00", "Ilford Civic Hub"])
    files["100,000 rows xlsx"] = folder / "huge.xlsx"
    book.save(files["100,000 rows xlsx"])
    files["100,000 rows csv"] = folder / "huge.csv"
    files["100,000 rows csv"].write_text(
        ",".join(HEADINGS) + "\n" + "Advice,Citizens Advice,5,60,weekly,Mon,09:00-12:00,Ilford Civic Hub\n" * 100_000
    )
    formula = Workbook()
    formula.active.append(HEADINGS)
    formula.active.append(["Advice", "X", "=2*5"])
    files["formula"] = folder / "formula.xlsx"
    formula.save(files["formula"])
    return files


CHILD = """
import sys
from pathlib import Path
from scheduler.imports.workbook import read_sheet, UnreadableFile
try:
    read_sheet(Path(sys.argv[1]), {headings!r}, "Requests")
    print("accepted")
except UnreadableFile as exc:
    print(str(exc))
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        files = build(Path(folder))
        print(f"{'file':<20} {'size':>9} {'seconds':>8} {'peak MB':>8}  outcome")
        for name, path in files.items():
            start = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD.format(headings=HEADINGS), str(path)], stdout=subprocess.PIPE, text=True
            )
            output = child.stdout.read()
            _pid, _status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - start
            peak_mb = usage.ru_maxrss / 1024
            outcome = output.strip()
            print(f"{name:<20} {path.stat().st_size:>9} {elapsed:>8.2f} {peak_mb:>8.0f}  {outcome[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
