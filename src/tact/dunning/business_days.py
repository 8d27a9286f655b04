"""Business days per country: Monday to Friday except the country's national public holidays
(the ``holidays`` library). Nothing goes out on a weekend or holiday; a step that falls on
one goes out on the next business day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


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
