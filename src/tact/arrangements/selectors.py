"""Reads of the arrangements app."""

from __future__ import annotations

from django.db.models import QuerySet

from tact.ledger.models import Debtor

from .models import Dispute, DisputeStatus, Promise, PromiseStatus, SepaMandate

MANDATES_LIMIT = 200


def promises_open_of(*, debtor: Debtor) -> QuerySet[Promise]:
    return Promise.objects.filter(debtor=debtor, status=PromiseStatus.OPEN).order_by("promised_on", "id")


def disputes_open_of(*, debtor: Debtor) -> QuerySet[Dispute]:
    return Dispute.objects.filter(
        debtor=debtor, status__in=[DisputeStatus.OPEN, DisputeStatus.IN_REVIEW]
    ).select_related("invoice")


def mandates_list(*, active: bool | None = None) -> QuerySet[SepaMandate]:
    """The creditor's SEPA mandates (in scope), newest first, with plan and debtor;
    ``active`` True or False keeps only those not revoked or revoked."""
    mandates = SepaMandate.objects.select_related("plan__debtor").order_by("-created_at", "-id")
    if active is not None:
        mandates = mandates.filter(revoked_at__isnull=active)
    return mandates[:MANDATES_LIMIT]
