"""Holds: reasons not to dun a debtor or an item now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from tact.audit.services import audit_record
from tact.ledger.models import Debtor, Invoice, InvoiceKind

from .errors import HoldInvalid
from .models import Decision, Hold, HoldReason, StageHistory
from .plan import ROUND_SPAN

RECENT_CONTACT_DAYS = 7
RULE_VERSION = "holds/1"
OUTCOMES = ("", "resolved")  # how a dispute ended; "" for any other hold


def stage_history_reset(*, hold: Hold, today: date) -> list[str]:
    """Start the held items over: a reset row (no stage, position -1, the next round) for each
    open invoice the hold covers that entered a stage in its current round. Two queries for
    any number of items; returns the items' numbers. Nothing is deleted."""
    items = Invoice.objects.filter(debtor_id=hold.debtor_id, kind=InvoiceKind.INVOICE, open_amount__gt=0)
    if hold.invoice_id is not None:
        items = items.filter(pk=hold.invoice_id)
    rounds = (
        StageHistory.objects.filter(invoice__in=items)
        .values("invoice_id", "invoice__number")
        .annotate(latest=Max("round"), rank=Max(F("round") * ROUND_SPAN + F("position")))
        .filter(rank__gte=F("latest") * ROUND_SPAN)  # a stage entered in the latest round
        .order_by("invoice_id")
    )
    resets = [
        StageHistory(creditor_id=hold.creditor_id, invoice_id=row["invoice_id"], stage=None, position=-1,
                     round=row["latest"] + 1, entered_on=today)
        for row in rounds
    ]  # fmt: skip
    StageHistory.objects.bulk_create(resets)
    return [row["invoice__number"] for row in rounds]


def decision_log(*, subject: Any, reason: str, facts: dict[str, Any], rule_version: str) -> Decision:
    """Record an explained decision (STYLE.md): a stable reason code and the facts used."""
    return Decision.objects.create(
        creditor_id=subject.creditor_id,
        subject_type=f"{subject._meta.app_label}.{subject._meta.model_name}",
        subject_id=str(subject.pk),
        reason=reason,
        facts=facts,
        rule_version=rule_version,
        decided_at=timezone.now(),
    )


@transaction.atomic
def hold_place(
    *,
    debtor: Debtor,
    reason: str,
    starts_on: date,
    ends_on: date | None = None,
    invoice: Invoice | None = None,
    note: str = "",
    by: Any = None,
) -> Hold:
    """Stop automatic dunning of a debtor (or of one of its items) from ``starts_on``
    through ``ends_on`` (open-ended when None). A ``recent_contact`` hold without an end
    lasts 7 days after the contact: a person talked to the debtor, so no standard letter.

    Raises HoldInvalid naming the field.
    """
    if reason not in HoldReason.values:
        raise HoldInvalid(field="reason", problem=f"{reason!r} is not one of {', '.join(HoldReason.values)}")
    if invoice is not None and invoice.debtor_id != debtor.pk:
        raise HoldInvalid(field="invoice", problem=f"item {invoice.number} belongs to another debtor")
    if reason == HoldReason.RECENT_CONTACT and ends_on is None:
        ends_on = starts_on + timedelta(days=RECENT_CONTACT_DAYS)
    if ends_on is not None and ends_on < starts_on:
        raise HoldInvalid(field="ends_on", problem=f"{ends_on} is before the start {starts_on}")
    hold = Hold.objects.create(
        creditor_id=debtor.creditor_id, debtor=debtor, invoice=invoice, reason=reason, note=note,
        created_by=by if getattr(by, "pk", None) else None, starts_on=starts_on, ends_on=ends_on,
    )  # fmt: skip
    facts = {"debtor": debtor.number, "item": invoice.number if invoice else None, "reason": reason,
             "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat() if ends_on else None}  # fmt: skip
    decision_log(subject=hold, reason="hold_placed", facts=facts, rule_version=RULE_VERSION)
    audit_record(creditor=debtor.creditor, actor=by, action="hold_placed", subject=hold, after=facts)
    return hold


@transaction.atomic
def hold_end(*, hold: Hold, today: date, by: Any = None, outcome: str = "") -> Hold:
    """End a hold: it applied through yesterday, so today's cycle may dun again.
    Ending an ended hold changes nothing.

    ``outcome="resolved"`` (disputes only): the dispute is settled and the claim stands, so
    dunning starts over — the held items (the item, or all the debtor's open invoices) get a
    reset row in their stage history and the cycle takes them from the first due stage
    again, from tomorrow (the reset counts as today's contact, so nothing goes out twice
    today). A dispute settled by a credit note or a payment needs no reset: the item is
    closed or goes on at its stage for the rest. Raises HoldInvalid naming ``outcome``.
    """
    if outcome not in OUTCOMES:
        raise HoldInvalid(field="outcome", problem=f"{outcome!r} is not one of {', '.join(OUTCOMES[1:])}")
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if outcome and hold.reason != HoldReason.DISPUTE:
        raise HoldInvalid(field="outcome", problem=f"a {hold.reason} hold has no outcome; only a dispute has")
    if hold.ended_at is not None:
        return hold
    before = {"ends_on": hold.ends_on.isoformat() if hold.ends_on else None}
    yesterday = today - timedelta(days=1)
    hold.ends_on = yesterday if hold.ends_on is None else min(hold.ends_on, yesterday)
    hold.ended_at = timezone.now()
    hold.save(update_fields=["ends_on", "ended_at"])
    facts = {"reason": hold.reason, "ends_on": hold.ends_on.isoformat()}
    if outcome:
        facts["outcome"] = outcome
        facts["items_reset"] = stage_history_reset(hold=hold, today=today)
    decision_log(subject=hold, reason="hold_ended", facts=facts, rule_version=RULE_VERSION)
    audit_record(
        creditor=hold.creditor, actor=by, action="hold_ended", subject=hold, before=before, after=facts
    )
    return hold
