"""Reading the values people type into spreadsheets and command lines: times, dates, weekdays, yes/no, lists.

Owns: tolerant parsers that accept what a council officer would type ("2:30 PM", "14.30", "04/01/2027",
"Mon-Fri", "yes") and raise `ValueError` with the sentence that says what would be accepted. Pure: no
database, no openpyxl.
Must not import: desktop_app, PySide6, models, sqlalchemy.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date, datetime, time

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = {
    **{d.lower(): i for i, d in enumerate(WEEKDAYS)},
    **{n: i for i, n in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_TRUE = {"yes", "y", "true", "1", "x", "✓"}
_FALSE = {"no", "n", "false", "0", ""}


def parse_time(value: object) -> time:
    """'14:30', '14.30', '2:30 PM', '2pm', a spreadsheet time or a fraction of a day."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # Excel keeps times as a fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    text = str(value).strip().lower().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?(am|pm)?", text)
    if match:
        hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
        if match[2] is None and half is None:
            raise ValueError(f"{value!r} is not a time (use HH:MM, e.g. 14:30 or 2:30 PM)")
        if half:
            if not 1 <= hour <= 12:
                raise ValueError(f"{value!r} is not a time (12-hour times run 1 to 12)")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"{value!r} is not a time (use HH:MM, e.g. 14:30 or 2:30 PM)")


def parse_date(value: object) -> date:
    """'2027-01-04', '04/01/2027' (day first, as in the UK), '4 Jan 2027', or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%a %d %b %Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_weekday(value: str) -> int:
    key = value.strip().lower().rstrip(".")
    if key in _DAY_NAMES:
        return _DAY_NAMES[key]
    raise ValueError(f"{value!r} is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)")


def parse_weekdays(value: object) -> tuple[int, ...]:
    """'Mon, Wed', 'Mon-Fri', 'Tue Thu' -> weekday numbers in order, no repeats."""
    days: list[int] = []
    text = re.sub(r"\s*(?:-|–|\bto\b)\s*", "-", str(value).strip())
    for part in re.split(r"[,;/\s]+", text):
        part = part.strip()
        if not part:
            continue
        if re.search(r"[-–]", part):
            first, last = (parse_weekday(p) for p in re.split(r"\s*[-–]\s*", part, maxsplit=1))
            if last < first:
                raise ValueError(f"{part!r}: the range must run forwards, e.g. Mon-Fri")
            days.extend(range(first, last + 1))
        else:
            days.append(parse_weekday(part))
    if not days:
        raise ValueError("give at least one weekday, e.g. Mon, Wed or Mon-Fri")
    return tuple(dict.fromkeys(days))


def parse_window(value: str) -> tuple[time, time]:
    """'09:00-12:00' or '9am to 12pm'."""
    parts = re.split(r"\s*(?:-|–|to)\s*", str(value).strip(), maxsplit=1)
    if len(parts) != 2:
        raise ValueError(f"{value!r} is not a time window (use 09:00-12:00)")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise ValueError(f"{value!r}: the window must end after it starts")
    return start, end


def parse_windows(value: object) -> tuple[tuple[time, time], ...]:
    """'09:00-12:00; 13:00-17:00' (separated by ';' or ',')."""
    parts = [p for p in re.split(r"[;,]", str(value)) if p.strip()]
    if not parts:
        raise ValueError("give at least one time window, e.g. 09:00-12:00")
    return tuple(parse_window(p) for p in parts)


def parse_hours(value: str) -> tuple[tuple[int, time, time], ...]:
    """Opening hours: 'Mon-Fri 09:00-17:00; Tue 18:00-21:00' -> (weekday, opens, closes) rows."""
    out: list[tuple[int, time, time]] = []
    for part in [p.strip() for p in str(value).split(";") if p.strip()]:
        part = re.sub(r"\s*(?:-|–|\bto\b)\s*", "-", part)
        match = re.fullmatch(r"([A-Za-z ,\-–]+?)\s+(\d.*)", part)
        if not match:
            raise ValueError(f"{part!r} is not opening hours (use e.g. Mon-Fri 09:00-17:00; Tue 18:00-21:00)")
        days = parse_weekdays(match[1])
        for window in re.split(r"\s*[,\s]\s*(?=\d)", match[2].strip()):
            opens, closes = parse_window(window)
            out.extend((d, opens, closes) for d in days)
    return tuple(out)


def parse_bool(value: object, *, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def parse_list(value: object) -> tuple[str, ...]:
    """'Kitchen, Hearing loop' -> ('Kitchen', 'Hearing loop'); empty cells give ()."""
    if value is None:
        return ()
    return tuple(p.strip() for p in re.split(r"[,;]", str(value)) if p.strip())


def parse_int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number ({what} is {low} to {high})") from None
    if not low <= number <= high:
        raise ValueError(f"{number} is out of range ({what} is {low} to {high})")
    return number


def closest(name: str, known: Iterable[str]) -> str:
    """' (did you mean Ilford Civic Hub?)' or '' when nothing is close."""
    names = list(known)
    lowered = {n.lower(): n for n in names}
    match = difflib.get_close_matches(name.strip().lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[match[0]]}?)" if match else ""


def hours_as_text(rows: Iterable[tuple[int, time, time]]) -> str:
    """The inverse of parse_hours, grouping runs of days with the same windows: 'Mon-Fri 09:00-17:00'."""
    by_day: dict[int, list[str]] = {}
    for day, opens, closes in sorted(rows):
        by_day.setdefault(day, []).append(f"{opens:%H:%M}-{closes:%H:%M}")
    parts: list[str] = []
    days = sorted(by_day)
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1 and by_day[days[j + 1]] == by_day[days[i]]:
            j += 1
        label = WEEKDAYS[days[i]] if i == j else f"{WEEKDAYS[days[i]]}-{WEEKDAYS[days[j]]}"
        parts.append(f"{label} {' '.join(by_day[days[i]])}")
        i = j + 1
    return "; ".join(parts)
