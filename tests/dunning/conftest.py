"""Helpers for the dunning tests: a creditor with the presets, debtors with open items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tact.dunning.models import Action, StageHistory
from tact.dunning.presets import policy_presets_install
from tact.dunning.services import cycle_run
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

MONDAY = date(2025, 3, 3)


def debtor_with_items(
    creditor,
    *,
    due: list[date],
    amount: str = "1190.00",
    open_amount: str | None = None,
    currency: str = "EUR",
    country: str | None = None,
    kind: str = "business",
    email: bool = True,
    street: bool = True,
    phone: bool = True,
    **debtor_fields,
):
    """A debtor with one preferred contact and one invoice per due date, open by default."""
    debtor = DebtorFactory(creditor=creditor, kind=kind, country=country or creditor.country, **debtor_fields)
    if email or street or phone:
        ContactFactory(
            creditor=creditor, debtor=debtor, email=f"ap-{debtor.number.lower()}@example.com" if email else "",
            phone="+4930123456" if phone else "", street="Hauptstr. 1" if street else "", postal_code="10115",
            city="Berlin" if street else "",
        )  # fmt: skip
    items = [
        InvoiceFactory(
            creditor=creditor,
            debtor=debtor,
            issued_on=d.replace(day=1),
            due_on=d,
            currency=currency,
            gross_amount=Decimal(amount),
            net_amount=None,
            vat_amount=None,
            open_amount=Decimal(open_amount if open_amount is not None else amount),
        )  # fmt: skip
        for d in due
    ]
    return debtor, items


def run(creditor, day: date, **kwargs):
    return cycle_run(creditor=creditor, run_on=day, **kwargs)


def stages_of(invoice) -> list[str]:
    return list(
        StageHistory.objects.filter(invoice=invoice).order_by("position").values_list("stage__key", flat=True)
    )


def actions_on(day: date) -> list[Action]:
    return list(
        Action.objects.filter(run_on=day).select_related("stage", "debtor").order_by("debtor__number")
    )


@pytest.fixture
def presets(in_scope):
    """The creditor (DE) in scope with the three shipped policies."""
    policy_presets_install(creditor=in_scope)
    return in_scope
