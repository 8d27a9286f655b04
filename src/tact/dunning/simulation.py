"""What happens to one debtor on a day, and why: the daily cycle's plan for one debtor.

``debtor_simulate`` runs the cycle itself — ``cycle_run`` as a dry run restricted to the
debtor, optionally under another policy — so the decision for the day is the cycle's own
SQL plan (stages, holds, thresholds, channels, business days, the law's charges), never a
second planner. Everything runs in a transaction that is rolled back: nothing is written.

The plan has a row only for items whose stage day has come. For the debtor's other items
the simulation says which of the cycle's filters kept them out (paid, not a business day,
entered a stage on or after the day, already an action today, the next stage's day or the
minimum days since the last contact not reached, no further stage) and projects the day
the next stage is due: the due date plus the stage's offset, no earlier than the last
contact plus the stage's minimum days, rolled to the next business day of the debtor's
country. The projection assumes nothing happens in between (no payment, hold or run).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from tact.core.errors import NotFound
from tact.core.money import quantize
from tact.ledger.models import Debtor, Invoice, InvoiceKind

from .business_days import is_business_day, next_business_day
from .cycle import _load_config, cycle_run
from .dialect import Sql
from .models import Action, Hold, Policy, Stage, StageHistory, Threshold
from .plan import HOLD_PRIORITY, DueItem, PlanInput, _policy_expr
from .presets import policy_presets_install

ZERO = Decimal("0")

# Stable reason codes (never renamed) and the sentence each one stands for.
REASONS = {
    "advances": "The item enters the stage today and goes out with the debtor's action.",
    "held": "A hold stops it: no automated message while the hold is active.",
    "below_threshold": "The debtor's overdue total in this currency is below the policy's threshold.",
    "unreachable": "The debtor cannot be reached on any of the stage's channels.",
    "paid": "The item is paid: it is never dunned again.",
    "not_business_day": "The day is a weekend or public holiday in the debtor's country; "
    "the step goes out on the next business day.",
    "stage_entered_on_or_after": "The item entered its stage on or after this day; it is not considered "
    "again for this day (nothing is sent twice).",
    "action_exists": "The debtor has an action in this currency on this day already (one message per "
    "debtor and currency a day); the item waits for the next day.",
    "min_days_since_contact": "The next stage's day has come, but not enough days have passed since the "
    "item's last contact.",
    "not_yet_due": "The next stage's day has not come yet.",
    "last_stage": "The item is at the last stage of the policy; nothing more follows automatically.",
    "no_policy": "No policy applies to the debtor (no override, assignment or default policy).",
    # Not expected: the next stage's day has come and nothing above applies, yet the plan has
    # no row for it. Said rather than hidden, so a divergence shows.
    "not_planned": "The cycle's plan does not list the item for this day.",
}
POLICY_SOURCES = ("simulated", "debtor_override", "assignment", "default")


def debtor_simulate(*, debtor: Debtor, on: date, policy: Policy | None = None) -> dict[str, Any]:
    """What the daily cycle would do to ``debtor`` on ``on``, and why; writes nothing.

    ``policy`` simulates another policy of the creditor than the one the debtor gets
    (per-debtor override, else assignment, else default). Must run inside the scope of the
    debtor's creditor; a debtor or policy of another creditor is not found.

    Returns ``{"date", "business_day", "debtor", "policy", "actions", "items", "holds",
    "thresholds", "summary"}``: ``actions`` as ``tact actions list`` shows them, and for each
    open item (and each paid item that was dunned) its current stage, the next stage with
    the day it is due, and the reason code that lets it advance or stops it (``REASONS``),
    with the holds that apply to it.

    Example: an item of 1,190.00 EUR due Monday 2025-03-03 under the customer-centric
    preset, simulated on 2025-03-04: reason ``not_yet_due``, next stage
    ``friendly_reminder`` on 2025-03-06; simulated on 2025-03-06: ``advances``, one e-mail
    action. Raises NotFound.
    """
    if not Debtor.objects.filter(pk=debtor.pk).exists():
        raise NotFound(kind="Debtor")
    if policy is not None and not Policy.objects.filter(pk=policy.pk).exists():
        raise NotFound(kind="Policy")
    creditor = debtor.creditor
    with transaction.atomic():
        if not Policy.objects.exists():
            # The cycle installs the presets on a creditor's first run; so does its simulation
            # (rolled back with everything else).
            policy_presets_install(creditor=creditor, actor="simulation")
        summary = cycle_run(creditor=creditor, run_on=on, dry_run=True, debtor=debtor, policy=policy)
        result = _explain(debtor=debtor, on=on, policy=policy, summary=summary)
        transaction.set_rollback(True)
    return result


# --- explanation ------------------------------------------------------------------------------


def _policy_of(debtor: Debtor, plan: PlanInput) -> tuple[int | None, str | None]:
    """The debtor's policy and where it comes from, by the cycle's own SQL expression."""
    if plan.policy_id is not None:
        return plan.policy_id, "simulated"
    sql = Sql().add("SELECT p.policy_id, ")
    _policy_expr(sql, replace(plan, default_policy_id=None))
    sql.add(", ")
    _policy_expr(sql, plan)
    sql.add(
        " FROM ledger_debtor d LEFT JOIN dunning_debtorpolicy p ON p.debtor_id = d.id WHERE d.id = %s",
        debtor.pk,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.text(), sql.params)
        override, assigned, resolved = cursor.fetchone()
    if override is not None:
        return override, "debtor_override"
    if assigned is not None:
        return assigned, "assignment"
    return resolved, ("default" if resolved is not None else None)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


def _stage_ref(stage: Stage | None, **extra: Any) -> dict[str, Any] | None:
    if stage is None:
        return None
    return {"id": stage.pk, "key": stage.key, "name": stage.name, "position": stage.position,
            "offset_days": stage.offset_days, **extra}  # fmt: skip


def _hold_ref(hold: Hold, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "id": hold.pk,
        "reason": hold.reason,
        "on": "item" if hold.invoice_id else "debtor",
        "item": numbers.get(hold.invoice_id) if hold.invoice_id else None,
        "starts_on": _day(hold.starts_on),
        "ends_on": _day(hold.ends_on),
        "note": hold.note,
    }


def _next_stage(
    stages: list[Stage], *, cur_pos: int, due_on: date, last_on: date | None, on: date, country: str
) -> tuple[Stage | None, date | None]:
    """The stage after ``cur_pos`` and the first business day from ``on`` it can go out. A
    reminder before the due date is passed over once its day falls after the due date, as
    the plan passes it over."""
    for stage in stages:
        if stage.position <= cur_pos:
            continue
        scheduled = due_on + timedelta(days=stage.offset_days)
        contact = last_on + timedelta(days=stage.min_days_since_contact) if last_on else None
        goes_on = next_business_day(country, max(d for d in (scheduled, contact, on) if d is not None))
        if stage.offset_days < 0 and goes_on > due_on:
            continue
        return stage, goes_on
    return None, None


def _waiting(
    *,
    stage: Stage | None,
    goes_on: date | None,
    due_on: date,
    last_on: date | None,
    on: date,
    country: str,
    acted: bool,
) -> tuple[str, dict[str, Any]]:
    """Why an open item the plan does not list waits on ``on``."""
    if stage is None or goes_on is None:
        return "last_stage", {}
    facts: dict[str, Any] = {}
    if last_on is not None and stage.min_days_since_contact:
        facts = {"last_contact_on": _day(last_on), "min_days_since_contact": stage.min_days_since_contact}
    if last_on is not None and last_on >= on:
        return "stage_entered_on_or_after", {"entered_on": _day(last_on)}
    if goes_on == next_business_day(country, on):  # its day has come
        if not is_business_day(country, on):
            return "not_business_day", facts
        if acted:
            return "action_exists", facts
        return "not_planned", facts
    if due_on + timedelta(days=stage.offset_days) > on:
        return "not_yet_due", facts
    return "min_days_since_contact", facts


def _history(debtor: Debtor) -> dict[int, tuple[int, date | None, int | None]]:
    """Per item of the debtor, as the plan reads its stage history: the current position (the
    highest of the latest round; -1 after a reset or before any stage), the last day a row
    was written, and the current stage's id (None after a reset)."""
    rows: dict[int, list[tuple[int, int, int | None, date]]] = {}
    for row in StageHistory.objects.filter(invoice__debtor=debtor).values_list(
        "invoice_id", "round", "position", "stage_id", "entered_on"
    ):
        rows.setdefault(row[0], []).append(row[1:])
    history = {}
    for invoice_id, entries in rows.items():
        latest = max(r for r, _, _, _ in entries)
        _, position, stage_id, _ = max(e for e in entries if e[0] == latest)
        history[invoice_id] = (position, max(e[3] for e in entries), stage_id)
    return history


