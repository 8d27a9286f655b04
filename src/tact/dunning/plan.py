"""The cycle's plan, in SQL: for every open item of a creditor, the stage it enters today —
or nothing — with everything the decision needs; then the actions' items and the stage
history, also in SQL.

Hand-written SQL through Django's connection, because the decision is one set-based
query whose shape depends on the creditor's stages (a CASE per stage), which the ORM
cannot express without correlated subqueries per row. It runs on PostgreSQL and SQLite
(the few differences — JSON building, date arithmetic, tag matching, lookups — are in
``dialect.py``).

The plan is materialized in two temporary tables. What depends on the debtor alone is
worked out once per debtor (``dunning_plan_debtor_tmp``): its policy, how it can be
reached, the hold of the whole debtor, the currencies it has an action in today. The
items are then one row per item due for a stage today, held or not (``dunning_plan_tmp``),
narrow, with the debtor's facts joined by hashing. Per item:
- the debtor's policy: the per-debtor override, else the most specific assignment
  (segment tag, country, kind), else the default policy;
- its current stage: the highest position in its stage history (append-only), its last
  contact and how many reminders it had;
- the next stage: the first stage after the current one whose day has come
  (``due_on + offset_days <= run_on``); a reminder before the due date is skipped once
  the item is overdue; an item that entered a stage on or after ``run_on`` waits
  (re-running a day, or running an earlier day, sends nothing twice);
- the stage's minimum days since the item's last contact;
- the channel: the stage's first channel the debtor can be reached on (e-mail not
  bounced, a phone, a postal address; ``preferred`` is the debtor's own preference),
  looked up in a table Python works out per stage and debtor reach (``channel_table``);
- the hold that stops it (debtor- or item-level, active on ``run_on``), by priority;
- the debtor's overdue total in the item's currency against the policy's threshold;
- whether the debtor has an action in that currency on ``run_on`` already (then the item
  waits for the next day: one message per debtor and currency a day).
An item *advances* when no hold stops it, the threshold is met and a channel was found.

Weekends and public holidays are handled before the query: a country whose ``run_on`` is
no business day is left out, so a step due on such a day goes out on the next business day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from .dialect import Sql, add_days, amount, as_date, day, fence, group_concat, is_pg, literal
from .models import HoldReason
from .reach import channel_of, reach_code, stage_pick

HOLD_PRIORITY = list(HoldReason.values)  # index = priority; the first applies
TEMP = "dunning_plan_tmp"
DEBTORS = "dunning_plan_debtor_tmp"
# Rounds of the stage history (see StageHistory) rank as round * ROUND_SPAN + position; a
# policy has far fewer stages than this.
ROUND_SPAN = 1000
TEMPS = (TEMP, DEBTORS, "dunning_charge_tmp")


@dataclass(frozen=True)
class StageRule:
    id: int
    policy_id: int
    position: int
    key: str
    offset_days: int
    min_days_since_contact: int
    channels: tuple[str, ...]
    consumer_channels: tuple[str, ...]
    needs_approval: bool = False
    charges: bool = False  # interest, collection costs or flat compensation


@dataclass(frozen=True)
class AssignmentRule:
    policy_id: int
    segment: str
    country: str
    debtor_kind: str
    specificity: int
    id: int


@dataclass(frozen=True)
class PlanInput:
    creditor_id: int
    run_on: date
    business_countries: tuple[str, ...]
    stages: tuple[StageRule, ...]  # by policy, then position
    assignments: tuple[AssignmentRule, ...]
    default_policy_id: int | None
    thresholds: dict[tuple[int, str], Decimal]  # (policy_id, currency) -> minimum overdue amount
    # per country, the days before run_on from which only weekends and holidays lead to it:
    # a step scheduled on one of them went out today because its own day was no business day
    rolled_from: dict[str, tuple[date, ...]]
    # A simulation (``simulation.debtor_simulate``): plan one debtor only, under this policy.
    debtor_id: int | None = None
    policy_id: int | None = None
    # A part of the creditor's debtors (``cycle.py`` plans parts concurrently on their own
    # connections): (k, n) keeps the debtors whose id is k modulo n.
    shard: tuple[int, int] | None = None


class DueItem(NamedTuple):
    """One open item whose stage day has come today (held or not)."""

    id: int
    number: str
    debtor_id: int
    debtor_number: str
    kind: str
    country: str
    preferred_channel: str
    issued_on: date
    due_on: date
    currency: str
    open_amount: Decimal
    policy_id: int
    stage_id: int
    cur_pos: int  # -1: no stage yet
    last_on: date | None
    contacts: int
    reminders: int  # stages entered after the due date
    channel: str | None  # None: the debtor cannot be reached on any of the stage's channels
    hold_prio: int | None  # index in HOLD_PRIORITY of the hold that stops it
    overdue_total: Decimal
    minimum: Decimal | None  # the policy's threshold for the currency
    below_threshold: int  # 1 or 0
    has_email: int
    has_phone: int
    has_address: int
    position: int  # of the stage it enters
    needs_approval: bool
    charges: bool  # the stage charges interest, fees or flat compensation

    @property
    def hold(self) -> str | None:
        return None if self.hold_prio is None else HOLD_PRIORITY[self.hold_prio]


def _segment_match(sql: Sql, segment: str) -> None:
    if is_pg():
        sql.add("d.tags @> %s::jsonb", json.dumps([segment]))
    else:
        sql.add("EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = %s)", segment)


def _policy_expr(sql: Sql, plan: PlanInput) -> None:
    if plan.policy_id is not None:
        sql.add(str(int(plan.policy_id)))
        return
    sql.add("COALESCE(p.policy_id")
    rules = sorted(plan.assignments, key=lambda a: (-a.specificity, a.id))
    if rules:
        sql.add(", CASE")
        for rule in rules:
            sql.add(" WHEN 1 = 1")
            if rule.segment:
                sql.add(" AND ")
                _segment_match(sql, rule.segment)
            if rule.country:
                sql.add(" AND d.country = %s", rule.country)
            if rule.debtor_kind:
                sql.add(" AND d.kind = %s", rule.debtor_kind)
            sql.add(f" THEN {int(rule.policy_id)}")
        sql.add(" END")
    default = "NULL" if plan.default_policy_id is None else str(int(plan.default_policy_id))
    sql.add(f", {default})")


def _stage_case(sql: Sql, plan: PlanInput) -> None:
    """The first stage after the current one whose day has come, per policy in order, as its
    1-based index in ``plan.stages`` (``stage_ix``; within a policy, the higher the later).

    A simple CASE on the policy evaluates the policy expression once per row.
    """
    if not plan.stages:
        sql.add("CAST(NULL AS INTEGER)")
        return
    by_policy: dict[int, list[tuple[int, StageRule]]] = {}
    for ix, stage in enumerate(plan.stages, 1):
        by_policy.setdefault(stage.policy_id, []).append((ix, stage))
    sql.add("CASE policy_id")
    for policy_id, stages in by_policy.items():
        sql.add(f" WHEN {int(policy_id)} THEN CASE")
        for ix, stage in stages:
            sql.add(
                f" WHEN cur_pos < {int(stage.position)} AND due_on <= %s",
                day(plan.run_on - timedelta(days=stage.offset_days)),
            )
            if stage.offset_days < 0:
                # A reminder before the due date makes no sense once the item is overdue.
                sql.add(" AND due_on >= %s", day(plan.run_on))
            sql.add(f" THEN {ix}")
        sql.add(" END")
    sql.add(" END")


def _minimum_case(sql: Sql, plan: PlanInput) -> None:
    if not plan.thresholds:
        # Typed: PostgreSQL takes a bare NULL column as text and refuses to compare it to money.
        sql.add("CAST(NULL AS NUMERIC)")
        return
    sql.add("CASE")
    for (policy_id, currency), minimum in sorted(plan.thresholds.items()):
        sql.add(
            f" WHEN policy_id = {int(policy_id)} AND currency = %s THEN CAST(%s AS NUMERIC)",
            currency,
            str(minimum),
        )
    sql.add(" END")


def _pre_due_stages(plan: PlanInput) -> str:
    ixs = [str(ix) for ix, s in enumerate(plan.stages, 1) if s.offset_days < 0]
    return ", ".join(ixs) or "0"


def _rolled(sql: Sql, plan: PlanInput) -> None:
    """1 when the item's step was scheduled on a day that is no business day in its debtor's
    country, so it goes out today (``rolled_from``), else 0."""
    rolled = [(country, day_) for country, days in plan.rolled_from.items() for day_ in days]
    if not rolled or not plan.stages:
        sql.add("0")
        return
    offset = Sql()
    stage_pick(offset, plan, "stage_ix", [s.offset_days for s in plan.stages], cast="integer")
    scheduled = add_days("due_on", offset.text())
    sql.add("CASE WHEN")
    for n, (country, day_) in enumerate(rolled):
        sql.add(
            f"{' OR' if n else ''} (country = %s AND {scheduled} = %s)", country, *offset.params, day(day_)
        )
    sql.add(" THEN 1 ELSE 0 END")


def _holds(sql: Sql, plan: PlanInput, *, level: str) -> None:
    """Subquery: the priority of the first hold active on ``run_on`` per debtor (``level``
    "debtor_id": holds of the whole debtor) or per item ("invoice_id")."""
    priority = " ".join(f"WHEN {literal(r)} THEN {i}" for i, r in enumerate(HOLD_PRIORITY))
    run_on = day(plan.run_on)
    sql.add(
        f"(SELECT {level}, MIN(CASE reason {priority} END) AS prio FROM dunning_hold"
        " WHERE creditor_id = %s AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)"
        f" AND invoice_id IS {'NOT NULL' if level == 'invoice_id' else 'NULL'} GROUP BY {level})",
        plan.creditor_id,
        run_on,
        run_on,
    )


# --- the plan ---------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "t.id, t.number, t.debtor_id, pd.debtor_number, pd.kind, pd.country, pd.preferred_channel, t.issued_on, t.due_on,"
    " t.currency, t.open_amount, t.policy_id, t.stage_id, t.cur_pos, t.last_on, t.contacts, t.reminders, t.channel,"
    " t.hold_prio, t.overdue_total, t.minimum, t.below_threshold, pd.has_email, pd.has_phone, pd.has_address,"
    " t.position, t.needs_approval, t.charges"
)


def plan_debtors_sql(plan: PlanInput) -> tuple[str, list[Any]]:
    """The SELECT behind the debtors' table: per debtor in a country where ``run_on`` is a
    business day, what the plan needs of it once rather than for each of its items — its
    policy, whether it can be reached by e-mail, phone and letter (and its reach code), and
    the hold of the whole debtor that applies, and the currencies it has an action in on
    ``run_on`` already (``acted``, as ",EUR,USD,"; an item in one of them waits a day)."""
    c = plan.creditor_id
    sql = Sql().add(
        "SELECT d.id AS debtor_id, d.number AS debtor_number, d.kind, d.country, d.preferred_channel, "
    )
    _policy_expr(sql, plan)
    sql.add(
        " AS policy_id, COALESCE(r.has_email, 0) AS has_email, COALESCE(r.has_phone, 0) AS has_phone,"
        f" COALESCE(r.has_address, 0) AS has_address, {reach_code()} AS reach, dh.prio AS hold_prio, x.acted"
        " FROM ledger_debtor d LEFT JOIN dunning_debtorpolicy p ON p.debtor_id = d.id"
        " LEFT JOIN (SELECT debtor_id,"
        " MAX(CASE WHEN email <> '' AND email_status <> 'bounced' THEN 1 ELSE 0 END) AS has_email,"
        " MAX(CASE WHEN phone <> '' AND phone_status <> 'bounced' THEN 1 ELSE 0 END) AS has_phone,"
        " MAX(CASE WHEN street <> '' AND city <> '' THEN 1 ELSE 0 END) AS has_address"
        " FROM ledger_contact WHERE creditor_id = %s",
        c,
    )
    if plan.shard is not None:
        sql.add(" AND debtor_id %% %s = %s", plan.shard[1], plan.shard[0])
    sql.add(" GROUP BY debtor_id) r ON r.debtor_id = d.id LEFT JOIN ")
    _holds(sql, plan, level="debtor_id")
    # Aggregated, so that even a plan that takes the actions of the day for none loops over
    # a computed result rather than scanning the table again for every debtor.
    sql.add(
        f" dh ON dh.debtor_id = d.id LEFT JOIN (SELECT debtor_id, ',' || {group_concat('currency')} || ',' AS acted"
        " FROM dunning_action WHERE creditor_id = %s AND run_on = %s GROUP BY debtor_id) x ON x.debtor_id = d.id"
        " WHERE d.creditor_id = %s",
        c,
        day(plan.run_on),
        c,
    )
    if plan.debtor_id is not None:
        sql.add(" AND d.id = %s", plan.debtor_id)
    if plan.shard is not None:
        sql.add(" AND d.id %% %s = %s", plan.shard[1], plan.shard[0])
    if plan.business_countries:
        sql.add(
            f" AND d.country IN ({', '.join(['%s'] * len(plan.business_countries))})",
            *plan.business_countries,
        )
    else:
        sql.add(" AND 1 = 0")
    return sql.text(), sql.params


def plan_sql(plan: PlanInput) -> tuple[str, list[Any]]:
    """The SELECT behind the plan table: one row per item due for a stage today (its debtor's
    facts are in the debtors' table, ``DEBTORS``)."""
    c, run_on = plan.creditor_id, day(plan.run_on)
    # Items due up to the day before the run count towards the debtor's overdue total even
    # when no stage reaches them yet (policies whose first step comes days after the due date).
    earliest = min((s.offset_days for s in plan.stages), default=0)
    earliest = min(earliest, -1) if plan.thresholds else earliest
    sql = Sql()
    # Every open item that could reach a stage.
    sql.add(
        "WITH open_items AS (SELECT i.id, i.number, i.debtor_id, i.issued_on, i.due_on, i.currency, i.open_amount"
        " FROM ledger_invoice i WHERE i.creditor_id = %s AND i.kind = 'invoice' AND i.open_amount > 0"
        " AND i.due_on <= %s",
        c,
        # No item due later than this reaches even the earliest stage.
        day(plan.run_on - timedelta(days=earliest)),
    )
    if plan.debtor_id is not None:
        sql.add(" AND i.debtor_id = %s", plan.debtor_id)
    if plan.shard is not None:
        sql.add(" AND i.debtor_id %% %s = %s", plan.shard[1], plan.shard[0])
    # Its debtor's overdue total in its currency (a credit note is never overdue, so only
    # invoices count): hashed by debtor and currency rather than sorted.
    sql.add(
        "), overdue AS (SELECT debtor_id, currency, SUM(CASE WHEN due_on < %s THEN open_amount ELSE 0 END)"
        " AS overdue_total FROM open_items GROUP BY debtor_id, currency),",
        run_on,
    )
    # The history of the items that are open: a paid item's history is never read again.
    sql.add(
        # The current stage is the highest position of the latest round (a reset row, position
        # -1, opens a round): one pass, ranking (round, position) as one number. Every round
        # counts for the last contact and the reminders sent; a reset row is no contact.
        f" hist AS (SELECT h.invoice_id, MAX(h.round * {ROUND_SPAN} + h.position) - MAX(h.round) * {ROUND_SPAN}"
        " AS cur_pos, MAX(h.round) AS cur_round, MAX(h.entered_on) AS last_on,"
        " COUNT(h.stage_id) AS contacts, SUM(CASE WHEN s.offset_days > 0 THEN 1 ELSE 0 END) AS reminders"
        " FROM dunning_stagehistory h JOIN open_items oi ON oi.id = h.invoice_id"
        " LEFT JOIN dunning_stage s ON s.id = h.stage_id"
        " WHERE h.creditor_id = %s GROUP BY h.invoice_id),",
        c,
    )
    sql.add(
        " items AS (SELECT o.*, ov.overdue_total, pd.policy_id, pd.reach, pd.country, pd.hold_prio AS debtor_hold,"
        " COALESCE(h.cur_pos, -1) AS cur_pos, COALESCE(h.cur_round, 0) AS cur_round, h.last_on,"
        " COALESCE(h.contacts, 0) AS contacts, COALESCE(h.reminders, 0) AS reminders"
        f" FROM open_items o JOIN {DEBTORS} pd ON pd.debtor_id = o.debtor_id"
        " JOIN overdue ov ON ov.debtor_id = o.debtor_id AND ov.currency = o.currency"
        " LEFT JOIN hist h ON h.invoice_id = o.id"
        " WHERE (h.last_on IS NULL OR h.last_on < %s)"
        # The debtor has an action in this currency today already.
        " AND (pd.acted IS NULL OR pd.acted NOT LIKE '%%,' || o.currency || ',%%')),",
        run_on,
    )
    # Each level below is computed once per row (a fence keeps PostgreSQL from copying its
    # expressions into every place the next level uses them).
    sql.add(" staged AS (SELECT items.*, ")
    _stage_case(sql, plan)
    sql.add(f" AS stage_ix FROM items{fence()}), due AS (SELECT staged.*, ")
    stage_pick(sql, plan, "stage_ix", [s.id for s in plan.stages], cast="integer")
    sql.add(" AS stage_id, ")
    stage_pick(sql, plan, "stage_ix", [s.position for s in plan.stages], cast="integer")
    sql.add(" AS position, ")
    channel_of(sql, plan, "stage_ix", "reach")
    sql.add(" AS channel, ")
    _minimum_case(sql, plan)
    sql.add(
        " AS minimum, CASE WHEN debtor_hold IS NULL THEN ih.prio"
        " WHEN ih.prio IS NULL OR debtor_hold <= ih.prio THEN debtor_hold ELSE ih.prio END AS hold_prio, "
    )
    stage_pick(sql, plan, "stage_ix", [s.needs_approval for s in plan.stages], cast="boolean")
    sql.add(" AS needs_approval, ")
    stage_pick(sql, plan, "stage_ix", [s.charges for s in plan.stages], cast="boolean")
    sql.add(" AS charges, ")
    _rolled(sql, plan)
    sql.add(" AS rolled FROM staged LEFT JOIN ")
    _holds(sql, plan, level="invoice_id")
    sql.add(" ih ON ih.invoice_id = staged.id WHERE stage_ix IS NOT NULL AND (last_on IS NULL OR last_on <= ")
    stage_pick(
        sql, plan, "stage_ix", [day(plan.run_on - timedelta(days=s.min_days_since_contact)) for s in plan.stages],
        cast="date",
    )  # fmt: skip
    sql.add(
        f"){fence()}),"
        " judged AS (SELECT due.*, CASE WHEN minimum IS NOT NULL AND overdue_total < minimum"
        f" AND stage_ix NOT IN ({_pre_due_stages(plan)}) THEN 1 ELSE 0 END AS below_threshold FROM due)"
        " SELECT id, number, debtor_id, issued_on, due_on, currency, open_amount, overdue_total, policy_id, stage_ix,"
        " stage_id, position, cur_pos, cur_round, last_on, contacts, reminders, channel, hold_prio, minimum,"
        " below_threshold, needs_approval, charges, rolled,"
        " CASE WHEN hold_prio IS NULL AND below_threshold = 0 AND channel IS NOT NULL THEN 1 ELSE 0 END AS advancing"
        " FROM judged"
    )
    return sql.text(), sql.params


def plan_materialize(plan: PlanInput) -> None:
    """Compute the plan into the temporary tables (dropped with ``plan_drop``): the debtors'
    facts, then the items due.

    PostgreSQL gathers statistics of each table's join keys (a few hundredths of a second):
    without them it takes a debtor id for one of 200 values and sorts the items to merge
    them rather than hash them."""
    plan_drop()
    with connection.cursor() as cursor:
        text, params = plan_debtors_sql(plan)
        cursor.execute(f"CREATE TEMPORARY TABLE {DEBTORS} AS {text}", params)
        if is_pg():
            cursor.execute(f"ANALYZE {DEBTORS} (debtor_id)")
        text, params = plan_sql(plan)
        cursor.execute(f"CREATE TEMPORARY TABLE {TEMP} AS {text}", params)
        if is_pg():
            cursor.execute(f"ANALYZE {TEMP} (debtor_id, currency)")


def plan_drop() -> None:
    """Drop the cycle's temporary tables (PostgreSQL would at the session's end; SQLite keeps
    them per connection)."""
    with connection.cursor() as cursor:
        if is_pg():
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMPS)}")
            return
        for table in TEMPS:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _due_items(rows: list[tuple]) -> list[DueItem]:
    if is_pg():
        # PostgreSQL already gives dates, Decimals and integers.
        return [DueItem._make(r) for r in rows]
    return [
        DueItem._make(
            (
                *r[:7],
                as_date(r[7]),
                as_date(r[8]),
                r[9],
                amount(r[10]),
                *r[11:14],
                as_date(r[14]),
                r[15],
                int(r[16] or 0),
                r[17],
                r[18],
                amount(r[19]),
                None if r[20] is None else amount(r[20]),
                *r[21:26],
                bool(r[26]),
                bool(r[27]),
            )
        )  # fmt: skip
        for r in rows
    ]


