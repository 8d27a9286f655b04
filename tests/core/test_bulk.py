"""Set-based inserts: the rows they write match what the ORM would write."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.core.bulk import insert_rows
from tact.ledger.models import Contact, Debtor, Invoice
from tests.factories import DebtorFactory

pytestmark = pytest.mark.django_db


def test_unlisted_fields_get_the_defaults_a_model_instance_would(creditor):
    # given: a debtor and a contact inserted as plain tuples, naming only a few fields
    with scope(creditor=creditor):
        [debtor_id] = insert_rows(
            Debtor,
            ("creditor_id", "number", "name", "country", "language"),
            [(creditor.pk, "K-1", "A", "DE", "de")],
        )
        [contact_id] = insert_rows(
            Contact, ("creditor_id", "debtor_id", "email"), [(creditor.pk, debtor_id, "a@b.de")]
        )

        # then: every other field is what Debtor(...) and Contact(...) would have saved
        debtor = Debtor.objects.get(pk=debtor_id)
        expected = Debtor(creditor=creditor, number="K-1", name="A", country="DE", language="de")
        for name in ("kind", "vat_id", "preferred_channel", "preferred_payment_method", "currency", "tags"):
            assert getattr(debtor, name) == getattr(expected, name), name
        assert debtor.credit_limit_amount is None and debtor.created_at is not None
        contact = Contact.objects.get(pk=contact_id)
        assert (contact.role, contact.email_status, contact.is_preferred) == ("billing", "unknown", False)


def test_fields_with_a_database_default_or_none_are_filled_in(creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor)
        fields = ("creditor_id", "debtor_id", "number", "kind", "issued_on", "due_on", "currency",
                  "gross_amount", "open_amount", "order_reference", "pdf")  # fmt: skip
        row = (creditor.pk, debtor.pk, "RE-1", "invoice", date(2025, 1, 1), date(2025, 1, 31), "EUR", Decimal("10.00"),
               Decimal("10.00"), "", "")  # fmt: skip

        [pk] = insert_rows(Invoice, fields, [row])

        invoice = Invoice.objects.get(pk=pk)
        assert invoice.charge_key == "" and invoice.parent_id is None and invoice.net_amount is None
