"""List endpoints run a fixed number of queries, whatever the page size (no N+1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.ledger.services import AllocationRequest, payment_record
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

# Token lookup, its last-use update, then the list's own queries.
MAX_QUERIES = {"/debtors": 3, "/contacts": 3, "/invoices": 3, "/payments": 4}


def _portfolio(creditor, size):
    with scope(creditor=creditor):
        for _ in range(size):
            debtor = DebtorFactory(creditor=creditor)
            ContactFactory(debtor=debtor)
            first = InvoiceFactory(creditor=creditor, debtor=debtor)
            second = InvoiceFactory(creditor=creditor, debtor=debtor)
            payment_record(
                creditor=creditor, amount=Decimal("20.00"), currency="EUR", value_on=date(2025, 11, 1), by=None,
                allocations=[AllocationRequest(invoice=first, amount=Decimal("10.00")),
                             AllocationRequest(invoice=second, amount=Decimal("10.00"))],
            )  # fmt: skip


@pytest.mark.parametrize("path", list(MAX_QUERIES))
def test_list_queries_do_not_grow_with_the_page(api, creditor, path, django_assert_max_num_queries):
    _portfolio(creditor, 12)

    with django_assert_max_num_queries(MAX_QUERIES[path]):
        response = api.get(path, {"limit": 100})

    assert response.status_code == 200
    assert len(response.json()["items"]) >= 12
