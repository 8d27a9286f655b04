"""Holds: reasons not to dun a debtor or an item now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tact.audit.services import audit_record
from tact.ledger.models import Debtor, Invoice

from .errors import HoldInvalid
from .models import Decision, Hold, HoldReason

RECENT_CONTACT_DAYS = 7
RULE_VERSION = "holds/1"


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
def hold_end(*, hold: Hold, today: date, by: Any = None) -> Hold:
    """End a hold: it applied through yesterday, so today's cycle may dun again.
    Ending an ended hold changes nothing."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.ended_at is not None:
        return hold
    before = {"ends_on": hold.ends_on.isoformat() if hold.ends_on else None}
    yesterday = today - timedelta(days=1)
    hold.ends_on = yesterday if hold.ends_on is None else min(hold.ends_on, yesterday)
    hold.ended_at = timezone.now()
    hold.save(update_fields=["ends_on", "ended_at"])
    facts = {"reason": hold.reason, "ends_on": hold.ends_on.isoformat()}
    decision_log(subject=hold, reason="hold_ended", facts=facts, rule_version=RULE_VERSION)
    audit_record(
        creditor=hold.creditor, actor=by, action="hold_ended", subject=hold, before=before, after=facts
    )
    return hold
