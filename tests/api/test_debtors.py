from __future__ import annotations

from datetime import date, timedelta

from django_scopes import scope

from tact.ledger.models import Debtor
from tests.factories import DebtorFactory, InvoiceFactory

from .conftest import assert_problem, fields_named

NEW_DEBTOR = {"number": "K-100", "name": "Bäckerei Krause GmbH", "kind": "business", "country": "DE"}


def test_create_debtor_returns_it_with_money_as_strings(api, creditor):
    response = api.post("/debtors", {**NEW_DEBTOR, "credit_limit_amount": "5000.00", "tags": ["bakery"]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "K-100"
    assert body["credit_limit_amount"] == "5000.00"
    assert body["open_amount"] == "0.00"
    assert body["overdue_amount"] == "0.00"
    assert body["language"] == "de"  # the creditor's default
    with scope(creditor=creditor):
        assert Debtor.objects.get(pk=body["id"]).name == "Bäckerei Krause GmbH"


def test_get_debtor_by_id_and_by_number_shows_open_and_overdue_totals(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="K/7")
        InvoiceFactory(
            creditor=creditor, debtor=debtor, gross_amount="1190.00", due_on=date.today() - timedelta(days=3)
        )
        InvoiceFactory(
            creditor=creditor, debtor=debtor, gross_amount="100.50", due_on=date.today() + timedelta(days=9)
        )

    by_id = api.get(f"/debtors/{debtor.pk}")
    by_number = api.get("/debtors/by-number/K/7")

    assert by_id.status_code == 200
    assert by_id.json() == by_number.json()
    assert by_id.json()["open_amount"] == "1290.50"
    assert by_id.json()["overdue_amount"] == "1190.00"
    assert by_id.json()["open_count"] == 2


def test_patch_debtor_changes_only_what_was_sent(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, name="Old Name", country="DE")

    response = api.patch(f"/debtors/{debtor.pk}", {"name": "New Name", "credit_limit_amount": "250.00"})

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "New Name"
    assert response.json()["country"] == "DE"
    assert response.json()["credit_limit_amount"] == "250.00"


def test_patch_debtor_with_null_for_a_required_field_names_the_field(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)

    body = assert_problem(api.patch(f"/debtors/{debtor.pk}", {"name": None}), 422, "validation_failed")

    assert fields_named(body) == {"name"}


def test_create_debtor_with_a_taken_number_is_a_conflict(api, creditor):
    with scope(creditor=creditor):
        DebtorFactory(creditor=creditor, number="K-100")

    body = assert_problem(api.post("/debtors", NEW_DEBTOR), 409, "debtor_number_taken")

    assert body["facts"] == {"number": "K-100"}


def test_create_debtor_with_a_bad_vat_id_names_the_field(api):
    body = assert_problem(api.post("/debtors", {**NEW_DEBTOR, "vat_id": "DE123"}), 422, "invalid_field")

    assert fields_named(body) == {"vat_id"}


def test_create_debtor_with_missing_and_unknown_fields_names_them(api):
    body = assert_problem(api.post("/debtors", {"number": "K-1", "nmae": "typo"}), 422, "validation_failed")

    assert fields_named(body) == {"name", "nmae"}
    assert {e["in"] for e in body["errors"]} == {"body"}


def test_amount_as_a_json_number_is_refused(api):
    body = assert_problem(api.post("/debtors", {**NEW_DEBTOR, "credit_limit_amount": 5000.1}), 422)

    assert fields_named(body) == {"credit_limit_amount"}


def test_delete_debtor_without_items(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)

    response = api.delete(f"/debtors/{debtor.pk}")

    assert response.status_code == 204
    with scope(creditor=creditor):
        assert not Debtor.objects.filter(pk=debtor.pk).exists()


def test_delete_debtor_with_items_is_a_conflict(api, creditor):
    with scope(creditor=creditor):
        item = InvoiceFactory(creditor=creditor)

    assert_problem(api.delete(f"/debtors/{item.debtor_id}"), 409, "debtor_has_items")


def test_delete_debtor_with_a_payment_is_a_conflict(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)
    api.post("/payments", {"debtor_id": debtor.pk, "amount": "10.00", "value_on": "2025-11-01"})

    assert_problem(api.delete(f"/debtors/{debtor.pk}"), 409, "debtor_has_items")


def test_list_debtors_filters(api, creditor):
    today = date.today()
    with scope(creditor=creditor):
        late = DebtorFactory(creditor=creditor, name="Late Logistics", country="DE", kind="business")
        InvoiceFactory(
            creditor=creditor,
            debtor=late,
            due_on=today - timedelta(days=10),
            issued_on=today - timedelta(days=40),
        )
        punctual = DebtorFactory(
            creditor=creditor, name="Punctual Shop", country="NL", kind="consumer", number="NL-9"
        )
        InvoiceFactory(creditor=creditor, debtor=punctual, due_on=today + timedelta(days=10), issued_on=today)

    def names(**params):
        response = api.get("/debtors", params)
        assert response.status_code == 200, response.content
        return [d["name"] for d in response.json()["items"]]

    assert names() == ["Late Logistics", "Punctual Shop"]
    assert names(country="NL") == ["Punctual Shop"]
    assert names(kind="business") == ["Late Logistics"]
    assert names(number="NL-9") == ["Punctual Shop"]
    assert names(q="logist") == ["Late Logistics"]
    assert names(has_overdue="true") == ["Late Logistics"]
    assert names(has_overdue="false") == ["Punctual Shop"]


def test_list_debtors_with_a_bad_filter_names_it(api):
    body = assert_problem(api.get("/debtors", {"country": "FR", "limit": "501"}), 422)

    assert fields_named(body) == {"country", "limit"}
    assert {e["in"] for e in body["errors"]} == {"query"}
