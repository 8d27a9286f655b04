"""Helpers of the dunning page tests: real actions, made by running the daily cycle."""

from __future__ import annotations

from datetime import timedelta

from django_scopes import scope

from tact.dunning.models import Action
from tact.dunning.services import cycle_run, policy_presets_install
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

from .conftest import TODAY

# Items due four weeks before TODAY (a Monday) reach the customer-centric final notice,
# which a person must approve, on TODAY: the cycle runs on each earlier stage's day.
DUE = TODAY - timedelta(days=28)
STAGE_DAYS = (3, 10, 17, 28)


def debtors_with_overdue_items(creditor, count: int, *, prefix: str = "D", country: str = "DE", **fields):
    """``count`` business debtors, each with a reachable contact and one item due on DUE."""
    debtors = []
    with scope(creditor=creditor):
        for n in range(count):
            debtor = DebtorFactory(
                creditor=creditor, number=f"{prefix}{n:04d}", name=f"{prefix} Debtor {n:04d} GmbH",
                country=country, **fields,
            )  # fmt: skip
            ContactFactory(
                creditor=creditor, debtor=debtor, street="Hauptstr. 1", postal_code="10115", city="Berlin"
            )
            InvoiceFactory(
                creditor=creditor,
                debtor=debtor,
                number=f"{prefix}-RE-{n:04d}",
                issued_on=DUE - timedelta(days=30),
                due_on=DUE,
            )
            debtors.append(debtor)
    return debtors


def final_notices(creditor, count: int = 3, *, prefix: str = "D") -> list[Action]:
    """Final notices awaiting approval on TODAY for ``count`` new debtors, made by the cycle."""
    debtors_with_overdue_items(creditor, count, prefix=prefix)
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        for offset in STAGE_DAYS:
            cycle_run(creditor=creditor, run_on=DUE + timedelta(days=offset))
        return list(
            Action.objects.filter(run_on=TODAY, status="awaiting_approval", debtor__number__startswith=prefix)
            .select_related("debtor", "stage")
            .order_by("debtor__number")
        )
