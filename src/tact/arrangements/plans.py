"""Payment plans: proposing one within the creditor's rules, deciding one, and tracking the
instalments set-based every day.

The dunning holds that keep the plan's items quiet are placed and ended by the caller
(``tact.dunning.arrangement_holds``; dunning sits above this app): here a plan names its
holds by id on its items, and the daily tracking returns the holds that must end.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tact.audit.services import Change, audit_bulk, audit_record
from tact.core.money import quantize
from tact.ledger.models import Debtor, Invoice, InvoiceKind
from tact.tenancy.models import Creditor

from .errors import ArrangementInvalid
from .models import Instalment, InstalmentStatus, PaymentPlan, PlanItem, PlanRules, PlanStatus, Source

ZERO = Decimal("0")
MIN_INSTALMENTS = 2  # one payment on a date is a promise, not a plan
MAX_INSTALMENTS = 60  # beyond any creditor's rule: refused outright, not queued
LIVE = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)

# Stable codes of the rules a proposal may break; a person decides such a proposal.
REVIEW_REASONS = (
    "instalment_below_minimum",
    "months_above_maximum",
    "amount_above_maximum",
    "first_date_too_far",
    "earlier_plan_defaulted",
)


def plan_rules_for(*, creditor: Creditor) -> PlanRules:
    """The creditor's plan rules, or the defaults (unsaved) when it has set none."""
    return PlanRules.objects.filter(creditor=creditor).first() or PlanRules(creditor=creditor)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int
    due_on: date
    amount: Decimal


def plan_schedule(
    *, total: Decimal, currency: str, count: int, first_due_on: date
) -> list[ScheduledInstalment]:
    """Monthly instalments from ``first_due_on``; the rounding remainder goes to the last.

    Example: 1,000.00 EUR in 3 from 2025-12-15 → 333.33 on 12-15 and 01-15, 333.34 on 02-15.
    """
    head = quantize(total / count, currency, rounding=ROUND_DOWN)
    amounts = [head] * (count - 1) + [quantize(total, currency) - head * (count - 1)]
    return [
        ScheduledInstalment(number=n + 1, due_on=add_months(first_due_on, n), amount=amount)
        for n, amount in enumerate(amounts)
    ]


def plan_review_reasons(
    *, debtor: Debtor, schedule: Sequence[ScheduledInstalment], total: Decimal, today: date, rules: PlanRules
) -> list[str]:
    """The creditor's rules the proposal breaks (empty: approve at once). The months count
    from the first instalment's month to the last's, plus one: 6 monthly instalments are 6 months."""
    reasons = []
    if min(s.amount for s in schedule) < rules.min_instalment_amount:
        reasons.append("instalment_below_minimum")
    if len(schedule) > rules.max_months:
        reasons.append("months_above_maximum")
    if total > rules.max_amount:
        reasons.append("amount_above_maximum")
    if schedule[0].due_on > today + timedelta(days=rules.first_due_max_days):
        reasons.append("first_date_too_far")
    if PaymentPlan.objects.filter(debtor=debtor, status=PlanStatus.DEFAULTED).exists():
        reasons.append("earlier_plan_defaulted")
    return reasons


def _invalid(field_name: str, reason: str, problem: str, **facts: Any) -> ArrangementInvalid:
    return ArrangementInvalid(field=field_name, reason=reason, problem=problem, **facts)


def _check_items(*, debtor: Debtor, invoices: Sequence[Invoice]) -> list[Invoice]:
    if not invoices:
        raise _invalid("items", "items_missing", "choose at least one open invoice")
    ids = sorted({i.pk for i in invoices})
    # Read again under lock: the open amounts are what the plan is made of.
    found = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("due_on", "id"))
    for item in found:
        if item.debtor_id != debtor.pk:
            raise _invalid("items", "item_of_other_debtor", f"item {item.number} belongs to another debtor")
        if item.kind != InvoiceKind.INVOICE or item.open_amount <= 0:
            raise _invalid("items", "item_not_open", f"item {item.number} is not an open invoice")
        if item.currency != debtor.currency:
            raise _invalid(
                "items", "item_currency", f"item {item.number} is in {item.currency}, not {debtor.currency}"
            )
    if len(found) != len(ids):
        raise _invalid("items", "item_unknown", "an item is unknown")
    taken = (
        PlanItem.objects.filter(invoice_id__in=ids, plan__status__in=LIVE).select_related("invoice").first()
    )
    if taken is not None:
        raise _invalid("items", "item_in_plan", f"item {taken.invoice.number} is already in a payment plan")
    return found


