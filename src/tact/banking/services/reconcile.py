"""A person's decisions on bank lines: accept or reject a suggestion, book a line by hand
(split across items, or to a debtor in the legal order), accept many at once.

Each booking goes through ``ledger.services.payment_record`` with the line's fingerprint as
the payment's external id, so a double click or a retry books nothing twice. A confirmed
line teaches tact the payer's IBAN for that debtor (``payer_learn``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tact.audit.services import audit_record
from tact.ledger.models import Debtor, Invoice, Payment, PaymentSource
from tact.ledger.services import AllocationRequest, payment_record

from .. import hooks
from ..errors import InvalidSplit, SuggestionNotOpen, TransactionNotOpen
from ..models import BankTransaction, LineStatus, PayerAccount, Suggestion, SuggestionStatus

ZERO = Decimal("0")
OPEN_LINES = (LineStatus.UNMATCHED, LineStatus.SUGGESTED)


def payer_learn(*, debtor: Debtor, iban: str, name: str = "") -> PayerAccount | None:
    """Remember that ``debtor`` pays from ``iban`` (a confirmed match); counts confirmations."""
    if not iban:
        return None
    account, created = PayerAccount.objects.get_or_create(
        creditor=debtor.creditor, debtor=debtor, iban=iban, defaults={"name": name[:140]}
    )
    if not created:
        PayerAccount.objects.filter(pk=account.pk).update(confirmations=F("confirmations") + 1)
    return account


def _lock_line(line: BankTransaction) -> BankTransaction:
    line = BankTransaction.objects.select_for_update().get(pk=line.pk)
    if line.status not in OPEN_LINES:
        raise TransactionNotOpen(transaction=line.pk, status=line.status)
    if line.amount <= 0:
        raise InvalidSplit(
            problem=f"bank line {line.pk} is money going out ({line.amount}); nothing to book."
        )
    return line


def _book(
    *,
    line: BankTransaction,
    debtor: Debtor,
    by: Any,
    allocations: Sequence[AllocationRequest] = (),
    named: Sequence[Invoice] = (),
    rule: str,
    confidence: int,
    facts: dict,
    as_credit: bool = False,
) -> Payment:
    """``as_credit``: record the money for the debtor and apply it to nothing (a payment made
    twice stays a credit to refund or to set against the next invoice)."""
    payment = payment_record(
        creditor=line.creditor,
        debtor=debtor,
        amount=line.amount,
        currency=line.currency,
        value_on=line.value_on,
        reference=(line.structured_reference or line.remittance)[:140],
        payer_name=line.counterparty_name,
        payer_iban=line.counterparty_iban,
        source=PaymentSource.BANK,
        external_id=line.fingerprint,
        allocations=allocations,
        in_legal_order=not allocations and not as_credit,
        named=named if not allocations and not as_credit else (),
        by=by,
    )
    applied = list(payment.allocations.select_related("invoice").order_by("pk"))
    allocated = sum((a.amount for a in applied), ZERO)
    facts = {**facts, "applied": [[a.invoice.number, str(a.amount)] for a in applied]}
    if payment.amount - allocated:
        facts["credit"] = str(payment.amount - allocated)
    line.status, line.payment, line.debtor = LineStatus.MATCHED, payment, debtor
    line.rule, line.confidence, line.facts, line.matched_at = rule, confidence, facts, timezone.now()
    line.save(update_fields=["status", "payment", "debtor", "rule", "confidence", "facts", "matched_at"])
    Suggestion.objects.filter(transaction=line, status=SuggestionStatus.OPEN).update(
        status=SuggestionStatus.REJECTED, decided_at=timezone.now(), decided_by=_user(by)
    )
    payer_learn(debtor=debtor, iban=line.counterparty_iban, name=line.counterparty_name)
    hooks.notify(hooks.ITEMS_PAID, creditor_id=line.creditor_id, item_ids=[a.invoice_id for a in applied])
    return payment


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by: Any) -> Payment:
    """Book the line as the suggestion says: the payment applied in the legal order to the
    debtor's open items, the suggested items first. Raises SuggestionNotOpen, TransactionNotOpen."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.OPEN:
        raise SuggestionNotOpen(suggestion=suggestion.pk, status=suggestion.status)
    line = _lock_line(suggestion.transaction)
    ids = [a["invoice"] for a in suggestion.allocations]
    found = Invoice.objects.in_bulk(ids)
    named = [found[i] for i in ids if i in found]
    payment = _book(line=line, debtor=suggestion.debtor, by=by, named=named, rule=suggestion.rule,
                    confidence=suggestion.confidence, facts={**suggestion.facts, "accepted": True},
                    as_credit=suggestion.rule == "paid_twice")  # fmt: skip
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.ACCEPTED, decided_at=timezone.now(), decided_by=_user(by)
    )
    audit_record(creditor=line.creditor, actor=by, action="bank_suggestion_accepted", subject=line,
                 after={"payment": payment.pk, "debtor": suggestion.debtor_id}, facts={"rule": suggestion.rule})  # fmt: skip
    return payment


