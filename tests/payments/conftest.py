"""Fixtures of the payments tests: a frozen clock, a debtor with two open items (and a second
creditor)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_scopes import scope

from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

# "Now" of every payments test: webhook signatures are checked against it.
NOW = datetime(2025, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def items(creditor, other_creditor):
    with scope(creditor=creditor):
        debtor = DebtorFactory(creditor=creditor, number="K-1")
        ContactFactory(debtor=debtor)
        first = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-1", issued_on=date(2025, 9, 1),
                               due_on=date(2025, 10, 1))  # fmt: skip
        second = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-2", issued_on=date(2025, 10, 1),
                                due_on=date(2025, 10, 31), gross_amount=Decimal("238.00"))  # fmt: skip
    return first, second
