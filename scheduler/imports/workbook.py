"""Reading a spreadsheet someone emailed us, safely: .xlsx (openpyxl) or .csv, in bounded time and memory.

Owns: the limits (file size, unpacked size, rows), refusing hostile or broken files with one clear line
(`UnreadableFile`), and turning the first sheet that has our header into plain rows of cell values keyed by
column heading, each with its row number and column letter for problem messages. Formulas and merged cells
are refused: we import what people typed, never what a formula would compute.
Must not import: desktop_app, PySide6, models, sqlalchemy.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import InvalidInput

MAX_FILE_BYTES = 20 * 1024 * 1024  # what arrives by email
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a zip bomb is refused before anything is unpacked
MAX_ROWS = 5000  # far more than a borough's requests in a term


class UnreadableFile(InvalidInput):
    """The file cannot be imported at all (not a workbook, too big, formulas...); nothing was changed."""


@dataclass(frozen=True)
class Cell:
    row: int  # 1-based, as the spreadsheet shows it
    column: str  # "C"
    heading: str  # "Organisation"
    value: object  # str, int, float, datetime, time or None


@dataclass(frozen=True)
class Row:
    number: int
    cells: dict[str, Cell]  # by heading

    def value(self, heading: str) -> object:
        cell = self.cells.get(heading)
        if cell is None or cell.value is None:
            return None
        if isinstance(cell.value, str):
            text = cell.value.strip()
            return text or None
        return cell.value

    def text(self, heading: str) -> str:
        value = self.value(heading)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def column(self, heading: str) -> str:
        cell = self.cells.get(heading)
        return cell.column if cell else "?"


@dataclass(frozen=True)
class Sheet:
    name: str
    headings: tuple[str, ...]
    rows: tuple[Row, ...]


def get_column_letter(number: int) -> str:
    """1 -> A, 27 -> AA (openpyxl is imported only when a workbook is actually read)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _normal(heading: object) -> str:
    return re.sub(r"\s+", " ", str(heading or "").replace("*", "")).strip().lower()


def read_sheet(path: Path, headings: Sequence[str], sheet_name: str) -> Sheet:
    """The data rows of `sheet_name` (or of the first sheet whose header row has our first heading).

    Raises UnreadableFile with one line for anything that cannot be read. Headings are matched without
    regard to case, spaces or a trailing '*'; unknown columns are ignored, missing required ones reported
    by the caller as problems.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"{path.name} is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB"
        )
    if path.suffix.lower() == ".csv":
        return _read_csv(path, headings, sheet_name)
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        raise UnreadableFile(f"{path.name}: only .xlsx workbooks and .csv files can be imported")
    return _read_xlsx(path, headings, sheet_name)


def _read_csv(path: Path, headings: Sequence[str], sheet_name: str) -> Sheet:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark at the start of UTF-8 CSV
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    if "\x00" in text:
        raise UnreadableFile(f"{path.name} is not a text CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = []
        for line in reader:
            table.append(line)
            if len(table) > MAX_ROWS + 1:
                raise UnreadableFile(f"{path.name} has more than {MAX_ROWS} rows; split it into smaller files")
    except csv.Error as exc:
        raise UnreadableFile(f"{path.name} is not a readable CSV file: {exc}") from None
    return _sheet(sheet_name, table, headings, path.name)


def _read_xlsx(path: Path, headings: Sequence[str], sheet_name: str) -> Sheet:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > MAX_UNPACKED_BYTES or len(members) > 2000:
                raise UnreadableFile(
                    f"{path.name} unpacks to {unpacked // (1024 * 1024)} MB; refusing it (limit "
                    f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB)"
                )
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                    xml = archive.read(member)
                    # Counted here because openpyxl would first scan a sheet with no <dimension> to its end.
                    if xml.count(b"<row ") + xml.count(b"<x:row ") > MAX_ROWS + 1:
                        raise UnreadableFile(f"{path.name} has more than {MAX_ROWS} rows; split it into smaller files")
                    merged = re.search(rb'<(?:x:)?mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)
                    if merged:
                        raise UnreadableFile(
                            f"{path.name} has merged cells ({merged[1].decode()}); unmerge them and save again"
                        )
    except zipfile.BadZipFile:
        raise UnreadableFile(
            f"{path.name} is not an .xlsx workbook (not a zip file); save it from your spreadsheet as .xlsx or .csv"
        ) from None
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it does not read (extensions, styles): not our business.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        names = book.sheetnames
        chosen = next((n for n in names if n.strip().lower() == sheet_name.lower()), names[0] if names else None)
        if chosen is None:
            raise UnreadableFile(f"{path.name} has no sheets")
        table: list[list[object]] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for values in book[chosen].iter_rows(values_only=True):
                table.append(list(values))
                if len(table) > MAX_ROWS + 1:
                    raise UnreadableFile(f"{path.name} has more than {MAX_ROWS} rows; split it into smaller files")
    finally:
        book.close()
    for r, values in enumerate(table, start=1):
        for c, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                raise UnreadableFile(
                    f"{path.name}, sheet {chosen}, cell {get_column_letter(c)}{r} has a formula; "
                    "type the value instead (copy, then paste values only)"
                )
    return _sheet(chosen, table, headings, path.name)


def _sheet(name: str, table: list[list[object]], headings: Sequence[str], file_name: str) -> Sheet:
    wanted = {_normal(h): h for h in headings}
    header_index = next(
        (i for i, values in enumerate(table[:10]) if any(_normal(v) in wanted for v in values if v is not None)), None
    )
    if header_index is None:
        raise UnreadableFile(
            f"{file_name}: no header row with the template's columns ({', '.join(headings[:4])}, ...); "
            "start from `hubsched template`"
        )
    positions: dict[int, str] = {}
    for c, value in enumerate(table[header_index]):
        key = _normal(value)
        if key in wanted and wanted[key] not in positions.values():
            positions[c] = wanted[key]
    rows = []
    for r, values in enumerate(table[header_index + 1 :], start=header_index + 2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        cells = {
            heading: Cell(r, get_column_letter(c + 1), heading, values[c] if c < len(values) else None)
            for c, heading in positions.items()
        }
        rows.append(Row(r, cells))
    present = tuple(positions.values())
    return Sheet(name, present, tuple(rows))
