"""England and Wales bank holidays as a table shipped with the app (resources/bank_holidays_england.json),
so that a start-up does not load the `holidays` package, which imports all of its 270 countries (about half a
second) to answer for one. The table is made from that package, and a test checks that it still agrees with
it for every year it holds; a year outside it is asked of the package (scheduler.recurrence.bank_holidays).

Owns: reading and regenerating the table: `python -m scheduler.bank_holiday_table`. Pure: no database, no Qt.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from functools import cache
from pathlib import Path

from resources import locate

TABLE = "bank_holidays_england.json"
FIRST_YEAR, LAST_YEAR = 2000, 2045


@cache
def table() -> dict[int, dict[date, str]]:
    """{year: {day: name}} for the years the shipped table holds."""
    raw = json.loads(locate(TABLE).read_text(encoding="utf-8"))
    return {
        int(year): {date.fromisoformat(day): name for day, name in days.items()} for year, days in raw["years"].items()
    }


def from_package(year: int) -> dict[date, str]:
    import holidays  # imports every country: only for a year outside the table, or to make it

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def write(path: Path) -> None:
    import holidays

    years = {
        str(year): {day.isoformat(): name for day, name in sorted(from_package(year).items())}
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    }
    source = f"holidays {holidays.__version__}: country_holidays('GB', subdiv='ENG')"
    path.write_text(json.dumps({"source": source, "years": years}, indent=1, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else locate(TABLE))
