"""Arrangements and the holds that keep dunning quiet while they last.

Arrangements sits below dunning and cannot place or end holds itself: a plan proposed,
decided or cancelled goes through here, and so does the daily check, which ends the holds
of the plans that completed or defaulted and of the promises kept or broken. Ending a hold
leaves the items' stage history as it was, so the cycle resumes each item at the stage it
had reached and takes the policy's next step when it is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from tact.arrangements.models import PaymentPlan, PlanStatus
from tact.arrangements.plans import (
    plan_cancel,
    plan_decide,
    plan_hold_ids,
    plan_holds_set,
    plan_propose,
    plan_rules_for,
    plans_track,
)
from tact.arrangements.promises import promises_track
from tact.audit.services import Change, audit_bulk
from tact.ledger.models import Debtor, Invoice
from tact.tenancy.models import Creditor

from .holds import RULE_VERSION, hold_place
from .models import Decision, Hold, HoldReason


def holds_end_bulk(*, hold_ids: Sequence[int], today: date, cause: str, actor: Any) -> int:
    """End many holds at once (three statements): each applied through yesterday, as
    ``hold_end`` does one by one; holds already ended stay as they were. ``cause`` (a stable
    code: plan_completed, plan_defaulted, promise_kept, …) goes into each decision's facts."""
    holds = Hold.objects.filter(pk__in=list(hold_ids), ended_at__isnull=True)
    rows = list(holds.values("pk", "creditor_id", "debtor_id", "reason", "ends_on"))
    if not rows:
        return 0
    yesterday = today - timedelta(days=1)
    now = timezone.now()
    Hold.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        ends_on=Case(When(Q(ends_on__isnull=True) | Q(ends_on__gt=yesterday), then=Value(yesterday)),
                     default=F("ends_on")),
        ended_at=now,
    )  # fmt: skip
    facts = [
        {
            "reason": r["reason"],
            "ends_on": min(r["ends_on"] or yesterday, yesterday).isoformat(),
            "cause": cause,
        }
        for r in rows
    ]
    Decision.objects.bulk_create(
        Decision(creditor_id=r["creditor_id"], subject_type="dunning.hold", subject_id=str(r["pk"]),
                 reason="hold_ended", facts=f, rule_version=RULE_VERSION, decided_at=now)
        for r, f in zip(rows, facts, strict=True)
    )  # fmt: skip
    audit_bulk(
        creditor=Creditor.objects.get(pk=rows[0]["creditor_id"]), actor=actor, action="hold_ended",
        changes=(Change(subject_type="dunning.hold", subject_id=str(r["pk"]), before=None, after=f)
                 for r, f in zip(rows, facts, strict=True)),
    )  # fmt: skip
    return len(rows)


def _place_plan_holds(*, plan: PaymentPlan, today: date, by: Any) -> None:
    """One plan hold per item: open-ended for an active plan; for a proposal, through the
    creditor's ``review_hold_days`` (a person decides meanwhile, and nobody is reminded of
    what they just offered to pay in parts)."""
    ends_on = None
    if plan.status == PlanStatus.PROPOSED:
        ends_on = today + timedelta(days=plan_rules_for(creditor=plan.debtor.creditor).review_hold_days)
    ids = {}
    for item in plan.items.select_related("invoice"):  # the few items of one plan, not a batch
        hold = hold_place(
            debtor=plan.debtor, reason=HoldReason.PLAN, starts_on=today, ends_on=ends_on, invoice=item.invoice,
            note=f"payment plan {plan.pk} ({plan.status})", by=by,
        )  # fmt: skip
        ids[item.invoice_id] = hold.pk
    plan_holds_set(plan=plan, hold_ids=ids)


@transaction.atomic
def plan_propose_held(
    *,
    debtor: Debtor,
    invoices: Sequence[Invoice],
    count: int,
    first_due_on: date,
    today: date,
    source: str,
    by: Any,
) -> PaymentPlan:
    """``arrangements.plans.plan_propose`` plus the plan holds on its items. Raises
    ArrangementInvalid naming the field."""
    plan = plan_propose(
        debtor=debtor,
        invoices=invoices,
        count=count,
        first_due_on=first_due_on,
        today=today,
        source=source,
        by=by,
    )
    _place_plan_holds(plan=plan, today=today, by=by)
    return plan


@transaction.atomic
def plan_decide_held(
    *, plan: PaymentPlan, approve: bool, today: date, note: str = "", by: Any
) -> PaymentPlan:
    """A person decides a proposal: the review holds end; an approved plan gets open-ended
    plan holds, a declined one leaves the items to the cycle from today."""
    plan = plan_decide(plan=plan, approve=approve, note=note, by=by)
    holds_end_bulk(
        hold_ids=plan_hold_ids(plan=plan), today=today, cause="plan_approved" if approve else "plan_declined",
        actor=by,
    )  # fmt: skip
    if approve:
        _place_plan_holds(plan=plan, today=today, by=by)
    return plan


@transaction.atomic
def plan_cancel_held(*, plan: PaymentPlan, today: date, note: str, by: Any) -> PaymentPlan:
    hold_ids = plan_cancel(plan=plan, today=today, note=note, by=by)
    holds_end_bulk(hold_ids=hold_ids, today=today, cause="plan_cancelled", actor=by)
    plan.refresh_from_db()
    return plan


@dataclass
class ArrangementsCheck:
    creditor: str
    date: date
    plans: dict[str, int]
    promises: dict[str, int]
    holds_ended: int

    def as_dict(self) -> dict[str, Any]:
        return {"creditor": self.creditor, "date": self.date.isoformat(), **self.plans, **self.promises,
                "holds_ended": self.holds_ended}  # fmt: skip


@transaction.atomic
def arrangements_check(*, creditor: Creditor, today: date, actor: Any = "plans_check") -> ArrangementsCheck:
    """The daily check of plans and promises, run before the cycle: instalments paid,
    reminders planned, plans completed or defaulted, promises kept or broken, and the
    holds of whatever ended are ended so that today's cycle resumes dunning.
    Idempotent: a second run on the same day changes nothing."""
    plans = plans_track(creditor=creditor, today=today, actor=actor)
    promises = promises_track(creditor=creditor, today=today, actor=actor)
    ended = holds_end_bulk(hold_ids=plans.holds_to_end, today=today, cause="plan_ended", actor=actor)
    ended += holds_end_bulk(hold_ids=promises.holds_to_end, today=today, cause="promise_ended", actor=actor)
    return ArrangementsCheck(
        creditor=creditor.slug,
        date=today,
        plans=plans.as_dict(),
        promises=promises.as_dict(),
        holds_ended=ended,
    )