@transaction.atomic
def plan_propose(
    *,
    debtor: Debtor,
    invoices: Sequence[Invoice],
    count: int,
    first_due_on: date,
    today: date,
    source: str,
    by: Any,
) -> PaymentPlan:
    """A plan of ``count`` monthly instalments over the open amounts of ``invoices``:
    ``active`` at once when it keeps the creditor's rules, else ``proposed`` with the
    rules it breaks in ``review_reasons`` for a person to decide.

    Example (rules: at least 25.00 EUR an instalment, at most 12 months, 5,000.00 EUR):
    1,190.00 EUR in 4 from 2025-12-15 → active, 297.50 each; in 60 → proposed,
    ["instalment_below_minimum", "months_above_maximum"].
    Raises ArrangementInvalid naming the field (items, count, first_due_on, source).
    """
    if source not in Source.values:
        raise _invalid("source", "source_unknown", f"{source!r} is unknown")
    if not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
        raise _invalid(
            "count", "count_out_of_range", f"{count} is not between {MIN_INSTALMENTS} and {MAX_INSTALMENTS}"
        )
    if first_due_on < today:
        raise _invalid("first_due_on", "date_in_past", f"{first_due_on} lies before {today}")
    items = _check_items(debtor=debtor, invoices=invoices)
    currency = debtor.currency
    total = quantize(sum((i.open_amount for i in items), ZERO), currency)
    schedule = plan_schedule(total=total, currency=currency, count=count, first_due_on=first_due_on)
    reasons = plan_review_reasons(
        debtor=debtor,
        schedule=schedule,
        total=total,
        today=today,
        rules=plan_rules_for(creditor=debtor.creditor),
    )
    plan = PaymentPlan.objects.create(
        creditor_id=debtor.creditor_id, debtor=debtor, currency=currency, total_amount=total, source=source,
        starts_on=today, status=PlanStatus.PROPOSED if reasons else PlanStatus.ACTIVE, review_reasons=reasons,
        decided_at=None if reasons else timezone.now(),
    )  # fmt: skip
    PlanItem.objects.bulk_create(
        PlanItem(creditor_id=plan.creditor_id, plan=plan, invoice=i, open_amount=i.open_amount) for i in items
    )
    Instalment.objects.bulk_create(
        Instalment(creditor_id=plan.creditor_id, plan=plan, number=s.number, due_on=s.due_on, amount=s.amount)
        for s in schedule
    )
    audit_record(
        creditor=debtor.creditor, actor=by, action="plan_approved" if not reasons else "plan_proposed",
        subject=debtor,
        after={"plan": plan.pk, "items": [i.number for i in items], "total": total, "currency": currency,
               "instalments": count, "first_due_on": first_due_on, "review_reasons": reasons, "source": source},
    )  # fmt: skip
    return plan


@transaction.atomic
def plan_decide(*, plan: PaymentPlan, approve: bool, note: str = "", by: Any) -> PaymentPlan:
    """A person approves (``active``) or declines (``cancelled``) a proposed plan.
    Raises ArrangementInvalid(field="plan") when the plan is not awaiting a decision."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.PROPOSED:
        raise _invalid(
            "plan", "plan_not_proposed", f"plan {plan.pk} is {plan.status}, not awaiting a decision"
        )
    plan.status = PlanStatus.ACTIVE if approve else PlanStatus.CANCELLED
    plan.decided_at = timezone.now()
    plan.decision_note = note.strip()
    plan.save(update_fields=["status", "decided_at", "decision_note"])
    audit_record(
        creditor=plan.creditor, actor=by, action="plan_approved" if approve else "plan_declined",
        subject=plan.debtor, after={"plan": plan.pk, "note": plan.decision_note},
    )  # fmt: skip
    return plan


def plan_holds_set(*, plan: PaymentPlan, hold_ids: dict[int, int]) -> None:
    """Name each item's dunning hold (invoice id → hold id) on the plan."""
    items = list(PlanItem.objects.filter(plan=plan, invoice_id__in=hold_ids))
    for item in items:
        item.hold_id = hold_ids[item.invoice_id]
    PlanItem.objects.bulk_update(items, ["hold_id"])


