"""Domain validation of values people type, the same whichever database is behind it.

Owns: the limits on text (length, no control characters, trimmed), on dates (bookings from a year back
to five years ahead by default; any typed date within years 1900-2999) and on times (a local wall-clock
time, never one with a UTC offset). Every check either returns the cleaned value or raises
`ValidationError` naming the field, so a form can show the sentence next to it and the CLI can print it.
Pure: no database, no Qt. Must not import: models, desktop_app, PySide6, sqlalchemy.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

from scheduler.errors import ValidationError

# The PostgreSQL columns are VARCHAR(160) for titles; SQLite would store any length, so the rule is here.
TITLE_MAX = 160
NAME_MAX = 160
TEXT_MAX = 2000
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
YEARS_BACK_VAR = "HUBSCHED_BOOKING_YEARS_BACK"
YEARS_AHEAD_VAR = "HUBSCHED_BOOKING_YEARS_AHEAD"


# Trimmed from the ends of text: spaces (Unicode's too), tabs and line ends. Not str.strip()'s default,
# which also takes U+001C-U+001F, vertical tab and form feed: control characters, refused like any other.
_TRIMMED = "".join(
    c for c in map(chr, range(0x3001)) if c in "\t\r\n" or (c.isspace() and unicodedata.category(c) != "Cc")
)


def clean_text(field: str, value: str, *, max_length: int = TEXT_MAX, required: bool = False) -> str:
    """Trimmed `value`; refuses control characters (tab and newline included), over-long and missing text."""
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be text")
    cleaned = value.strip(_TRIMMED)
    for char in cleaned:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} and char not in "\u200d":
            raise ValidationError(
                field, f"{field} contains a control or invisible character (U+{ord(char):04X}); remove it"
            )
    if required and not cleaned:
        raise ValidationError(field, f"{field} is empty")
    if len(cleaned) > max_length:
        raise ValidationError(field, f"{field} is {len(cleaned)} characters long; the most is {max_length}")
    return cleaned


def clean_title(field: str, value: str, *, required: bool = True) -> str:
    return clean_text(field, value, max_length=TITLE_MAX, required=required)


def check_date(field: str, value: date) -> date:
    """Any date a person types: within years 1900-2999 (so no calculation overflows)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            field, f"{field} {value.isoformat()} is out of range ({EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d})"
        )
    return value


@dataclass(frozen=True)
class BookingWindow:
    """How far back and ahead a booking may be dated (configurable; defaults 1 year back, 5 ahead)."""

    years_back: int = 1
    years_ahead: int = 5

    @classmethod
    def from_environment(cls) -> BookingWindow:
        def read(name: str, default: int) -> int:
            try:
                return max(0, min(100, int(os.environ.get(name, default))))
            except ValueError:
                return default

        return cls(read(YEARS_BACK_VAR, 1), read(YEARS_AHEAD_VAR, 5))

    def bounds(self, today: date) -> tuple[date, date]:
        return _add_years(today, -self.years_back), _add_years(today, self.years_ahead)

    def check(self, field: str, value: date, today: date) -> date:
        check_date(field, value)
        first, last = self.bounds(today)
        if not first <= value <= last:
            raise ValidationError(
                field,
                f"{field} {value.isoformat()} is outside the bookable range {first.isoformat()} to "
                f"{last.isoformat()} ({self.years_back} year(s) back to {self.years_ahead} ahead)",
            )
        return value


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def check_local_time(field: str, value: time) -> time:
    """A wall-clock time in the hub's own zone: an offset (10:00+05:00) is refused, not silently dropped."""
    if value.tzinfo is not None:
        raise ValidationError(
            field, f"{field} {value.isoformat()} has a UTC offset; give the local time at the hub (HH:MM)"
        )
    return value


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_local_time(field: str, text: str) -> time:
    """'HH:MM' (or HH:MM:SS) as a local time; anything else, offsets included, raises ValidationError.

    Not time.fromisoformat alone: since Python 3.11 it reads "10.30" and "10,30" as 10:00 and 0.3 seconds,
    so a booking typed the British way would silently start half an hour early.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    clock = _CLOCK.fullmatch(stripped)
    if clock is None:
        try:
            has_offset = time.fromisoformat(stripped).tzinfo is not None
        except ValueError:
            has_offset = False
        if has_offset:
            raise ValidationError(field, f"{text!r} has a UTC offset; give the local time at the hub (HH:MM)")
        raise ValidationError(field, f"{text!r} is not a time (use HH:MM)")
    try:
        return time(*(int(part) for part in clock.groups(default="0")))
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a time (use HH:MM)") from None


def parse_date(field: str, text: str) -> date:
    """'YYYY-MM-DD' within years 1900-2999."""
    try:
        value = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValidationError(field, f"{text!r} is not a date (use YYYY-MM-DD)") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(field, f"{text!r} is out of range ({EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d})")
    return value
