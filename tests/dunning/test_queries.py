"""The cycle is set-based: its number of SQL statements does not grow with the portfolio."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from tact.dunning.models import Action, Hold, StageHistory
from tact.dunning.presets import policy_presets_install
from tact.ledger.models import Contact, Debtor, Invoice
from tests.dunning.conftest import MONDAY, run
from tests.factories import CreditorFactory

COUNTRIES = ("DE", "NL", "BE", "AT")


def portfolio(creditor, debtors: int) -> None:
    """Debtors of every country and kind, each with an overdue and a not-yet-due item; a
    tenth of them on hold."""
    Debtor.objects.bulk_create(
        Debtor(creditor=creditor, number=f"D{n:05d}", name=f"Debtor {n}", country=COUNTRIES[n % 4],
               kind="consumer" if n % 2 else "business", language="en", currency="EUR")
        for n in range(debtors)
    )  # fmt: skip
    rows = list(Debtor.objects.filter(creditor=creditor).order_by("number"))
    Contact.objects.bulk_create(
        Contact(creditor=creditor, debtor=d, email=f"{d.number}@example.com", street="Street 1", city="Town",
                is_preferred=True)
        for d in rows
    )  # fmt: skip
    Invoice.objects.bulk_create(
        Invoice(creditor=creditor, debtor=d, number=f"{d.number}-{k}", issued_on=due - timedelta(days=30), due_on=due,
                gross_amount=Decimal("500.00"), open_amount=Decimal("500.00"), currency="EUR")
        for d in rows
        for k, due in enumerate((MONDAY - timedelta(days=15), MONDAY + timedelta(days=2)))
    )  # fmt: skip
    Hold.objects.bulk_create(
        Hold(creditor=creditor, debtor=d, reason="dispute", starts_on=MONDAY - timedelta(days=5))
        for d in rows[::10]
    )


def statements(creditor, days, *, dry_run: bool) -> list[int]:
    counts = []
    for day in days:
        with CaptureQueriesContext(connection) as captured:
            run(creditor, day, dry_run=dry_run)
        counts.append(len(captured.captured_queries))
    return counts


@pytest.mark.parametrize("dry_run", [False, True])
def test_ten_and_a_thousand_debtors_take_the_same_number_of_statements(presets, dry_run):
    # given a small and a large portfolio of two creditors with the same policies
    large = CreditorFactory(slug="large", country="DE")
    portfolio(presets, 10)
    with scope(creditor=large):
        policy_presets_install(creditor=large)
        portfolio(large, 1000)
    days = [MONDAY, MONDAY + timedelta(days=1)]  # the second day finds a stage history
    # when the cycle runs for each
    small_counts = statements(presets, days, dry_run=dry_run)
    with scope(creditor=large):
        large_counts = statements(large, days, dry_run=dry_run)
        advanced = StageHistory.objects.count()
        actions = Action.objects.count()
    # then each day takes the same statements, whatever the size
    assert small_counts == large_counts
    # (900 debtors without a hold: on Monday both their items advance, the overdue one to
    # the friendly reminder and the one due on Wednesday to the pre-due reminder, in one action)
    assert (advanced, actions) == ((0, 0) if dry_run else (1800, 900))
