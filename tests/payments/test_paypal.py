"""PayPal: an Orders v2 order created and captured through the documented REST API, its
webhooks verified by PayPal's verify-webhook-signature call (replayed here) from the
PAYPAL-TRANSMISSION-* headers, and each event processed once.

PayPal signs with its RSA key over ``<transmission id>|<time>|<webhook id>|<crc32 of the
body>``; only PayPal checks that signature (our adapter asks it). The fake PayPal here
checks the same string with an HMAC stand-in for the RSA key, so a request that alters the
event's bytes, its headers or our webhook id fails verification just as it would there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.ledger.models import Payment
from tact.payments.models import WebhookEvent
from tact.payments.providers import PROVIDERS
from tact.payments.providers.paypal import PayPalProvider
from tests.payments.fakes import FakeApi, Request, checkout_for

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/paypal/"
API = "https://api-m.sandbox.paypal.com"
ORDER = "5O190127TN364715T"
CAPTURE = "2GG279541U471931P"
WEBHOOK_ID = "4JH86294D6297924G"
PAYPAL_KEY = b"paypal's signing key (stand-in)"


@pytest.fixture
def api(settings, monkeypatch):
    settings.TACT_PAYPAL_CLIENT_ID = "AcmeClientId"
    settings.TACT_PAYPAL_CLIENT_SECRET = "AcmeClientSecret"
    settings.TACT_PAYPAL_WEBHOOK_ID = WEBHOOK_ID
    settings.TACT_PAYMENTS_PUBLIC_URL = "https://pay.example.com"
    fake = FakeApi()
    fake.on("POST", f"{API}/v1/oauth2/token", (200, {"access_token": "A21AAFEpH4PsADK7qSS7pSRsgzfENtu", "token_type":
            "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 31668}))  # fmt: skip
    fake.on("POST", f"{API}/v2/checkout/orders", lambda request: (200, order_created()))
    fake.on("POST", f"{API}/v1/notifications/verify-webhook-signature", paypal_verifies)
    monkeypatch.setitem(PROVIDERS, "paypal", PayPalProvider(http=fake))
    return fake


def order_created():
    return {"id": ORDER, "status": "PAYER_ACTION_REQUIRED", "links": [
        {"href": f"{API}/v2/checkout/orders/{ORDER}", "rel": "self", "method": "GET"},
        {"href": f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER}", "rel": "payer-action", "method": "GET"},
    ]}  # fmt: skip


def captured(public_id, status="COMPLETED"):
    return {"id": ORDER, "status": "COMPLETED", "purchase_units": [{"reference_id": public_id, "payments": {
        "captures": [{"id": CAPTURE, "status": status, "amount": {"currency_code": "EUR", "value": "500.00"},
                      "custom_id": public_id, "final_capture": True}]}}]}  # fmt: skip


def transmission_sig(*, transmission_id, time, webhook_id, body):
    signed = f"{transmission_id}|{time}|{webhook_id}|{zlib.crc32(body)}".encode()
    return base64.b64encode(hmac.new(PAYPAL_KEY, signed, hashlib.sha256).digest()).decode()


def paypal_verifies(request: Request):
    """PayPal's side of verify-webhook-signature: the documented request shape, then the
    signature over the event exactly as it was received."""
    sent = request.json()
    assert set(sent) == {"auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time",
                         "webhook_id", "webhook_event"}  # fmt: skip
    raw_event = request.body.split(b'"webhook_event": ', 1)[1][:-1]
    expected = transmission_sig(transmission_id=sent["transmission_id"], time=sent["transmission_time"],
                                webhook_id=sent["webhook_id"], body=raw_event)  # fmt: skip
    ok = hmac.compare_digest(expected, sent["transmission_sig"]) and sent["webhook_id"] == WEBHOOK_ID
    return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}


def event(kind, resource, *, event_id="WH-7Y7254563A4550640-11V2185806837105M"):
    resource_type = "capture" if kind.startswith("PAYMENT.CAPTURE.") else "checkout-order"
    return {"id": event_id, "event_version": "1.0", "create_time": "2025-12-01T09:00:00.000Z",
            "resource_type": resource_type, "resource_version": "2.0", "event_type": kind,
            "summary": kind, "resource": resource}  # fmt: skip


def approved(public_id, **kwargs):
    return event("CHECKOUT.ORDER.APPROVED", {"id": ORDER, "intent": "CAPTURE", "status": "APPROVED",
                 "purchase_units": [{"reference_id": public_id, "custom_id": public_id,
                                     "amount": {"currency_code": "EUR", "value": "500.00"}}]}, **kwargs)  # fmt: skip


def capture_completed(public_id, **kwargs):
    return event("PAYMENT.CAPTURE.COMPLETED", {"id": CAPTURE, "status": "COMPLETED", "custom_id": public_id,
                 "amount": {"currency_code": "EUR", "value": "500.00"}, "final_capture": True,
                 "supplementary_data": {"related_ids": {"order_id": ORDER}}}, **kwargs)  # fmt: skip


def deliver(client, payload, *, webhook_id=WEBHOOK_ID, drop=None, alter=False):
    body = json.dumps(payload, indent=1).encode()  # PayPal's own spacing: kept byte for byte
    headers = {
        "HTTP_PAYPAL_TRANSMISSION_ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "HTTP_PAYPAL_TRANSMISSION_TIME": "2025-12-01T09:00:01Z",
        "HTTP_PAYPAL_CERT_URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
        "HTTP_PAYPAL_AUTH_ALGO": "SHA256withRSA",
    }
    headers["HTTP_PAYPAL_TRANSMISSION_SIG"] = transmission_sig(
        transmission_id=headers["HTTP_PAYPAL_TRANSMISSION_ID"], time=headers["HTTP_PAYPAL_TRANSMISSION_TIME"],
        webhook_id=webhook_id, body=body,
    )  # fmt: skip
    if drop:
        del headers[drop]
    if alter:
        body = body.replace(b"500.00", b"5000.00")
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_checkout_creates_an_order_with_the_documented_fields(creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    (token,) = api.sent("POST", f"{API}/v1/oauth2/token")
    assert (
        token.headers["Authorization"]
        == "Basic " + base64.b64encode(b"AcmeClientId:AcmeClientSecret").decode()
    )
    assert token.body == b"grant_type=client_credentials"
    (request,) = api.sent("POST", f"{API}/v2/checkout/orders")
    sent = request.json()
    assert request.headers["PayPal-Request-Id"] == f"tact-order-{checkout.public_id}"
    assert sent["intent"] == "CAPTURE"
    assert sent["purchase_units"][0]["amount"] == {"currency_code": "EUR", "value": "500.00"}
    assert sent["purchase_units"][0]["custom_id"] == checkout.public_id
    context = sent["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == f"https://pay.example.com/p/token/pay/return/{checkout.public_id}/"
    assert checkout.provider_ref == ORDER


def test_an_approved_order_is_captured_and_the_capture_recorded_once(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    api.on("POST", f"{API}/v2/checkout/orders/{ORDER}/capture", (201, captured(checkout.public_id)))
    response = deliver(client, approved(checkout.public_id))
    assert response.status_code == 200 and response.json() == {"processed": 2, "duplicates": 0}
    (capture,) = api.sent("POST", f"{API}/v2/checkout/orders/{ORDER}/capture")
    assert capture.headers["PayPal-Request-Id"] == f"tact-capture-{checkout.public_id}"
    with scope(creditor=creditor):
        payment = Payment.objects.get()
        assert (payment.amount, payment.method, payment.external_id) == (Decimal("500.0000"), "paypal",
                                                                          f"paypal:{CAPTURE}")  # fmt: skip
    # PayPal then reports the same capture by webhook: recorded, nothing more booked.
    later = deliver(
        client, capture_completed(checkout.public_id, event_id="WH-2WR32451HC0233532-67976317FL4543714")
    )
    assert later.json() == {"processed": 1, "duplicates": 0}
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "approved", "paid", "already_paid",
    ]  # fmt: skip
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1


def test_a_replayed_approval_captures_and_changes_nothing(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    api.on("POST", f"{API}/v2/checkout/orders/{ORDER}/capture", (201, captured(checkout.public_id)))
    deliver(client, approved(checkout.public_id))
    again = deliver(client, approved(checkout.public_id))
    assert again.status_code == 200 and again.json() == {"processed": 0, "duplicates": 1}
    assert len(api.sent("POST", f"{API}/v2/checkout/orders/{ORDER}/capture")) == 1
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1


def test_an_order_captured_before_waits_for_its_capture_event(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    api.on("POST", f"{API}/v2/checkout/orders/{ORDER}/capture", (422, {"name": "UNPROCESSABLE_ENTITY",
           "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}))  # fmt: skip
    deliver(client, approved(checkout.public_id))
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
    deliver(client, capture_completed(checkout.public_id, event_id="WH-CAPTURE"))
    with scope(creditor=creditor):
        assert Payment.objects.get().external_id == f"paypal:{CAPTURE}"


def test_a_declined_capture_books_nothing_and_leaves_the_checkout_open(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    api.on("POST", f"{API}/v2/checkout/orders/{ORDER}/capture", (422, {"name": "UNPROCESSABLE_ENTITY",
           "details": [{"issue": "INSTRUMENT_DECLINED"}]}))  # fmt: skip
    deliver(client, approved(checkout.public_id))
    with scope(creditor=creditor):
        checkout.refresh_from_db()
        assert checkout.status == "open" and not Payment.objects.exists()


@pytest.mark.parametrize("how", ["other_webhook_id", "altered_body", "missing_header", "not_configured"])
def test_a_delivery_that_does_not_verify_gets_400_and_changes_nothing(
    client, creditor, items, api, settings, how
):
    checkout = checkout_for(creditor, list(items), "500.00", provider="paypal")
    payload = capture_completed(checkout.public_id)
    if how == "other_webhook_id":
        response = deliver(client, payload, webhook_id="SOMEONEELSE")
    elif how == "altered_body":
        response = deliver(client, payload, alter=True)
    elif how == "missing_header":
        response = deliver(client, payload, drop="HTTP_PAYPAL_TRANSMISSION_SIG")
    else:
        settings.TACT_PAYPAL_WEBHOOK_ID = ""
        response = deliver(client, payload)
    assert response.status_code == 400
    if how in ("missing_header", "not_configured"):
        assert api.sent("POST", f"{API}/v1/notifications/verify-webhook-signature") == []
    assert WebhookEvent.objects.count() == 0
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
