"""Fixtures of the staff pages: members with roles, a small portfolio built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_scopes import scope

from tact.ledger import services as ledger
from tact.ledger.models import Debtor, Invoice
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct-horse-battery"
# "Today" of every workbench test: items due before it are overdue.
TODAY = date(2025, 12, 1)


@pytest.fixture(autouse=True)
def frozen_today(request):
    # Browser tests let the clock run (from the same morning): Playwright and the live
    # server wait on real timeouts.
    ticking = request.node.get_closest_marker("browser") is not None
    with time_machine.travel(datetime(2025, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")), tick=ticking):
        yield


@pytest.fixture
def member(creditor):
    """A user who is credit manager of `creditor`, with a factory for other roles."""

    def make(role: str = "credit_manager", *, of=None, email: str | None = None):
        user = UserFactory(username=email or f"{role}@acme.example", email=email or f"{role}@acme.example")
        MembershipFactory(user=user, creditor=of or creditor, role=role)
        return user

    return make


@pytest.fixture
def manager(member):
    return member("credit_manager")


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@dataclass
class Portfolio:
    mueller: Debtor
    bakker: Debtor
    jansen: Debtor
    overdue: Invoice  # Müller's RE-1001, due 2025-10-15, 1,190.00 open
    not_due: Invoice  # Müller's RE-1002, due 2025-12-20, 595.00 open
    settled: Invoice  # Müller's RE-0999, paid in full
    bakker_item: Invoice  # Bakker's RE-2001, due 2025-11-20, 250.00 open


def build_portfolio(creditor, *, by=None) -> Portfolio:
    with scope(creditor=creditor):
        mueller = ledger.debtor_create(
            creditor=creditor, by=by, number="K1000", name="Müller Maschinenbau GmbH", tags=["vip"]
        )
        ledger.contact_create(
            debtor=mueller, by=by, name="Erika Müller", email="einkauf@mueller.example", phone="+49301234567"
        )
        bakker = ledger.debtor_create(
            creditor=creditor, by=by, number="K2000", name="Bakker Groothandel B.V.", country="NL"
        )
        jansen = ledger.debtor_create(
            creditor=creditor, by=by, number="K3000", name="Jan Jansen", country="NL", kind="consumer"
        )

        def item(debtor, number, due_on, amount):
            return ledger.invoice_create(
                creditor=creditor,
                debtor=debtor,
                number=number,
                issued_on=date(2025, 9, 1),
                due_on=due_on,
                gross_amount=Decimal(amount),
                by=by,
            )

        overdue = item(mueller, "RE-1001", date(2025, 10, 15), "1190.00")
        not_due = item(mueller, "RE-1002", date(2025, 12, 20), "595.00")
        settled = item(mueller, "RE-0999", date(2025, 10, 1), "100.00")
        bakker_item = item(bakker, "RE-2001", date(2025, 11, 20), "250.00")
        ledger.payment_record(
            creditor=creditor,
            amount=Decimal("100.00"),
            currency="EUR",
            value_on=date(2025, 10, 1),
            debtor=mueller,
            reference="RE-0999",
            allocations=[ledger.AllocationRequest(invoice=settled, amount=Decimal("100.00"))],
            by=by,
        )
        settled.refresh_from_db()
    return Portfolio(mueller, bakker, jansen, overdue, not_due, settled, bakker_item)


@pytest.fixture
def portfolio(creditor, manager) -> Portfolio:
    return build_portfolio(creditor, by=manager)