# -- daily tracking ---------------------------------------------------------------------------


@dataclass
class PlanTracking:
    """What one day's tracking did; ``holds_to_end`` are the dunning holds of the plans
    that completed or defaulted (the caller ends them)."""

    instalments_paid: int = 0
    reminders_before: int = 0
    reminders_missed: int = 0
    instalments_missed: int = 0
    completed: list[int] = field(default_factory=list)
    defaulted: list[int] = field(default_factory=list)
    holds_to_end: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"instalments_paid": self.instalments_paid, "reminders_before": self.reminders_before,
                "reminders_missed": self.reminders_missed, "instalments_missed": self.instalments_missed,
                "plans_completed": len(self.completed), "plans_defaulted": len(self.defaulted)}  # fmt: skip


def _paid_by_allocations() -> Subquery:
    """What allocations to a plan's items, of payments valued from the plan's start on,
    add up to (credit notes and write-offs are not payments and do not count)."""
    paid = (
        PlanItem.objects.filter(plan_id=OuterRef("pk"), invoice__allocations__payment__value_on__gte=OuterRef("starts_on"))
        .values("plan_id")
        .annotate(s=Sum("invoice__allocations__amount"))
        .values("s")
    )  # fmt: skip
    return Coalesce(Subquery(paid), Value(ZERO))


def _cumulative() -> Subquery:
    """An instalment's amount plus those of the plan's earlier ones."""
    through = (
        Instalment.objects.filter(plan_id=OuterRef("plan_id"), number__lte=OuterRef("number"))
        .values("plan_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Subquery(through)


def _audit_instalments(*, creditor: Creditor, action: str, rows: list[dict[str, Any]], actor: Any) -> None:
    audit_bulk(
        creditor=creditor, actor=actor, action=action,
        changes=(Change(subject_type="ledger.debtor", subject_id=str(r["plan__debtor_id"]), before=None,
                        after={"plan": r["plan_id"], "instalment": r["number"], "due_on": r["due_on"],
                               "amount": r["amount"], "currency": r["plan__currency"]}) for r in rows),
    )  # fmt: skip


INSTALMENT_FACTS = ("pk", "plan_id", "number", "due_on", "amount", "plan__debtor_id", "plan__currency")


@transaction.atomic
def plans_track(*, creditor: Creditor, today: date, actor: Any = "plans_check") -> PlanTracking:
    """One day's tracking of the creditor's active plans, a fixed number of statements
    for any number of plans (no loop per plan or instalment):

    1. each plan's ``paid_amount`` from allocations to its items;
    2. instalments covered by it, oldest first, are ``paid`` (paying early pays ahead;
       paying everything is an early payoff);
    3. plans with every instalment paid, or none of their items still open, ``completed``;
    4. due instalments not covered are ``missed``;
    5. a friendly reminder is planned ``reminder_days_before`` each open instalment, and
       one ``missed_reminder_after_days`` after a miss (once each, audited on the debtor);
    6. plans with an instalment missed ``default_after_days`` ago ``defaulted``.

    Runs twice on a day without changing anything the second time.
    """
    rules = plan_rules_for(creditor=creditor)
    result = PlanTracking()
    active = PaymentPlan.objects.filter(creditor=creditor, status=PlanStatus.ACTIVE)
    active.update(paid_amount=_paid_by_allocations())

    unpaid = Instalment.objects.filter(
        creditor=creditor,
        plan__status=PlanStatus.ACTIVE,
        status__in=[InstalmentStatus.OPEN, InstalmentStatus.MISSED],
    )
    covered = unpaid.annotate(through=_cumulative()).filter(through__lte=F("plan__paid_amount"))
    result.instalments_paid = Instalment.objects.filter(pk__in=covered.values("pk")).update(
        status=InstalmentStatus.PAID, paid_on=today
    )

    still_open = Instalment.objects.filter(plan_id=OuterRef("pk")).exclude(status=InstalmentStatus.PAID)
    item_open = PlanItem.objects.filter(plan_id=OuterRef("pk"), invoice__open_amount__gt=0)
    done = active.filter(~Exists(still_open) | ~Exists(item_open))
    result.completed = list(done.values_list("pk", flat=True))

    missed_now = Instalment.objects.filter(
        creditor=creditor, plan__status=PlanStatus.ACTIVE, status=InstalmentStatus.OPEN, due_on__lt=today
    ).exclude(plan_id__in=result.completed)
    result.instalments_missed = missed_now.update(status=InstalmentStatus.MISSED)

    live = unpaid.exclude(plan_id__in=result.completed)
    before = live.filter(
        status=InstalmentStatus.OPEN, reminded_on__isnull=True, due_on__gte=today,
        due_on__lte=today + timedelta(days=rules.reminder_days_before),
    )  # fmt: skip
    rows = list(before.values(*INSTALMENT_FACTS))
    result.reminders_before = Instalment.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        reminded_on=today
    )
    _audit_instalments(creditor=creditor, action="plan_reminder_before", rows=rows, actor=actor)

    after = live.filter(
        status=InstalmentStatus.MISSED, missed_reminded_on__isnull=True,
        due_on__lte=today - timedelta(days=rules.missed_reminder_after_days),
    )  # fmt: skip
    rows = list(after.values(*INSTALMENT_FACTS))
    result.reminders_missed = Instalment.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        missed_reminded_on=today
    )
    _audit_instalments(creditor=creditor, action="plan_reminder_missed", rows=rows, actor=actor)

    overdue = Instalment.objects.filter(
        plan_id=OuterRef("pk"), status=InstalmentStatus.MISSED,
        due_on__lte=today - timedelta(days=rules.default_after_days),
    )  # fmt: skip
    result.defaulted = list(
        active.exclude(pk__in=result.completed).filter(Exists(overdue)).values_list("pk", flat=True)
    )

    for status, ids, action in ((PlanStatus.COMPLETED, result.completed, "plan_completed"),
                                (PlanStatus.DEFAULTED, result.defaulted, "plan_defaulted")):  # fmt: skip
        if not ids:
            continue
        plans = list(
            PaymentPlan.objects.filter(pk__in=ids).values("pk", "debtor_id", "paid_amount", "total_amount")
        )
        PaymentPlan.objects.filter(pk__in=ids).update(status=status, ended_on=today)
        audit_bulk(
            creditor=creditor, actor=actor, action=action,
            changes=(Change(subject_type="ledger.debtor", subject_id=str(p["debtor_id"]), before=None,
                            after={"plan": p["pk"], "paid": p["paid_amount"], "total": p["total_amount"]})
                     for p in plans),
        )  # fmt: skip
    ended = result.completed + result.defaulted
    result.holds_to_end = list(
        PlanItem.objects.filter(plan_id__in=ended, hold_id__isnull=False).values_list("hold_id", flat=True)
    )
    return result


