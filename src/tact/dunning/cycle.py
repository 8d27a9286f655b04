"""The daily cycle: decide for every debtor of a creditor the right next step on a day.

``cycle_run`` reads the configuration (a handful of queries), computes the plan into
temporary tables (the debtors' facts, then the items due: ``plan.py``), groups the
advancing items into actions — one per debtor and currency, on the channel of the most
advanced stage among its items — and appends the actions and the stage history
(``grouping.py``), all in SQL. Python prices only what stages charge (the law's interest
and fee functions, for those groups), and counts. The number of statements does not
depend on the number of items or debtors.

On PostgreSQL the debtors are split in parts (by id modulo the number of parts) that are
planned and written at the same time on connections of their own and committed together
(``_parts_run``): the plan's work grows with the portfolio, and a server has more than one
core. Each part runs the same fixed statements.

Idempotent: an item that entered a stage on or after the run day is not considered again
(so the same day twice, or an earlier day after a later one, sends nothing twice), and a
debtor gets at most one action per currency and day.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tact.audit.services import audit_record
from tact.core.errors import ValidationFailed
from tact.core.jobs import creditor_scope
from tact.core.money import quantize
from tact.law.selectors import RateBook, charge_check, fees_for, interest_for, notices_for
from tact.ledger.models import Debtor
from tact.tenancy.models import COUNTRIES, Creditor

from .business_days import holiday_check, is_business_day
from .charges import NOTHING_BOOKED, Booked, charges_booked
from .grouping import (
    RULE_VERSION,
    GroupCharge,
    ItemCharge,
    actions_append,
    actions_preview,
    charges_store,
)
from .listing import action_listing
from .models import Decision, HoldReason, Policy, PolicyAssignment, Stage, Threshold
from .plan import (
    HOLD_PRIORITY,
    AssignmentRule,
    DueItem,
    PlanInput,
    StageRule,
    debtors_considered_sql,
    plan_drop,
    plan_items,
    plan_materialize,
    plan_not_advancing,
)
from .policies import LAW_KINDS
from .presets import policy_presets_install

ZERO = Decimal("0")
NOMINAL = Decimal("40.00")  # asks the law why no flat compensation is owed, when it grants none


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
    ``below_threshold`` (items due whose debtor owes less than the threshold),
    ``planned`` (in a dry run, the actions it would write, as ``tact actions list`` shows them)
    and ``due_items`` (in a dry run for one debtor, every plan row: its items due for a
    stage, held or not).
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
    statements: int = 0  # run on the connections of parts (``_parts_run``)
    parts: int = 1  # the debtors were planned and written in this many parts at once
    planned: list[dict[str, Any]] = field(default_factory=list)  # a dry run's actions, as listed
    due_items: list[DueItem] = field(default_factory=list)  # a one-debtor dry run's plan rows

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
    charges_any: bool
    # stage id -> whether an earlier stage of its policy charged the same thing already
    fees_before: dict[int, bool]
    flat_before: dict[int, bool]
    # the presets were installed by this run (uncommitted: other connections cannot see them)
    installed: bool = False


def _load_config(creditor: Creditor, run_on: date) -> _Config:
    policies = {p.pk: p for p in Policy.objects.filter(creditor=creditor)}
    installed = not policies
    if installed:
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
    business = tuple(c for c, _ in COUNTRIES if is_business_day(c, run_on))
    plan = PlanInput(
        creditor_id=creditor.pk,
        run_on=run_on,
        business_countries=business,
        rolled_from={c: _rolled_from(c, run_on) for c in business},
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
                s.needs_approval,
                s.charges_interest or s.charges_fees or s.charges_flat_compensation,
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
        charges_any=any(s.charges_interest or s.charges_fees or s.charges_flat_compensation for s in stages),
        fees_before=fees_before,
        flat_before=flat_before,
        installed=installed,
    )


def _rolled_from(country: str, run_on: date) -> tuple[date, ...]:
    """The days before ``run_on`` that lead to it through weekends and holidays only."""
    days = []
    day = run_on - timedelta(days=1)
    while not is_business_day(country, day) and len(days) < 14:
        days.append(day)
        day -= timedelta(days=1)
    return tuple(days)


@lru_cache(maxsize=64)
def _default_by_calendar(country: str, law_kind: str) -> bool:
    return bool(notices_for(country, law_kind)["default"]["calendar_due_date_suffices"])


def _refusal(charge: str, code: str, message: str, item: str | None = None) -> dict[str, Any]:
    return {"charge": charge, "item": item, "code": code, "message": message}


class _Law:
    """Prices what a group's stages charge with the law app's functions, and says why."""

    def __init__(self, *, config: _Config, run_on: date, book: RateBook | None) -> None:
        self.config = config
        self.run_on = run_on
        self.book = book
        self._interest: dict[tuple, Any] = {}
        # invoice id -> the charges booked on it already (charges.charges_booked)
        self.booked: dict[int, Booked] = {}

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

    def group(self, charged: list[DueItem]) -> GroupCharge:
        """The charges of one debtor and currency: per-item interest and flat compensation,
        collection costs on the summed principal, the totals and the law's explanation."""
        config = self.config
        first = charged[0]
        currency = first.currency
        policy = config.policies[first.policy_id]
        refusals: list[dict[str, Any]] = []
        interest_total = flat_total = ZERO
        interest_rule = flat_rule = None
        fee_items: list[DueItem] = []
        fee_facts: list[dict[str, Any]] = []
        priced: list[ItemCharge] = []
        for item in charged:
            stage = config.stages[item.stage_id]
            facts = self.law_facts(item, policy)
            booked = self.booked.get(item.id, NOTHING_BOOKED)
            interest = flat = None
            if stage.charges_interest:
                amount, rule = self.interest(item, facts, refusals)
                # Interest accrues from the due date; what earlier messages booked is claimed already.
                amount = max(ZERO, amount - booked.interest)
                interest_total += amount
                interest_rule = rule or interest_rule
                interest = str(quantize(amount, currency))
            if stage.charges_flat_compensation and not config.flat_before[stage.pk] and not booked.flat:
                amount, rule = self.flat(item, facts, refusals)
                flat_total += amount
                flat_rule = rule or flat_rule
                flat = str(quantize(amount, currency))
            if stage.charges_fees and not config.fees_before[stage.pk] and not booked.fee:
                fee_items.append(item)
                fee_facts.append(facts)
            priced.append(ItemCharge(item.id, interest, flat))
        fees_total, fees_facts = (ZERO, None)
        if fee_items:
            fees_total, fees_facts = self.costs(fee_items, fee_facts, refusals)
        law = {
            "country": first.country, "kind": LAW_KINDS[first.kind],
            "interest": None if interest_rule is None else {
                "rule": interest_rule, "amount": str(quantize(interest_total, currency))},
            "flat_compensation": None if flat_rule is None else {
                "rule": flat_rule, "amount": str(quantize(flat_total, currency))},
            "fees": fees_facts,
            "refusals": refusals,
        }  # fmt: skip
        return GroupCharge(first.debtor_id, currency, interest_total, fees_total, flat_total, law, priced)


