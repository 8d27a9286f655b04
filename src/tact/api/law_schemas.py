"""Shapes of the law calculators' queries and answers (the JSON of ``tact law interest|fees``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema

from tact.law.selectors import COUNTRIES, KINDS

from .fields import Amount, Currency

# The calculators' dates: wide enough for any claim, narrow enough that a day before or
# after is still a date.
LawDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2199, 12, 31))]
LawCountry = Literal[COUNTRIES]
LawKind = Literal[KINDS]


class FeesQuery(Schema):
    country: LawCountry
    kind: LawKind = Field(description="b2b (business debtor) or b2c (consumer).")
    principal: Amount = Field(description='The amount owed, e.g. "1000.00".')
    currency: Currency = "EUR"
    obligation_on: LawDate | None = Field(
        None, description="Day the obligation arose (DE: decides whether the EUR 40 applies)."
    )
    dunning_fee: Amount | None = Field(None, description="DE: the actual cost of one reminder (default 0).")


class InterestQuery(Schema):
    country: LawCountry
    kind: LawKind = Field(description="b2b (business debtor) or b2c (consumer).")
    principal: Amount = Field(description='The amount owed, e.g. "1000.00".')
    start: LawDate = Field(
        alias="from", description="Due date (or default date); interest runs from the next day."
    )
    end: LawDate = Field(alias="to", description="Last day of interest, inclusive.")
    currency: Currency = "EUR"
    obligation_on: LawDate | None = Field(
        None, description="Day the obligation arose (DE: decides +8 or +9 points); defaults to from."
    )


class InterestPeriodOut(Schema):
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    days: int
    rate: str = Field(description="Percent a year, e.g. 12.62.")
    amount: str


class InterestOut(Schema):
    interest: str
    currency: str
    periods: list[InterestPeriodOut]
    rule: str
    day_count: str
    warnings: list[str]


class FeesOut(Schema):
    collection_costs: str | None = Field(description="Null where the law fixes no figure.")
    flat_compensation: str | None = Field(description="Null where the law grants none (consumers).")
    rule: str
    conditions: list[str]