@transaction.atomic
def plan_cancel(*, plan: PaymentPlan, today: date, note: str, by: Any) -> list[int]:
    """A person ends a live plan (the debtor asked, or it was agreed otherwise). Returns the
    plan's hold ids for the caller to end."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in LIVE:
        raise _invalid("plan", "plan_not_live", f"plan {plan.pk} is already {plan.status}")
    plan.status, plan.ended_on, plan.decision_note = PlanStatus.CANCELLED, today, note.strip()
    plan.save(update_fields=["status", "ended_on", "decision_note"])
    audit_record(creditor=plan.creditor, actor=by, action="plan_cancelled", subject=plan.debtor,
                 after={"plan": plan.pk, "note": plan.decision_note})  # fmt: skip
    return list(PlanItem.objects.filter(plan=plan, hold_id__isnull=False).values_list("hold_id", flat=True))


def plan_hold_ids(*, plan: PaymentPlan) -> list[int]:
    return list(PlanItem.objects.filter(plan=plan, hold_id__isnull=False).values_list("hold_id", flat=True))


def plans_live_of(*, debtor: Debtor):
    return PaymentPlan.objects.filter(debtor=debtor, status__in=LIVE).prefetch_related("instalments")


def items_in_live_plans(*, debtor: Debtor) -> set[int]:
    return set(
        PlanItem.objects.filter(plan__debtor=debtor, plan__status__in=LIVE).values_list(
            "invoice_id", flat=True
        )
    )


def plans_awaiting_decision(*, creditor: Creditor):
    """Proposals a person must decide, oldest first (the workbench's queue)."""
    return (
        PaymentPlan.objects.filter(creditor=creditor, status=PlanStatus.PROPOSED)
        .select_related("debtor")
        .prefetch_related("items__invoice", "instalments")
        .order_by("created_at", "id")
    )
