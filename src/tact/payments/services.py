"""Writes of the payments app: start a checkout, take a provider's webhook delivery.

A paid event becomes a ledger payment applied in the legal order, the items the debtor
chose named first (``tact.ledger.services.payment_record(in_legal_order=True)``): the
items close, and the daily cycle plans only open items, so it stops dunning them.
Other apps import from here and from ``selectors``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django_scopes import scope

from tact.audit.services import audit_record
from tact.core.money import quantize
from tact.ledger.models import Debtor, Invoice, PaymentSource
from tact.ledger.services import payment_record
from tact.tenancy.models import Creditor

from .errors import CheckoutInvalid
from .models import Checkout, CheckoutStatus, WebhookEvent
from .providers import ProviderEvent, provider_get
from .providers.base import CANCELLED, FAILED, PAID

log = logging.getLogger(__name__)
ZERO = Decimal("0")


@dataclass(frozen=True)
class CheckoutStarted:
    checkout: Checkout
    url: str  # where the debtor goes to pay


def checkout_start(
    *,
    debtor: Debtor,
    items: Sequence[Invoice],
    amount: Decimal,
    provider: str,
    return_url: Callable[[str], str],
    by: Any,
) -> CheckoutStarted:
    """Start paying ``amount`` of the chosen open ``items`` at ``provider``; partial is
    allowed, more than the items' open total is not. ``return_url(public_id)`` is where the
    provider sends the debtor back. The provider is called outside any transaction.

    Example: items of 1,190.00 and 238.00 EUR, amount 500.00 → a checkout of 500.00 EUR.
    Raises CheckoutInvalid naming the field, ProviderUnknown.
    """
    adapter = provider_get(provider)
    items = list(items)
    if not items:
        raise CheckoutInvalid(field="items", reason="no_items", problem="choose at least one item")
    currencies = {i.currency for i in items}
    if any(i.debtor_id != debtor.pk or i.open_amount <= 0 for i in items) or len(currencies) != 1:
        raise CheckoutInvalid(
            field="items", reason="items_invalid", problem="only open items of one currency can be paid"
        )
    currency = currencies.pop()
    total = quantize(sum((i.open_amount for i in items), ZERO), currency)
    amount = quantize(amount, currency)
    if amount <= 0 or amount > total:
        raise CheckoutInvalid(
            field="amount", reason="amount_out_of_range", problem=f"{amount} is not between 0.01 and {total}"
        )
    public_id = secrets.token_urlsafe(18)
    checkout = Checkout.objects.create(
        creditor_id=debtor.creditor_id, debtor=debtor, public_id=public_id, provider=provider, amount=amount,
        currency=currency, invoice_ids=[i.pk for i in items], return_url=return_url(public_id),
    )  # fmt: skip
    started = adapter.checkout_create(
        public_id=public_id, amount=amount, currency=currency,
        description=", ".join(i.number for i in items)[:200], return_url=checkout.return_url,
    )  # fmt: skip
    checkout.provider_ref = started.ref
    checkout.save(update_fields=["provider_ref"])
    audit_record(
        creditor=debtor.creditor, actor=by, action="online_payment_started", subject=debtor,
        after={"amount": amount, "currency": currency, "items": [i.number for i in items], "provider": provider},
    )  # fmt: skip
    return CheckoutStarted(checkout=checkout, url=started.url)


@dataclass(frozen=True)
class WebhookResult:
    processed: int
    duplicates: int
    outcomes: tuple[str, ...]


def webhook_receive(
    *, provider: str, body: bytes, headers: Mapping[str, str], now: datetime
) -> WebhookResult:
    """Take one webhook delivery: verify its signature, then process each event exactly
    once (its id is unique per provider; a replay changes nothing).

    Raises SignatureInvalid (nothing is written), ProviderUnknown, ValueError for a body
    that verifies but cannot be read.
    """
    events = provider_get(provider).events_read(body=body, headers=headers, now=now)
    processed, duplicates, outcomes = 0, 0, []
    for event in events:
        outcome = _event_process(provider=provider, event=event, now=now)
        if outcome is None:
            duplicates += 1
        else:
            processed += 1
            outcomes.append(outcome)
    return WebhookResult(processed=processed, duplicates=duplicates, outcomes=tuple(outcomes))


@transaction.atomic
def _event_process(*, provider: str, event: ProviderEvent, now: datetime) -> str | None:
    """The outcome of a new event, or None when it was processed before."""
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(
                provider=provider, event_id=event.event_id, kind=event.raw_kind, outcome="received",
                payload={"checkout": event.checkout_ref, "amount": str(event.amount), "currency": event.currency,
                         "payment": event.payment_ref},
                received_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None
    creditor = Creditor.objects.filter(
        payment_checkouts__provider=provider, payment_checkouts__provider_ref=event.checkout_ref
    ).first()
    if creditor is None:
        row.outcome = "unknown_checkout"
    else:
        with scope(creditor=creditor):
            checkout = Checkout.objects.select_for_update().get(
                provider=provider, provider_ref=event.checkout_ref
            )
            row.checkout = checkout
            row.outcome = _checkout_apply(checkout=checkout, event=event, now=now)
    row.save(update_fields=["checkout", "outcome"])
    log.info(
        "payments.webhook", extra={"provider": provider, "event": event.event_id, "outcome": row.outcome}
    )
    return row.outcome


def _checkout_apply(*, checkout: Checkout, event: ProviderEvent, now: datetime) -> str:
    actor = f"payments:{checkout.provider}"
    if checkout.status == CheckoutStatus.PAID:
        return "already_paid"
    if event.kind in (FAILED, CANCELLED):
        checkout.status = CheckoutStatus.FAILED if event.kind == FAILED else CheckoutStatus.CANCELLED
        checkout.completed_at = now
        checkout.save(update_fields=["status", "completed_at"])
        return event.kind
    if event.kind != PAID:
        return "ignored"
    if event.amount is None or event.amount <= 0 or event.currency != checkout.currency:
        return "amount_mismatch"  # left for a person: nothing booked
    creditor = checkout.creditor
    debtor = checkout.debtor
    named = list(Invoice.objects.filter(pk__in=checkout.invoice_ids, debtor=debtor).order_by("due_on", "id"))
    payment = payment_record(
        creditor=creditor, amount=event.amount, currency=event.currency,
        value_on=now.astimezone(ZoneInfo(creditor.timezone)).date(), debtor=debtor, method=event.method,
        reference=checkout.public_id, source=PaymentSource.PROVIDER,
        external_id=f"{checkout.provider}:{event.payment_ref or event.event_id}"[:100],
        in_legal_order=True, named=named, by=actor,
    )  # fmt: skip
    checkout.status = CheckoutStatus.PAID
    checkout.payment_id = payment.pk
    checkout.completed_at = now
    checkout.save(update_fields=["status", "payment_id", "completed_at"])
    audit_record(
        creditor=creditor, actor=actor, action="online_payment_received", subject=debtor,
        after={"amount": event.amount, "currency": event.currency, "items": [i.number for i in named],
               "provider": checkout.provider, "payment": payment.pk},
    )  # fmt: skip
    return "paid"
