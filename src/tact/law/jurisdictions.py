"""Countries, debtor kinds, rate series and how each statutory interest rate is derived.

The figures themselves live in ``data/`` (versioned, each row with its source); this module
holds the rules that turn them into a rate for a country and debtor kind. Sources are
quoted from ``LAW.md`` of the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from .errors import UnknownCountry, UnknownKind

COUNTRIES = ("AT", "BE", "DE", "NL")
KINDS = ("b2b", "b2c")

Cadence = Literal["half_year", "statute"]
Fixing = Literal["as_published", "half_year_start"]
Compounding = Literal["none", "yearly"]


@dataclass(frozen=True, slots=True)
class Series:
    code: str
    country: str
    title: str
    # "half_year": a new figure may apply on every 1 January and 1 July, so an open last row
    # used past the next half-year start is an assumption worth a warning. "statute": fixed
    # in the law until the law changes.
    cadence: Cadence


SERIES: dict[str, Series] = {
    s.code: s
    for s in (
        Series("de_basiszinssatz", "DE", "Basiszinssatz (§ 247 BGB), Deutsche Bundesbank", "half_year"),
        Series("nl_wettelijke_rente", "NL", "Wettelijke rente (art. 6:119, 6:120(1) BW)", "half_year"),
        Series("nl_handelsrente", "NL", "Wettelijke handelsrente (art. 6:119a, 6:120(2) BW)", "half_year"),
        Series("be_late_payment", "BE", "Late Payment Act 2 Aug 2002, art. 5 (FPS Finance)", "half_year"),
        Series(
            "at_basiszinssatz", "AT", "OeNB Basiszinssatz on each half-year start (§ 456 UGB)", "half_year"
        ),
        Series("at_consumer", "AT", "Statutory interest 4 % (§ 1000(1), § 1333(1) ABGB)", "statute"),
    )
}


@dataclass(frozen=True, slots=True)
class InterestRule:
    code: str
    citation: str
    series: str
    margin: Decimal
    fixing: Fixing = "as_published"
    compounding: Compounding = "none"
    day_count: str = "act/365"
    # The first day the rule governs; earlier interest days are refused.
    in_force_from: date | None = None
    # (obligations arising before this date, margin that applies to them)
    old_margin: tuple[date, Decimal] | None = None

    @property
    def label(self) -> str:
        return f"{self.code}: {self.citation}"

    def margin_for(self, obligation_on: date) -> Decimal:
        if self.old_margin and obligation_on < self.old_margin[0]:
            return self.old_margin[1]
        return self.margin


# Day count: actual days / 365 everywhere; why, in the docstring of tact.law.interest.
INTEREST_RULES: dict[tuple[str, str], InterestRule] = {
    ("DE", "b2c"): InterestRule(
        code="de_b2c_288_1",
        citation="§ 288(1) BGB, Basiszinssatz (§ 247 BGB) + 5 percentage points, simple interest (§ 289 BGB)",
        series="de_basiszinssatz",
        margin=Decimal("5"),
    ),
    ("DE", "b2b"): InterestRule(
        code="de_b2b_288_2",
        citation=(
            "§ 288(2) BGB, Basiszinssatz (§ 247 BGB) + 9 percentage points (+ 8 for obligations "
            "arising before 29 Jul 2014, Art. 229 § 34 EGBGB), simple interest (§ 289 BGB)"
        ),
        series="de_basiszinssatz",
        margin=Decimal("9"),
        old_margin=(date(2014, 7, 29), Decimal("8")),
    ),
    ("NL", "b2c"): InterestRule(
        code="nl_b2c_6_119",
        citation="art. 6:119 BW, wettelijke rente, added to the principal after each year (6:119(2))",
        series="nl_wettelijke_rente",
        margin=Decimal("0"),
        compounding="yearly",
    ),
    ("NL", "b2b"): InterestRule(
        code="nl_b2b_6_119a",
        citation="art. 6:119a BW, wettelijke handelsrente, added to the principal after each year (6:119a(3))",
        series="nl_handelsrente",
        margin=Decimal("0"),
        compounding="yearly",
    ),
    ("BE", "b2b"): InterestRule(
        code="be_b2b_late_payment_act_5",
        citation="art. 5 Late Payment Act 2 Aug 2002, rate published per half-year, simple interest",
        series="be_late_payment",
        margin=Decimal("0"),
    ),
    ("BE", "b2c"): InterestRule(
        code="be_b2c_xix_4",
        citation=(
            "art. XIX.4 Code of Economic Law (law of 4 May 2023), at most the Late Payment Act rate, "
            "on the amount still due; only if agreed in the contract"
        ),
        series="be_late_payment",
        margin=Decimal("0"),
        in_force_from=date(2023, 9, 1),
    ),
    ("AT", "b2b"): InterestRule(
        code="at_b2b_456_ugb",
        citation=(
            "§ 456 UGB, Basiszinssatz + 9.2 percentage points; the base rate of the first calendar day "
            "of a half-year applies for that half-year"
        ),
        series="at_basiszinssatz",
        margin=Decimal("9.2"),
        fixing="half_year_start",
    ),
    ("AT", "b2c"): InterestRule(
        code="at_b2c_1000_abgb",
        citation="§ 1000(1) with § 1333(1) ABGB, 4 % a year, simple interest",
        series="at_consumer",
        margin=Decimal("0"),
    ),
}


def country_check(country: str) -> str:
    code = (country or "").strip().upper()
    if code not in COUNTRIES:
        raise UnknownCountry(
            field="country", detail=f"unknown country {country!r}; known: {', '.join(COUNTRIES)}"
        )
    return code


def kind_check(kind: str) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise UnknownKind(field="kind", detail=f"{kind!r} is not a debtor kind; use b2b or b2c")
    return value


def interest_rule(*, country: str, kind: str) -> InterestRule:
    return INTEREST_RULES[(country_check(country), kind_check(kind))]


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day: date) -> date:
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)
