from __future__ import annotations

from datetime import date, timedelta

from django_scopes import scope

from tact.ledger.models import Invoice, Payment
from tests.factories import DebtorFactory, InvoiceFactory

from .conftest import assert_problem, fields_named


def _debtor(creditor, **kwargs):
    with scope(creditor=creditor):
        return DebtorFactory(creditor=creditor, **kwargs)


def test_create_invoice_by_debtor_number(api, creditor):
    debtor = _debtor(creditor, number="K-1")

    response = api.post(
        "/invoices",
        {"debtor_number": "K-1", "number": "RE-1", "issued_on": "2025-10-01", "due_on": "2025-10-31",
         "gross_amount": "1190.00", "net_amount": "1000.00", "vat_amount": "190.00"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["debtor_id"] == debtor.pk
    assert (body["gross_amount"], body["open_amount"], body["net_amount"]) == (
        "1190.00",
        "1190.00",
        "1000.00",
    )
    assert body["status"] == "open" and body["kind"] == "invoice"
    assert body["issued_on"] == "2025-10-01"


def test_create_invoice_with_a_lower_open_amount_books_the_difference_as_paid(api, creditor):
    debtor = _debtor(creditor)

    response = api.post(
        "/invoices",
        {"debtor_id": debtor.pk, "number": "RE-2", "issued_on": "2025-10-01", "due_on": "2025-10-31",
         "gross_amount": "1190.00", "open_amount": "190.00"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert response.json()["open_amount"] == "190.00"
    with scope(creditor=creditor):
        assert Payment.objects.get(debtor=debtor).amount == 1000


def test_create_credit_note(api, creditor):
    debtor = _debtor(creditor)

    response = api.post(
        "/invoices",
        {"debtor_id": debtor.pk, "number": "GS-1", "kind": "credit_note", "issued_on": "2025-10-01",
         "due_on": "2025-10-01", "gross_amount": "-119.00"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert response.json()["gross_amount"] == "-119.00"
    assert response.json()["is_overdue"] is False


def test_credit_note_with_a_positive_amount_names_the_field(api, creditor):
    debtor = _debtor(creditor)

    body = assert_problem(
        api.post(
            "/invoices",
            {"debtor_id": debtor.pk, "number": "GS-2", "kind": "credit_note", "issued_on": "2025-10-01",
             "due_on": "2025-10-01", "gross_amount": "119.00"},
        ),
        422,
    )  # fmt: skip

    assert fields_named(body) == {"gross_amount"}


def test_due_date_before_issue_date_names_the_field(api, creditor):
    debtor = _debtor(creditor)

    body = assert_problem(
        api.post(
            "/invoices",
            {"debtor_id": debtor.pk, "number": "RE-3", "issued_on": "2025-10-31", "due_on": "2025-10-01",
             "gross_amount": "10.00"},
        ),
        422,
        "invalid_field",
    )  # fmt: skip

    assert fields_named(body) == {"due_on"}


def test_invoice_without_debtor_names_the_field(api):
    body = assert_problem(
        api.post("/invoices", {"number": "RE-4", "issued_on": "2025-10-01", "due_on": "2025-10-01",
                               "gross_amount": "10.00"}),
        422,
        "invalid_reference",
    )  # fmt: skip

    assert fields_named(body) == {"debtor_id"}


def test_a_taken_invoice_number_is_a_conflict(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor, number="RE-5")

    assert_problem(
        api.post("/invoices", {"debtor_id": item.debtor_id, "number": "RE-5", "issued_on": "2025-10-01",
                               "due_on": "2025-10-01", "gross_amount": "10.00"}),
        409,
        "invoice_number_taken",
    )  # fmt: skip


def test_get_invoice_by_number_with_slashes(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor, number="RE/2025/0042")

    response = api.get("/invoices/by-number/RE/2025/0042")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == item.pk
    assert api.get(f"/invoices/{item.pk}").json() == response.json()


def test_patch_invoice_amount_keeps_what_was_paid(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor, gross_amount="1190.00")
    assert api.patch(f"/invoices/{item.pk}", {"open_amount": "190.00"}).status_code == 200

    response = api.patch(f"/invoices/{item.pk}", {"gross_amount": "1500.00", "order_reference": "PO-7"})

    assert response.status_code == 200, response.content
    assert response.json()["gross_amount"] == "1500.00"
    assert response.json()["open_amount"] == "500.00"
    assert response.json()["order_reference"] == "PO-7"


def test_patch_invoice_open_amount_to_zero_settles_it(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor)

    response = api.patch(f"/invoices/{item.pk}", {"open_amount": "0"})

    assert response.json()["status"] == "settled"
    assert response.json()["open_amount"] == "0.00"
    assert response.json()["settled_on"] is not None


def test_patch_invoice_with_an_open_amount_above_gross_names_the_field_and_changes_nothing(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor, order_reference="")

    body = assert_problem(
        api.patch(f"/invoices/{item.pk}", {"order_reference": "PO-1", "open_amount": "99999.00"}), 422
    )

    assert fields_named(body) == {"open_amount"}
    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=item.pk).order_reference == ""


def test_invoices_cannot_be_deleted(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor)

    assert_problem(api.delete(f"/invoices/{item.pk}"), 405, "method_not_allowed")


def test_list_invoices_filters(api, creditor):
    today = date.today()
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="K-9")
        overdue = InvoiceFactory(creditor=creditor, debtor=debtor, number="A-1",
                                 issued_on=today - timedelta(days=40), due_on=today - timedelta(days=10))  # fmt: skip
        upcoming = InvoiceFactory(
            creditor=creditor, number="A-2", issued_on=today, due_on=today + timedelta(days=20)
        )
        settled = InvoiceFactory(creditor=creditor, number="A-3", open_amount="0.00",
                                 issued_on=today - timedelta(days=60), due_on=today - timedelta(days=30))  # fmt: skip

    def numbers(**params):
        response = api.get("/invoices", params)
        assert response.status_code == 200, response.content
        return [i["number"] for i in response.json()["items"]]

    assert numbers() == ["A-3", "A-1", "A-2"]  # by due date
    assert numbers(debtor_number="K-9") == ["A-1"]
    assert numbers(debtor_id=debtor.pk) == ["A-1"]
    assert numbers(status="open") == ["A-1", "A-2"]
    assert numbers(status="settled") == ["A-3"]
    assert numbers(overdue="true") == ["A-1"]
    assert numbers(overdue="false") == ["A-3", "A-2"]
    assert numbers(due_after=str(today - timedelta(days=10)), due_before=str(today)) == ["A-1"]
    assert numbers(number="A-2") == ["A-2"]
    assert api.get("/invoices", {"number": "A-1"}).json()["items"][0]["is_overdue"] is True
    assert {overdue.pk, upcoming.pk, settled.pk}
