"""Promises and disputes: the rules the services keep, whoever calls them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.arrangements.errors import ArrangementInvalid
from tact.arrangements.models import Dispute, Promise
from tact.arrangements.services import dispute_open, promise_record
from tests.factories import DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)


@pytest.fixture
def debtor(in_scope, other_creditor):
    debtor = DebtorFactory(creditor=in_scope, number="K-1")
    InvoiceFactory(creditor=in_scope, debtor=debtor, number="RE-1", gross_amount=Decimal("1190.00"))
    InvoiceFactory(
        creditor=in_scope, debtor=debtor, number="RE-USD", currency="USD", gross_amount=Decimal("5000")
    )
    return debtor


def promise(debtor, **kw):
    args = dict(debtor=debtor, amount=Decimal("500.00"), promised_on=TODAY + timedelta(days=10), today=TODAY,
                max_days=30, grace_days=3, source="portal", by="portal")  # fmt: skip
    return promise_record(**{**args, **kw})


def test_a_promise_within_the_limit_is_recorded_at_the_currencys_precision(debtor):
    made = promise(debtor, amount=Decimal("500.004"))
    assert (made.amount, made.currency, made.status) == (Decimal("500.00"), "EUR", "open")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"promised_on": TODAY - timedelta(days=1)}, "date_in_past"),
        ({"promised_on": TODAY + timedelta(days=31)}, "date_too_far"),
        ({"amount": Decimal("0")}, "amount_not_positive"),
        # 1,190.00 EUR open; the 5,000 USD item does not count toward a EUR promise
        ({"amount": Decimal("1190.01")}, "amount_above_balance"),
    ],
)
def test_a_promise_outside_the_rules_is_refused_with_its_reason(debtor, change, reason):
    with pytest.raises(ArrangementInvalid) as refused:
        promise(debtor, **change)
    assert refused.value.reason == reason
    assert not Promise.objects.exists()


def test_a_dispute_needs_an_open_invoice_a_known_reason_and_a_text(debtor, in_scope):
    item = debtor.invoices.get(number="RE-1")
    for kwargs, reason in (
        ({"reason": "angry"}, "reason_unknown"),
        ({"text": "  "}, "text_missing"),
    ):
        with pytest.raises(ArrangementInvalid) as refused:
            dispute_open(**{"invoice": item, "reason": "defective", "text": "broken", "source": "portal", "by": None,
                            **kwargs})  # fmt: skip
        assert refused.value.reason == reason
    item.open_amount = Decimal("0")
    item.save()
    with pytest.raises(ArrangementInvalid) as refused:
        dispute_open(invoice=item, reason="defective", text="broken", source="portal", by=None)
    assert refused.value.reason == "item_not_open"
    assert not Dispute.objects.exists()


def test_promises_are_scoped_to_their_creditor(debtor, other_creditor):
    promise(debtor)
    with scope(creditor=other_creditor):
        assert not Promise.objects.exists()