@transaction.atomic
def suggestions_accept(*, suggestions: Sequence[Suggestion], by: Any) -> list[Payment]:
    """Accept many suggestions at once: all or none (one that is no longer open fails the lot)."""
    return [suggestion_accept(suggestion=s, by=by) for s in sorted(suggestions, key=lambda s: s.pk)]


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, by: Any) -> Suggestion:
    """Reject a suggestion; the line is unmatched again when no other suggestion waits."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.OPEN:
        raise SuggestionNotOpen(suggestion=suggestion.pk, status=suggestion.status)
    suggestion.status, suggestion.decided_at, suggestion.decided_by = (
        SuggestionStatus.REJECTED,
        timezone.now(),
        _user(by),
    )
    suggestion.save(update_fields=["status", "decided_at", "decided_by"])
    line = BankTransaction.objects.select_for_update().get(pk=suggestion.transaction_id)
    if not Suggestion.objects.filter(transaction=line, status=SuggestionStatus.OPEN).exists():
        line.status, line.debtor = LineStatus.UNMATCHED, None
        line.facts = {**line.facts, "rejected": suggestion.rule}
        line.save(update_fields=["status", "debtor", "facts"])
    audit_record(creditor=line.creditor, actor=by, action="bank_suggestion_rejected", subject=line,
                 facts={"rule": suggestion.rule, "debtor": suggestion.debtor_id})  # fmt: skip
    return suggestion


@transaction.atomic
def transaction_book(
    *, line: BankTransaction, debtor: Debtor, parts: Sequence[tuple[Invoice, Decimal]] = (), by: Any
) -> Payment:
    """Book a line by hand: split across the given items (each at most its open amount, together
    at most the line; the rest stays a credit on the debtor), or with no parts to the debtor's
    open items in the legal order. Example: 500.00 split 300.00 to RE-1 and 200.00 to RE-2.
    Raises InvalidSplit, TransactionNotOpen, and the ledger's allocation errors."""
    line = _lock_line(line)
    total = sum((amount for _, amount in parts), ZERO)
    if any(amount <= 0 for _, amount in parts):
        raise InvalidSplit(problem="each part of a split is a positive amount.")
    if total > line.amount:
        raise InvalidSplit(
            problem=f"the parts add up to {total} {line.currency}, more than the line's {line.amount} {line.currency}."
        )
    for invoice, _ in parts:
        if invoice.debtor_id != debtor.pk:
            raise InvalidSplit(problem=f"item {invoice.number} belongs to another debtor than {debtor.name}.")
    allocations = [AllocationRequest(invoice=invoice, amount=amount) for invoice, amount in parts]
    payment = _book(line=line, debtor=debtor, by=by, allocations=allocations, rule="manual", confidence=100,
                    facts={"debtor": f"{debtor.name} ({debtor.number})", "amount": str(line.amount)})  # fmt: skip
    audit_record(creditor=line.creditor, actor=by, action="bank_line_booked", subject=line,
                 after={"payment": payment.pk, "debtor": debtor.pk,
                        "parts": {inv.number: amount for inv, amount in parts}})  # fmt: skip
    return payment