def _charges(law: _Law) -> tuple[list[GroupCharge], int]:
    """Price the items whose stages charge, per debtor and currency; count the refusals."""
    charged: dict[tuple[int, str], list[DueItem]] = {}
    law.booked = charges_booked(law.config.plan.creditor_id)
    for item in plan_items(advancing=True, charges=True):
        charged.setdefault((item.debtor_id, item.currency), []).append(item)
    charges = [law.group(items) for items in charged.values()]
    return charges, sum(len(c.law["refusals"]) for c in charges)


def _count_group(
    summary: CycleSummary,
    config: _Config,
    stage_id: int,
    channel: str,
    needs_approval: bool,
    actions: int,
    items: int,
) -> None:
    """Count actions (and their items) of one stage, channel and approval into the summary."""
    summary.actions += actions
    summary.items_advancing += items
    summary.by_stage[config.stages[stage_id].key] += actions
    summary.by_channel[channel] += actions
    summary.awaiting_approval += actions if needs_approval else 0


def cycle_workers() -> int:
    """How many connections a cycle plans and writes on at once (``TACT_CYCLE_WORKERS``;
    by default one per CPU core, at most four). One on SQLite, which has one writer."""
    if connection.vendor != "postgresql":
        return 1
    wanted = getattr(settings, "TACT_CYCLE_WORKERS", None) or min(os.cpu_count() or 1, 4)
    return max(1, int(wanted))


