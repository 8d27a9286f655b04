"""The daily cycle: decide for every debtor of a creditor the right next step on a day.

``cycle_run`` reads the configuration (a handful of queries), runs the plan (one SQL
statement, ``plan.py``), counts the debtors considered (one more), and then makes one pass
over the items due today to group them into actions — one per debtor and currency, on the
channel of the most advanced stage among its items — and to apply the law's interest and
fee functions where a stage charges them. It appends the actions, the stage history and
the decisions in three bulk inserts. The number of statements does not depend on the
number of items or debtors.

Idempotent: an item that entered a stage on or after the run day is not considered again
(so the same day twice, or an earlier day after a later one, sends nothing twice), and a
debtor gets at most one action per currency and day.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tact.audit.services import audit_record
from tact.core.errors import ValidationFailed
from tact.core.jobs import creditor_scope
from tact.core.money import quantize
from tact.law.selectors import RateBook, charge_check, fees_for, interest_for, notices_for
from tact.tenancy.models import COUNTRIES, Creditor

from .appending import append_rows
from .business_days import holiday_check, is_business_day
from .models import (
    Action,
    ActionStatus,
    Decision,
    HoldReason,
    Policy,
    PolicyAssignment,
    Stage,
    StageHistory,
    Threshold,
)
from .plan import AssignmentRule, DueItem, PlanInput, StageRule, debtors_considered_sql, plan_run
from .policies import LAW_KINDS
from .presets import policy_presets_install

RULE_VERSION = "cycle/1"
RULE = (
    "stage_due: each item's next stage has come (due date plus the stage's offset, on a business day of the "
    "debtor's country), with enough days since its last contact, no active hold and the debtor's overdue total "
    "at or above the policy's threshold; one action per debtor and currency a day, on the channel of the most "
    "advanced stage, listing all its items that advance"
)
ZERO = Decimal("0")
NOMINAL = Decimal("40.00")  # asks the law why no flat compensation is owed, when it grants none
ACTION_FIELDS = (
    "creditor_id", "debtor_id", "run_on", "policy_id", "stage_id", "channel", "tone", "template_key", "currency",
    "item_count", "items", "open_amount", "interest_amount", "fees_amount", "flat_compensation_amount", "status",
    "needs_approval", "explanation", "note",
)  # fmt: skip
HISTORY_FIELDS = ("creditor_id", "invoice_id", "stage_id", "position", "entered_on", "action_id")
DECISION_FIELDS = (
    "creditor_id",
    "subject_type",
    "subject_id",
    "reason",
    "facts",
    "rule_version",
    "decided_at",
)


@dataclass
class PlannedAction:
    """An action as the cycle decided it, before (or without, in a dry run) being stored."""

    run_on: date
    debtor_id: int
    debtor_number: str
    policy_id: int
    stage: Stage
    channel: str
    currency: str
    items: list[dict[str, Any]]
    invoice_ids: list[tuple[int, int, int]]  # (invoice id, stage id, stage position)
    open_amount: Decimal
    interest_amount: Decimal
    fees_amount: Decimal
    flat_compensation_amount: Decimal
    status: str
    explanation: dict[str, Any]
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The shape of ``tact actions list``."""
        return {
            "id": self.id,
            "run_on": self.run_on.isoformat(),
            "debtor": self.debtor_number,
            "items": [i["number"] for i in self.items],
            "stage": self.stage.key,
            "channel": self.channel,
            "currency": self.currency,
            "status": str(self.status),
            "open_amount": str(quantize(self.open_amount, self.currency)),
            "interest": str(quantize(self.interest_amount, self.currency)),
            "fees": str(quantize(self.fees_amount, self.currency)),
            "flat_compensation": str(quantize(self.flat_compensation_amount, self.currency)),
            "item_details": self.items,
            "explanation": self.explanation,
        }


def _held_counts() -> Counter:
    return Counter({reason: 0 for reason in HoldReason.values})