def plan_items(*, advancing: bool | None = None, charges: bool | None = None) -> list[DueItem]:
    """Rows of the plan table, by debtor, currency and item."""
    where = ["1 = 1"]
    if advancing is not None:
        where.append("advancing <> 0" if advancing else "advancing = 0")
    if charges is not None:
        where.append("charges" if charges else "NOT charges")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ITEM_COLUMNS} FROM {TEMP} t JOIN {DEBTORS} pd ON pd.debtor_id = t.debtor_id"
            f" WHERE {' AND '.join(where)} ORDER BY t.debtor_id, t.currency, t.id"
        )
        return _due_items(cursor.fetchall())


def plan_not_advancing() -> list[tuple[int | None, int, int, int]]:
    """(hold priority, below threshold, unreachable, items) for the items that stay."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT hold_prio, below_threshold, CASE WHEN channel IS NULL THEN 1 ELSE 0 END, COUNT(*) FROM {TEMP}"
            " WHERE advancing = 0 GROUP BY hold_prio, below_threshold, CASE WHEN channel IS NULL THEN 1 ELSE 0 END"
        )
        return cursor.fetchall()


def debtors_considered_sql(creditor_id: int, *, debtor_id: int | None = None) -> tuple[str, list[Any]]:
    text = (
        "SELECT COUNT(DISTINCT debtor_id) FROM ledger_invoice WHERE creditor_id = %s AND kind = 'invoice'"
        " AND open_amount > 0"
    )
    if debtor_id is None:
        return text, [creditor_id]
    return text + " AND debtor_id = %s", [creditor_id, debtor_id]