def _session_prepare() -> None:
    if connection.vendor == "postgresql":
        # The plan sorts and hashes a few hundred thousand rows; keep that in memory. The
        # actions' JSON is written as text with ISO dates (dialect.document). A crash before
        # the commit reaches the disk loses only this run, which the next one repeats (the
        # cycle is idempotent), and any later commit (the outbox's) flushes it first.
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL work_mem = '64MB'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL synchronous_commit = off"
            )


def _part_run(
    summary: CycleSummary,
    config: _Config,
    *,
    creditor: Creditor,
    run_on: date,
    book: RateBook | None,
    now: Any,
    dry_run: bool,
    one_debtor: bool,
) -> None:
    """Plan and (unless ``dry_run``) write the actions of ``config.plan`` — all of the
    creditor's debtors, or a part of them — on this thread's connection, into ``summary``."""
    started = time.perf_counter()
    plan_materialize(config.plan)
    for hold_prio, below, no_channel, count in plan_not_advancing():
        if hold_prio is not None:
            summary.held[HOLD_PRIORITY[hold_prio]] += count
        elif below:
            summary.below_threshold += count
        elif no_channel:
            summary.held[HoldReason.UNREACHABLE.value] += count
    charges, summary.refused_by_law = (
        _charges(_Law(config=config, run_on=run_on, book=book)) if config.charges_any else ([], 0)
    )
    charges_store(charges)
    summary.plan_s = time.perf_counter() - started
    if dry_run:
        if one_debtor:
            summary.due_items = plan_items()
        preview = actions_preview(config.plan, creditor_id=creditor.pk, now=now, charged=bool(charges))
        for row in preview:  # each row one action
            _count_group(summary, config, row["stage_id"], row["channel"], row["needs_approval"], 1,
                         row["item_count"])  # fmt: skip
        summary.planned = [
            action_listing(
                id=None,
                run_on=run_on,
                debtor_number=row["debtor_number"],
                stage_key=config.stages[row["stage_id"]].key,
                channel=row["channel"],
                currency=row["currency"],
                status=row["status"],
                open_amount=row["open_amount"],
                interest_amount=row["interest_amount"],
                fees_amount=row["fees_amount"],
                flat_compensation_amount=row["flat_compensation_amount"],
                items=row["items"],
                explanation=row["explanation"],
            )  # fmt: skip
            for row in preview
        ]
        return
    began = time.perf_counter()
    for stage_id, channel, needs_approval, actions, items in actions_append(
        config.plan, creditor_id=creditor.pk, now=now, charged=bool(charges)
    ):
        _count_group(summary, config, stage_id, channel, needs_approval, actions, items)
    plan_drop()
    summary.persist_s = time.perf_counter() - began


class _Abandoned(Exception):
    """Raised inside a part's transaction to roll it back because another part failed."""


def _parts_run(
    summary: CycleSummary, config: _Config, *, creditor: Creditor, run_on: date, book: RateBook | None, now: Any,
    parts: int, meanwhile: Callable[[], None],
) -> None:  # fmt: skip
    """Plan and write the debtors in ``parts`` parts (by debtor id modulo ``parts``), each on
    a connection and in a transaction of its own, at the same time, and commit them together.

    Every part waits, its work done and its transaction open, until all parts are done; only
    then do they commit, else they all roll back and the first error is raised. (A commit
    that fails after another part's succeeded leaves that part written: running the day
    again writes the rest, as the cycle is idempotent.) The caller's transaction holds the
    creditor's lock throughout; the parts only append rows of their own debtors."""
    results: list[CycleSummary | BaseException | None] = [None] * parts
    finished: queue.Queue[int] = queue.Queue()
    verdict = threading.Event()
    commit = [False]

    def work(k: int) -> None:
        try:
            with creditor_scope(creditor), transaction.atomic():
                _session_prepare()
                part = CycleSummary(date=run_on, creditor=creditor.slug)
                part_config = replace(config, plan=replace(config.plan, shard=(k, parts)))
                with connection.execute_wrapper(_StatementCount(part)):
                    _part_run(part, part_config, creditor=creditor, run_on=run_on, book=book, now=now,
                              dry_run=False, one_debtor=False)  # fmt: skip
                results[k] = part
                finished.put(k)
                verdict.wait()
                if not commit[0]:
                    raise _Abandoned
        except _Abandoned:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            results[k] = exc
            finished.put(k)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(k,), name=f"cycle-part-{k}") for k in range(parts)]
    for thread in threads:
        thread.start()
    try:
        meanwhile()  # on the caller's connection, while the parts work
        for _ in range(parts):
            finished.get()
        commit[0] = all(isinstance(r, CycleSummary) for r in results)
    finally:
        verdict.set()
        for thread in threads:
            thread.join()
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise failed[0]
    for part in results:
        summary.add(part)
        summary.statements += part.statements
        summary.plan_s = max(summary.plan_s, part.plan_s)
        summary.persist_s = max(summary.persist_s, part.persist_s)


