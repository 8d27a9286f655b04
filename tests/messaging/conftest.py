"""A creditor with a sender profile and one debtor per message language, each with open items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tact.ledger.models import Payment
from tact.messaging.models import SenderProfile
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

TODAY = date(2026, 3, 2)

PEOPLE = {
    "de": dict(number="D-100", name="Bäckerei Sommer GmbH", kind="business", country="DE", language="de",
               contact="Jana Sommer", street="Lindenstraße 12", postal_code="50674", city="Köln",
               phone="+4922112345678", method="transfer"),
    "nl": dict(number="N-200", name="Sanne van Dijk", kind="consumer", country="NL", language="nl",
               contact="Sanne van Dijk", street="Kerkstraat 45", postal_code="3511 LX", city="Utrecht",
               phone="+31612345678", method="ideal"),
    "fr": dict(number="B-300", name="Claire Lemaire", kind="consumer", country="BE", language="fr",
               contact="Claire Lemaire", street="Rue de la Station 8", postal_code="4000", city="Liège",
               phone="+32470123456", method="bancontact"),
    "en": dict(number="A-400", name="Tischlerei Gruber KG", kind="business", country="AT", language="en",
               contact="Martin Gruber", street="Hauptplatz 3", postal_code="8010", city="Graz",
               phone="+433161234567", method="direct_debit"),
}  # fmt: skip


@pytest.fixture
def profile(in_scope):
    return SenderProfile.objects.create(
        creditor=in_scope,
        signature_name="Lea Hoffmann",
        signature_role={"de": "Debitorenmanagement", "en": "Credit management"},
        phone="+4940123456",
        email="buchhaltung@acme.example",
        registration="Amtsgericht Hamburg HRB 123456",
        enterprise_number="0123.456.749",
    )


@pytest.fixture
def portfolio(in_scope, profile):
    """{language: (debtor, [invoices])} for the creditor ``acme``."""
    in_scope.street, in_scope.postal_code, in_scope.city = "Hafenstraße 7", "20457", "Hamburg"
    in_scope.vat_id = "DE123456789"
    in_scope.save()
    out = {}
    for language, p in PEOPLE.items():
        debtor = DebtorFactory(
            creditor=in_scope, number=p["number"], name=p["name"], kind=p["kind"], country=p["country"],
            language=p["language"], preferred_payment_method=p["method"],
        )  # fmt: skip
        ContactFactory(
            debtor=debtor, name=p["contact"], street=p["street"], postal_code=p["postal_code"], city=p["city"],
            country=p["country"], phone=p["phone"], email=f"{p['number'].lower()}@debtor.example",
        )  # fmt: skip
        items = [
            InvoiceFactory(creditor=in_scope, debtor=debtor, number=f"RE-{p['number']}-1",
                           issued_on=date(2026, 1, 5), due_on=date(2026, 2, 4), gross_amount=Decimal("1190.00"),
                           order_reference="PO 5521"),
            InvoiceFactory(creditor=in_scope, debtor=debtor, number=f"RE-{p['number']}-2",
                           issued_on=date(2026, 1, 20), due_on=date(2026, 2, 19), gross_amount=Decimal("238.00")),
        ]  # fmt: skip
        out[language] = (debtor, items)
    return out


@pytest.fixture
def usual_payments(portfolio, in_scope):
    """The German debtor paid its last three invoices by card."""
    debtor = portfolio["de"][0]
    for day in (5, 12, 19):
        Payment.objects.create(
            creditor=in_scope,
            debtor=debtor,
            amount=Decimal("100.00"),
            value_on=date(2026, 1, day),
            method="card",
        )
    return debtor
