"""Reads of the arrangements app."""

from __future__ import annotations

from django.db.models import QuerySet

from tact.ledger.models import Debtor

from .models import Dispute, DisputeStatus, Promise, PromiseStatus


def promises_open_of(*, debtor: Debtor) -> QuerySet[Promise]:
    return Promise.objects.filter(debtor=debtor, status=PromiseStatus.OPEN).order_by("promised_on", "id")


def disputes_open_of(*, debtor: Debtor) -> QuerySet[Dispute]:
    return Dispute.objects.filter(
        debtor=debtor, status__in=[DisputeStatus.OPEN, DisputeStatus.IN_REVIEW]
    ).select_related("invoice")
