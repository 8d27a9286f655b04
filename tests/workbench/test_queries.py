"""The pages' query counts do not grow with the number of debtors, items or events (no N+1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.ledger.models import Contact, Debtor, Invoice

pytestmark = pytest.mark.django_db

# Session, user, membership, the user's creditors; count, page, totals of the list; a
# search reads its contact and item matches once more.
LIST_QUERIES = 10


def add_debtors(creditor, count: int, *, items_each: int = 3, offset: int = 0) -> None:
    """Many debtors with contacts and items, written in bulk."""
    with scope(creditor=creditor):
        debtors = Debtor.objects.bulk_create(
            Debtor(
                creditor=creditor,
                number=f"B{offset + n:06d}",
                name=f"Bulk Debtor {offset + n:06d}",
                country="DE",
                language="de",
                tags=["bulk"],
            )
            for n in range(count)
        )
        Contact.objects.bulk_create(
            Contact(creditor=creditor, debtor=d, email=f"{d.number.lower()}@bulk.example", is_preferred=True)
            for d in debtors
        )
        Invoice.objects.bulk_create(
            Invoice(
                creditor=creditor,
                debtor=d,
                number=f"{d.number}-{k}",
                issued_on=date(2025, 9, 1),
                due_on=date(2025, 9, 1) + timedelta(days=30 * k),
                gross_amount=Decimal("100.00"),
                open_amount=Decimal("100.00") if k else Decimal("0"),
            )
            for d in debtors
            for k in range(items_each)
        )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "-open"},
        {"sort": "due", "overdue": "on"},
        {"q": "bulk", "country": "DE", "kind": "business", "tag": "bulk", "sort": "-overdue"},
        {"q": "b000010@bulk"},
    ],
)
def test_debtor_list_uses_a_fixed_number_of_queries(
    signed_in, creditor, django_assert_max_num_queries, params
):
    add_debtors(creditor, 120)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = signed_in.get(reverse("workbench:debtors"), params)

    assert response.status_code == 200


def test_debtor_list_queries_do_not_grow_with_the_debtors(
    signed_in, creditor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_debtors(creditor, 5)
    with CaptureQueriesContext(connection) as few:
        signed_in.get(reverse("workbench:debtors"), {"sort": "-open"})
    add_debtors(creditor, 200, offset=5)
    with CaptureQueriesContext(connection) as many:
        signed_in.get(reverse("workbench:debtors"), {"sort": "-open"})

    assert len(many.captured_queries) == len(few.captured_queries)


def test_debtor_page_queries_do_not_grow_with_the_items(signed_in, creditor, portfolio):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk]))
    with scope(creditor=creditor):
        Invoice.objects.bulk_create(
            Invoice(
                creditor=creditor,
                debtor=portfolio.mueller,
                number=f"X-{n}",
                issued_on=date(2025, 8, 1),
                due_on=date(2025, 8, 31),
                gross_amount=Decimal("10.00"),
                open_amount=Decimal("10.00") if n % 2 else Decimal("0"),
            )
            for n in range(80)
        )
    with CaptureQueriesContext(connection) as many:
        response = signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk]))

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    # Auth and tenancy 5, balances, totals, contacts, three pages (count + rows), timeline 11
    # (with inbound replies and the outbox's messages), the holds and the contact panels one
    # each, the policy card one (two once the creditor has policies: test_dunning_override).
    assert len(many.captured_queries) <= 26
