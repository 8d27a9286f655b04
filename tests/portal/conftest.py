"""A creditor with a consumer (second factor: postcode) and a business debtor, each with
open items, and links to their portals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django_scopes import scope

from tact.ledger.models import Debtor, Invoice
from tact.messaging.links import portal_url
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

TODAY = date(2025, 12, 1)
NOW = datetime(2025, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(autouse=True)
def frozen_now(request):
    ticking = request.node.get_closest_marker("browser") is not None
    with time_machine.travel(NOW, tick=ticking):
        yield


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.TACT_PRIVATE_ROOT = tmp_path / "private"
    return settings.TACT_PRIVATE_ROOT


@dataclass
class World:
    consumer: Debtor
    business: Debtor
    overdue: Invoice  # the consumer's, 1,190.00, due 2025-10-31
    later: Invoice  # the consumer's, 238.00, due 2025-12-20
    b2b_item: Invoice


@pytest.fixture
def world(creditor, other_creditor) -> World:
    with scope(creditor=creditor):
        consumer = DebtorFactory(
            creditor=creditor,
            number="K-100",
            name="Jana Sommer",
            kind="consumer",
            language="nl",
            country="DE",
        )
        ContactFactory(
            debtor=consumer, name="Jana Sommer", postal_code="50674", street="Lindenstraße 12", city="Köln"
        )
        overdue = InvoiceFactory(creditor=creditor, debtor=consumer, number="RE-1001", issued_on=date(2025, 10, 1),
                                 due_on=date(2025, 10, 31))  # fmt: skip
        later = InvoiceFactory(creditor=creditor, debtor=consumer, number="RE-1002", issued_on=date(2025, 11, 20),
                               due_on=date(2025, 12, 20), gross_amount=Decimal("238.00"), net_amount=Decimal("200.00"),
                               vat_amount=Decimal("38.00"))  # fmt: skip
        business = DebtorFactory(creditor=creditor, number="K-200", name="Bakker B.V.", language="en")
        ContactFactory(debtor=business, postal_code="1011 AB")
        b2b_item = InvoiceFactory(creditor=creditor, debtor=business, number="RE-2001")
    return World(consumer=consumer, business=business, overdue=overdue, later=later, b2b_item=b2b_item)


def link(debtor: Debtor, *, issued_at: datetime | None = None, message_id: int | None = None) -> str:
    """The path of a portal link, as a message carries it."""
    url = portal_url(debtor_id=debtor.pk, message_id=message_id, issued_at=issued_at)
    return "/p/" + url.split("/p/", 1)[1]


def verified(client, debtor: Debtor, answer: str = "50674") -> str:
    """Open the consumer's link and pass the second factor; returns the link's path."""
    path = link(debtor)
    response = client.post(path + "verify/", {"answer": answer})
    assert response.status_code == 302 and response["Location"] == path
    return path
