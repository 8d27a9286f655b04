"""Stripe: a hosted Checkout Session per checkout, and Stripe's signed webhook events.

Written against Stripe's documented HTTP API (no SDK): ``POST /v1/checkout/sessions``
(form-encoded, ``Authorization: Bearer <secret key>``, an ``Idempotency-Key`` so a retried
request creates no second session). Payment methods: card (Apple Pay and Google Pay are
card wallets and come with it), ``sepa_debit``, ``ideal``, ``bancontact``, set by
``TACT_STRIPE_PAYMENT_METHODS``; empty leaves the choice to the Dashboard's settings.

Webhook signature (Stripe's "verify manually" scheme): the header
``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]``, where a ``v1`` is the
HMAC-SHA256, keyed with the endpoint's signing secret (``whsec_…``), of ``"<t>.<raw body>"``.
Any ``v1`` may match (Stripe signs with each active secret while one is rolled); a
timestamp more than five minutes off is refused, as Stripe's libraries do by default.

Events acted on (``data.object`` is a Checkout Session unless said otherwise):

- ``checkout.session.completed`` with ``payment_status: "paid"`` → paid (cards, iDEAL,
  Bancontact); with ``"unpaid"`` the money is still on its way (SEPA Direct Debit): nothing;
- ``checkout.session.async_payment_succeeded`` → paid; ``…async_payment_failed`` → failed;
- ``checkout.session.expired`` → cancelled;
- ``payment_intent.succeeded`` (a PaymentIntent, found by the ``tact_checkout`` metadata
  the session gave it) → paid. Whichever of the two "paid" events comes first books the
  payment; the other finds the checkout paid.

Everything else is recorded and ignored. Amounts are integers in the currency's minor unit.
When several methods were allowed, the one used is read from the PaymentIntent
(``GET /v1/payment_intents/<id>?expand[]=payment_method``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from tact.core.money import minor_unit, quantize

from .. import conf
from ..errors import CredentialsRefused, ProviderUnavailable, SignatureInvalid
from .base import CANCELLED, FAILED, OTHER, PAID, ProviderCheckout, ProviderEvent
from .http import ApiAdapter, header, unavailable

log = logging.getLogger(__name__)
HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
DEFAULT_METHODS = "card,sepa_debit,ideal,bancontact"
METADATA_KEY = "tact_checkout"
# Stripe's payment method types → ledger PaymentMethod values.
METHODS = {
    "card": "card",
    "sepa_debit": "direct_debit",
    "ideal": "ideal",
    "bancontact": "bancontact",
    "paypal": "paypal",
}
SESSION_KINDS = {
    "checkout.session.async_payment_succeeded": PAID,
    "checkout.session.async_payment_failed": FAILED,
    "checkout.session.expired": CANCELLED,
}


def to_minor(amount: Decimal, currency: str) -> int:
    """1,190.00 EUR → 119000 (Stripe's integer amounts in the currency's minor unit)."""
    return int(quantize(amount, currency) / minor_unit(currency))


def from_minor(value: object, currency: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not an amount in minor units: {value!r}")
    return Decimal(value) * minor_unit(currency)


def form_fields(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding of nested parameters: ``a[b][0][c]=…``."""
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            fields += form_fields(value, name)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    fields += form_fields(item, f"{name}[{index}]")
                else:
                    fields.append((f"{name}[{index}]", str(item)))
        elif value is not None:
            fields.append((name, str(value)))
    return fields


