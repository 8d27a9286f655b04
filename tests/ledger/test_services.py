"""Ledger writes: open amounts move only with allocations, and every change is audited."""

from datetime import date
from decimal import Decimal

import pytest

from tact.audit.models import AuditEvent
from tact.ledger.errors import (
    AllocationExceedsOpenAmount,
    AllocationExceedsPayment,
    CurrencyMismatch,
    DebtorNumberTaken,
    InvalidLedgerField,
)
from tact.ledger.models import Invoice
from tact.ledger.selectors import debtors_with_balances, ledger_inconsistencies
from tact.ledger.services import (
    AllocationRequest,
    contact_create,
    debtor_create,
    invoice_create,
    invoice_update,
    payment_record,
)
from tests.factories import DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_a_payment_settles_one_item_and_reduces_another(in_scope):
    debtor = DebtorFactory(creditor=in_scope)
    first = InvoiceFactory(creditor=in_scope, debtor=debtor, gross_amount=Decimal("300.00"))
    second = InvoiceFactory(creditor=in_scope, debtor=debtor, gross_amount=Decimal("1190.00"))

    payment_record(
        creditor=in_scope, amount=Decimal("500.00"), currency="EUR", value_on=date(2025, 11, 3),
        allocations=[AllocationRequest(invoice=first, amount=Decimal("300.00")),
                     AllocationRequest(invoice=second, amount=Decimal("200.00"))],
        by=None,
    )  # fmt: skip

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.open_amount == 0 and first.settled_on == date(2025, 11, 3)
    assert second.open_amount == Decimal("990.00") and second.settled_on is None
    assert not ledger_inconsistencies().exists()
    assert AuditEvent.objects.filter(action="payment_recorded").count() == 1


def test_an_allocation_above_the_open_amount_is_refused(in_scope):
    item = InvoiceFactory(creditor=in_scope, number="RE-7", gross_amount=Decimal("80.00"))

    with pytest.raises(AllocationExceedsOpenAmount) as raised:
        payment_record(creditor=in_scope, amount=Decimal("120.00"), currency="EUR", value_on=date(2025, 11, 3),
                       allocations=[AllocationRequest(invoice=item, amount=Decimal("120.00"))], by=None)  # fmt: skip

    assert raised.value.message == "120.00 EUR exceeds the open amount 80.00 EUR of item RE-7."
    item.refresh_from_db()
    assert item.open_amount == Decimal("80.00")


def test_allocations_cannot_exceed_the_payment(in_scope):
    item = InvoiceFactory(creditor=in_scope)

    with pytest.raises(AllocationExceedsPayment):
        payment_record(creditor=in_scope, amount=Decimal("10.00"), currency="EUR", value_on=date(2025, 11, 3),
                       allocations=[AllocationRequest(invoice=item, amount=Decimal("20.00"))], by=None)  # fmt: skip


def test_a_payment_in_another_currency_is_refused(in_scope):
    item = InvoiceFactory(creditor=in_scope)

    with pytest.raises(CurrencyMismatch):
        payment_record(creditor=in_scope, amount=Decimal("10.00"), currency="CHF", value_on=date(2025, 11, 3),
                       allocations=[AllocationRequest(invoice=item, amount=Decimal("10.00"))], by=None)  # fmt: skip


def test_the_same_external_payment_twice_is_recorded_once(in_scope):
    item = InvoiceFactory(creditor=in_scope, gross_amount=Decimal("100.00"))

    for _ in range(2):
        payment_record(creditor=in_scope, amount=Decimal("40.00"), currency="EUR", value_on=date(2025, 11, 3),
                       source="bank", external_id="TX-1",
                       allocations=[AllocationRequest(invoice=item, amount=Decimal("40.00"))], by=None)  # fmt: skip

    item.refresh_from_db()
    assert item.open_amount == Decimal("60.00")


def test_an_item_booked_partly_paid_explains_its_open_amount(in_scope):
    debtor = DebtorFactory(creditor=in_scope)

    item = invoice_create(creditor=in_scope, debtor=debtor, number="RE-9", issued_on=date(2025, 10, 1),
                          due_on=date(2025, 10, 31), gross_amount=Decimal("1190.00"),
                          open_amount=Decimal("190.00"), by=None)  # fmt: skip

    assert item.open_amount == Decimal("190.00")
    assert item.allocations.get().amount == Decimal("1000.00")
    assert not ledger_inconsistencies().exists()


def test_the_gross_amount_cannot_drop_below_what_was_paid(in_scope):
    item = InvoiceFactory(creditor=in_scope, gross_amount=Decimal("100.00"))
    payment_record(creditor=in_scope, amount=Decimal("80.00"), currency="EUR", value_on=date(2025, 11, 3),
                   allocations=[AllocationRequest(invoice=item, amount=Decimal("80.00"))], by=None)  # fmt: skip

    with pytest.raises(InvalidLedgerField, match="paid already"):
        invoice_update(invoice=item, gross_amount=Decimal("50.00"), by=None)

    updated = invoice_update(invoice=item, gross_amount=Decimal("120.00"), by=None)
    assert updated.open_amount == Decimal("40.00")


def test_a_debtor_number_is_unique_per_creditor(in_scope):
    debtor_create(creditor=in_scope, number="K-1", name="Alpha GmbH", by=None)

    with pytest.raises(DebtorNumberTaken):
        debtor_create(creditor=in_scope, number="K-1", name="Beta GmbH", by=None)


def test_a_contact_phone_is_stored_in_e164(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="NL")

    contact = contact_create(debtor=debtor, name="Jan de Vries", phone="06 12345678", by=None)

    assert contact.phone == "+31612345678" and contact.is_preferred


def test_balances_separate_open_and_overdue(in_scope):
    debtor = DebtorFactory(creditor=in_scope)
    InvoiceFactory(
        creditor=in_scope, debtor=debtor, due_on=date(2025, 10, 31), gross_amount=Decimal("100.00")
    )
    InvoiceFactory(creditor=in_scope, debtor=debtor, due_on=date(2025, 12, 31), gross_amount=Decimal("50.00"))

    row = debtors_with_balances(today=date(2025, 11, 15)).get(pk=debtor.pk)

    assert (
        row.open_total == Decimal("150.00") and row.overdue_total == Decimal("100.00") and row.open_count == 2
    )


def test_the_database_refuses_an_open_amount_above_the_gross_amount(in_scope):
    from django.db import IntegrityError, transaction

    item = InvoiceFactory(creditor=in_scope, gross_amount=Decimal("100.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=item.pk).update(open_amount=Decimal("150.00"))


def test_an_open_credit_note_is_not_overdue(in_scope):
    debtor = DebtorFactory(creditor=in_scope)
    InvoiceFactory(
        creditor=in_scope, debtor=debtor, due_on=date(2025, 10, 31), gross_amount=Decimal("100.00")
    )
    InvoiceFactory(
        creditor=in_scope, debtor=debtor, kind="credit_note", issued_on=date(2025, 10, 1),
        due_on=date(2025, 10, 1), gross_amount=Decimal("-30.00"),
    )  # fmt: skip

    row = debtors_with_balances(today=date(2025, 11, 15)).get(pk=debtor.pk)

    assert row.open_total == Decimal("70.00") and row.overdue_total == Decimal("100.00")
