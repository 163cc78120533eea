"""The bank-holiday table shipped with the app agrees with the `holidays` package for every year it holds (so a
new one-off bank holiday in a package update fails here until the table is made again with
`python -m scheduler.bank_holiday_table`), and a year outside it is still answered by the package."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from scheduler import bank_holiday_table
from scheduler.recurrence import bank_holiday, bank_holidays


def test_the_table_matches_the_holidays_package_year_by_year() -> None:
    shipped = bank_holiday_table.table()
    assert sorted(shipped) == list(range(bank_holiday_table.FIRST_YEAR, bank_holiday_table.LAST_YEAR + 1))
    for year, days in shipped.items():
        assert days == bank_holiday_table.from_package(year), year


def test_known_days_and_a_year_outside_the_table() -> None:
    assert bank_holiday(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert bank_holiday(date(2023, 5, 8)) == "Coronation of Charles III"
    assert bank_holiday(date(2026, 12, 29)) is None
    outside = bank_holiday_table.LAST_YEAR + 3
    assert date(outside, 12, 25) in bank_holidays(outside)
    assert bank_holidays(outside) == bank_holiday_table.from_package(outside)


def test_a_year_in_the_table_does_not_load_the_holidays_package() -> None:
    probe = (
        "import sys; from datetime import date; from scheduler.recurrence import bank_holiday; "
        "bank_holiday(date(2027, 1, 1)); print(any(m == 'holidays' or m.startswith('holidays.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