def signature_header(body: bytes, *, secret: str, timestamp: int) -> str:
    """The header Stripe sends with ``body`` at ``timestamp`` (for tests and local replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class StripeProvider(ApiAdapter):
    name = "stripe"

    # -- checkout ---------------------------------------------------------------------

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout:
        key = self.setting("TACT_STRIPE_SECRET_KEY")
        if not key:
            raise ProviderUnavailable(provider=self.name, problem="TACT_STRIPE_SECRET_KEY is not set")
        back = conf.public_url(return_url)
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": public_id,
            "success_url": back,
            "cancel_url": back,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor(amount, currency),
                        "product_data": {"name": description or public_id},
                    },
                }
            ],
            "metadata": {METADATA_KEY: public_id},
            "payment_intent_data": {"metadata": {METADATA_KEY: public_id}, "description": description},
            "payment_method_types": self.setting_list("TACT_STRIPE_PAYMENT_METHODS", DEFAULT_METHODS) or None,
        }
        response = self.http(
            "POST",
            f"{self._base()}/v1/checkout/sessions",
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": f"tact-checkout-{public_id}",
            },
            body=urlencode(form_fields(params)).encode(),
        )
        if not response.ok:
            raise unavailable(self.name, "creating a Checkout Session", response)
        session = response.json()
        if not session.get("id") or not session.get("url"):
            raise unavailable(self.name, "a Checkout Session without id or url", response)
        return ProviderCheckout(ref=str(session["id"]), url=str(session["url"]))

    def checkout_capture(self, *, checkout_ref: str, public_id: str) -> list[ProviderEvent]:
        return []  # Checkout captures by itself

    def credentials_check(self) -> dict[str, Any]:
        """A dry call with the secret key: ``GET /v1/balance`` reads and changes nothing.
        Raises CredentialsRefused when Stripe refuses the key."""
        key = self.setting("TACT_STRIPE_SECRET_KEY")
        if not key:
            raise CredentialsRefused(provider=self.name, problem="no secret key")
        response = self.http("GET", f"{self._base()}/v1/balance", headers={"Authorization": f"Bearer {key}"})
        if response.status in (401, 403):
            raise CredentialsRefused(
                provider=self.name, problem=f"Stripe refused the secret key (HTTP {response.status})"
            )
        if not response.ok:
            raise unavailable(self.name, "reading the balance", response)
        balance = response.json() or {}
        return {"livemode": bool(balance.get("livemode"))}

    # -- webhook ----------------------------------------------------------------------

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        self.verify(body=body, signature=header(headers, HEADER), now=now)
        event = json.loads(body)
        kind = str(event["type"])
        obj = event["data"]["object"]
        if kind.startswith("checkout.session."):
            return [self._session_event(event_id=str(event["id"]), kind=kind, session=obj)]
        if kind == "payment_intent.succeeded":
            return [self._intent_event(event_id=str(event["id"]), intent=obj)]
        return [
            ProviderEvent(
                event_id=str(event["id"]),
                kind=OTHER,
                raw_kind=kind,
                checkout_ref="",
                amount=None,
                currency="",
                payment_ref=str(obj.get("id") or ""),
                method="other",
                public_id=str((obj.get("metadata") or {}).get(METADATA_KEY) or ""),
            )  # fmt: skip
        ]

    def verify(self, *, body: bytes, signature: str, now: datetime) -> None:
        secrets = self.setting_list("TACT_STRIPE_WEBHOOK_SECRET")
        if not secrets:
            raise SignatureInvalid(provider=self.name, problem="TACT_STRIPE_WEBHOOK_SECRET is not set")
        timestamp, given = "", []
        for part in signature.split(","):
            key, _, value = part.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1" and value:
                given.append(value)
        if not timestamp.isdigit() or not given:
            raise SignatureInvalid(provider=self.name, problem="no Stripe-Signature with t and v1")
        expected = [
            signature_header(body, secret=s, timestamp=int(timestamp)).split("v1=", 1)[1] for s in secrets
        ]
        if not any(hmac.compare_digest(g, e) for g in given for e in expected):
            raise SignatureInvalid(provider=self.name, problem="the signature does not match")
        if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
            raise SignatureInvalid(provider=self.name, problem="the signature is too old")

    def _session_event(self, *, event_id: str, kind: str, session: Mapping[str, Any]) -> ProviderEvent:
        if kind == "checkout.session.completed":
            ours = PAID if session.get("payment_status") == "paid" else OTHER
        else:
            ours = SESSION_KINDS.get(kind, OTHER)
        currency = str(session.get("currency") or "").upper()
        intent = session.get("payment_intent")
        if isinstance(intent, Mapping):  # expanded
            intent = intent.get("id")
        method = self._method(session.get("payment_method_types"), intent=intent) if ours == PAID else "other"
        return ProviderEvent(
            event_id=event_id, kind=ours, raw_kind=kind, checkout_ref=str(session["id"]),
            amount=from_minor(session.get("amount_total"), currency) if currency else None,
            currency=currency, payment_ref=str(intent or ""), method=method,
            public_id=str(session.get("client_reference_id") or ""),
        )  # fmt: skip

    def _intent_event(self, *, event_id: str, intent: Mapping[str, Any]) -> ProviderEvent:
        currency = str(intent.get("currency") or "").upper()
        received = intent.get("amount_received", intent.get("amount"))
        public_id = str((intent.get("metadata") or {}).get(METADATA_KEY) or "")
        # A PaymentIntent without our metadata is not a tact checkout's (the creditor's shop
        # may share the Stripe account): recorded, never booked, and Stripe is not asked.
        ours = PAID if public_id else OTHER
        method = (
            self._method(intent.get("payment_method_types"), intent=intent.get("id"))
            if ours == PAID
            else "other"
        )
        return ProviderEvent(
            event_id=event_id, kind=ours, raw_kind="payment_intent.succeeded", checkout_ref="",
            amount=from_minor(received, currency) if currency else None, currency=currency,
            payment_ref=str(intent["id"]), method=method, public_id=public_id,
        )  # fmt: skip

    def _method(self, types: object, *, intent: object) -> str:
        """The ledger's method. The events do not say which of several allowed types the
        payer used, so then the PaymentIntent is read with its payment method expanded.
        That read is a nicety: when Stripe does not answer, the payment is still booked,
        with the method "other", rather than the money waiting for it."""
        if isinstance(types, list) and len(types) == 1:
            return METHODS.get(str(types[0]), "other")
        key = self.setting("TACT_STRIPE_SECRET_KEY")
        if not isinstance(intent, str) or not intent.startswith("pi_") or not key:
            return "other"
        try:
            response = self.http(
                "GET", f"{self._base()}/v1/payment_intents/{quote(intent)}?expand%5B%5D=payment_method",
                headers={"Authorization": f"Bearer {key}"},
            )  # fmt: skip
        except ProviderUnavailable as exc:
            log.warning("payments.stripe_method_unknown", extra={"intent": intent, "why": exc.message})
            return "other"
        found = response.json() if response.ok else None
        method = (found or {}).get("payment_method") if isinstance(found, dict) else None
        return METHODS.get(str(method.get("type")), "other") if isinstance(method, dict) else "other"

    def _base(self) -> str:
        return self.setting("TACT_STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
