"""Writes of the arrangements app. Other apps import from here and from ``selectors``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import File
from django.db import transaction

from tact.audit.services import audit_record
from tact.core.money import quantize
from tact.ledger.models import Debtor, Invoice, InvoiceKind
from tact.ledger.selectors import open_items_of

from .errors import ArrangementInvalid
from .models import Dispute, DisputeReason, Promise, Source

ZERO = Decimal("0")


def open_balance(*, debtor: Debtor) -> Decimal:
    """What the debtor owes in its own currency (items of another currency never add up)."""
    items = open_items_of(debtor=debtor).filter(currency=debtor.currency)
    return sum((i.open_amount for i in items), ZERO)


@transaction.atomic
def promise_record(
    *,
    debtor: Debtor,
    amount: Decimal,
    promised_on: date,
    today: date,
    max_days: int,
    grace_days: int,
    source: str,
    by: Any,
    hold_id: int | None = None,
    note: str = "",
) -> Promise:
    """Record the debtor's promise to pay ``amount`` (in its currency) by ``promised_on``,
    which lies between ``today`` and ``max_days`` ahead.

    Example: 500.00 EUR by 2025-12-15, recorded on 2025-12-01 with max_days 30: recorded;
    by 2026-01-15: ArrangementInvalid(field="promised_on", reason="date_too_far").
    Raises ArrangementInvalid naming the field.
    """
    if source not in Source.values:
        raise ArrangementInvalid(field="source", reason="source_unknown", problem=f"{source!r} is unknown")
    if promised_on < today:
        raise ArrangementInvalid(
            field="promised_on", reason="date_in_past", problem=f"{promised_on} lies before {today}"
        )
    latest = today + timedelta(days=max_days)
    if promised_on > latest:
        raise ArrangementInvalid(
            field="promised_on", reason="date_too_far", problem=f"{promised_on} lies after {latest}",
            latest=latest,
        )  # fmt: skip
    currency = debtor.currency
    amount = quantize(amount, currency)
    if amount <= 0:
        raise ArrangementInvalid(
            field="amount", reason="amount_not_positive", problem="give an amount above zero"
        )
    balance = quantize(open_balance(debtor=debtor), currency)
    if amount > balance:
        raise ArrangementInvalid(
            field="amount", reason="amount_above_balance",
            problem=f"{amount} {currency} is more than the open balance {balance} {currency}", balance=balance,
        )  # fmt: skip
    promise = Promise.objects.create(
        creditor_id=debtor.creditor_id, debtor=debtor, amount=amount, currency=currency,
        promised_on=promised_on, grace_days=grace_days, made_on=today, pay_by=promised_on + timedelta(days=grace_days),
        source=source, hold_id=hold_id, note=note,
    )  # fmt: skip
    audit_record(
        creditor=debtor.creditor, actor=by, action="promise_recorded", subject=promise,
        after={"amount": amount, "currency": currency, "promised_on": promised_on, "source": source,
               "hold": hold_id},
    )  # fmt: skip
    return promise


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(content_type, "")


@transaction.atomic
def dispute_open(
    *,
    invoice: Invoice,
    reason: str,
    text: str,
    source: str,
    by: Any,
    hold_id: int | None = None,
    document: File | None = None,
    document_name: str = "",
    document_type: str = "",
) -> Dispute:
    """Open a dispute on an open invoice of the debtor. ``document`` (checked by the caller
    for type and size) is stored outside the web root.

    Raises ArrangementInvalid naming the field.
    """
    if reason not in DisputeReason.values:
        raise ArrangementInvalid(field="reason", reason="reason_unknown", problem=f"{reason!r} is unknown")
    text = text.strip()
    if not text:
        raise ArrangementInvalid(field="text", reason="text_missing", problem="say what is wrong")
    if invoice.kind != InvoiceKind.INVOICE or invoice.open_amount == 0:
        raise ArrangementInvalid(
            field="invoice", reason="item_not_open", problem=f"item {invoice.number} is not an open invoice"
        )
    dispute = Dispute(
        creditor_id=invoice.creditor_id, debtor_id=invoice.debtor_id, invoice=invoice, reason=reason,
        text=text, source=source, hold_id=hold_id, document_name=document_name[:200],
        document_type=document_type,
    )  # fmt: skip
    if document is not None:
        # Stored under a name of ours; the debtor's file name is kept apart as data.
        dispute.document.save(f"evidence{_extension(document_type)}", document, save=False)
    dispute.save()
    audit_record(
        creditor=invoice.creditor, actor=by, action="dispute_opened", subject=dispute,
        after={"item": invoice.number, "reason": reason, "source": source, "hold": hold_id,
               "document": document_type or None},
    )  # fmt: skip
    return dispute
