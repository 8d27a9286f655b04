"""Helpers for the dunning tests: a creditor with the presets and debtors with items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tact.dunning.presets import policy_presets_install
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory


def debtor_with_items(
    creditor,
    *,
    due: list[date],
    amount: str = "1190.00",
    country: str | None = None,
    kind: str = "business",
    email: bool = True,
    street: bool = True,
    **debtor_fields,
):
    """A debtor with a reachable preferred contact and one open invoice per due date."""
    debtor = DebtorFactory(creditor=creditor, kind=kind, country=country or creditor.country, **debtor_fields)
    ContactFactory(
        creditor=creditor, debtor=debtor, email=f"ap-{debtor.number}@example.com" if email else "",
        phone="+4930123456", street="Hauptstr. 1" if street else "", postal_code="10115", city="Berlin",
    )  # fmt: skip
    items = [
        InvoiceFactory(
            creditor=creditor,
            debtor=debtor,
            issued_on=d.replace(day=1) if d.day > 1 else d,
            due_on=d,
            gross_amount=Decimal(amount),
            net_amount=None,
            vat_amount=None,
        )  # fmt: skip
        for d in due
    ]
    return debtor, items


@pytest.fixture
def presets(in_scope):
    policy_presets_install(creditor=in_scope)
    return in_scope
