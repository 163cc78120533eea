"""Helpers for the spreadsheet tests: fill a template the way a user would, with openpyxl."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from scheduler.imports.service import SpreadsheetService
from tests.builders import Borough, make_borough


@pytest.fixture
def borough(sessions: sessionmaker[Session]) -> Borough:
    return make_borough(sessions)


@pytest.fixture
def sheets(sessions: sessionmaker[Session]) -> SpreadsheetService:
    return SpreadsheetService(sessions, "Test Manager")


def fill(template: Path, target: Path, rows: list[dict[str, object]]) -> Path:
    """Type `rows` (heading -> value) under the template's header row and save as `target`."""
    book = load_workbook(template)
    sheet = book.worksheets[0]
    headings = [str(c.value).rstrip(" *") for c in sheet[1]]
    for row in rows:
        unknown = set(row) - set(headings)
        assert not unknown, f"no such column {unknown}"
        sheet.append([row.get(h) for h in headings])
    book.save(target)
    return target


def request_row(**changes: object) -> dict[str, object]:
    """A valid request for the test borough: housing advice at Ilford Civic Hub, Mondays and Wednesdays."""
    row: dict[str, object] = {
        "Title": "Housing advice",
        "Organisation": "Citizens Advice Redbridge",
        "Size": 10,
        "Duration": 90,
        "Frequency": "weekly",
        "Weekdays": "Mon, Wed",
        "Time windows": "09:00-12:00",
        "Acceptable hubs": "Ilford Civic Hub",
    }
    row.update(changes)
    return row
