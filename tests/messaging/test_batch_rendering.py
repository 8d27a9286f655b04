"""Rendering many messages at once: the same words as one by one, in a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.html import urlize

from tact.ledger.models import Payment
from tact.messaging.context import context_batch, message_context
from tact.messaging.rendering import _links

from .conftest import TODAY


def test_a_batch_reads_every_debtors_facts_in_three_queries(portfolio, in_scope, usual_payments,
                                                            django_assert_num_queries):  # fmt: skip
    debtors = [debtor for debtor, _items in portfolio.values()]
    with django_assert_num_queries(3):
        batch = context_batch(creditor=in_scope, debtors=debtors)
    with django_assert_num_queries(0):
        batched = [
            message_context(
                creditor=in_scope,
                debtor=debtor,
                items=items,
                action_facts={"stage": "reminder"},
                today=TODAY,
                batch=batch,
            )  # fmt: skip
            for debtor, items in portfolio.values()
        ]
    one_by_one = [
        message_context(
            creditor=in_scope, debtor=debtor, items=items, action_facts={"stage": "reminder"}, today=TODAY
        )  # fmt: skip
        for debtor, items in portfolio.values()
    ]
    assert batched == one_by_one
    methods = {ctx.debtor["number"]: ctx.payment.method for ctx in batched}
    assert methods == {"D-100": "card", "N-200": "ideal", "B-300": "bancontact", "A-400": "direct_debit"}
    assert [ctx.contact["name"] for ctx in batched] == ["Jana Sommer", "Sanne van Dijk", "Claire Lemaire",
                                                       "Martin Gruber"]  # fmt: skip


def test_the_usual_method_counts_only_each_debtors_last_twelve_payments(portfolio, in_scope):
    debtor, _items = portfolio["de"]
    for day in range(1, 11):
        Payment.objects.create(creditor=in_scope, debtor=debtor, amount=Decimal("10.00"),
                               value_on=date(2025, 1, day), method="transfer")  # fmt: skip
    for day in range(1, 7):
        Payment.objects.create(creditor=in_scope, debtor=debtor, amount=Decimal("10.00"),
                               value_on=date(2025, 6, day), method="card")  # fmt: skip
    # Of the last twelve, six by card and six by transfer: the tie goes to the latest, card.
    batch = context_batch(creditor=in_scope, debtors=[debtor, portfolio["nl"][0]])
    assert batch.methods == {debtor.pk: "card", portfolio["nl"][0].pk: "ideal"}
    assert context_batch(creditor=in_scope, debtors=[debtor]).methods == {debtor.pk: "card"}


def test_only_lines_without_anything_link_like_skip_urlize():
    lines = [
        "Bitte zahlen Sie bis zum 21. Juni 2025.",
        "Schreiben Sie an buchhaltung@acme.example oder rufen Sie an.",
        "Online: https://pay.example/p/12-ab/ und www.acme.example.",
        "Siehe acme.COM/rechnungen, (www.beispiel.de).",
        "Kein Link: 3.14 und a:b und Nr. 4711.",
    ]
    for line in lines:
        assert _links(line) == urlize(line, autoescape=False)
    assert "<a " in _links(lines[1]) and "<a " in _links(lines[2]) and "<a " in _links(lines[3])