@dataclass
class CycleSummary:
    """What a cycle run decided for one creditor and day.

    ``as_dict()`` is the contract of ``tact cycle --json``: ``date``, ``debtors_considered``
    (debtors with an open invoice), ``actions``, ``by_stage`` (actions per stage key),
    ``by_channel`` (actions per channel), ``held`` (items due today that a hold stopped, per
    reason; items the debtor cannot be reached for count as ``unreachable``),
    ``awaiting_approval`` (actions a person must approve), ``refused_by_law`` (charges a
    stage asked for that the law refused; the action goes out without them) and
    ``elapsed_s``. The other attributes are for callers: ``items_advancing``,
    ``below_threshold`` (items due whose debtor owes less than the threshold), and
    ``planned`` (the actions, stored or — in a dry run — not).
    """

    date: date
    creditor: str
    dry_run: bool = False
    debtors_considered: int = 0
    actions: int = 0
    by_stage: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    held: Counter = field(default_factory=_held_counts)
    awaiting_approval: int = 0
    refused_by_law: int = 0
    elapsed_s: float = 0.0
    items_advancing: int = 0
    below_threshold: int = 0
    plan_s: float = 0.0
    persist_s: float = 0.0
    planned: list[PlannedAction] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "debtors_considered": self.debtors_considered,
            "actions": self.actions,
            "by_stage": dict(sorted(self.by_stage.items())),
            "by_channel": dict(sorted(self.by_channel.items())),
            "held": dict(self.held),
            "awaiting_approval": self.awaiting_approval,
            "refused_by_law": self.refused_by_law,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def add(self, other: CycleSummary) -> None:
        """Fold another creditor's summary into this one (``tact cycle`` for all creditors)."""
        self.debtors_considered += other.debtors_considered
        self.actions += other.actions
        self.by_stage.update(other.by_stage)
        self.by_channel.update(other.by_channel)
        self.held.update(other.held)
        self.awaiting_approval += other.awaiting_approval
        self.refused_by_law += other.refused_by_law
        self.items_advancing += other.items_advancing
        self.below_threshold += other.below_threshold


@dataclass
class _Config:
    policies: dict[int, Policy]
    stages: dict[int, Stage]
    by_position: dict[tuple[int, int], Stage]
    plan: PlanInput
    charges_interest: bool
    # stage id -> whether an earlier stage of its policy charged the same thing already
    fees_before: dict[int, bool]
    flat_before: dict[int, bool]


def _load_config(creditor: Creditor, run_on: date) -> _Config:
    policies = {p.pk: p for p in Policy.objects.filter(creditor=creditor)}
    if not policies:
        # A creditor's first cycle: start from the shipped presets rather than do nothing.
        policy_presets_install(creditor=creditor)
        policies = {p.pk: p for p in Policy.objects.filter(creditor=creditor)}
    stages = list(Stage.objects.filter(creditor=creditor).order_by("policy_id", "position"))
    thresholds = {
        (t.policy_id, t.currency): t.minimum_amount for t in Threshold.objects.filter(creditor=creditor)
    }
    assignments = [
        AssignmentRule(a.policy_id, a.segment, a.country, a.debtor_kind, a.specificity, a.pk)
        for a in PolicyAssignment.objects.filter(creditor=creditor)
    ]
    default = next((p.pk for p in policies.values() if p.is_default), None)
    fees_before: dict[int, bool] = {}
    flat_before: dict[int, bool] = {}
    seen: dict[int, tuple[bool, bool]] = {}
    for s in stages:
        fees, flat = seen.get(s.policy_id, (False, False))
        fees_before[s.pk], flat_before[s.pk] = fees, flat
        seen[s.policy_id] = (fees or s.charges_fees, flat or s.charges_flat_compensation)
    plan = PlanInput(
        creditor_id=creditor.pk,
        run_on=run_on,
        business_countries=tuple(c for c, _ in COUNTRIES if is_business_day(c, run_on)),
        stages=tuple(
            StageRule(
                s.pk,
                s.policy_id,
                s.position,
                s.key,
                s.offset_days,
                s.min_days_since_contact,
                tuple(s.channels),
                tuple(s.consumer_channels),
            )
            for s in stages
        ),  # fmt: skip
        assignments=tuple(assignments),
        default_policy_id=default,
        thresholds=thresholds,
    )
    return _Config(
        policies=policies,
        stages={s.pk: s for s in stages},
        by_position={(s.policy_id, s.position): s for s in stages},
        plan=plan,
        charges_interest=any(s.charges_interest for s in stages),
        fees_before=fees_before,
        flat_before=flat_before,
    )


