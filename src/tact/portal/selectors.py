"""Reads of the portal: what the debtor sees. Payment facts (structured reference, EPC QR
code) come from ``tact.messaging.services.message_context``, the same facts the messages
print, so the page and the letter never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from tact.arrangements.selectors import disputes_open_of, promises_open_of
from tact.ledger.models import Invoice, InvoiceKind
from tact.ledger.selectors import open_items_of
from tact.messaging.services import MessageContext, message_context

from .access import Access

ZERO = Decimal("0")


@dataclass(frozen=True)
class Overview:
    items: list[Invoice]
    disputed_ids: set[int]
    context: MessageContext  # totals, reference, QR code, creditor's contact facts
    promises: list
    today: date

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.items if i.kind == InvoiceKind.INVOICE and i.due_on < self.today)


def portal_items(*, access: Access) -> QuerySet[Invoice]:
    return open_items_of(debtor=access.debtor)


def portal_item(*, access: Access, invoice_id: int) -> Invoice | None:
    """One open item of the debtor (None for anything else, another debtor's included)."""
    return portal_items(access=access).filter(pk=invoice_id).first()


def portal_overview(*, access: Access, today: date, qr_code: bool = True) -> Overview:
    items = list(portal_items(access=access))
    in_currency = [i for i in items if i.currency == access.debtor.currency] or items
    context = message_context(
        creditor=access.creditor, debtor=access.debtor, items=in_currency, action_facts=None, today=today,
        qr_code=qr_code,
    )  # fmt: skip
    return Overview(
        items=items,
        disputed_ids={d.invoice_id for d in disputes_open_of(debtor=access.debtor)},
        context=context,
        promises=list(promises_open_of(debtor=access.debtor)),
        today=today,
    )


def portal_faq(*, creditor, language: str) -> list:
    """The creditor's FAQ, one entry per topic in ``language``, else the creditor's language,
    else English, else whichever exists; in the creditor's order. In scope."""
    from .models import FaqEntry

    preference = [language, creditor.language, "en"]
    chosen: dict[str, FaqEntry] = {}
    for entry in FaqEntry.objects.filter(creditor=creditor):
        current = chosen.get(entry.topic)
        rank = preference.index(entry.language) if entry.language in preference else len(preference)
        if current is None or rank < (
            preference.index(current.language) if current.language in preference else len(preference)
        ):
            chosen[entry.topic] = entry
    return sorted(chosen.values(), key=lambda e: (e.position, e.topic))
