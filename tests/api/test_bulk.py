from __future__ import annotations

from django_scopes import scope

from tact.ledger.models import Debtor, Invoice

from .conftest import assert_problem

ROWS = [
    {"invoice_number": "RE-1", "debtor_number": "K-1", "debtor_name": "Krause GmbH", "issue_date": "2025-10-01",
     "due_date": "2025-10-31", "amount": "1190.00", "currency": "EUR", "kind": "B2B", "country": "DE"},
    {"invoice_number": "RE-2", "debtor_number": "K-1", "debtor_name": "Krause GmbH", "issue_date": "2025-10-05",
     "due_date": "2025-11-04", "amount": "500.00", "open_amount": "200.00"},
    {"invoice_number": "GS-1", "debtor_number": "K-2", "debtor_name": "Jansen B.V.", "issue_date": "2025-10-07",
     "due_date": "2025-10-07", "amount": "-50.00", "country": "NL", "language": "nl"},
]  # fmt: skip


def _count(creditor):
    with scope(creditor=creditor):
        return Debtor.objects.count(), Invoice.objects.count()


def test_bulk_upsert_creates_then_changes_nothing_on_repeat(api, creditor):
    first = api.post("/invoices/bulk", {"rows": ROWS})
    again = api.post("/invoices/bulk", {"rows": ROWS})

    assert first.status_code == 200, first.content
    assert first.json()["created"] == {"debtors": 2, "invoices": 3}
    assert again.json()["created"] == {"debtors": 0, "invoices": 0}
    assert again.json()["unchanged"] == 3
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-2").open_amount == 200
        assert Invoice.objects.get(number="GS-1").kind == "credit_note"


def test_bulk_dry_run_reports_and_writes_nothing(api, creditor):
    response = api.post("/invoices/bulk", {"rows": ROWS, "dry_run": True})

    assert response.status_code == 200, response.content
    assert response.json()["created"] == {"debtors": 2, "invoices": 3}
    assert response.json()["dry_run"] is True
    assert _count(creditor) == (0, 0)


def test_bulk_with_a_bad_row_writes_nothing_and_names_row_and_column(api, creditor):
    rows = [ROWS[0], {**ROWS[1], "due_date": "31.02.2025"}, {**ROWS[2], "amount": 12.5}]

    body = assert_problem(api.post("/invoices/bulk", {"rows": rows}), 422, "import_rejected")

    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "due_date"), (3, "amount")]
    assert body["errors"][0]["value"] == "31.02.2025"
    assert _count(creditor) == (0, 0)


def test_bulk_row_with_a_nul_character_is_refused(api, creditor):
    body = assert_problem(
        api.post("/invoices/bulk", {"rows": [{**ROWS[0], "debtor_name": "Kr\x00use"}]}), 422
    )

    assert body["errors"][0]["row"] == 1 and body["errors"][0]["column"] == "debtor_name"
    assert _count(creditor) == (0, 0)


def test_bulk_body_without_rows_names_the_field(api):
    body = assert_problem(api.post("/invoices/bulk", {"dry_run": True}), 422, "validation_failed")

    assert body["errors"][0]["field"] == "rows"


def test_bulk_with_an_idempotency_key_runs_once(api, creditor):
    first = api.post("/invoices/bulk", {"rows": ROWS}, headers={"Idempotency-Key": "bulk-1"})
    again = api.post("/invoices/bulk", {"rows": ROWS}, headers={"Idempotency-Key": "bulk-1"})

    assert again.json() == first.json()
    assert again.json()["created"]["invoices"] == 3
