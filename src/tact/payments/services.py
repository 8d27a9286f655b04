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
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope

from tact.audit.services import audit_record
from tact.core.money import quantize
from tact.core.templatetags.tact_format import money
from tact.ledger.models import Debtor, Invoice, PaymentSource
from tact.ledger.services import payment_record
from tact.messaging.confirmations import confirmation_language, confirmation_queue
from tact.tenancy.models import Creditor

from .accounts import account_active, account_adapter, account_for_webhook
from .errors import CheckoutInvalid, ProviderUnavailable, ProviderUnknown
from .models import Checkout, CheckoutStatus, ProviderAccount, WebhookEvent
from .providers import Provider, ProviderEvent, provider_get
from .providers.base import APPROVED, CANCELLED, FAILED, PAID

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
    The creditor's own active account at ``provider`` is used when it has one, else the
    installation's settings for it.

    Raises CheckoutInvalid naming the field (``provider`` when the provider refused or
    could not be reached: the checkout is then marked failed), ProviderUnknown.
    """
    adapter = provider_get(provider)
    account = account_active(creditor=debtor.creditor)
    if account is not None and account.provider == provider:
        adapter = account_adapter(account)
    else:
        account = None
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
        creditor_id=debtor.creditor_id, debtor=debtor, public_id=public_id, provider=provider, account=account,
        amount=amount,
        currency=currency, invoice_ids=[i.pk for i in items], return_url=return_url(public_id),
    )  # fmt: skip
    try:
        started = adapter.checkout_create(
            public_id=public_id, amount=amount, currency=currency,
            description=", ".join(i.number for i in items)[:200], return_url=checkout.return_url,
        )  # fmt: skip
    except ProviderUnavailable as exc:
        log.warning("payments.checkout_refused", extra={"provider": provider, "why": exc.message})
        checkout.status = CheckoutStatus.FAILED
        checkout.save(update_fields=["status"])
        raise CheckoutInvalid(
            field="provider", reason="provider_unavailable", problem="the payment provider did not start it"
        ) from exc
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
    *, provider: str, body: bytes, headers: Mapping[str, str], now: datetime, account_id: str = ""
) -> WebhookResult:
    """Take one webhook delivery: verify its signature, then process each event exactly
    once (its id is unique per provider; a replay changes nothing).

    A payer's approval (PayPal) is captured here, before anything is written and outside
    any transaction; the capture's result is processed with the delivery's own events.

    ``account_id`` (the public id in a creditor's own webhook URL) makes that account's
    secret the only one that verifies, and its checkouts the only ones an event may touch;
    without it, the installation's settings verify, for the installation's checkouts.

    Raises SignatureInvalid (nothing is written), ProviderUnknown (also for an unknown
    account), ProviderUnavailable when the provider's API is needed and does not answer
    (nothing is written: the provider delivers again), ValueError for a body that verifies
    but cannot be read.
    """
    adapter = provider_get(provider)
    account = None
    if account_id:
        account = account_for_webhook(provider=provider, public_id=account_id)
        if account is None:
            raise ProviderUnknown(provider=f"{provider}/{account_id}")
        adapter = account_adapter(account)
    events = adapter.events_read(body=body, headers=headers, now=now)
    events = [*events, *_captures(adapter=adapter, provider=provider, account=account, events=events)]
    processed, duplicates, outcomes = 0, 0, []
    for event in events:
        outcome = _event_process(provider=provider, account=account, event=event, now=now)
        if outcome is None:
            duplicates += 1
        else:
            processed += 1
            outcomes.append(outcome)
    return WebhookResult(processed=processed, duplicates=duplicates, outcomes=tuple(outcomes))


def _captures(
    *, adapter: Provider, provider: str, account: ProviderAccount | None, events: Sequence[ProviderEvent]
) -> list[ProviderEvent]:
    """Capture each newly approved, still open checkout. A replayed approval captures
    nothing; a capture repeated after a failed delivery is idempotent at the provider."""
    captured: list[ProviderEvent] = []
    for event in events:
        if event.kind != APPROVED:
            continue
        if WebhookEvent.objects.filter(provider=provider, account=account, event_id=event.event_id).exists():
            continue
        creditor = Creditor.objects.filter(
            _checkout_match(provider=provider, account=account, event=event, prefix="payment_checkouts__")
        ).first()
        if creditor is None:
            continue
        with scope(creditor=creditor):
            checkout = Checkout.objects.filter(
                _checkout_match(provider=provider, account=account, event=event)
            ).first()
        if checkout is not None and checkout.status == CheckoutStatus.OPEN:
            captured += adapter.checkout_capture(
                checkout_ref=checkout.provider_ref, public_id=checkout.public_id
            )
    return captured


def _checkout_match(
    *, provider: str, account: ProviderAccount | None, event: ProviderEvent, prefix: str = ""
) -> Q:
    """The checkout an event names: by the provider's checkout reference, else by our
    public id echoed back (a Stripe PaymentIntent knows only that). Neither: nothing.
    Only checkouts begun with the account the delivery came through (or, without one,
    with the installation's settings): a creditor who holds its own account's secret can
    sign anything, and must reach no other creditor's checkout with it."""
    whose = {f"{prefix}account": account} if account is not None else {f"{prefix}account__isnull": True}
    if event.checkout_ref:
        return Q(**{f"{prefix}provider": provider, f"{prefix}provider_ref": event.checkout_ref, **whose})
    if event.public_id:
        return Q(**{f"{prefix}provider": provider, f"{prefix}public_id": event.public_id, **whose})
    return Q(pk__in=[])


@transaction.atomic
def _event_process(
    *, provider: str, account: ProviderAccount | None, event: ProviderEvent, now: datetime
) -> str | None:
    """The outcome of a new event, or None when it was processed before."""
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(
                provider=provider, account=account, event_id=event.event_id, kind=event.raw_kind,
                outcome="received",
                payload={"checkout": event.checkout_ref, "amount": str(event.amount), "currency": event.currency,
                         "payment": event.payment_ref, "public_id": event.public_id},
                received_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None
    creditor = Creditor.objects.filter(
        _checkout_match(provider=provider, account=account, event=event, prefix="payment_checkouts__")
    ).first()
    if creditor is None:
        row.outcome = "unknown_checkout"
    else:
        with scope(creditor=creditor):
            checkout = Checkout.objects.select_for_update().get(
                _checkout_match(provider=provider, account=account, event=event)
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
    if event.kind == APPROVED:
        return "approved"  # the capture that follows it says whether money moved
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
    _payment_confirm(checkout=checkout, amount=event.amount, named=named, today=payment.value_on)
    return "paid"


def _payment_confirm(*, checkout: Checkout, amount: Decimal, named: Sequence[Invoice], today) -> None:
    """Thank the debtor for an online payment on its channel, in its language, once per
    checkout, in the transaction that books the payment (the outbox sends it after the commit)."""
    creditor, debtor = checkout.creditor, checkout.debtor
    with translation.override(confirmation_language(debtor=debtor, creditor=creditor)):
        paid = money(quantize(amount, checkout.currency), checkout.currency)
        numbers = ", ".join(i.number for i in named)
        subject = _("Thank you for your payment")
        text = (
            _("We have received your payment of %(amount)s for %(items)s.")
            % {"amount": paid, "items": numbers}
            if numbers
            else _("We have received your payment of %(amount)s.") % {"amount": paid}
        )
        link_text = _("Your account, with what is still open:")
    confirmation_queue(
        creditor=creditor, debtor=debtor, key=f"payment:{checkout.pk}", subject=subject, text=text, today=today,
        link_text=link_text,
    )  # fmt: skip
