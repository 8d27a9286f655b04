"""Charges: interest, costs and flat compensation are items of their own, linked to their invoice."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.ledger.errors import InvalidLedgerField
from tact.ledger.models import Invoice
from tact.ledger.selectors import charges_open_of, debtors_with_balances, ledger_inconsistencies
from tact.ledger.services import ChargeRequest, charge_add, charges_add, invoice_create
from tests.factories import DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
BOOKED = date(2025, 4, 1)


@pytest.fixture
def invoice(in_scope):
    return InvoiceFactory(
        creditor=in_scope, number="RE-1042", gross_amount=Decimal("1000.00"), open_amount=Decimal("1000.00"),
        issued_on=date(2025, 2, 1), due_on=date(2025, 3, 3),
    )  # fmt: skip


def test_a_charge_is_an_item_of_its_own_and_the_invoice_is_not_touched(invoice):
    before = Invoice.objects.values().get(pk=invoice.pk)

    charge = charge_add(parent=invoice, kind="interest", amount=Decimal("12.344"), booked_on=BOOKED, by=None)

    assert (charge.number, charge.kind, charge.parent_id) == ("RE-1042+I1", "interest", invoice.pk)
    assert (charge.gross_amount, charge.open_amount) == (Decimal("12.34"), Decimal("12.34"))
    assert (charge.issued_on, charge.due_on, charge.debtor_id, charge.currency) == (
        BOOKED, BOOKED, invoice.debtor_id, "EUR"
    )  # fmt: skip
    assert Invoice.objects.values().get(pk=invoice.pk) == before
    assert not ledger_inconsistencies().exists()


def test_a_booking_is_audited_with_its_reason(invoice):
    charge_add(
        parent=invoice, kind="flat_compensation", amount=Decimal("40.00"), booked_on=BOOKED,
        key="action:7", facts={"rule": "§ 288(5) BGB"}, by="messaging",
    )  # fmt: skip

    event = AuditEvent.objects.get(action="charge_booked")
    assert event.actor_label == "messaging"
    assert event.after["number"] == "RE-1042+F7"
    assert event.after["parent"] == "RE-1042"
    assert (event.after["amount"], event.after["rule"]) == ("40.00", "§ 288(5) BGB")


def test_the_same_key_books_a_kind_once(invoice):
    requests = [
        ChargeRequest(parent=invoice, kind="interest", amount=Decimal("12.34"), key="action:9"),
        ChargeRequest(parent=invoice, kind="flat_compensation", amount=Decimal("40.00"), key="action:9"),
    ]

    first = charges_add(requests=requests, booked_on=BOOKED, by=None)
    second = charges_add(requests=requests, booked_on=BOOKED, by=None)

    assert [c.number for c in first] == ["RE-1042+I9", "RE-1042+F9"]
    assert second == []
    assert invoice.charges.count() == 2
    assert AuditEvent.objects.filter(action="charge_booked").count() == 2


def test_charges_without_a_key_are_numbered_in_sequence(invoice):
    charge_add(parent=invoice, kind="fee", amount=Decimal("2.50"), booked_on=BOOKED, by=None)
    charge_add(parent=invoice, kind="fee", amount=Decimal("2.50"), booked_on=BOOKED, by=None)

    assert sorted(invoice.charges.values_list("number", flat=True)) == ["RE-1042+C1", "RE-1042+C2"]


def test_the_database_refuses_a_second_booking_of_the_same_key(invoice):
    charge_add(
        parent=invoice, kind="interest", amount=Decimal("1.00"), booked_on=BOOKED, key="action:3", by=None
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            creditor=invoice.creditor, debtor=invoice.debtor, number="other", kind="interest", parent=invoice,
            charge_key="action:3", issued_on=BOOKED, due_on=BOOKED, gross_amount=1, open_amount=1,
        )  # fmt: skip


def test_the_database_refuses_a_charge_without_an_invoice(invoice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            creditor=invoice.creditor, debtor=invoice.debtor, number="orphan", kind="interest",
            issued_on=BOOKED, due_on=BOOKED, gross_amount=1, open_amount=1,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"kind": "invoice"}, "charges.0.kind", "'invoice' is not one of interest, fee, flat_compensation."),
        ({"amount": Decimal("0.004")}, "charges.0.amount", "a charge is a positive amount, not 0.004."),
        ({"amount": Decimal("-5")}, "charges.0.amount", "a charge is a positive amount, not -5."),
    ],
)
def test_a_bad_charge_is_refused_naming_the_field(invoice, change, field, problem):
    request = {"parent": invoice, "kind": "interest", "amount": Decimal("5.00"), **change}

    with pytest.raises(InvalidLedgerField) as raised:
        charges_add(requests=[ChargeRequest(**request)], booked_on=BOOKED, by=None)

    assert raised.value.message == f"{field}: {problem}"
    assert not invoice.charges.exists()


def test_no_interest_on_interest_and_no_charge_on_a_credit_note(invoice):
    interest = charge_add(parent=invoice, kind="interest", amount=Decimal("5.00"), booked_on=BOOKED, by=None)
    note = InvoiceFactory(
        creditor=invoice.creditor, debtor=invoice.debtor, kind="credit_note", gross_amount=Decimal("-50.00"),
        open_amount=Decimal("-50.00"),
    )  # fmt: skip

    for parent in (interest, note):
        with pytest.raises(InvalidLedgerField) as raised:
            charge_add(parent=parent, kind="interest", amount=Decimal("1.00"), booked_on=BOOKED, by=None)
        assert raised.value.facts["field"] == "charges.0.parent"
    assert Invoice.objects.filter(kind="interest").count() == 1


def test_a_charge_cannot_be_entered_as_an_invoice(in_scope):
    debtor = DebtorFactory(creditor=in_scope)

    with pytest.raises(InvalidLedgerField) as raised:
        invoice_create(creditor=in_scope, debtor=debtor, number="Z-1", kind="interest", issued_on=BOOKED,
                       due_on=BOOKED, gross_amount=Decimal("5.00"), by=None)  # fmt: skip

    assert raised.value.facts["field"] == "kind"


def test_charges_count_in_the_debtors_open_and_overdue_totals(invoice):
    charge_add(parent=invoice, kind="flat_compensation", amount=Decimal("40.00"), booked_on=BOOKED, by=None)

    row = debtors_with_balances(today=date(2025, 4, 2)).get(pk=invoice.debtor_id)

    assert (row.open_total, row.overdue_total, row.open_count) == (Decimal("1040.00"), Decimal("1040.00"), 2)


def test_another_creditors_invoice_cannot_be_charged(invoice, other_creditor):
    with scope(creditor=other_creditor):
        foreign = Invoice.objects.first()

    with pytest.raises(InvalidLedgerField) as raised:
        charge_add(parent=foreign, kind="interest", amount=Decimal("1.00"), booked_on=BOOKED, by=None)

    assert raised.value.facts["field"] == "charges.0.parent"
    with scope(creditor=other_creditor):
        assert not Invoice.objects.filter(parent__isnull=False).exists()


def test_a_debtors_open_charges_are_listed_with_their_invoice(invoice):
    charge_add(parent=invoice, kind="interest", amount=Decimal("3.00"), booked_on=BOOKED, by=None)
    paid = charge_add(parent=invoice, kind="fee", amount=Decimal("2.50"), booked_on=BOOKED, by=None)
    Invoice.objects.filter(pk=paid.pk).update(open_amount=0)

    listed = list(charges_open_of(debtor=invoice.debtor, currency="EUR"))

    assert [(c.number, c.parent.number) for c in listed] == [("RE-1042+I1", "RE-1042")]
    assert list(charges_open_of(debtor=invoice.debtor, currency="CHF")) == []
