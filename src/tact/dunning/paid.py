"""Money that arrived ends the holds it makes pointless (registered as a banking hook).

The cycle skips an item whose open amount is zero by itself; what it cannot tell from the
ledger is that a promise, a payment plan or a dispute about items that are now paid is
over. A hold on a paid item ends, and so does a debtor-wide hold of those reasons once
nothing of the debtor is open any more: the explanation (``hold_ended``, with the facts)
says it was the payment. Other holds (a manual pause, hardship, a handover) stay: money
does not answer them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from tact.core import clock
from tact.core.bulk import ids_in
from tact.core.jobs import all_creditors, creditor_scope
from tact.ledger.models import Invoice, InvoiceKind
from tact.tenancy.models import Creditor

from .holds import hold_end
from .models import Hold, HoldReason

ENDED_BY_PAYMENT = (HoldReason.PROMISE, HoldReason.PLAN, HoldReason.DISPUTE)


def holds_end_for_paid(creditor_id: int, item_ids: list[int]) -> int:
    """End the promise, plan and dispute holds the payment of ``item_ids`` made pointless;
    returns how many ended. Called after the commit that booked the money."""
    with all_creditors():
        creditor = Creditor.objects.get(pk=creditor_id)
    with creditor_scope(creditor), transaction.atomic():
        # The ids as one array: a bank statement pays 100,000 items, too many parameters.
        paid = Invoice.objects.filter(ids_in("pk", item_ids), open_amount=0)
        debtors = Invoice.objects.filter(ids_in("pk", item_ids)).values("debtor_id")
        still_open = Invoice.objects.filter(
            debtor_id=OuterRef("debtor_id"), kind=InvoiceKind.INVOICE, open_amount__gt=0
        )
        holds = (
            Hold.objects.filter(ended_at__isnull=True, reason__in=ENDED_BY_PAYMENT)
            .filter(Q(invoice__in=paid) | Q(invoice__isnull=True, debtor_id__in=debtors))
            .exclude(Q(invoice__isnull=True) & Exists(still_open))
            .select_related("creditor")
        )
        today = clock.today(creditor.timezone)
        ended = 0
        for hold in holds:  # few: the promises and disputes of the debtors who paid
            hold_end(hold=hold, today=today, by="bank")
            ended += 1
    return ended
