"""The built-in test provider: a checkout page served by tact itself and webhook events
signed like the real providers sign theirs, so the demo and the tests walk the same path
as a real payment, offline.

Signature (modelled on Stripe's scheme): the header ``Tact-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the secret ``TACT_TEST_PROVIDER_SECRET``
(else one derived from SECRET_KEY). A signature older than five minutes is refused, so a
captured delivery cannot be replayed later; a replay inside that window finds its event id
already processed.

Event body::

    {"id": "evt_…", "type": "checkout.paid" | "checkout.failed" | "checkout.cancelled",
     "created": 1764583200,
     "data": {"checkout": "tco_…", "amount": "100.00", "currency": "EUR", "payment": "tpy_…"}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from ..errors import SignatureInvalid
from .base import CANCELLED, FAILED, OTHER, PAID, ProviderCheckout, ProviderEvent

HEADER = "Tact-Signature"
TOLERANCE_SECONDS = 300
KINDS = {"checkout.paid": PAID, "checkout.failed": FAILED, "checkout.cancelled": CANCELLED}


def secret() -> bytes:
    configured = getattr(settings, "TACT_TEST_PROVIDER_SECRET", "")
    if configured:
        return configured.encode()
    return salted_hmac("tact.payments.test_provider", "webhook").hexdigest().encode()


def sign(body: bytes, *, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_body(*, kind: str, checkout_ref: str, amount: Decimal, currency: str, created: int) -> bytes:
    """A delivery as the test provider's 'server' writes it (new ids each time)."""
    event = {
        "id": f"evt_{secrets.token_hex(12)}",
        "type": kind,
        "created": created,
        "data": {
            "checkout": checkout_ref,
            "amount": f"{amount:.2f}",
            "currency": currency,
            "payment": f"tpy_{secrets.token_hex(12)}",
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _header(headers: Mapping[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == HEADER.lower():
            return value
    return ""


class TestProvider:
    name = "test"
    __test__ = False  # not a pytest class

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout:
        ref = f"tco_{public_id}"
        return ProviderCheckout(ref=ref, url=reverse("payments:test_checkout", args=[ref]))

    def checkout_capture(self, *, checkout_ref: str, public_id: str) -> list[ProviderEvent]:
        return []  # its checkout page pays at once

    def with_config(self, config: Mapping[str, str]) -> TestProvider:
        return self  # no credentials: it signs with the installation's own secret

    def credentials_check(self) -> dict[str, object]:
        return {}

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        parts = dict(p.split("=", 1) for p in _header(headers).split(",") if "=" in p)
        timestamp, given = parts.get("t", ""), parts.get("v1", "")
        if not timestamp.isdigit() or not given:
            raise SignatureInvalid(provider=self.name, problem="no signature")
        expected = sign(body, timestamp=int(timestamp)).split("v1=", 1)[1]
        if not hmac.compare_digest(given, expected):
            raise SignatureInvalid(provider=self.name, problem="the signature does not match")
        if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
            raise SignatureInvalid(provider=self.name, problem="the signature is too old")
        event = json.loads(body)
        data = event.get("data") or {}
        try:
            amount = Decimal(str(data["amount"])) if data.get("amount") is not None else None
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {data.get('amount')!r}") from exc
        return [
            ProviderEvent(
                event_id=str(event["id"]),
                kind=KINDS.get(str(event.get("type")), OTHER),
                raw_kind=str(event.get("type")),
                checkout_ref=str(data.get("checkout") or ""),
                amount=amount,
                currency=str(data.get("currency") or ""),
                payment_ref=str(data.get("payment") or ""),
                method="card",
            )
        ]