@lru_cache(maxsize=64)
def _default_by_calendar(country: str, law_kind: str) -> bool:
    return bool(notices_for(country, law_kind)["default"]["calendar_due_date_suffices"])


WHY_NOT = {
    "email": "no e-mail address that has not bounced",
    "letter": "no postal address",
    "sms": "no phone number",
    "phone": "no phone number",
}


def _passed_over(item: DueItem, wanted: list[str]) -> list[dict[str, str]]:
    """The channels the stage preferred to the one chosen, and why each could not be used."""
    passed = []
    for option in wanted:
        resolved = item.preferred_channel if option == "preferred" else option
        if resolved == item.channel:
            break
        why = WHY_NOT.get(resolved, f"{resolved} is not a dunning channel")
        passed.append({"channel": option if option == resolved else f"preferred ({resolved})", "why": why})
    return passed


def _refusal(charge: str, code: str, message: str, item: str | None = None) -> dict[str, Any]:
    return {"charge": charge, "item": item, "code": code, "message": message}


class _Decider:
    """The one pass over the items due today: group, charge within the law, explain."""

    def __init__(self, *, creditor: Creditor, config: _Config, run_on: date, book: RateBook | None) -> None:
        self.creditor = creditor
        self.config = config
        self.run_on = run_on
        self.book = book
        self._rolled: dict[tuple[str, date], bool] = {}
        self._interest: dict[tuple, Any] = {}

    # -- facts ------------------------------------------------------------------------------

    def rolled(self, country: str, scheduled: date) -> bool:
        """Whether the step's own day was a weekend or holiday and today is the next business day."""
        key = (country, scheduled)
        if key not in self._rolled:
            gap = (self.run_on - scheduled).days
            self._rolled[key] = 0 < gap <= 7 and not any(
                is_business_day(country, scheduled + timedelta(days=n)) for n in range(gap)
            )
        return self._rolled[key]

    def law_facts(self, item: DueItem, policy: Policy) -> dict[str, Any]:
        law_kind = LAW_KINDS[item.kind]
        facts: dict[str, Any] = {
            "principal": item.open_amount,
            "today": self.run_on,
            "in_default": item.due_on < self.run_on
            and (_default_by_calendar(item.country, law_kind) or item.reminders >= 1),
            "reminders_sent": item.reminders,
            "reminders_in_default": item.reminders,
            "contract_clause": policy.contract_clause,
            "obligation_on": item.issued_on,
            "is_holiday": holiday_check(item.country),
        }
        previous = self.config.by_position.get((item.policy_id, item.cur_pos))
        if previous is not None and item.last_on is not None:
            facts["letter_sent_on"] = item.last_on
            # Paper waits longer (BE); assume it whenever the previous stage could use a letter.
            channels = set(previous.channels_for(item.kind))
            facts["letter_channel"] = "paper" if {"letter", "preferred"} & channels else "electronic"
            facts["letter_states_costs"] = previous.announces_costs
        return facts

    # -- charges ------------------------------------------------------------------------------

    def interest(self, item: DueItem, facts: dict[str, Any], refusals: list) -> tuple[Decimal, str | None]:
        law_kind = LAW_KINDS[item.kind]
        key = (item.country, law_kind, item.open_amount, item.due_on, item.currency)
        try:
            if key not in self._interest:
                self._interest[key] = interest_for(
                    country=item.country, kind=law_kind, principal=item.open_amount, start=item.due_on,
                    end=self.run_on, currency=item.currency, obligation_on=item.issued_on, book=self.book,
                )  # fmt: skip
            result = self._interest[key]
        except ValidationFailed as exc:
            refusals.append(_refusal("interest", exc.code, exc.message, item.number))
            return ZERO, None
        refusal = charge_check(
            country=item.country, kind=law_kind, charge="interest", amount=result.interest,
            stage_facts={**facts, "interest_due": result.interest},
        )  # fmt: skip
        if refusal is not None:
            refusals.append(_refusal("interest", refusal.code, refusal.message, item.number))
            return ZERO, None
        return result.interest, result.rule_label

    def flat(self, item: DueItem, facts: dict[str, Any], refusals: list) -> tuple[Decimal, str | None]:
        law_kind = LAW_KINDS[item.kind]
        try:
            result = fees_for(
                country=item.country, kind=law_kind, principal=item.open_amount, currency=item.currency,
                obligation_on=item.issued_on,
            )  # fmt: skip
        except ValidationFailed as exc:
            refusals.append(_refusal("flat_compensation", exc.code, exc.message, item.number))
            return ZERO, None
        amount = result.flat_compensation if result.flat_compensation is not None else NOMINAL
        refusal = charge_check(
            country=item.country, kind=law_kind, charge="flat_compensation", amount=amount, stage_facts=facts
        )
        if refusal is not None:
            refusals.append(_refusal("flat_compensation", refusal.code, refusal.message, item.number))
            return ZERO, None
        return amount, result.rule

    def costs(
        self, items: list[DueItem], facts: list[dict[str, Any]], refusals: list
    ) -> tuple[Decimal, dict[str, Any] | None]:
        """Collection costs on the summed principal of the items (NL: one letter, costs on the
        summed principals), with the least favourable facts of any of them."""
        first = items[0]
        law_kind = LAW_KINDS[first.kind]
        principal = sum((i.open_amount for i in items), ZERO)
        merged = {
            **facts[0],
            "principal": principal,
            "in_default": all(f["in_default"] for f in facts),
            "reminders_sent": min(f["reminders_sent"] for f in facts),
            "reminders_in_default": min(f["reminders_in_default"] for f in facts),
            "obligation_on": min(i.issued_on for i in items),
        }
        sent = [f.get("letter_sent_on") for f in facts]
        if all(sent):
            merged["letter_sent_on"] = max(sent)
            merged["letter_states_costs"] = all(f.get("letter_states_costs") for f in facts)
            merged["letter_channel"] = (
                "paper" if any(f["letter_channel"] == "paper" for f in facts) else "electronic"
            )
        else:
            for key in ("letter_sent_on", "letter_states_costs", "letter_channel"):
                merged.pop(key, None)
        try:
            result = fees_for(
                country=first.country, kind=law_kind, principal=principal, currency=first.currency,
                obligation_on=merged["obligation_on"],
            )  # fmt: skip
        except ValidationFailed as exc:
            refusals.append(_refusal("collection_costs", exc.code, exc.message))
            return ZERO, None
        amount = result.collection_costs
        refusal = charge_check(
            country=first.country, kind=law_kind, charge="collection_costs",
            amount=amount if amount is not None else Decimal("0.01"), stage_facts=merged,
        )  # fmt: skip
        if refusal is not None:
            refusals.append(_refusal("collection_costs", refusal.code, refusal.message))
            return ZERO, None
        amount = amount or ZERO
        return amount, {"rule": result.rule, "principal": str(quantize(principal, first.currency)), "amount": str(amount),
                        "conditions": result.conditions}  # fmt: skip

    # -- one action ---------------------------------------------------------------------------

    def action(self, items: list[DueItem]) -> PlannedAction:
        config, run_on = self.config, self.run_on
        lead = max(items, key=lambda i: config.stages[i.stage_id].position)
        top = config.stages[lead.stage_id]
        first = lead
        policy = config.policies[top.policy_id]
        law_kind = LAW_KINDS[first.kind]
        refusals: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        facts_rows: list[dict[str, Any]] = []
        interest_total = flat_total = ZERO
        interest_rule = flat_rule = None
        fee_items: list[DueItem] = []
        fee_facts: list[dict[str, Any]] = []
        for item in items:
            stage = config.stages[item.stage_id]
            row: dict[str, Any] = {
                "id": item.id, "number": item.number, "due_on": item.due_on.isoformat(),
                "days_overdue": (run_on - item.due_on).days, "stage": stage.key,
                "open_amount": str(quantize(item.open_amount, item.currency)),
            }  # fmt: skip
            scheduled = item.due_on + timedelta(days=stage.offset_days)
            previous = config.by_position.get((item.policy_id, item.cur_pos))
            fact = {"number": item.number, "to_stage": stage.key, "scheduled_on": scheduled.isoformat()}
            if previous is not None:
                fact["from_stage"] = previous.key
            if item.contacts:
                fact["previous_contacts"] = item.contacts
                fact["last_contact_on"] = item.last_on.isoformat() if item.last_on else None
            if scheduled < run_on and self.rolled(item.country, scheduled):
                fact["rolled_from_non_business_day"] = True
            charges = stage.charges_interest or stage.charges_fees or stage.charges_flat_compensation
            facts = self.law_facts(item, policy) if charges else {}
            if stage.charges_interest:
                amount, rule = self.interest(item, facts, refusals)
                interest_rule = rule or interest_rule
                interest_total += amount
                row["interest"] = str(amount)
            if stage.charges_flat_compensation and not config.flat_before[stage.pk]:
                amount, rule = self.flat(item, facts, refusals)
                flat_rule = rule or flat_rule
                flat_total += amount
                row["flat_compensation"] = str(amount)
            if stage.charges_fees and not config.fees_before[stage.pk]:
                fee_items.append(item)
                fee_facts.append(facts)
            rows.append(row)
            facts_rows.append(fact)
        fees_total, fees_facts = (ZERO, None)
        if fee_items:
            fees_total, fees_facts = self.costs(fee_items, fee_facts, refusals)
        wanted = top.channels_for(first.kind)
        channel = first.channel
        needs_approval = any(config.stages[i.stage_id].needs_approval for i in items)
        explanation = {
            "rule": RULE,
            "rule_version": RULE_VERSION,
            "policy": {"id": policy.pk, "name": policy.name},
            "stage": {
                "key": top.key, "name": top.name, "position": top.position, "offset_days": top.offset_days,
                "tone": top.tone, "template_key": top.template_key, "needs_approval": top.needs_approval,
                "is_final_notice": top.is_final_notice, "proposes_handover": top.proposes_handover,
            },
            "channel": {"chosen": channel, "wanted": wanted, "passed_over": _passed_over(first, wanted)},
            "debtor": {"number": first.debtor_number, "country": first.country, "kind": first.kind},
            "business_day": {"country": first.country, "run_on": run_on.isoformat()},
            "holds_checked": {"debtor": True, "items": True, "active": 0},
            "threshold": None if first.minimum is None else {
                "currency": first.currency, "minimum": str(quantize(first.minimum, first.currency)),
                "overdue_total": str(quantize(first.overdue_total, first.currency)),
            },
            "items": facts_rows,
            "law": {
                "country": first.country, "kind": law_kind,
                "notices": notices_for(first.country, law_kind)["rule"],
                "interest": None if interest_rule is None else {"rule": interest_rule, "amount": str(interest_total)},
                "flat_compensation": None if flat_rule is None else {"rule": flat_rule, "amount": str(flat_total)},
                "fees": fees_facts,
                "refusals": refusals,
            },
        }  # fmt: skip
        return PlannedAction(
            run_on=run_on,
            debtor_id=first.debtor_id,
            debtor_number=first.debtor_number,
            policy_id=policy.pk,
            stage=top,
            channel=channel,
            currency=first.currency,
            items=rows,
            invoice_ids=[(i.id, i.stage_id, config.stages[i.stage_id].position) for i in items],
            open_amount=sum((i.open_amount for i in items), ZERO),
            interest_amount=interest_total,
            fees_amount=fees_total,
            flat_compensation_amount=flat_total,
            status=ActionStatus.AWAITING_APPROVAL if needs_approval else ActionStatus.PLANNED,
            explanation=explanation,
        )

    def decide(self, due: list[DueItem], summary: CycleSummary) -> list[PlannedAction]:
        # One message per debtor and currency a day, listing all its items that advance,
        # on the channel of the most advanced stage among them.
        groups: dict[tuple[int, str], list[DueItem]] = {}
        for item in due:
            if item.hold is not None:
                summary.held[item.hold] += 1
            elif item.below_threshold:
                summary.below_threshold += 1
            elif item.channel is None:
                summary.held[HoldReason.UNREACHABLE] += 1
            else:
                groups.setdefault((item.debtor_id, item.currency), []).append(item)
        planned = [self.action(items) for items in groups.values()]
        for action in planned:
            summary.actions += 1
            summary.items_advancing += len(action.items)
            summary.by_stage[action.stage.key] += 1
            summary.by_channel[action.channel] += 1
            summary.awaiting_approval += action.status == ActionStatus.AWAITING_APPROVAL
            summary.refused_by_law += len(action.explanation["law"]["refusals"])
        return planned


