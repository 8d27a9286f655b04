"""Reads of the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import CHARGE_KINDS, Allocation, Debtor, Invoice

AMOUNT = DecimalField(max_digits=18, decimal_places=4)
ZERO = Value(Decimal("0"), output_field=AMOUNT)


def debtors_with_balances(*, today: date) -> QuerySet[Debtor]:
    """Debtors annotated with open_total, overdue_total and open_count (one grouped subquery each).

    Overdue counts invoices only: a credit note is never overdue, it waits to be used.
    """
    open_items = Invoice.objects.filter(debtor=OuterRef("pk")).exclude(open_amount=0).values("debtor")
    return Debtor.objects.annotate(
        open_total=Coalesce(
            Subquery(open_items.annotate(s=Sum("open_amount")).values("s"), output_field=AMOUNT),
            ZERO,
        ),
        overdue_total=Coalesce(
            Subquery(
                open_items.filter(due_on__lt=today, gross_amount__gt=0)
                .annotate(s=Sum("open_amount"))
                .values("s"),
                output_field=AMOUNT,
            ),
            ZERO,
        ),
        open_count=Coalesce(Subquery(open_items.annotate(c=Count("pk")).values("c")), 0),
    )


def ledger_inconsistencies() -> QuerySet[Invoice]:
    """Items whose open amount differs from gross minus allocations: must always be empty."""
    allocated = (
        Allocation.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Invoice.objects.annotate(
        allocated=Coalesce(Subquery(allocated, output_field=AMOUNT), ZERO)
    ).exclude(open_amount=F("gross_amount") - F("allocated"))


def open_items_of(*, debtor: Debtor) -> QuerySet[Invoice]:
    return Invoice.objects.filter(debtor=debtor).filter(~Q(open_amount=0)).order_by("due_on", "id")


def charges_open_of(*, debtor: Debtor, currency: str | None = None) -> QuerySet[Invoice]:
    """A debtor's open charges (interest, costs, flat compensation), oldest first, each with
    its invoice: what a message lists besides the items it reminds of."""
    charges = Invoice.objects.filter(debtor=debtor, kind__in=CHARGE_KINDS).exclude(open_amount=0)
    if currency is not None:
        charges = charges.filter(currency=currency)
    return charges.select_related("parent").order_by("due_on", "id")
