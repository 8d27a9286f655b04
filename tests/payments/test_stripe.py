"""Stripe: a Checkout Session created through the documented HTTP API, and Stripe's signed
webhook events (``Stripe-Signature``, computed here by hand) processed exactly once."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from tact.ledger.models import Invoice, Payment
from tact.payments.errors import CheckoutInvalid
from tact.payments.models import Checkout, WebhookEvent
from tact.payments.providers import PROVIDERS
from tact.payments.providers.stripe import StripeProvider
from tests.payments.conftest import NOW
from tests.payments.fakes import FakeApi, checkout_for

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/stripe/"
SECRET = "whsec_test_5f3c0a"
SESSIONS = "https://api.stripe.com/v1/checkout/sessions"
INTENT = "https://api.stripe.com/v1/payment_intents/pi_3MtwBwLkdIwHu7ix?expand%5B%5D=payment_method"


@pytest.fixture
def api(settings, monkeypatch):
    settings.TACT_STRIPE_SECRET_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    settings.TACT_STRIPE_WEBHOOK_SECRET = SECRET
    settings.TACT_PAYMENTS_PUBLIC_URL = "https://pay.example.com"
    fake = FakeApi()
    fake.on("POST", SESSIONS, lambda request: (200, session(request.form()["client_reference_id"])))
    fake.on("GET", INTENT, (200, intent_with_method("ideal")))
    monkeypatch.setitem(PROVIDERS, "stripe", StripeProvider(http=fake))
    return fake


def session(public_id, *, status="open", payment_status="unpaid", types=None, intent=None):
    """A Checkout Session object as Stripe's API reference shows it (the fields we read)."""
    return {
        "id": "cs_test_a1B2c3D4e5F6g7H8",
        "object": "checkout.session",
        "amount_total": 50000,
        "currency": "eur",
        "client_reference_id": public_id,
        "metadata": {"tact_checkout": public_id},
        "mode": "payment",
        "payment_intent": intent,
        "payment_method_types": types or ["card", "sepa_debit", "ideal", "bancontact"],
        "payment_status": payment_status,
        "status": status,
        "url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8",
    }


def intent_with_method(kind):
    """A PaymentIntent with ``expand[]=payment_method``, as Stripe's API reference shows it."""
    return {"id": "pi_3MtwBwLkdIwHu7ix", "object": "payment_intent", "status": "succeeded",
            "payment_method": {"id": "pm_1NvsLn2eZvKYlo2C", "object": "payment_method", "type": kind}}  # fmt: skip


def event(kind, obj, *, event_id="evt_1QaZ0x2eZvKYlo2C"):
    return json.dumps(
        {"id": event_id, "object": "event", "api_version": "2024-06-20", "created": int(NOW.timestamp()),
         "livemode": False, "type": kind, "data": {"object": obj}}
    ).encode()  # fmt: skip


def signed(body, *, secret=SECRET, at=NOW):
    timestamp = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post(client, body, signature):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def paid_session(checkout, **changes):
    return session(
        checkout.public_id, status="complete", payment_status="paid", intent="pi_3MtwBwLkdIwHu7ix", **changes
    )


