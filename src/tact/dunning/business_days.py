"""Business days per country: Monday to Friday except the country's national public holidays
(the ``holidays`` library). Nothing goes out on a weekend or holiday; a step that falls on
one goes out on the next business day.

The holidays of the countries tact serves are shipped for the years in ``public_holidays.json``
(the library's own dates, checked against it by a test), because the library imports and
computes each country's calendar on first use: about half a second of every process that
runs a cycle. Other countries and years ask the library. After upgrading ``holidays``,
write the table again with ``python -m tact.dunning.business_days``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("public_holidays.json")
TABLE_COUNTRIES = ("AT", "BE", "DE", "NL")
TABLE_YEARS = range(2015, 2041)


@lru_cache(maxsize=1)
def _shipped() -> dict[tuple[str, int], frozenset[date]]:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    return {
        (country, int(year)): frozenset(date.fromisoformat(d) for d in days)
        for country, years in data.items()
        for year, days in years.items()
    }


def library_holidays(country: str, year: int) -> frozenset[date]:
    """The ``holidays`` library's national public holidays of a country and year."""
    import holidays  # noqa: PLC0415 - a second's import, only where the table has no answer

    return frozenset(holidays.country_holidays(country, years=year).keys())


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    shipped = _shipped().get((country, year))
    return shipped if shipped is not None else library_holidays(country, year)


def is_holiday(country: str, day: date) -> bool:
    return day in _holidays(country, day.year)


def is_business_day(country: str, day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(country, day)


def next_business_day(country: str, day: date) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(country, day):
        day += timedelta(days=1)
    return day


def holiday_check(country: str) -> Callable[[date], bool]:
    """``is_holiday`` for one country, the shape the law app's waiting periods take."""
    return lambda day: is_holiday(country, day)


def table_text() -> str:
    """The shipped table as the library gives it now (``python -m tact.dunning.business_days``)."""
    table = {
        country: {
            str(year): sorted(d.isoformat() for d in library_holidays(country, year)) for year in TABLE_YEARS
        }
        for country in TABLE_COUNTRIES
    }
    return json.dumps(table, indent=1) + "\n"


if __name__ == "__main__":
    TABLE.write_text(table_text(), encoding="utf-8")