def _persist(creditor: Creditor, run_on: date, planned: list[PlannedAction]) -> None:
    c = creditor.pk
    ids = append_rows(
        Action,
        ACTION_FIELDS,
        [
            (c, a.debtor_id, run_on, a.policy_id, a.stage.pk, a.channel, a.stage.tone, a.stage.template_key,
             a.currency, len(a.items), a.items, a.open_amount, a.interest_amount, a.fees_amount,
             a.flat_compensation_amount, a.status, a.status == ActionStatus.AWAITING_APPROVAL, a.explanation, "")
            for a in planned
        ],
    )  # fmt: skip
    for action, pk in zip(planned, ids, strict=True):
        action.id = pk
    append_rows(
        StageHistory,
        HISTORY_FIELDS,
        [
            (c, invoice, stage, position, run_on, a.id)
            for a in planned
            for invoice, stage, position in a.invoice_ids
        ],
    )
    now = timezone.now()
    append_rows(
        Decision,
        DECISION_FIELDS,
        [
            (c, "dunning.action", str(a.id), "action_planned",
             {"stage": a.stage.key, "channel": a.channel, "items": len(a.items), "status": a.status,
              "open_amount": str(a.open_amount)}, RULE_VERSION, now)
            for a in planned
        ],
    )  # fmt: skip


