from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django_scopes import scope

from tact.ledger.services import payment_record
from tests.factories import DebtorFactory, InvoiceFactory

from .conftest import assert_problem, fields_named


def _walk(api, path, limit, **params):
    ids, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


def test_debtor_pages_have_no_duplicates_or_gaps_even_with_equal_names(api, creditor):
    with scope(creditor=creditor):
        # Equal names make the id the tie-breaker.
        made = [DebtorFactory(creditor=creditor, name=f"Debtor {n % 3}").pk for n in range(23)]

    ids, pages = _walk(api, "/debtors", 5)

    assert pages == 5
    assert sorted(ids) == sorted(made) and len(ids) == len(set(ids))


def test_invoice_pages_follow_the_due_date(api, creditor):
    start = date(2025, 1, 1)
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)
        made = [
            InvoiceFactory(
                creditor=creditor, debtor=debtor, issued_on=start, due_on=start + timedelta(days=n % 4)
            ).pk
            for n in range(17)
        ]

    ids, pages = _walk(api, "/invoices", 4)
    due = [api.get(f"/invoices/{pk}").json()["due_on"] for pk in ids]

    assert pages == 5
    assert sorted(ids) == sorted(made) and len(ids) == len(set(ids))
    assert due == sorted(due)


def test_payment_and_contact_pages_are_complete(api, creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)
        payments = [
            payment_record(creditor=creditor, debtor=debtor, amount=Decimal("1.00"), currency="EUR",
                           value_on=date(2025, 1, 1 + n % 3), by=None).pk
            for n in range(7)
        ]  # fmt: skip
    for n in range(7):
        api.post(f"/debtors/{debtor.pk}/contacts", {"name": f"Contact {n}"})

    payment_ids, _ = _walk(api, "/payments", 2)
    contact_ids, _ = _walk(api, "/contacts", 3)

    assert sorted(payment_ids) == sorted(payments) and len(payment_ids) == 7
    assert len(set(contact_ids)) == 7


def test_a_page_ends_with_a_null_cursor(api, creditor):
    with scope(creditor=creditor):
        DebtorFactory(creditor=creditor)

    assert api.get("/debtors", {"limit": 1}).json()["next_cursor"] is None


def test_a_forged_cursor_names_the_field(api):
    for cursor in ("not-base64!", "WzEsMl0", "bnVsbA", "W251bGwsLTFd"):
        body = assert_problem(api.get("/invoices", {"cursor": cursor}), 422, "invalid_cursor")
        assert fields_named(body) == {"cursor"}


def test_limit_is_between_1_and_500(api):
    assert_problem(api.get("/debtors", {"limit": 0}), 422)
    assert_problem(api.get("/debtors", {"limit": 501}), 422)
    assert api.get("/debtors", {"limit": 500}).status_code == 200
