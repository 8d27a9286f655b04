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
from .models import Dispute, DisputeReason, DisputeStatus, Promise, Source

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


@transaction.atomic
def credit_note_against(
    *, invoice: Invoice, number: str, amount: Decimal | None, today: date, by: Any
) -> Invoice:
    """Book a credit note ``number`` of ``amount`` through the ledger and set it against
    ``invoice`` (a dispute the debtor won, a cancellation granted). Returns the credit note.

    Example: RE-1 open 1,190.00 EUR, credit 190.00 → credit note GS-1 of -190.00, settled
    against RE-1, which stays open with 1,000.00. Raises ArrangementInvalid naming the field
    (credit_note_number, credit_amount); the ledger's own errors for a number taken.
    """
    from tact.ledger.services import invoice_create, invoice_set_open_amount

    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    number = number.strip()
    if not number:
        raise ArrangementInvalid(
            field="credit_note_number", reason="credit_note_number_missing", problem="give the number"
        )
    amount = quantize(amount or ZERO, invoice.currency)
    if amount <= 0:
        raise ArrangementInvalid(
            field="credit_amount", reason="amount_not_positive", problem="give an amount above zero"
        )
    if amount > invoice.open_amount:
        raise ArrangementInvalid(
            field="credit_amount", reason="amount_above_balance",
            problem=f"{amount} {invoice.currency} is more than the open amount {invoice.open_amount} of "
                    f"{invoice.number}",
        )  # fmt: skip
    credit_note = invoice_create(
        creditor=invoice.creditor, debtor=invoice.debtor, number=number, kind=InvoiceKind.CREDIT_NOTE,
        issued_on=today, due_on=today, gross_amount=-amount, currency=invoice.currency,
        order_reference=invoice.number, by=by,
    )  # fmt: skip
    # Set against each other: the credit note is used up, the invoice lowered by as much.
    reference = f"Credit note {number} against {invoice.number}"
    invoice_set_open_amount(
        invoice=credit_note, open_amount=ZERO, value_on=today, source="manual", reference=reference, by=by
    )
    invoice_set_open_amount(
        invoice=invoice, open_amount=invoice.open_amount - amount, value_on=today, source="manual",
        reference=reference, by=by,
    )  # fmt: skip
    return credit_note


DISPUTE_CLOSED = (DisputeStatus.RESOLVED, DisputeStatus.REJECTED)


def _dispute_locked(dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)
    if dispute.status in DISPUTE_CLOSED:
        raise ArrangementInvalid(
            field="status", reason="dispute_closed", problem=f"the dispute is {dispute.status} already"
        )
    return dispute


@transaction.atomic
def dispute_review_start(*, dispute: Dispute, by: Any) -> Dispute:
    """A person takes the dispute: open → in review. Taking one already in review changes
    nothing. Raises ArrangementInvalid(reason="dispute_closed") for a decided dispute."""
    dispute = _dispute_locked(dispute)
    if dispute.status == DisputeStatus.IN_REVIEW:
        return dispute
    dispute.status = DisputeStatus.IN_REVIEW
    dispute.save(update_fields=["status"])
    audit_record(
        creditor=dispute.creditor, actor=by, action="dispute_review_started", subject=dispute,
        before={"status": DisputeStatus.OPEN}, after={"status": DisputeStatus.IN_REVIEW},
    )  # fmt: skip
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    outcome: str,
    by: Any,
    today: date,
    explanation: str = "",
    credit_note_number: str = "",
    credit_amount: Decimal | None = None,
) -> Dispute:
    """Decide a dispute (open or in review).

    ``outcome="credit_note"``: the debtor is right (in part): a credit note ``credit_note_number``
    of ``credit_amount`` is booked and set against the disputed invoice, and the dispute is
    resolved. Example: RE-1 open 1,190.00 EUR, credit 190.00 → credit note GS-1 of -190.00,
    settled against RE-1, which stays open with 1,000.00.
    ``outcome="rejected"``: the claim stands; ``explanation`` (sent to the debtor by the
    caller) is required and recorded.

    The caller ends the dispute's hold (dunning sits above this app). Raises
    ArrangementInvalid naming the field.
    """
    dispute = _dispute_locked(dispute)
    before = {"status": dispute.status}
    invoice = Invoice.objects.select_for_update().get(pk=dispute.invoice_id)
    explanation = explanation.strip()
    facts: dict[str, Any] = {"outcome": outcome, "item": invoice.number}
    if outcome == "rejected":
        if not explanation:
            raise ArrangementInvalid(
                field="explanation", reason="explanation_missing", problem="say why the dispute is rejected"
            )
        dispute.status = DisputeStatus.REJECTED
    elif outcome == "credit_note":
        credit_note = credit_note_against(
            invoice=invoice, number=credit_note_number, amount=credit_amount, today=today, by=by
        )
        amount = quantize(-credit_note.gross_amount, invoice.currency)
        facts.update(credit_note=credit_note.number, amount=amount, currency=invoice.currency)
        dispute.status = DisputeStatus.RESOLVED
    else:
        raise ArrangementInvalid(
            field="outcome", reason="outcome_unknown", problem=f"{outcome!r} is not credit_note or rejected"
        )
    if explanation:
        facts["explanation"] = explanation[:4000]
    dispute.save(update_fields=["status"])
    audit_record(
        creditor=dispute.creditor,
        actor=by,
        action="dispute_resolved",
        subject=dispute,
        before=before,
        after=facts,
    )
    return dispute