def cycle_run(*, creditor: Creditor, run_on: date, dry_run: bool = False, actor: Any = None) -> CycleSummary:
    """Run the daily cycle for one creditor and day, and say what it decided.

    Writes (unless ``dry_run``) one ``Action`` per debtor and currency, one
    ``StageHistory`` row per item advancing a stage, one ``Decision`` per action and one
    audit event; a dry run decides exactly the same and rolls everything back. A creditor
    without policies gets the presets first.

    Example: an item of 1,190.00 EUR due 2025-03-03 under the customer-centric preset
    enters ``friendly_reminder`` on 2025-03-06 (due date + 3, a Thursday): one e-mail action
    listing it, explained as ``stage_due`` with the facts used.
    """
    started = time.perf_counter()
    summary = CycleSummary(date=run_on, creditor=creditor.slug, dry_run=dry_run)
    with transaction.atomic(), creditor_scope(creditor):
        # One cycle per creditor at a time (a no-op on SQLite, which has one writer anyway).
        list(Creditor.objects.select_for_update().filter(pk=creditor.pk).values_list("pk"))
        config = _load_config(creditor, run_on)
        book = RateBook.load() if config.charges_interest else None
        due = plan_run(config.plan)
        with connection.cursor() as cursor:
            cursor.execute(*debtors_considered_sql(creditor.pk))
            summary.debtors_considered = cursor.fetchone()[0]
        decider = _Decider(creditor=creditor, config=config, run_on=run_on, book=book)
        summary.planned = decider.decide(due, summary)
        summary.plan_s = time.perf_counter() - started
        if dry_run:
            transaction.set_rollback(True)
        else:
            began = time.perf_counter()
            _persist(creditor, run_on, summary.planned)
            audit_record(
                creditor=creditor, actor=actor, action="cycle_run", subject=creditor,
                facts={**summary.as_dict(), "items_advancing": summary.items_advancing,
                       "below_threshold": summary.below_threshold},
            )  # fmt: skip
            summary.persist_s = time.perf_counter() - began
    summary.elapsed_s = time.perf_counter() - started
    return summary
