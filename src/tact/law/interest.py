"""Statutory default interest over a period, split at every rate change.

Which days bear interest: ``start`` is the due date (or the day default began, e.g. the day
a Mahnung was received); interest runs from the **day after** ``start`` through ``end``
**inclusive**. So ``start=2024-01-15, end=2024-07-15`` counts 182 days, 2024-01-16…2024-07-15,
and ``start == end`` counts none. (BGB: default begins the day after a calendar due date,
§ 286(2) no. 1, and a day on which an event happens is not counted, § 187(1); NL art.
6:119a(1) and the Belgian Late Payment Act likewise start "the day after" the payment day.)

Day count: actual days / 365 in every country, leap years included (a 366-day year earns
366/365 of the annual rate). It is the convention of the published German calculators
(ameax/bgb-interest: amount × rate × days / (100 × 365)), the one Dutch practice uses with
yearly capitalisation (Rentetool: Hoofdsom × % × dagen / 365) and the one Belgian and
Austrian courts' tables use. No statute fixes it (LAW.md § 1.5); act/act would give 1/366
less per leap-year day. We never use 30/360 toward consumers.

Simple interest in DE, BE, AT (§ 289 BGB: no interest on default interest). NL: after each
full year of default the year's interest is added to the principal (art. 6:119(2),
6:119a(3) BW); the year runs from the first day of interest, not the calendar year
(practice of the Dutch calculators, e.g. wrente.nl: "de rente na een jaar opgeteld bij de
hoofdsom").

Full precision throughout; the total is rounded half-up to the cent once, at the end.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from tact.core.money import quantize, to_decimal

from .errors import BadPeriod, NegativePrincipal, NoRateForDate
from .jurisdictions import SERIES, InterestRule, half_year_start, interest_rule, next_half_year_start
from .rates import RateBook, RateRow, format_rate

DAYS_IN_YEAR = Decimal(365)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    first_day: date
    last_day: date
    days: int
    rate: Decimal  # percent a year, margin included
    principal: Decimal  # the amount bearing interest (grows yearly in NL)
    amount: Decimal  # full precision

    def as_dict(self, currency: str) -> dict[str, Any]:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "days": self.days,
            "rate": format_rate(self.rate),
            "amount": str(quantize(self.amount, currency)),
        }


@dataclass(frozen=True, slots=True)
class InterestResult:
    interest: Decimal  # rounded half-up to the currency's minor unit
    exact: Decimal  # the unrounded sum
    currency: str
    periods: list[InterestPeriod]
    rule: InterestRule
    day_count: str
    warnings: list[str] = field(default_factory=list)

    @property
    def rule_label(self) -> str:
        return self.rule.label

    def as_dict(self) -> dict[str, Any]:
        return {
            "interest": str(self.interest),
            "currency": self.currency,
            "periods": [p.as_dict(self.currency) for p in self.periods],
            "rule": self.rule.label,
            "day_count": self.day_count,
            "warnings": list(self.warnings),
        }


def interest_for(
    *,
    country: str,
    kind: str,
    principal: Decimal,
    start: date,
    end: date,
    currency: str = "EUR",
    obligation_on: date | None = None,
    book: RateBook | None = None,
) -> InterestResult:
    """Statutory default interest on ``principal`` for the days after ``start`` through ``end``.

    ``obligation_on`` is the day the obligation arose (contract date) where the law's margin
    depends on it (DE B2B: + 8 points before 29 Jul 2014); it defaults to ``start``.
    ``book`` lets a caller that computes many claims read the rate tables once.

    Example: DE b2b, 1,000.00 EUR, start 2024-01-15, end 2024-07-15 → 62.82 EUR
    (167 days at 12.62 % and 15 days at 12.37 %, act/365).

    Raises UnknownCountry, UnknownKind, NegativePrincipal, BadPeriod, NoRateForDate.
    """
    rule = interest_rule(country=country, kind=kind)
    amount = to_decimal(principal)
    if amount < 0:
        raise NegativePrincipal(field="principal", detail=f"{principal} is negative")
    if start > end:
        raise BadPeriod(field="from", detail=f"{start} is after the end {end}")
    book = book if book is not None else RateBook.load()
    first, last = start + timedelta(days=1), end
    if first > last:
        return InterestResult(quantize(Decimal(0), currency), Decimal(0), currency, [], rule, rule.day_count)
    if rule.in_force_from and first < rule.in_force_from:
        raise NoRateForDate(
            field="from",
            detail=f"the rule {rule.code} applies to interest days from {rule.in_force_from}; {first} is earlier",
        )
    margin = rule.margin_for(obligation_on or start)
    pieces = _rate_pieces(rule, book, first, last)
    warnings = _warnings(rule, pieces, last)
    pieces = _merge([(a, b, row.rate + margin) for a, b, row, _fix in pieces])
    if rule.compounding == "yearly":
        pieces = _split_at_anniversaries(pieces, start)
    return _accrue(rule, pieces, amount, start, currency, warnings)


def _rate_pieces(
    rule: InterestRule, book: RateBook, first: date, last: date
) -> list[tuple[date, date, RateRow, date]]:
    """(first, last, row, day the row was read for). With half-year fixing (AT), the base
    rate valid on the first day of each half-year governs the whole half-year."""
    if rule.fixing == "as_published":
        return [(a, b, row, a) for a, b, row in book.segments(rule.series, first, last)]
    out = []
    day = first
    while day <= last:
        fixing_day = half_year_start(day)
        first_row = book.first_day(rule.series)
        if first_row is not None and fixing_day < first_row:
            raise NoRateForDate(
                field="from",
                detail=f"interest day {day} takes the base rate of {fixing_day}, before the first row of "
                f"{SERIES[rule.series].title} ({first_row})",
            )
        row = book.row_on(rule.series, fixing_day, field="from" if day == first else "to")
        piece_end = min(last, next_half_year_start(day) - timedelta(days=1))
        out.append((day, piece_end, row, fixing_day))
        day = piece_end + timedelta(days=1)
    return out


def _warnings(rule: InterestRule, pieces: list[tuple[date, date, RateRow, date]], last: date) -> list[str]:
    series = SERIES[rule.series]
    out: list[str] = []
    doubtful: set[date] = set()
    stale: set[date] = set()
    for _a, b, row, fixing_day in pieces:
        if row.status != "confirmed" and row.valid_from not in doubtful:
            doubtful.add(row.valid_from)
            out.append(f"{series.title}: the rate from {row.valid_from} is {row.status} ({row.note})")
        stale_from = next_half_year_start(row.valid_from)
        reaches = b if rule.fixing == "as_published" else fixing_day
        open_ended = series.cadence == "half_year" and row.valid_to is None
        if open_ended and reaches >= stale_from and row.valid_from not in stale:
            stale.add(row.valid_from)
            out.append(
                f"{series.title}: no figure stored from {stale_from}; the rate from {row.valid_from} "
                f"({format_rate(row.rate)} %) is assumed unchanged. Import the published rate."
            )
    return out


def _merge(pieces: list[tuple[date, date, Decimal]]) -> list[tuple[date, date, Decimal]]:
    """Join adjacent pieces with the same rate: a period ends where the rate changes."""
    out: list[tuple[date, date, Decimal]] = []
    for a, b, rate in pieces:
        if out and out[-1][2] == rate and out[-1][1] + timedelta(days=1) == a:
            out[-1] = (out[-1][0], b, rate)
        else:
            out.append((a, b, rate))
    return out


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _split_at_anniversaries(
    pieces: list[tuple[date, date, Decimal]], start: date
) -> list[tuple[date, date, Decimal]]:
    """Cut pieces so that each year of default (start + n years, inclusive) ends a piece."""
    out = []
    for a, b, rate in pieces:
        while True:
            year_end = _year_end(start, a)
            if year_end >= b:
                out.append((a, b, rate))
                break
            out.append((a, year_end, rate))
            a = year_end + timedelta(days=1)
    return out


def _year_end(start: date, day: date) -> date:
    """The last day of the year of default that contains ``day`` (days after ``start``)."""
    n = 1
    while add_years(start, n) < day:
        n += 1
    return add_years(start, n)


def _accrue(
    rule: InterestRule,
    pieces: list[tuple[date, date, Decimal]],
    principal: Decimal,
    start: date,
    currency: str,
    warnings: list[str],
) -> InterestResult:
    with localcontext() as ctx:
        ctx.prec = 40  # far beyond cents over centuries; rounding happens once, below
        base = principal
        total = Decimal(0)
        year_interest = Decimal(0)
        periods = []
        for a, b, rate in pieces:
            days = (b - a).days + 1
            amount = base * rate * days / (HUNDRED * DAYS_IN_YEAR)
            periods.append(InterestPeriod(a, b, days, rate, base, amount))
            total += amount
            year_interest += amount
            if rule.compounding == "yearly" and b == _year_end(start, b):
                # A full year of default is over: its interest now bears interest too.
                base += year_interest
                year_interest = Decimal(0)
    return InterestResult(quantize(total, currency), total, currency, periods, rule, rule.day_count, warnings)