class _StatementCount:
    """Counts a part's statements into its summary (the coordinator's capture sees only its
    own connection)."""

    def __init__(self, summary: CycleSummary) -> None:
        self.summary = summary

    def __call__(self, execute, sql, params, many, context):
        self.summary.statements += 1
        return execute(sql, params, many, context)


def cycle_run(
    *,
    creditor: Creditor,
    run_on: date,
    dry_run: bool = False,
    actor: Any = None,
    debtor: Debtor | None = None,
    policy: Policy | None = None,
) -> CycleSummary:
    """Run the daily cycle for one creditor and day, and say what it decided.

    Writes (unless ``dry_run``) one ``Action`` per debtor and currency (the action is the
    explained decision: rule and facts), one ``StageHistory`` row per item advancing a
    stage, one ``Decision`` and one audit event for the run. A dry run decides exactly the
    same, lists the actions it would write in ``summary.planned`` and rolls everything
    back. A creditor without policies gets the presets first.

    On PostgreSQL, called outside a transaction, the debtors are planned and written in
    ``cycle_workers()`` parts at once, each on its own connection (``_parts_run``); the
    result is the same as in one part.

    ``debtor`` and ``policy`` (dry runs only: the simulation) restrict the plan to one
    debtor and put it under the given policy instead of the one assigned to it.

    Example: an item of 1,190.00 EUR due 2025-03-03 under the customer-centric preset
    enters ``friendly_reminder`` on 2025-03-06 (due date + 3, a Thursday): one e-mail action
    listing it, explained as ``stage_due`` with the facts used.
    """
    if (debtor is not None or policy is not None) and not dry_run:
        raise ValueError("a cycle for one debtor or under another policy can only be a dry run")
    started = time.perf_counter()
    summary = CycleSummary(date=run_on, creditor=creditor.slug, dry_run=dry_run)
    # Parts need committed data and a transaction of their own: not inside a caller's.
    parts = 1 if dry_run or connection.in_atomic_block else cycle_workers()
    with transaction.atomic(), creditor_scope(creditor):
        # One cycle per creditor at a time (a no-op on SQLite, which has one writer anyway).
        list(Creditor.objects.select_for_update().filter(pk=creditor.pk).values_list("pk"))
        _session_prepare()
        config = _load_config(creditor, run_on)
        if debtor is not None or policy is not None:
            config.plan = replace(
                config.plan,
                debtor_id=debtor.pk if debtor is not None else None,
                policy_id=policy.pk if policy is not None else None,
            )
        book = RateBook.load() if config.charges_interest else None
        now = timezone.now()

        def debtors_count() -> None:
            with connection.cursor() as cursor:
                cursor.execute(*debtors_considered_sql(creditor.pk, debtor_id=config.plan.debtor_id))
                summary.debtors_considered = cursor.fetchone()[0]

        if parts > 1 and not config.installed:
            summary.parts = parts
            _parts_run(summary, config, creditor=creditor, run_on=run_on, book=book, now=now, parts=parts,
                       meanwhile=debtors_count)  # fmt: skip
        else:
            debtors_count()
            _part_run(summary, config, creditor=creditor, run_on=run_on, book=book, now=now, dry_run=dry_run,
                      one_debtor=debtor is not None)  # fmt: skip
        if dry_run:
            transaction.set_rollback(True)
        else:
            began = time.perf_counter()
            facts = {**summary.as_dict(), "items_advancing": summary.items_advancing,
                     "below_threshold": summary.below_threshold}  # fmt: skip
            Decision.objects.create(
                creditor=creditor, subject_type="dunning.cycle", subject_id=run_on.isoformat(), reason="cycle_run",
                facts=facts, rule_version=RULE_VERSION, decided_at=now,
            )  # fmt: skip
            audit_record(creditor=creditor, actor=actor, action="cycle_run", subject=creditor, facts=facts)
            summary.persist_s += time.perf_counter() - began
    summary.elapsed_s = time.perf_counter() - started
    return summary
