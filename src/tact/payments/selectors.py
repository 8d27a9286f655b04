"""Reads of the payments app."""

from __future__ import annotations

from tact.tenancy.models import Creditor

from .models import Checkout


def checkout_creditor(*, provider_ref: str) -> Creditor | None:
    """The creditor whose checkout a provider reference names (to enter its scope)."""
    return Creditor.objects.filter(payment_checkouts__provider_ref=provider_ref).first()


def checkout_by_ref(*, provider_ref: str) -> Checkout | None:
    """Inside the creditor's scope."""
    return Checkout.objects.filter(provider_ref=provider_ref).select_related("creditor").first()


def checkout_by_public_id(*, public_id: str) -> Checkout | None:
    """Inside the creditor's scope."""
    return Checkout.objects.filter(public_id=public_id).first()


# The creditors' own provider accounts (reads live with their services in ``accounts``).
from .accounts import (  # noqa: E402
    account_active,
    account_get,
    account_webhook_url,
    accounts_of,
    provider_name_for,
)

__all__ = [
    "account_active",
    "account_get",
    "account_webhook_url",
    "accounts_of",
    "checkout_by_public_id",
    "checkout_by_ref",
    "checkout_creditor",
    "provider_name_for",
]
