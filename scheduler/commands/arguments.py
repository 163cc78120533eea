"""Argument types shared by the command line's parsers: dates and local times, checked once.

Owns: turning a command-line date or time into a value or an argparse error (exit 2, one line), with the
domain's own checks (scheduler.validation: years 1900-2999, offsets refused). Every command takes its
dates and times from here, so none of them drifts. Must not import: desktop_app, PySide6, models.db.
"""

from __future__ import annotations

import argparse
from datetime import date, time

from scheduler import validation
from scheduler.errors import ValidationError


def date_argument(text: str) -> date:
    """A date within the years any calculation handles (a date near 9999 overflows the day after)."""
    try:
        return validation.parse_date("date", text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def time_argument(text: str) -> time:
    """A local time at the hub: one with a UTC offset is refused."""
    try:
        return validation.parse_local_time("time", text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
