"""Domain validation: pure rules, no database."""

from __future__ import annotations

from datetime import date, time, timedelta, timezone

import pytest

from scheduler import validation
from scheduler.errors import InvalidInput, ValidationError


def test_text_is_trimmed() -> None:
    assert validation.clean_title("title", "  Food pantry \u00a0") == "Food pantry"


@pytest.mark.parametrize(
    "bad",
    [
        "a\x00b",
        "line\nbreak",
        "tab\there",
        "bell\x07",
        "bidi\u202eevil",
        "del\x7f",
        # at either end too: Python's strip() takes these as white space (found by tests/scheduler/test_cli_fuzz.py)
        "\x1dgroup separator first",
        "unit separator last\x1f",
        "\x0bvertical tab",
        "form feed\x0c",
    ],
)
def test_control_and_invisible_characters_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.clean_title("title", bad)
    assert caught.value.field == "title"
    assert "control or invisible character" in str(caught.value)
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize("typed", ["10.30", "10,30", "1030", "10", "24:00", "10:60"])
def test_only_hours_and_minutes_with_a_colon_are_a_time(typed: str) -> None:
    """Python 3.11's time.fromisoformat alone would read "10.30" as 10:00 and 0.3 seconds."""
    with pytest.raises(ValidationError, match="is not a time"):
        validation.parse_local_time("start", typed)
    assert validation.parse_local_time("start", " 9:05 ") == time(9, 5)
    assert validation.parse_local_time("start", "10:30:15") == time(10, 30, 15)


def test_titles_over_160_characters_are_refused_on_every_database() -> None:
    assert validation.clean_title("title", "x" * 160) == "x" * 160
    with pytest.raises(ValidationError, match="161 characters long; the most is 160"):
        validation.clean_title("title", "x" * 161)


def test_an_empty_required_title_is_refused_an_optional_one_is_not() -> None:
    with pytest.raises(ValidationError, match="title is empty"):
        validation.clean_title("title", "   ")
    assert validation.clean_title("public title", "  ", required=False) == ""


def test_times_with_utc_offsets_are_refused() -> None:
    assert validation.parse_local_time("--start", "10:00") == time(10)
    with pytest.raises(ValidationError, match="UTC offset"):
        validation.parse_local_time("--start", "10:00+05:00")
    with pytest.raises(ValidationError, match="UTC offset"):
        validation.check_local_time("start", time(10, tzinfo=timezone(timedelta(hours=5))))
    with pytest.raises(ValidationError, match="not a time"):
        validation.parse_local_time("--start", "25:00")


def test_typed_dates_stay_within_years_1900_to_2999() -> None:
    assert validation.parse_date("--to", "2999-12-31") == date(2999, 12, 31)
    for text in ("9999-12-31", "0001-01-01", "1899-12-31"):
        with pytest.raises(ValidationError, match="out of range"):
            validation.parse_date("--to", text)


def test_bookings_run_from_a_year_back_to_five_years_ahead_by_default() -> None:
    window = validation.BookingWindow()
    today = date(2026, 11, 29)
    assert window.check("--date", date(2025, 11, 29), today)
    assert window.check("--date", date(2031, 11, 29), today)
    for day in (date(2025, 11, 28), date(2031, 11, 30), date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(ValidationError) as caught:
            window.check("--date", day, today)
        assert caught.value.field == "--date"


def test_the_booking_window_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(validation.YEARS_AHEAD_VAR, "10")
    monkeypatch.setenv(validation.YEARS_BACK_VAR, "0")
    window = validation.BookingWindow.from_environment()
    today = date(2024, 2, 29)
    assert window.bounds(today) == (today, date(2034, 2, 28))
