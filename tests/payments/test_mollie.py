"""Mollie: a payment created through the documented Payments API; its webhook carries only
an id, so the adapter fetches the payment (a documented response replayed here) and each
status is processed once. Next-gen deliveries are signed (X-Mollie-Signature, computed here)."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.ledger.models import Payment
from tact.payments.models import WebhookEvent
from tact.payments.providers import PROVIDERS
from tact.payments.providers.mollie import MollieProvider
from tests.payments.fakes import FakeApi, checkout_for

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/mollie/"
PAYMENTS = "https://api.mollie.com/v2/payments"
PAYMENT_ID = "tr_5B8cwPMGnU6qLbRvo7qEZo"
SIGNING_SECRET = "mollie_whsec_9f8e7d"


@pytest.fixture
def api(settings, monkeypatch):
    settings.TACT_MOLLIE_API_KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    settings.TACT_MOLLIE_WEBHOOK_SECRET = SIGNING_SECRET
    settings.TACT_PAYMENTS_PUBLIC_URL = "https://pay.example.com/"
    fake = FakeApi()
    fake.on(
        "POST", PAYMENTS, lambda request: (201, payment(request.json()["metadata"]["tact_checkout"], "open"))
    )
    monkeypatch.setitem(PROVIDERS, "mollie", MollieProvider(http=fake))
    return fake


def payment(public_id, status, *, method=None, value="500.00"):
    """A payment object as Mollie's "Get payment" reference shows it (the fields we read)."""
    return {
        "resource": "payment",
        "id": PAYMENT_ID,
        "mode": "test",
        "status": status,
        "amount": {"value": value, "currency": "EUR"},
        "description": "RE-1, RE-2",
        "method": method,
        "metadata": {"tact_checkout": public_id},
        "redirectUrl": f"https://pay.example.com/p/token/pay/return/{public_id}/",
        "webhookUrl": "https://pay.example.com/payments/webhooks/mollie/",
        "_links": {
            "self": {"href": f"{PAYMENTS}/{PAYMENT_ID}", "type": "application/hal+json"},
            "checkout": {
                "href": "https://www.mollie.com/checkout/select-method/7UhSN1zuXS",
                "type": "text/html",
            },
        },
    }


def mollie_says(api, checkout, status, **kwargs):
    api.on("GET", f"{PAYMENTS}/{PAYMENT_ID}", (200, payment(checkout.public_id, status, **kwargs)))


def classic(client, payment_id=PAYMENT_ID):
    """The classic webhook: a form body with the id only, no signature."""
    return client.post(URL, data=f"id={payment_id}", content_type="application/x-www-form-urlencoded")


def next_gen(client, *, entity=PAYMENT_ID, secret=SIGNING_SECRET, tamper=False):
    body = json.dumps({"resource": "event", "id": "event_GvJ8WHrp5isUdRub9CJyH", "type": "payment-link.paid",
                       "entityId": entity, "createdAt": "2025-12-01T09:00:00.0Z"}).encode()  # fmt: skip
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if tamper:
        body = body.replace(b"payment-link.paid", b"payment-link.open")
    return client.post(
        URL, data=body, content_type="application/json", HTTP_X_MOLLIE_SIGNATURE=f"sha256={mac}"
    )


def test_a_checkout_creates_a_payment_with_the_documented_fields(creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    (request,) = api.sent("POST", PAYMENTS)
    sent = request.json()
    assert request.headers["Authorization"] == "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    assert sent["amount"] == {"currency": "EUR", "value": "500.00"}
    assert sent["method"] == ["ideal", "bancontact", "creditcard", "banktransfer"]
    assert sent["webhookUrl"] == "https://pay.example.com/payments/webhooks/mollie/"
    assert sent["redirectUrl"] == f"https://pay.example.com/p/token/pay/return/{checkout.public_id}/"
    assert checkout.provider_ref == PAYMENT_ID


def test_the_webhook_fetches_the_payment_and_records_it_once(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "paid", method="ideal")
    response = classic(client)
    assert response.status_code == 200 and response.json() == {"processed": 1, "duplicates": 0}
    assert api.sent("GET", f"{PAYMENTS}/{PAYMENT_ID}")[0].headers["Authorization"].startswith("Bearer test_")
    with scope(creditor=creditor):
        payment_row = Payment.objects.get()
        assert (payment_row.amount, payment_row.method) == (Decimal("500.0000"), "ideal")
        checkout.refresh_from_db()
        assert checkout.status == "paid"


def test_a_replayed_webhook_changes_nothing(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "paid", method="bancontact")
    classic(client)
    again = classic(client)
    assert again.status_code == 200 and again.json() == {"processed": 0, "duplicates": 1}
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == [f"{PAYMENT_ID}:paid"]


def test_each_status_is_processed_once_and_only_paid_books(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "open")
    classic(client)
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
    mollie_says(api, checkout, "paid", method="creditcard")
    classic(client)
    with scope(creditor=creditor):
        assert Payment.objects.get().method == "card"
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["ignored", "paid"]


def test_an_expired_payment_cancels_the_checkout(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "expired")
    classic(client)
    with scope(creditor=creditor):
        checkout.refresh_from_db()
        assert checkout.status == "cancelled" and not Payment.objects.exists()


def test_an_id_mollie_does_not_know_is_answered_200_and_changes_nothing(client, creditor, items, api):
    api.on("GET", f"{PAYMENTS}/tr_forged", (404, {"status": 404, "title": "Not Found"}))
    response = classic(client, "tr_forged")
    assert response.status_code == 200 and response.json() == {"processed": 0, "duplicates": 0}
    assert WebhookEvent.objects.count() == 0


def test_a_malformed_id_is_refused_without_asking_mollie(client, creditor, items, api):
    response = classic(client, "../../v2/refunds")
    assert response.status_code == 400
    assert api.requests == [] and WebhookEvent.objects.count() == 0


def test_when_mollie_cannot_be_asked_the_delivery_gets_503_and_a_later_one_books(
    client, creditor, items, api
):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    api.on("GET", f"{PAYMENTS}/{PAYMENT_ID}", (503, {"status": 503, "title": "Service Unavailable"}))
    assert classic(client).status_code == 503
    assert WebhookEvent.objects.count() == 0
    mollie_says(api, checkout, "paid", method="ideal")
    assert classic(client).status_code == 200
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1


def test_a_signed_next_gen_delivery_is_verified_then_fetched(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "paid", method="ideal")
    response = next_gen(client)
    assert response.status_code == 200 and response.json()["processed"] == 1


@pytest.mark.parametrize("how", ["wrong_secret", "tampered", "unsigned_json", "no_secret_configured"])
def test_a_next_gen_delivery_that_does_not_verify_gets_400_and_changes_nothing(
    client, creditor, items, api, settings, how
):
    checkout = checkout_for(creditor, list(items), "500.00", provider="mollie")
    mollie_says(api, checkout, "paid", method="ideal")
    if how == "wrong_secret":
        response = next_gen(client, secret="someone_else")
    elif how == "tampered":
        response = next_gen(client, tamper=True)
    elif how == "unsigned_json":
        response = client.post(
            URL, data=json.dumps({"entityId": PAYMENT_ID}), content_type="application/json"
        )
    else:
        settings.TACT_MOLLIE_WEBHOOK_SECRET = ""
        response = next_gen(client)
    assert response.status_code == 400
    assert api.sent("GET", f"{PAYMENTS}/{PAYMENT_ID}") == []
    assert WebhookEvent.objects.count() == 0
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
