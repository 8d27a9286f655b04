"""What every payment provider offers: start a checkout, read its signed webhook events.

An adapter maps the provider's own API to these few calls. All of them may talk to the
provider's API (never inside a database transaction): ``checkout_create`` creates the
hosted checkout; ``events_read`` verifies a delivery (an HMAC over the raw body, or the
provider's own verification call) and returns the events in our terms, fetching the
state when the delivery carries only an id (Mollie); ``checkout_capture`` moves the money
of a checkout the payer approved, for providers that need our call for it (PayPal).
An adapter touches no database row: the services do that, once per event id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

PAID = "paid"
FAILED = "failed"
CANCELLED = "cancelled"
APPROVED = "approved"  # the payer approved; the money moves once we capture (PayPal)
OTHER = "other"  # an event we do not act on (refunds, disputes: a later step)


@dataclass(frozen=True, slots=True)
class ProviderCheckout:
    ref: str  # the provider's id of the checkout
    url: str  # where the debtor goes to pay


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    event_id: str  # unique per provider: the key of exactly-once processing
    kind: str  # PAID | FAILED | CANCELLED | APPROVED | OTHER
    raw_kind: str  # the provider's own event type
    checkout_ref: str
    amount: Decimal | None
    currency: str
    payment_ref: str  # the provider's id of the money movement
    method: str  # ledger PaymentMethod value
    # Our checkout's public id as the provider echoes it back (metadata, custom id): how an
    # event about the money movement rather than the checkout (a Stripe PaymentIntent) is
    # matched when it carries no checkout reference.
    public_id: str = ""


class Provider(Protocol):
    name: str

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout: ...

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        """The events of one delivery. Raises SignatureInvalid when the body is not the
        provider's (bad, stale or missing signature), or ValueError when it cannot be read."""
        ...
