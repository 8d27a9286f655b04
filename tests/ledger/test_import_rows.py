"""The import pipeline through its API entry point (rows as dicts): the merge contract."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.ledger.imports.services import import_rows
from tact.ledger.models import Contact, Debtor, Invoice, Payment
from tact.ledger.selectors import ledger_inconsistencies
from tests.factories import DebtorFactory

pytestmark = pytest.mark.django_db


def row(**overrides):
    base = {
        "invoice_number": "RE-1001",
        "debtor_number": "K-1",
        "debtor_name": "Müller Haustechnik GmbH",
        "issue_date": "2025-10-01",
        "due_date": "2025-10-31",
        "amount": "1190.00",
        "email": "buchhaltung@mueller.example",
    }
    return {**base, **overrides}


def run(creditor, rows, **kwargs):
    return import_rows(creditor=creditor, rows=rows, by=None, actor_label="test", **kwargs)


def test_new_rows_create_debtors_items_and_a_preferred_contact(in_scope):
    report = run(in_scope, [row(), row(invoice_number="RE-1002", amount="238.00")])

    assert report["created"] == {"debtors": 1, "invoices": 2}
    debtor = Debtor.objects.get(number="K-1")
    assert debtor.country == "DE" and debtor.language == "de" and debtor.kind == "business"
    assert Contact.objects.get(debtor=debtor).is_preferred
    assert Invoice.objects.get(number="RE-1002").open_amount == Decimal("238.00")


def test_importing_the_same_rows_twice_changes_nothing(in_scope):
    run(in_scope, [row(), row(invoice_number="RE-1002")])
    events = AuditEvent.objects.count()

    report = run(in_scope, [row(), row(invoice_number="RE-1002")])

    assert report["created"] == {"debtors": 0, "invoices": 0}
    assert report["updated"] == {"debtors": 0, "invoices": 0}
    assert report["unchanged"] == 2
    assert AuditEvent.objects.count() == events


def test_a_lower_open_amount_is_recorded_as_an_external_payment(in_scope):
    run(in_scope, [row()])

    report = run(in_scope, [row(open_amount="190.00")])

    item = Invoice.objects.get(number="RE-1001")
    assert report["updated"]["invoices"] == 1
    assert item.open_amount == Decimal("190.00")
    payment = Payment.objects.get(allocations__invoice=item)
    assert payment.amount == Decimal("1000.00") and payment.source == "api"
    assert not ledger_inconsistencies().exists()


def test_an_item_paid_in_full_is_settled(in_scope):
    run(in_scope, [row()])

    run(in_scope, [row(open_amount="0")])

    item = Invoice.objects.get(number="RE-1001")
    assert item.open_amount == 0 and item.settled_on is not None
    assert not ledger_inconsistencies().exists()


def test_a_bad_row_writes_nothing_and_names_row_and_field(in_scope):
    report = run(in_scope, [row(), row(invoice_number="RE-1002", due_date="2025-02-31")])

    assert report["error_count"] == 1
    assert report["errors"] == [
        {"row": 2, "column": "due_date", "value": "2025-02-31", "message": "must be a date like 2025-12-31."}
    ]
    assert not Invoice.objects.exists() and not Debtor.objects.exists()


def test_a_dry_run_reports_exact_counts_and_writes_nothing(in_scope):
    report = run(in_scope, [row(), row(invoice_number="RE-1002")], dry_run=True)

    assert report["created"] == {"debtors": 1, "invoices": 2}
    assert report["dry_run"] is True
    assert not Invoice.objects.exists()


def test_the_same_item_twice_in_one_file_is_an_error(in_scope):
    report = run(in_scope, [row(), row(amount="10.00")])

    assert report["errors"][0]["row"] == 2
    assert "appears twice" in report["errors"][0]["message"]
    assert not Invoice.objects.exists()


def test_a_first_import_reuses_a_debtor_that_has_no_items_yet(in_scope):
    DebtorFactory(creditor=in_scope, number="K-1", name="Müller Haustechnik GmbH", country="DE")

    report = run(in_scope, [row(), row(invoice_number="RE-1002")])

    assert report["created"] == {"debtors": 0, "invoices": 2}
    assert Debtor.objects.count() == 1
    assert Invoice.objects.filter(debtor__number="K-1").count() == 2


def test_an_item_cannot_move_to_another_debtor(in_scope):
    run(in_scope, [row()])

    report = run(in_scope, [row(debtor_number="K-2", debtor_name="Other GmbH")])

    assert report["errors"][0]["column"] == "debtor_number"
    assert Invoice.objects.get(number="RE-1001").debtor.number == "K-1"
    assert not Debtor.objects.filter(number="K-2").exists()


def test_a_credit_note_is_a_negative_item(in_scope):
    run(in_scope, [row(invoice_number="GS-1", amount="-119.00")])

    note = Invoice.objects.get(number="GS-1")
    assert note.kind == "credit_note" and note.open_amount == Decimal("-119.00")


def test_changed_debtor_facts_are_updated_and_audited(in_scope):
    run(in_scope, [row()])

    report = run(in_scope, [row(debtor_name="Müller Haustechnik GmbH & Co. KG", email="ap@mueller.example")])

    assert report["updated"]["debtors"] == 1
    assert Debtor.objects.get(number="K-1").name == "Müller Haustechnik GmbH & Co. KG"
    assert Contact.objects.get(debtor__number="K-1").email == "ap@mueller.example"
    assert AuditEvent.objects.filter(action="imported_change", subject_type="ledger.debtor").exists()


def test_rows_land_in_the_callers_creditor_only(in_scope, other_creditor):
    run(in_scope, [row()])

    with scope(creditor=other_creditor):
        assert not Invoice.objects.filter(number="RE-1001").exists()
        report = run(other_creditor, [row()])
        assert report["created"]["invoices"] == 1


def test_a_raised_gross_amount_keeps_what_was_paid(in_scope):
    run(in_scope, [row(open_amount="190.00")])

    run(in_scope, [row(amount="1290.00")])

    assert Invoice.objects.get(number="RE-1001").open_amount == Decimal("290.00")
    assert not ledger_inconsistencies().exists()


def test_merge_uses_a_bounded_number_of_queries(in_scope, django_assert_max_num_queries):
    rows = [
        row(invoice_number=f"RE-{n}", debtor_number=f"K-{n % 40}", debtor_name=f"D {n % 40}")
        for n in range(400)
    ]

    with django_assert_max_num_queries(40):
        report = run(in_scope, rows)

    assert report["created"] == {"debtors": 40, "invoices": 400}
    assert Invoice.objects.filter(due_on=date(2025, 10, 31)).count() == 400


def test_a_row_with_the_number_of_a_booked_charge_is_named_not_a_database_error(in_scope):
    from tact.ledger.services import charge_add

    run(in_scope, [row()])
    charge = charge_add(
        parent=Invoice.objects.get(number="RE-1001"), kind="interest", amount=Decimal("5.00"),
        booked_on=date(2025, 11, 15), by=None,
    )  # fmt: skip

    report = run(in_scope, [row(), row(invoice_number=charge.number, amount="5.00")])

    assert report["error_count"] == 1
    error = report["errors"][0]
    assert (error["row"], error["column"], error["value"]) == (2, "invoice_number", charge.number)
    assert "charge tact booked" in error["message"]
    assert Invoice.objects.get(number=charge.number).kind == "interest"
