"""Online payment with the test provider: a checkout, a signed webhook, exactly once, a
payment in the legal order that closes the items so the cycle leaves them alone."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Action
from tact.dunning.presets import policy_presets_install
from tact.dunning.services import cycle_run
from tact.ledger.models import Invoice, Payment
from tact.payments.errors import CheckoutInvalid
from tact.payments.models import Checkout, WebhookEvent
from tact.payments.providers import test as provider
from tact.payments.services import checkout_start
from tests.payments.conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/test/"


def start(creditor, invoices, amount):
    with scope(creditor=creditor):
        return checkout_start(
            debtor=invoices[0].debtor, items=invoices, amount=Decimal(amount), provider="test",
            return_url=lambda public_id: f"/back/{public_id}/", by="portal",
        ).checkout  # fmt: skip


def deliver(client, checkout, *, kind="checkout.paid", amount=None, secret_ok=True, at=NOW, body=None):
    body = body or provider.event_body(
        kind=kind, checkout_ref=checkout.provider_ref, amount=amount or checkout.amount,
        currency=checkout.currency, created=int(at.timestamp()),
    )  # fmt: skip
    signature = provider.sign(body, timestamp=int(at.timestamp()))
    if not secret_ok:
        signature = signature[:-4] + "0000"
    response = client.post(URL, data=body, content_type="application/json", HTTP_TACT_SIGNATURE=signature)
    return response, body


def test_a_paid_event_records_a_payment_in_the_legal_order_and_closes_the_items(client, creditor, items):
    checkout = start(creditor, list(items), "1428.00")
    response, _ = deliver(client, checkout)
    assert response.status_code == 200 and response.json() == {"processed": 1, "duplicates": 0}
    with scope(creditor=creditor):
        payment = Payment.objects.get()
        assert (payment.amount, payment.source, payment.method) == (Decimal("1428.0000"), "provider", "card")
        assert set(Invoice.objects.values_list("number", "open_amount")) == {("RE-1", 0), ("RE-2", 0)}
        checkout.refresh_from_db()
        assert (checkout.status, checkout.payment_id) == ("paid", payment.pk)
        received = AuditEvent.objects.get(action="online_payment_received")
    assert (received.subject_type, received.after["items"]) == ("ledger.debtor", ["RE-1", "RE-2"])


def test_a_partial_payment_goes_to_the_named_item_first(client, creditor, items):
    first, second = items
    checkout = start(creditor, [second], "100.00")
    deliver(client, checkout)
    with scope(creditor=creditor):
        assert dict(Invoice.objects.values_list("number", "open_amount")) == {
            "RE-1": Decimal("1190.0000"), "RE-2": Decimal("138.0000"),
        }  # fmt: skip


def test_a_replayed_event_changes_nothing(client, creditor, items):
    checkout = start(creditor, list(items), "500.00")
    _, body = deliver(client, checkout)
    again, _ = deliver(client, checkout, body=body)
    assert again.status_code == 200 and again.json() == {"processed": 0, "duplicates": 1}
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1
    assert WebhookEvent.objects.count() == 1


def test_a_second_paid_event_for_the_same_checkout_books_nothing(client, creditor, items):
    checkout = start(creditor, list(items), "500.00")
    deliver(client, checkout)
    response, _ = deliver(client, checkout)  # a new event id, the same checkout
    assert response.json() == {"processed": 1, "duplicates": 0}
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "paid",
        "already_paid",
    ]
    with scope(creditor=creditor):
        assert Payment.objects.count() == 1


@pytest.mark.parametrize("how", ["bad_signature", "no_signature", "stale", "altered_body"])
def test_a_delivery_that_does_not_verify_gets_400_and_changes_nothing(client, creditor, items, how):
    checkout = start(creditor, list(items), "500.00")
    if how == "bad_signature":
        response, _ = deliver(client, checkout, secret_ok=False)
    elif how == "stale":
        response, _ = deliver(
            client, checkout, at=datetime(2025, 12, 1, 9, 50, tzinfo=ZoneInfo("Europe/Berlin"))
        )
    else:
        body = provider.event_body(kind="checkout.paid", checkout_ref=checkout.provider_ref, amount=Decimal("5"),
                                   currency="EUR", created=int(NOW.timestamp()))  # fmt: skip
        headers = {}
        if how == "altered_body":
            headers["HTTP_TACT_SIGNATURE"] = provider.sign(body, timestamp=int(NOW.timestamp()))
            body = body.replace(b'"5.00"', b'"5000.00"')
        response = client.post(URL, data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    with scope(creditor=creditor):
        assert not Payment.objects.exists()


def test_the_signature_is_hmac_sha256_over_timestamp_and_body(settings):
    """The scheme a provider's documentation would state, computed here by hand."""
    import hashlib
    import hmac

    settings.TACT_TEST_PROVIDER_SECRET = "whsec_test"
    body = json.dumps({"id": "evt_1"}).encode()
    expected = hmac.new(b"whsec_test", b"1764579600." + body, hashlib.sha256).hexdigest()
    assert provider.sign(body, timestamp=1764579600) == f"t=1764579600,v1={expected}"


def test_a_cancelled_checkout_records_no_payment(client, creditor, items):
    checkout = start(creditor, list(items), "500.00")
    deliver(client, checkout, kind="checkout.cancelled")
    with scope(creditor=creditor):
        checkout.refresh_from_db()
        assert checkout.status == "cancelled" and not Payment.objects.exists()


def test_an_event_for_an_unknown_checkout_is_kept_and_books_nothing(client, creditor, items):
    body = provider.event_body(kind="checkout.paid", checkout_ref="tco_nobody", amount=Decimal("5"),
                               currency="EUR", created=int(NOW.timestamp()))  # fmt: skip
    response = client.post(URL, data=body, content_type="application/json",
                           HTTP_TACT_SIGNATURE=provider.sign(body, timestamp=int(NOW.timestamp())))  # fmt: skip
    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "unknown_checkout"


def test_a_checkout_above_the_chosen_items_is_refused(creditor, items):
    with pytest.raises(CheckoutInvalid):
        start(creditor, [items[1]], "238.01")
    with scope(creditor=creditor):
        assert not Checkout.objects.exists()


def test_the_cycle_does_not_dun_items_paid_online(client, creditor, items):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        planned = cycle_run(creditor=creditor, run_on=date(2025, 12, 1), dry_run=True)
    assert planned.actions == 1, planned  # before the payment, the debtor would be dunned today
    checkout = start(creditor, list(items), "1428.00")
    deliver(client, checkout)
    with scope(creditor=creditor):
        cycle_run(creditor=creditor, run_on=date(2025, 12, 1))
        assert not Action.objects.filter(debtor=items[0].debtor).exists()
