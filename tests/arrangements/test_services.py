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


# -- deciding a dispute -------------------------------------------------------------------


@pytest.fixture
def dispute(debtor):
    from tact.ledger.models import Invoice

    item = Invoice.objects.get(number="RE-1")
    return dispute_open(invoice=item, reason="defective", text="Kaputt.", source="portal", by="portal")


def test_taking_a_dispute_puts_it_in_review_and_taking_it_again_changes_nothing(dispute):
    from tact.arrangements.services import dispute_review_start

    assert dispute_review_start(dispute=dispute, by=None).status == "in_review"
    assert dispute_review_start(dispute=dispute, by=None).status == "in_review"


def test_a_rejection_needs_an_explanation(dispute):
    from tact.arrangements.services import dispute_resolve

    with pytest.raises(ArrangementInvalid) as raised:
        dispute_resolve(dispute=dispute, outcome="rejected", by=None, today=TODAY, explanation="  ")
    assert (raised.value.field, raised.value.reason) == ("explanation", "explanation_missing")


def test_a_credit_note_is_booked_and_set_against_the_disputed_invoice(dispute):
    from tact.arrangements.services import dispute_resolve
    from tact.ledger.models import Invoice

    decided = dispute_resolve(dispute=dispute, outcome="credit_note", by=None, today=TODAY,
                              credit_note_number="GS-1", credit_amount=Decimal("190.00"))  # fmt: skip
    note = Invoice.objects.get(number="GS-1")
    item = Invoice.objects.get(number="RE-1")
    assert decided.status == "resolved"
    assert (note.kind, note.gross_amount, note.open_amount) == ("credit_note", Decimal("-190.00"), 0)
    assert item.open_amount == Decimal("1000.00")


def test_a_credit_above_the_open_amount_or_a_second_decision_is_refused(dispute):
    from tact.arrangements.services import dispute_resolve

    with pytest.raises(ArrangementInvalid) as raised:
        dispute_resolve(dispute=dispute, outcome="credit_note", by=None, today=TODAY,
                        credit_note_number="GS-2", credit_amount=Decimal("1190.01"))  # fmt: skip
    assert raised.value.field == "credit_amount"
    dispute_resolve(
        dispute=dispute, outcome="rejected", by=None, today=TODAY, explanation="Geliefert am 3.11."
    )
    with pytest.raises(ArrangementInvalid) as again:
        dispute_resolve(dispute=dispute, outcome="rejected", by=None, today=TODAY, explanation="Nochmal.")
    assert again.value.reason == "dispute_closed"
