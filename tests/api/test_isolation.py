"""A token of creditor A (acme) can neither read nor change anything of creditor B (rival)."""

from __future__ import annotations

import pytest
from django_scopes import scope

from tact.ledger.models import Contact, Debtor, Invoice, Payment
from tact.ledger.services import payment_record
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

from .conftest import assert_problem


@pytest.fixture
def theirs(other_creditor):
    """Creditor B's debtor, contact, invoice and payment (besides the fixture's own items)."""
    with scope(creditor=other_creditor):
        debtor = DebtorFactory(creditor=other_creditor, number="SHARED-1", name="Rival Customer")
        contact = ContactFactory(debtor=debtor)
        invoice = InvoiceFactory(creditor=other_creditor, debtor=debtor, number="SHARED-RE-1")
        payment = payment_record(
            creditor=other_creditor, amount=invoice.gross_amount, currency="EUR", value_on=invoice.issued_on,
            debtor=debtor, by=None,
        )  # fmt: skip
    return {"debtor": debtor, "contact": contact, "invoice": invoice, "payment": payment}


@pytest.fixture
def mine(creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="MINE-1")
        return {
            "debtor": debtor,
            "invoice": InvoiceFactory(creditor=creditor, debtor=debtor, number="MINE-RE-1"),
        }


def _snapshot(creditor):
    with scope(creditor=creditor):
        return (
            list(Debtor.objects.order_by("pk").values()),
            list(Contact.objects.order_by("pk").values()),
            list(Invoice.objects.order_by("pk").values()),
            list(Payment.objects.order_by("pk").values()),
        )


def test_reading_another_creditors_objects_by_id_is_not_found(api, theirs):
    for path in (
        f"/debtors/{theirs['debtor'].pk}",
        f"/debtors/{theirs['debtor'].pk}/contacts",
        f"/contacts/{theirs['contact'].pk}",
        f"/invoices/{theirs['invoice'].pk}",
        f"/payments/{theirs['payment'].pk}",
    ):
        assert_problem(api.get(path), 404, "not_found")


def test_reading_another_creditors_objects_by_number_is_not_found(api, theirs):
    assert_problem(api.get("/debtors/by-number/SHARED-1"), 404)
    assert_problem(api.get("/invoices/by-number/SHARED-RE-1"), 404)


def test_lists_and_filters_show_only_own_objects(api, theirs, mine):
    assert [d["number"] for d in api.get("/debtors").json()["items"]] == ["MINE-1"]
    assert [i["number"] for i in api.get("/invoices").json()["items"]] == ["MINE-RE-1"]
    assert api.get("/contacts").json()["items"] == []
    assert api.get("/payments").json()["items"] == []
    for path, params in (
        ("/debtors", {"number": "SHARED-1"}),
        ("/debtors", {"q": "Rival"}),
        ("/invoices", {"debtor_id": theirs["debtor"].pk}),
        ("/invoices", {"debtor_number": "SHARED-1"}),
        ("/invoices", {"number": "SHARED-RE-1"}),
        ("/contacts", {"debtor_id": theirs["debtor"].pk}),
        ("/payments", {"debtor_id": theirs["debtor"].pk}),
        ("/payments", {"debtor_number": "SHARED-1"}),
    ):
        response = api.get(path, params)
        assert response.status_code == 200 and response.json()["items"] == [], (path, params)


def test_changing_another_creditors_objects_is_not_found_and_changes_nothing(api, theirs, other_creditor):
    before = _snapshot(other_creditor)

    assert_problem(api.patch(f"/debtors/{theirs['debtor'].pk}", {"name": "Hijacked"}), 404)
    assert_problem(api.delete(f"/debtors/{theirs['debtor'].pk}"), 404)
    assert_problem(api.post(f"/debtors/{theirs['debtor'].pk}/contacts", {"name": "Spy"}), 404)
    assert_problem(api.patch(f"/contacts/{theirs['contact'].pk}", {"name": "Hijacked"}), 404)
    assert_problem(api.delete(f"/contacts/{theirs['contact'].pk}"), 404)
    assert_problem(api.patch(f"/invoices/{theirs['invoice'].pk}", {"open_amount": "0"}), 404)

    assert _snapshot(other_creditor) == before


def test_another_creditors_objects_cannot_be_referenced_in_a_body(api, theirs, mine, other_creditor):
    before = _snapshot(other_creditor)
    invoice = {"number": "NEW-1", "issued_on": "2025-10-01", "due_on": "2025-10-31", "gross_amount": "1.00"}

    assert_problem(
        api.post("/invoices", {**invoice, "debtor_id": theirs["debtor"].pk}), 422, "invalid_reference"
    )
    assert_problem(api.post("/invoices", {**invoice, "debtor_number": "SHARED-1"}), 422, "invalid_reference")
    for allocation in ({"invoice_id": theirs["invoice"].pk}, {"invoice_number": "SHARED-RE-1"}):
        assert_problem(
            api.post("/payments", {"amount": "1.00", "value_on": "2025-11-01",
                                   "allocations": [{**allocation, "amount": "1.00"}]}),
            422,
            "invalid_reference",
        )  # fmt: skip
    assert_problem(
        api.post("/payments", {"debtor_id": theirs["debtor"].pk, "amount": "1.00", "value_on": "2025-11-01"}),
        422,
    )

    assert _snapshot(other_creditor) == before


def test_the_same_numbers_may_exist_at_both_creditors(api, theirs, other_creditor):
    before = _snapshot(other_creditor)

    debtor = api.post("/debtors", {"number": "SHARED-1", "name": "Our Customer"})
    invoice = api.post("/invoices", {"debtor_number": "SHARED-1", "number": "SHARED-RE-1", "issued_on": "2025-10-01",
                                     "due_on": "2025-10-31", "gross_amount": "5.00"})  # fmt: skip

    assert debtor.status_code == 201 and invoice.status_code == 201, (debtor.content, invoice.content)
    assert (
        api.get("/invoices/by-number/SHARED-RE-1").json()["id"]
        == invoice.json()["id"]
        != theirs["invoice"].pk
    )
    assert _snapshot(other_creditor) == before


def test_bulk_upsert_never_touches_another_creditors_items(api, theirs, other_creditor):
    before = _snapshot(other_creditor)
    row = {"invoice_number": "SHARED-RE-1", "debtor_number": "SHARED-1", "debtor_name": "Ours",
           "issue_date": "2025-10-01", "due_date": "2025-10-31", "amount": "7.00"}  # fmt: skip

    response = api.post("/invoices/bulk", {"rows": [row]})

    assert response.status_code == 200, response.content
    assert response.json()["created"] == {"debtors": 1, "invoices": 1}
    assert _snapshot(other_creditor) == before


def test_the_other_creditors_token_sees_its_own_data_only(other_api, mine, theirs):
    numbers = [d["number"] for d in other_api.get("/debtors", {"limit": 500}).json()["items"]]

    assert "SHARED-1" in numbers and "MINE-1" not in numbers
    assert_problem(other_api.get(f"/invoices/{mine['invoice'].pk}"), 404)