def _explain(*, debtor: Debtor, on: date, policy: Policy | None, summary: Any) -> dict[str, Any]:
    creditor = debtor.creditor
    config = _load_config(creditor, on)
    plan = replace(config.plan, debtor_id=debtor.pk, policy_id=policy.pk if policy else None)
    policy_id, source = _policy_of(debtor, plan)
    stages = list(Stage.objects.filter(policy_id=policy_id).order_by("position")) if policy_id else []
    all_stages = {s.pk: s for s in Stage.objects.all()}
    chosen = Policy.objects.filter(pk=policy_id).first() if policy_id else None

    history = _history(debtor)
    items = list(
        Invoice.objects.filter(debtor=debtor, kind=InvoiceKind.INVOICE)
        .filter(Q(open_amount__gt=0) | Q(pk__in=list(history)))
        .order_by("due_on", "id")
    )
    numbers = {i.pk: i.number for i in items}
    holds = list(
        Hold.objects.filter(debtor=debtor, starts_on__lte=on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )
    )
    holds.sort(key=lambda h: (HOLD_PRIORITY.index(h.reason), h.pk))
    thresholds = {t.currency: t.minimum_amount for t in Threshold.objects.filter(policy_id=policy_id)}
    acted = set(Action.objects.filter(debtor=debtor, run_on=on).values_list("currency", flat=True))
    due: dict[int, DueItem] = {row.id: row for row in summary.due_items}
    action_of = {number: index for index, action in enumerate(summary.planned) for number in action["items"]}
    business_day = is_business_day(debtor.country, on)

    overdue: dict[str, Decimal] = {}
    for item in items:
        if item.due_on < on and item.open_amount > 0:
            overdue[item.currency] = overdue.get(item.currency, ZERO) + item.open_amount
    currencies = sorted({i.currency for i in items if i.open_amount > 0})
    threshold_facts = {
        currency: {
            "minimum": _money(thresholds[currency], currency) if currency in thresholds else None,
            "overdue_total": _money(overdue.get(currency, ZERO), currency),
            "met": currency not in thresholds or overdue.get(currency, ZERO) >= thresholds[currency],
        }
        for currency in currencies
    }

    explained = []
    for item in items:
        cur_pos, last_on, current = history.get(item.pk, (-1, None, None))
        applying = [_hold_ref(h, numbers) for h in holds if h.invoice_id in (None, item.pk)]
        row = due.get(item.pk)
        next_stage, goes_on, facts = None, None, {}
        if row is not None:
            next_stage, goes_on = all_stages.get(row.stage_id), on
            if row.hold is not None:
                reason = "held"
                deciding = next(h for h in applying if h["reason"] == row.hold)
                facts = {"hold": row.hold, "hold_id": deciding["id"], "on": deciding["on"]}
            elif row.below_threshold:
                reason = "below_threshold"
                facts = {"minimum": _money(row.minimum or ZERO, item.currency),
                         "overdue_total": _money(row.overdue_total, item.currency)}  # fmt: skip
            elif row.channel is None:
                reason = "unreachable"
                facts = {"wanted": next_stage.channels_for(debtor.kind) if next_stage else [],
                         "reachable": {"email": bool(row.has_email), "phone": bool(row.has_phone),
                                       "address": bool(row.has_address)}}  # fmt: skip
            else:
                reason = "advances"
                facts = {"channel": row.channel}
        elif item.open_amount <= 0:
            reason = "paid"
            facts = {"settled_on": _day(item.settled_on)}
        elif policy_id is None:
            reason = "no_policy"
        else:
            next_stage, goes_on = _next_stage(
                stages, cur_pos=cur_pos, due_on=item.due_on, last_on=last_on, on=on, country=debtor.country
            )
            reason, facts = _waiting(
                stage=next_stage, goes_on=goes_on, due_on=item.due_on, last_on=last_on, on=on,
                country=debtor.country, acted=item.currency in acted,
            )  # fmt: skip
        if applying and reason not in ("held", "paid"):
            facts["holds_would_stop_it"] = [h["reason"] for h in applying]
        explained.append(
            {
                "id": item.pk,
                "number": item.number,
                "due_on": _day(item.due_on),
                "currency": item.currency,
                "open_amount": _money(item.open_amount, item.currency),
                "days_overdue": max((on - item.due_on).days, 0),
                "current_stage": _stage_ref(
                    all_stages.get(current) if current else None,
                    entered_on=_day(last_on),
                ),
                "next_stage": _stage_ref(
                    next_stage,
                    scheduled_on=_day(item.due_on + timedelta(days=next_stage.offset_days))
                    if next_stage
                    else None,
                    on=_day(goes_on),
                ),
                "outcome": "advances" if reason == "advances" else "stopped",
                "reason": reason,
                "reason_text": REASONS[reason],
                "facts": facts,
                "holds": applying,
                "action": action_of.get(item.number) if reason == "advances" else None,
            }
        )

    return {
        "date": _day(on),
        "business_day": business_day,
        "debtor": {
            "id": debtor.pk,
            "number": debtor.number,
            "name": debtor.name,
            "country": debtor.country,
            "kind": debtor.kind,
        },  # fmt: skip
        "policy": None
        if chosen is None
        else {
            "id": chosen.pk,
            "name": chosen.name,
            "source": source,
            "stages": [_stage_ref(s) for s in stages],
        },  # fmt: skip
        "actions": summary.planned,
        "items": explained,
        "holds": [_hold_ref(h, numbers) for h in holds],
        "thresholds": threshold_facts,
        "summary": {
            **summary.as_dict(),
            "held": {k: v for k, v in summary.held.items() if v},
            "below_threshold": summary.below_threshold,
        },  # fmt: skip
    }


__all__ = ["POLICY_SOURCES", "REASONS", "debtor_simulate"]