def test_a_checkout_creates_a_session_with_the_documented_form_fields(creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    (request,) = api.sent("POST", SESSIONS)
    form = request.form()
    assert request.headers["Authorization"] == "Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    assert request.headers["Idempotency-Key"] == f"tact-checkout-{checkout.public_id}"
    assert {k: form[k] for k in ("mode", "line_items[0][price_data][currency]",
                                 "line_items[0][price_data][unit_amount]", "line_items[0][quantity]")} == {
        "mode": "payment", "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "50000", "line_items[0][quantity]": "1",
    }  # fmt: skip
    assert [form[f"payment_method_types[{i}]"] for i in range(4)] == [
        "card",
        "sepa_debit",
        "ideal",
        "bancontact",
    ]
    assert form["success_url"] == f"https://pay.example.com/p/token/pay/return/{checkout.public_id}/"
    assert form["payment_intent_data[metadata][tact_checkout]"] == checkout.public_id
    assert checkout.provider_ref == "cs_test_a1B2c3D4e5F6g7H8"


def test_a_paid_session_records_the_payment_once(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.completed", paid_session(checkout))
    response = post(client, body, signed(body))
    assert response.status_code == 200 and response.json() == {"processed": 1, "duplicates": 0}
    with scope(creditor=creditor):
        payment = Payment.objects.get()
        assert (payment.amount, payment.external_id) == (Decimal("500.0000"), "stripe:pi_3MtwBwLkdIwHu7ix")
        assert payment.method == "ideal"  # read from the PaymentIntent: the session allowed four
        assert dict(Invoice.objects.values_list("number", "open_amount"))["RE-1"] == Decimal("690.0000")
        checkout.refresh_from_db()
        assert checkout.status == "paid"


def test_a_replayed_event_changes_nothing(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.completed", paid_session(checkout))
    post(client, body, signed(body))
    again = post(client, body, signed(body))
    assert again.status_code == 200 and again.json() == {"processed": 0, "duplicates": 1}
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1
    assert WebhookEvent.objects.count() == 1


def test_sepa_debit_books_when_the_money_arrives_not_when_the_session_completes(
    client, creditor, items, api, settings
):
    settings.TACT_STRIPE_PAYMENT_METHODS = "sepa_debit"
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    pending = event("checkout.session.completed", session(checkout.public_id, status="complete",
                    types=["sepa_debit"], intent="pi_sepa"), event_id="evt_pending")  # fmt: skip
    post(client, pending, signed(pending))
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
    arrived = event("checkout.session.async_payment_succeeded", session(checkout.public_id, status="complete",
                    payment_status="paid", types=["sepa_debit"], intent="pi_sepa"), event_id="evt_arrived")  # fmt: skip
    post(client, arrived, signed(arrived))
    with scope(creditor=creditor):
        assert Payment.objects.get().method == "direct_debit"
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["ignored", "paid"]


def test_a_failed_direct_debit_fails_the_checkout(client, creditor, items, api):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.async_payment_failed", session(checkout.public_id, status="complete"))
    post(client, body, signed(body))
    with scope(creditor=creditor):
        checkout.refresh_from_db()
        assert checkout.status == "failed" and not Payment.objects.exists()


def test_the_payment_intent_event_finds_the_checkout_by_its_metadata_and_the_session_event_books_nothing_more(
    client, creditor, items, api
):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    intent = {"id": "pi_3MtwBwLkdIwHu7ix", "object": "payment_intent", "amount": 50000, "amount_received": 50000,
              "currency": "eur", "status": "succeeded", "payment_method_types": ["card"],
              "metadata": {"tact_checkout": checkout.public_id}}  # fmt: skip
    first = event("payment_intent.succeeded", intent, event_id="evt_pi")
    post(client, first, signed(first))
    second = event("checkout.session.completed", paid_session(checkout), event_id="evt_cs")
    post(client, second, signed(second))
    with scope(creditor=creditor):
        assert Payment.objects.get().method == "card"
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "paid",
        "already_paid",
    ]


@pytest.mark.parametrize(
    "how", ["wrong_secret", "no_header", "stale", "altered_body", "no_secret_configured"]
)
def test_a_delivery_that_does_not_verify_gets_400_and_changes_nothing(
    client, creditor, items, api, settings, how
):
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.completed", paid_session(checkout))
    signature = signed(body)
    if how == "wrong_secret":
        signature = signed(body, secret="whsec_someone_else")
    elif how == "no_header":
        signature = None
    elif how == "stale":
        signature = signed(body, at=datetime(2025, 12, 1, 9, 54, tzinfo=ZoneInfo("Europe/Berlin")))
    elif how == "altered_body":
        body = body.replace(b"50000", b"99999")
    else:
        settings.TACT_STRIPE_WEBHOOK_SECRET = ""
    response = post(client, body, signature)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    with scope(creditor=creditor):
        assert not Payment.objects.exists()


def test_a_signature_made_with_a_rolled_secret_still_verifies(client, creditor, items, api, settings):
    settings.TACT_STRIPE_WEBHOOK_SECRET = f"whsec_new_one,{SECRET}"
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.completed", paid_session(checkout))
    assert post(client, body, signed(body)).status_code == 200


def test_a_session_stripe_refuses_is_an_invalid_checkout_marked_failed(creditor, items, api):
    api.on(
        "POST", SESSIONS, (400, {"error": {"type": "invalid_request_error", "param": "payment_method_types"}})
    )
    with pytest.raises(CheckoutInvalid) as refused:
        checkout_for(creditor, list(items), "500.00", provider="stripe")
    assert refused.value.field == "provider"
    with scope(creditor=creditor):
        assert Checkout.objects.get().status == "failed"


def test_when_stripe_cannot_say_the_method_the_payment_is_booked_as_other(client, creditor, items, api):
    api.on("GET", INTENT, (500, {"error": {"type": "api_error"}}))
    checkout = checkout_for(creditor, list(items), "500.00", provider="stripe")
    body = event("checkout.session.completed", paid_session(checkout))
    assert post(client, body, signed(body)).status_code == 200
    with scope(creditor=creditor):
        assert Payment.objects.get().method == "other"


def test_a_payment_intent_that_is_not_a_tact_checkouts_is_recorded_and_books_nothing(
    client, creditor, items, api
):
    shop_sale = {"id": "pi_shop", "object": "payment_intent", "amount_received": 1999, "currency": "eur",
                 "status": "succeeded", "payment_method_types": ["card", "ideal"], "metadata": {}}  # fmt: skip
    body = event("payment_intent.succeeded", shop_sale)
    assert post(client, body, signed(body)).status_code == 200
    assert WebhookEvent.objects.get().outcome == "unknown_checkout"
    assert api.requests == []  # Stripe was not asked about someone else's payment
    with scope(creditor=creditor):
        assert not Payment.objects.exists()
