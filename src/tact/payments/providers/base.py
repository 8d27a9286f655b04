"""What every payment provider offers: start a checkout, read its signed webhook events.

An adapter maps the provider's own API to these few calls. ``checkout_create`` may talk to
the network (never inside a database transaction); ``events_read`` is pure: it verifies
the signature over the raw body and returns the events in our terms.
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
OTHER = "other"  # an event we do not act on (refunds, disputes: a later step)


@dataclass(frozen=True, slots=True)
class ProviderCheckout:
    ref: str  # the provider's id of the checkout
    url: str  # where the debtor goes to pay


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    event_id: str  # unique per provider: the key of exactly-once processing
    kind: str  # PAID | FAILED | CANCELLED | OTHER
    raw_kind: str  # the provider's own event type
    checkout_ref: str
    amount: Decimal | None
    currency: str
    payment_ref: str  # the provider's id of the money movement
    method: str  # ledger PaymentMethod value


class Provider(Protocol):
    name: str

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout: ...

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        """The events of one delivery. Raises SignatureInvalid when the body is not the
        provider's (bad, stale or missing signature), or ValueError when it cannot be read."""
        ...
