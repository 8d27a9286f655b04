"""The API's list queries: each one query (plus one per prefetched relation), never N+1.

They run inside the request's creditor scope, like every read of tenant data.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tact.ledger.models import Allocation, Contact, Debtor, Invoice, Payment
from tact.ledger.selectors import debtors_with_balances

from .schemas import ContactFilters, DebtorFilters, InvoiceFilters, PaymentFilters


def _overdue(today: date) -> Q:
    # Past due with money still owed; a credit note (negative) is never "overdue".
    return Q(open_amount__gt=0, due_on__lt=today)


def debtors(*, today: date) -> QuerySet[Debtor]:
    return debtors_with_balances(today=today)


def debtor_list(*, today: date, filters: DebtorFilters) -> QuerySet[Debtor]:
    rows = debtors(today=today)
    if filters.country:
        rows = rows.filter(country=filters.country)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.number:
        rows = rows.filter(number=filters.number)
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(number__icontains=filters.q))
    if filters.has_overdue is not None:
        overdue = Exists(Invoice.objects.filter(_overdue(today), debtor=OuterRef("pk")))
        rows = rows.filter(overdue if filters.has_overdue else ~overdue)
    return rows


def contacts() -> QuerySet[Contact]:
    return Contact.objects.select_related("debtor")


def contact_list(*, filters: ContactFilters, debtor: Debtor | None = None) -> QuerySet[Contact]:
    rows = contacts()
    if debtor is not None:
        rows = rows.filter(debtor=debtor)
    if filters.debtor_id:
        rows = rows.filter(debtor_id=filters.debtor_id)
    if filters.debtor_number:
        rows = rows.filter(debtor__number=filters.debtor_number)
    if filters.email:
        rows = rows.filter(email__iexact=filters.email)
    return rows


def invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("debtor")


def invoice_list(*, today: date, filters: InvoiceFilters) -> QuerySet[Invoice]:
    rows = invoices()
    if filters.debtor_id:
        rows = rows.filter(debtor_id=filters.debtor_id)
    if filters.debtor_number:
        rows = rows.filter(debtor__number=filters.debtor_number)
    if filters.number:
        rows = rows.filter(number=filters.number)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status == "open":
        rows = rows.exclude(open_amount=0)
    elif filters.status == "settled":
        rows = rows.filter(open_amount=0)
    if filters.overdue is not None:
        rows = rows.filter(_overdue(today)) if filters.overdue else rows.exclude(_overdue(today))
    if filters.due_after:
        rows = rows.filter(due_on__gte=filters.due_after)
    if filters.due_before:
        rows = rows.filter(due_on__lte=filters.due_before)
    return rows


def payments() -> QuerySet[Payment]:
    return Payment.objects.select_related("debtor").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("invoice").order_by("id"))
    )


def payment_list(*, filters: PaymentFilters) -> QuerySet[Payment]:
    rows = payments()
    if filters.debtor_id:
        rows = rows.filter(debtor_id=filters.debtor_id)
    if filters.debtor_number:
        rows = rows.filter(debtor__number=filters.debtor_number)
    if filters.value_on_from:
        rows = rows.filter(value_on__gte=filters.value_on_from)
    if filters.value_on_to:
        rows = rows.filter(value_on__lte=filters.value_on_to)
    if filters.source:
        rows = rows.filter(source=filters.source)
    return rows
