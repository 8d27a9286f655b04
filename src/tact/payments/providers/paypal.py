"""PayPal: an order per checkout (Orders v2), captured once the payer approved it.

Written against PayPal's documented REST API (no SDK), at ``api-m.paypal.com`` or, with
``TACT_PAYPAL_ENVIRONMENT=sandbox`` (the default, so a missing setting never takes real
money by accident), ``api-m.sandbox.paypal.com``:

- an access token from ``POST /v1/oauth2/token`` (client credentials, HTTP Basic with
  ``TACT_PAYPAL_CLIENT_ID``/``TACT_PAYPAL_CLIENT_SECRET``), kept until shortly before it
  expires;
- ``POST /v2/checkout/orders`` with intent ``CAPTURE``, one purchase unit whose
  ``custom_id`` is our checkout's public id, and the return and cancel URLs; the payer goes
  to the ``payer-action`` (or ``approve``) link;
- ``POST /v2/checkout/orders/<id>/capture`` when the ``CHECKOUT.ORDER.APPROVED`` event
  arrives. ``PayPal-Request-Id`` makes both calls idempotent, and an order already captured
  (``ORDER_ALREADY_CAPTURED``) is no error: its ``PAYMENT.CAPTURE.COMPLETED`` event books it.

Webhooks are verified by PayPal itself: ``POST /v1/notifications/verify-webhook-signature``
with the ``PAYPAL-AUTH-ALGO``, ``PAYPAL-CERT-URL``, ``PAYPAL-TRANSMISSION-ID``,
``PAYPAL-TRANSMISSION-SIG`` and ``PAYPAL-TRANSMISSION-TIME`` headers, our
``TACT_PAYPAL_WEBHOOK_ID`` and the event; only ``verification_status: "SUCCESS"`` passes.
The event goes into that request as the raw bytes received, not re-serialised: the
signature covers a checksum of exactly those bytes.

Events acted on: ``CHECKOUT.ORDER.APPROVED`` → capture; ``PAYMENT.CAPTURE.COMPLETED`` →
paid; ``PAYMENT.CAPTURE.DENIED``/``DECLINED`` → failed; ``CHECKOUT.ORDER.VOIDED`` → cancelled.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from tact.core.money import quantize

from .. import conf
from ..errors import CredentialsRefused, ProviderUnavailable, SignatureInvalid
from .base import APPROVED, CANCELLED, FAILED, OTHER, PAID, ProviderCheckout, ProviderEvent
from .http import ApiAdapter, HttpClient, HttpResponse, header, unavailable

BASES = {"live": "https://api-m.paypal.com", "sandbox": "https://api-m.sandbox.paypal.com"}
SIGNATURE_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}
KINDS = {
    "CHECKOUT.ORDER.APPROVED": APPROVED,
    "PAYMENT.CAPTURE.COMPLETED": PAID,
    "PAYMENT.CAPTURE.DENIED": FAILED,
    "PAYMENT.CAPTURE.DECLINED": FAILED,
    "CHECKOUT.ORDER.VOIDED": CANCELLED,
}
ORDER_ID = re.compile(r"^[A-Z0-9]{1,36}$")
TOKEN_MARGIN_SECONDS = 60


class PayPalProvider(ApiAdapter):
    name = "paypal"

    def __init__(self, *, http: HttpClient | None = None, config: Mapping[str, str] | None = None) -> None:
        super().__init__(http=http, config=config)
        self._token: tuple[str, float, str] | None = None  # (token, expires at, for which base+client)

    # -- checkout ---------------------------------------------------------------------

    def checkout_create(
        self, *, public_id: str, amount: Decimal, currency: str, description: str, return_url: str
    ) -> ProviderCheckout:
        back = conf.public_url(return_url)
        order = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": public_id,
                    "custom_id": public_id,
                    "description": (description or public_id)[:127],
                    "amount": {"currency_code": currency, "value": f"{quantize(amount, currency):.2f}"},
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "return_url": back,
                        "cancel_url": back,
                        "user_action": "PAY_NOW",
                        "shipping_preference": "NO_SHIPPING",
                    }
                }
            },
        }
        response = self._api("POST", "/v2/checkout/orders", order, request_id=f"tact-order-{public_id}")
        if not response.ok:
            raise unavailable(self.name, "creating an order", response)
        created = response.json()
        links = {link.get("rel"): link.get("href") for link in created.get("links") or []}
        url = links.get("payer-action") or links.get("approve")
        if not created.get("id") or not url:
            raise unavailable(self.name, "an order without id or payer link", response)
        return ProviderCheckout(ref=str(created["id"]), url=str(url))

    def checkout_capture(self, *, checkout_ref: str, public_id: str) -> list[ProviderEvent]:
        if not ORDER_ID.match(checkout_ref):
            raise ValueError(f"not a PayPal order id: {checkout_ref[:80]!r}")
        response = self._api(
            "POST", f"/v2/checkout/orders/{quote(checkout_ref)}/capture", {},
            request_id=f"tact-capture-{public_id}",
        )  # fmt: skip
        if response.status == 422:
            issues = {d.get("issue") for d in (response.json() or {}).get("details") or []}
            if "ORDER_ALREADY_CAPTURED" in issues:
                return []  # the capture's own webhook event books it
            # Declined by the payer's funding source: the order stays open; nothing is booked.
            issue = sorted(i for i in issues if i)[0] if any(issues) else "UNPROCESSABLE_ENTITY"
            return [self._capture_refused(checkout_ref=checkout_ref, public_id=public_id, issue=issue)]
        if not response.ok:
            raise unavailable(self.name, f"capturing order {checkout_ref}", response)
        order = response.json()
        events = []
        for unit in order.get("purchase_units") or []:
            for capture in (unit.get("payments") or {}).get("captures") or []:
                events.append(self._capture_event(
                    event_id=f"capture:{capture['id']}", raw_kind="capture", capture=capture,
                    order_id=checkout_ref, public_id=str(unit.get("custom_id") or capture.get("custom_id") or public_id),
                ))  # fmt: skip
        return events

    def credentials_check(self) -> dict[str, Any]:
        """Dry calls: an access token for the client id and secret, then (when a webhook
        id is set) ``GET /v1/notifications/webhooks/<id>``. Neither changes anything.
        Raises CredentialsRefused when PayPal refuses either."""
        self._token = None
        try:
            self._access_token()
        except ProviderUnavailable as exc:
            if "HTTP 401" in exc.message or "HTTP 403" in exc.message or "must be set" in exc.message:
                raise CredentialsRefused(
                    provider=self.name, problem="PayPal refused the client id and secret"
                ) from exc
            raise
        webhook_id = self.setting("TACT_PAYPAL_WEBHOOK_ID")
        if not webhook_id:
            return {"webhook": None}
        response = self._api("GET", f"/v1/notifications/webhooks/{quote(webhook_id)}")
        if response.status in (401, 403, 404):
            raise CredentialsRefused(
                provider=self.name, problem=f"PayPal does not know the webhook id {webhook_id}"
            )
        if not response.ok:
            raise unavailable(self.name, "reading the webhook", response)
        return {"webhook": str((response.json() or {}).get("url") or "")}

    # -- webhook ----------------------------------------------------------------------

    def events_read(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> list[ProviderEvent]:
        event = json.loads(body)  # the bytes must be an event before PayPal is asked about them
        if not isinstance(event, dict):
            raise ValueError("a PayPal event is a JSON object")
        self.verify(body=body, headers=headers)
        kind = str(event.get("event_type") or "")
        resource = event.get("resource") or {}
        if kind.startswith("PAYMENT.CAPTURE."):
            related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
            return [self._capture_event(
                event_id=str(event["id"]), raw_kind=kind, capture=resource,
                order_id=str(related.get("order_id") or ""), public_id=str(resource.get("custom_id") or ""),
            )]  # fmt: skip
        order_id = str(resource.get("id") or "") if event.get("resource_type") == "checkout-order" else ""
        units = resource.get("purchase_units") or [{}]
        amount, currency = _money(units[0].get("amount"))
        return [
            ProviderEvent(
                event_id=str(event["id"]),
                kind=KINDS.get(kind, OTHER) if order_id else OTHER,
                raw_kind=kind,
                checkout_ref=order_id,
                amount=amount,
                currency=currency,
                payment_ref="",
                method="paypal",
                public_id=str(units[0].get("custom_id") or ""),
            )  # fmt: skip
        ]

    def verify(self, *, body: bytes, headers: Mapping[str, str]) -> None:
        webhook_id = self.setting("TACT_PAYPAL_WEBHOOK_ID")
        if not webhook_id:
            raise SignatureInvalid(provider=self.name, problem="TACT_PAYPAL_WEBHOOK_ID is not set")
        fields = {key: header(headers, name) for key, name in SIGNATURE_HEADERS.items()}
        missing = [SIGNATURE_HEADERS[key] for key, value in fields.items() if not value]
        if missing:
            raise SignatureInvalid(provider=self.name, problem=f"missing {', '.join(missing)}")
        fields["webhook_id"] = webhook_id
        # The documented request body, with the event spliced in byte for byte.
        request = json.dumps(fields).encode()[:-1] + b', "webhook_event": ' + body.strip() + b"}"
        response = self._api("POST", "/v1/notifications/verify-webhook-signature", raw=request)
        if response.status >= 500:
            raise unavailable(self.name, "verifying a webhook signature", response)
        status = (response.json() or {}).get("verification_status") if response.ok else None
        if status != "SUCCESS":
            raise SignatureInvalid(
                provider=self.name, problem=f"PayPal's verification said {status or response.status}"
            )

    # -- helpers ----------------------------------------------------------------------

    def _capture_event(
        self, *, event_id: str, raw_kind: str, capture: Mapping[str, Any], order_id: str, public_id: str
    ) -> ProviderEvent:
        status = str(capture.get("status") or "")
        if raw_kind == "capture":  # our own capture call: its status says what happened
            kind = {"COMPLETED": PAID, "DECLINED": FAILED, "FAILED": FAILED}.get(status, OTHER)
        else:
            kind = KINDS.get(raw_kind, OTHER)
        amount, currency = _money(capture.get("amount"))
        return ProviderEvent(
            event_id=event_id, kind=kind, raw_kind=raw_kind if raw_kind != "capture" else f"capture.{status}",
            checkout_ref=order_id, amount=amount, currency=currency, payment_ref=str(capture.get("id") or ""),
            method="paypal", public_id=public_id,
        )  # fmt: skip

    def _capture_refused(self, *, checkout_ref: str, public_id: str, issue: str) -> ProviderEvent:
        return ProviderEvent(
            event_id=f"capture-refused:{checkout_ref}:{issue}"[:100], kind=OTHER, raw_kind=f"capture.{issue}"[:60],
            checkout_ref=checkout_ref, amount=None, currency="", payment_ref="", method="paypal",
            public_id=public_id,
        )  # fmt: skip

    def _api(
        self, method: str, path: str, payload: Any = None, *, raw: bytes | None = None, request_id: str = ""
    ) -> HttpResponse:
        headers = {"Authorization": f"Bearer {self._access_token()}", "Content-Type": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        if method == "POST" and path.startswith("/v2/"):
            headers["Prefer"] = "return=representation"
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
        return self.http(method, f"{self._base()}{path}", headers=headers, body=body)

    def _access_token(self) -> str:
        client_id = self.setting("TACT_PAYPAL_CLIENT_ID")
        secret = self.setting("TACT_PAYPAL_CLIENT_SECRET")
        if not client_id or not secret:
            raise ProviderUnavailable(
                provider=self.name, problem="TACT_PAYPAL_CLIENT_ID and TACT_PAYPAL_CLIENT_SECRET must be set"
            )
        whose = f"{self._base()} {client_id}"
        if self._token and self._token[2] == whose and self._token[1] > time.monotonic():
            return self._token[0]
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        response = self.http(
            "POST", f"{self._base()}/v1/oauth2/token",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            body=b"grant_type=client_credentials",
        )  # fmt: skip
        if not response.ok:
            raise unavailable(self.name, "getting an access token", response)
        granted = response.json()
        lifetime = int(granted.get("expires_in") or 0)
        self._token = (
            str(granted["access_token"]),
            time.monotonic() + lifetime - TOKEN_MARGIN_SECONDS,
            whose,
        )
        return self._token[0]

    def _base(self) -> str:
        environment = self.setting("TACT_PAYPAL_ENVIRONMENT", "sandbox").lower()
        if environment not in BASES:
            raise ProviderUnavailable(
                provider=self.name, problem=f"TACT_PAYPAL_ENVIRONMENT is {environment!r}, not live or sandbox"
            )
        return self.setting("TACT_PAYPAL_API_BASE") or BASES[environment]


def _money(money: object) -> tuple[Decimal | None, str]:
    if not isinstance(money, Mapping) or money.get("value") is None:
        return None, ""
    try:
        return Decimal(str(money["value"])), str(money.get("currency_code") or "")
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {money.get('value')!r}") from exc
