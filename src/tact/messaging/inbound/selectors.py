"""Reads of inbound mail: a debtor's replies and delivery reports, the mail awaiting a person."""

from __future__ import annotations

from django.db.models import QuerySet

from tact.ledger.models import Debtor

from .models import InboundMessage


def inbound_of_debtor(*, debtor: Debtor, limit: int = 50) -> QuerySet[InboundMessage]:
    """The debtor's inbound mail, newest first (needs the creditor's scope)."""
    return (
        InboundMessage.objects.filter(debtor=debtor)
        .defer("raw", "text")
        .order_by("-received_at", "-id")[:limit]
    )


def inbound_awaiting(*, limit: int = 200) -> QuerySet[InboundMessage]:
    """Mail a person still has to look at, newest first (needs the creditor's scope)."""
    return (
        InboundMessage.objects.filter(needs_person=True)
        .select_related("debtor")
        .defer("raw", "text")
        .order_by("-received_at", "-id")[:limit]
    )
