"""The law calculators: statutory interest and fees, the same JSON as ``tact law interest|fees``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from tact.law.selectors import fees_for, interest_for

from ..common import LIST_ERRORS
from ..law_schemas import FeesOut, FeesQuery, InterestOut, InterestQuery

router = Router(tags=["law"])


@router.get(
    "/interest", response={200: InterestOut, **LIST_ERRORS}, by_alias=True, summary="Statutory interest"
)
def law_interest(request: HttpRequest, query: Query[InterestQuery]):
    """Statutory default interest on ``principal`` for the days after ``from`` through ``to``,
    per period of one rate. Example: DE, b2b, 1000.00, 2024-01-15 to 2024-07-15 → 62.82 EUR."""
    result = interest_for(
        country=query.country, kind=query.kind, principal=query.principal, start=query.start, end=query.end,
        currency=query.currency, obligation_on=query.obligation_on,
    )  # fmt: skip
    return result.as_dict()


@router.get("/fees", response={200: FeesOut, **LIST_ERRORS}, summary="Collection costs and flat compensation")
def law_fees(request: HttpRequest, query: Query[FeesQuery]):
    """What the law allows to charge on an overdue ``principal``, and on which conditions.
    Example: NL, b2c, 3000.00 → collection costs 425.00, no flat compensation."""
    result = fees_for(
        country=query.country, kind=query.kind, principal=query.principal, currency=query.currency,
        obligation_on=query.obligation_on, dunning_fee=query.dunning_fee,
    )  # fmt: skip
    return result.as_dict()
