"""Reads of the law app: rate tables and the rules computed from them.

Other apps import from here (and from ``services``) only.
"""

from __future__ import annotations

from .checks import CHARGES, Refusal, charge_check
from .fees import FeeResult, fees_for, scale_amount
from .interest import InterestPeriod, InterestResult, interest_for
from .jurisdictions import COUNTRIES, INTEREST_RULES, KINDS, SERIES, country_check, interest_rule
from .notices import fees_allowed_from, notices_for
from .rates import RateBook, RateRow


def rates_list(*, country: str | None = None) -> list[RateRow]:
    """Every stored rate row, by series and date; only one country's series if given."""
    if country is not None:
        country = country_check(country)
    book = RateBook.load()
    codes = sorted(code for code, s in SERIES.items() if country is None or s.country == country)
    return [row for code in codes for row in book.rows(code)]


__all__ = [
    "CHARGES",
    "COUNTRIES",
    "INTEREST_RULES",
    "KINDS",
    "SERIES",
    "FeeResult",
    "InterestPeriod",
    "InterestResult",
    "RateBook",
    "RateRow",
    "Refusal",
    "charge_check",
    "fees_allowed_from",
    "fees_for",
    "interest_for",
    "interest_rule",
    "notices_for",
    "rates_list",
    "scale_amount",
]
