from __future__ import annotations

from decimal import Decimal

from django_scopes import scope

from tact.ledger.models import Invoice
from tests.factories import DebtorFactory, InvoiceFactory

from .conftest import assert_problem, fields_named


def _items(creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)
        first = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-1", gross_amount="300.00")
        second = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-2", gross_amount="1190.00")
    return debtor, first, second


def test_record_payment_with_allocations_by_id_and_number(api, creditor):
    debtor, first, second = _items(creditor)

    response = api.post(
        "/payments",
        {"amount": "500.00", "value_on": "2025-11-03", "reference": "RE-1 RE-2", "payer_name": "Krause",
         "allocations": [{"invoice_id": first.pk, "amount": "300.00"},
                         {"invoice_number": "RE-2", "amount": "200.00"}]},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "500.00" and body["currency"] == "EUR"
    assert body["debtor_id"] == debtor.pk  # taken from the items
    assert body["source"] == "api"
    assert [(a["invoice_number"], a["amount"]) for a in body["allocations"]] == [
        ("RE-1", "300.00"),
        ("RE-2", "200.00"),
    ]
    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=first.pk).open_amount == 0
        assert Invoice.objects.get(pk=second.pk).open_amount == 990
    assert api.get(f"/payments/{body['id']}").json() == body


def test_allocation_above_the_open_amount_is_refused(api, creditor):
    _, first, _ = _items(creditor)

    body = assert_problem(
        api.post("/payments", {"amount": "500.00", "value_on": "2025-11-03",
                               "allocations": [{"invoice_id": first.pk, "amount": "400.00"}]}),
        422,
        "allocation_exceeds_open_amount",
    )  # fmt: skip

    assert body["facts"]["invoice"] == "RE-1"


def test_allocations_above_the_payment_are_refused(api, creditor):
    _, first, second = _items(creditor)

    assert_problem(
        api.post("/payments", {"amount": "100.00", "value_on": "2025-11-03",
                               "allocations": [{"invoice_id": first.pk, "amount": "60.00"},
                                               {"invoice_id": second.pk, "amount": "60.00"}]}),
        422,
        "allocation_exceeds_payment",
    )  # fmt: skip


def test_the_same_item_twice_in_one_payment_names_the_field(api, creditor):
    _, first, _ = _items(creditor)

    body = assert_problem(
        api.post("/payments", {"amount": "300.00", "value_on": "2025-11-03",
                               "allocations": [{"invoice_id": first.pk, "amount": "200.00"},
                                               {"invoice_number": "RE-1", "amount": "100.00"}]}),
        422,
    )  # fmt: skip

    assert fields_named(body) == {"allocations.1.invoice_number"}


def test_a_zero_payment_names_the_field(api):
    body = assert_problem(api.post("/payments", {"amount": "0.00", "value_on": "2025-11-03"}), 422)

    assert fields_named(body) == {"amount"}


def test_an_external_id_sent_twice_records_one_payment(api, creditor):
    _items(creditor)
    payload = {
        "debtor_number": "K10000",
        "amount": "5.00",
        "value_on": "2025-11-03",
        "external_id": "bank-77",
    }
    with scope(creditor=creditor):
        payload["debtor_number"] = DebtorFactory(creditor=creditor).number

    first = api.post("/payments", payload).json()
    second = api.post("/payments", payload).json()

    assert first["id"] == second["id"]


def test_list_payments_filters(api, creditor):
    debtor, first, second = _items(creditor)
    api.post("/payments", {"debtor_id": debtor.pk, "amount": "10.00", "value_on": "2025-10-01"})
    api.post("/payments", {"debtor_id": debtor.pk, "amount": "20.00", "value_on": "2025-11-01"})
    with scope(creditor=creditor):
        stranger = DebtorFactory(creditor=creditor)
    api.post("/payments", {"debtor_id": stranger.pk, "amount": "30.00", "value_on": "2025-12-01"})

    def amounts(**params):
        response = api.get("/payments", params)
        assert response.status_code == 200, response.content
        return [p["amount"] for p in response.json()["items"]]

    assert amounts() == ["30.00", "20.00", "10.00"]  # newest first
    assert amounts(debtor_id=debtor.pk) == ["20.00", "10.00"]
    assert amounts(debtor_number=stranger.number) == ["30.00"]
    assert amounts(value_on_from="2025-10-15", value_on_to="2025-11-30") == ["20.00"]
    assert amounts(source="manual") == []


def _with_charges(creditor):
    """RE-1 (300.00, older) and RE-2 (1,190.00) with 40.00 flat compensation and 12.34 interest on RE-2."""
    from datetime import date
    from decimal import Decimal

    from tact.ledger.charges import ChargeRequest, charges_add

    debtor, first, second = _items(creditor)
    with scope(creditor=creditor):
        Invoice.objects.filter(pk=first.pk).update(issued_on=date(2025, 9, 1), due_on=date(2025, 9, 15))
        charges_add(
            requests=[ChargeRequest(parent=second, kind="flat_compensation", amount=Decimal("40.00")),
                      ChargeRequest(parent=second, kind="interest", amount=Decimal("12.34"))],
            booked_on=date(2025, 11, 1), by=None,
        )  # fmt: skip
    return debtor, first, second


def test_a_payment_without_allocations_is_applied_in_the_legal_order(api, creditor):
    debtor, first, second = _with_charges(creditor)

    body = api.post(
        "/payments", {"debtor_id": debtor.pk, "amount": "100.00", "value_on": "2025-11-03"}
    ).json()

    # costs first, then interest, then the principal of the oldest item (DE §367 BGB)
    applied = [(a["invoice_number"], a["amount"]) for a in body["allocations"]]
    assert applied == [("RE-2+F1", "40.00"), ("RE-2+I1", "12.34"), ("RE-1", "47.66")]
    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=first.pk).open_amount == Decimal("252.34")


def test_the_items_the_payer_names_come_first_and_allocate_none_records_only(api, creditor):
    debtor, first, second = _with_charges(creditor)

    named = api.post("/payments", {"debtor_number": debtor.number, "amount": "100.00", "value_on": "2025-11-03",
                                   "named_invoices": ["RE-2"]}).json()  # fmt: skip
    kept = api.post("/payments", {"debtor_id": debtor.pk, "amount": "5.00", "value_on": "2025-11-04",
                                  "allocate": "none"}).json()  # fmt: skip

    assert "RE-1" not in [a["invoice_number"] for a in named["allocations"]]
    assert sum(Decimal(a["amount"]) for a in named["allocations"]) == Decimal("100.00")
    assert kept["allocations"] == []
    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=first.pk).open_amount == Decimal("300.00")


def test_named_invoices_of_another_debtor_or_with_given_allocations_are_refused(api, creditor):
    debtor, first, _ = _with_charges(creditor)
    with scope(creditor=creditor):
        InvoiceFactory(creditor=creditor, debtor=DebtorFactory(creditor=creditor), number="X-9")

    stranger = assert_problem(api.post("/payments", {"debtor_id": debtor.pk, "amount": "10.00",
                                                     "value_on": "2025-11-03", "named_invoices": ["X-9"]}), 422)  # fmt: skip
    both = assert_problem(api.post("/payments", {"debtor_id": debtor.pk, "amount": "10.00", "value_on": "2025-11-03",
                                                 "allocate": "legal_order",
                                                 "allocations": [{"invoice_id": first.pk, "amount": "10.00"}]}), 422)  # fmt: skip

    assert fields_named(stranger) == {"named_invoices.0"}
    assert fields_named(both) == {"allocations"}
