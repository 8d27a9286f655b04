"""The debtor's live payment plans for the overview page (kept out of ``views.home`` so the
plan pages stay in their own modules)."""

from __future__ import annotations

from django import template

from tact.arrangements.plans import plans_live_of
from tact.ledger.models import Debtor

register = template.Library()


@register.simple_tag
def live_plans(debtor: Debtor) -> list:
    return list(plans_live_of(debtor=debtor).order_by("created_at", "id"))
