"""Mollie: a payment per checkout (Payments API v2), its status fetched on each webhook.

Written against Mollie's documented HTTP API (no SDK): ``POST /v2/payments`` (JSON,
``Authorization: Bearer <live_… or test_… key>``, an ``Idempotency-Key``) with the amount
as a string of two decimals, the methods (``TACT_MOLLIE_METHODS``, default iDEAL,
Bancontact, card and SEPA bank transfer: Mollie offers SEPA Direct Debit only for
recurring payments after a first one), ``redirectUrl``/``cancelUrl`` back to the portal and
``webhookUrl`` to ours; the debtor pays at ``_links.checkout.href``.

Mollie's classic webhook carries no signature and no status: a form body ``id=tr_…``.
Its documentation's security model is that we fetch ``GET /v2/payments/<id>`` with our key
and believe only that answer, so a forged call can at most make us look. The event id
is ``<payment id>:<status>``: Mollie calls on each status change, and each status is
processed once however often it is delivered.

Mollie's next-gen webhooks sign their JSON body: ``X-Mollie-Signature`` is the hex
HMAC-SHA256 of the raw body with the webhook's signing secret
(``TACT_MOLLIE_WEBHOOK_SECRET``, comma-separated while rolling it). A delivery that
carries that header must verify (else 400); its ``entityId`` names the payment, which is
then fetched like a classic one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from tact.core.money import quantize

from .. import conf
from ..errors import CredentialsRefused, ProviderUnavailable, SignatureInvalid
from .base import CANCELLED, FAILED, OTHER, PAID, ProviderCheckout, ProviderEvent
from .http import ApiAdapter, header, unavailable

SIGNATURE_HEADER = "X-Mollie-Signature"
DEFAULT_METHODS = "ideal,bancontact,creditcard,banktransfer"
PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")
STATUSES = {"paid": PAID, "failed": FAILED, "canceled": CANCELLED, "expired": CANCELLED}
# Mollie's method names → ledger PaymentMethod values.
METHODS = {
    "creditcard": "card",
    "applepay": "card",
    "ideal": "ideal",
    "bancontact": "bancontact",
    "banktransfer": "transfer",
    "directdebit": "direct_debit",
    "paypal": "paypal",
}


def signature(body: bytes, *, secret: str) -> str:
    """The ``X-Mollie-Signature`` of a next-gen delivery (for tests and local replays)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class MollieProvider(ApiAdapter):
    name = "mollie"

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout:
        back = conf.public_url(return_url)
        payload: dict[str, Any] = {
            "amount": {"currency": currency, "value": f"{quantize(amount, currency):.2f}"},
            "description": (description or public_id)[:255],
            "redirectUrl": back,
            "cancelUrl": back,
            "webhookUrl": self.webhook_url(),
            "metadata": {"tact_checkout": public_id},
        }
        methods = self.setting_list("TACT_MOLLIE_METHODS", DEFAULT_METHODS)
        if methods:
            payload["method"] = methods
        response = self.http(
            "POST", f"{self._base()}/v2/payments",
            headers={**self._auth(), "Content-Type": "application/json",
                     "Idempotency-Key": f"tact-checkout-{public_id}"},
            body=json.dumps(payload).encode(),
        )  # fmt: skip
        if not response.ok:
            raise unavailable(self.name, "creating a payment", response)
        payment = response.json()
        url = ((payment.get("_links") or {}).get("checkout") or {}).get("href")
        if not payment.get("id") or not url:
            raise unavailable(self.name, "a payment without id or checkout link", response)
        return ProviderCheckout(ref=str(payment["id"]), url=str(url))

    def checkout_capture(self, *, checkout_ref: str, public_id: str) -> list[ProviderEvent]:
        return []  # Mollie's payments capture by themselves

    def credentials_check(self) -> dict[str, Any]:
        """A dry call with the API key: ``GET /v2/methods`` lists the methods enabled for
        the key's profile and changes nothing. Raises CredentialsRefused when Mollie
        refuses the key."""
        response = self.http("GET", f"{self._base()}/v2/methods", headers=self._auth())
        if response.status in (401, 403):
            raise CredentialsRefused(
                provider=self.name, problem=f"Mollie refused the API key (HTTP {response.status})"
            )
        if not response.ok:
            raise unavailable(self.name, "listing the payment methods", response)
        found = ((response.json() or {}).get("_embedded") or {}).get("methods") or []
        return {"methods": sorted(str(m.get("id")) for m in found if isinstance(m, dict))}

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        payment_id = self._payment_id(body=body, signed=header(headers, SIGNATURE_HEADER))
        if payment_id is None:
            return []  # a next-gen event about something other than a payment
        payment = self.payment_fetch(payment_id)
        if payment is None:
            return []  # not Mollie's: answered 200 as Mollie advises, so nothing is revealed
        return [self._event(payment)]

    def payment_fetch(self, payment_id: str) -> dict[str, Any] | None:
        """The payment as Mollie holds it now, or None when Mollie does not know it."""
        response = self.http("GET", f"{self._base()}/v2/payments/{payment_id}", headers=self._auth())
        if response.status == 404:
            return None
        if not response.ok:
            raise unavailable(self.name, f"fetching {payment_id}", response)
        payment = response.json()
        if not isinstance(payment, dict) or payment.get("id") != payment_id:
            raise unavailable(self.name, f"fetching {payment_id} gave another resource", response)
        return payment

    def _payment_id(self, *, body: bytes, signed: str) -> str | None:
        if signed:
            self._verify(body=body, given=signed)
            event = json.loads(body)
            entity = str(event.get("entityId") or "")
            if not entity.startswith("tr_"):
                return None
            payment_id = entity
        else:
            if body.lstrip().startswith(b"{"):
                raise SignatureInvalid(provider=self.name, problem=f"a JSON event without {SIGNATURE_HEADER}")
            ids = parse_qs(body.decode("ascii"), strict_parsing=True).get("id") or [""]
            payment_id = ids[0]
        if not PAYMENT_ID.match(payment_id):
            raise ValueError(f"not a Mollie payment id: {payment_id[:80]!r}")
        return payment_id

    def _verify(self, *, body: bytes, given: str) -> None:
        secrets = self.setting_list("TACT_MOLLIE_WEBHOOK_SECRET")
        if not secrets:
            raise SignatureInvalid(provider=self.name, problem="TACT_MOLLIE_WEBHOOK_SECRET is not set")
        given = given.strip().removeprefix("sha256=")
        if not any(hmac.compare_digest(given, signature(body, secret=s)) for s in secrets):
            raise SignatureInvalid(provider=self.name, problem="the signature does not match")

    def _event(self, payment: Mapping[str, Any]) -> ProviderEvent:
        status = str(payment.get("status") or "")
        money = payment.get("amount") or {}
        try:
            amount = Decimal(str(money["value"])) if money.get("value") is not None else None
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {money.get('value')!r}") from exc
        return ProviderEvent(
            event_id=f"{payment['id']}:{status}", kind=STATUSES.get(status, OTHER), raw_kind=f"payment.{status}",
            checkout_ref=str(payment["id"]), amount=amount, currency=str(money.get("currency") or ""),
            payment_ref=str(payment["id"]), method=METHODS.get(str(payment.get("method") or ""), "other"),
            public_id=str((payment.get("metadata") or {}).get("tact_checkout") or ""),
        )  # fmt: skip

    def _auth(self) -> dict[str, str]:
        key = self.setting("TACT_MOLLIE_API_KEY")
        if not key:
            raise ProviderUnavailable(provider=self.name, problem="TACT_MOLLIE_API_KEY is not set")
        return {"Authorization": f"Bearer {key}"}

    def _base(self) -> str:
        return self.setting("TACT_MOLLIE_API_BASE", "https://api.mollie.com").rstrip("/")
