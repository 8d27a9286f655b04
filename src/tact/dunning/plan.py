"""The cycle's plan, in SQL: for every open item of a creditor, the stage it enters today —
or nothing — with everything the decision needs; then the actions' items and the stage
history, also in SQL.

Hand-written SQL through Django's connection, because the decision is one set-based
query whose shape depends on the creditor's stages (a CASE per stage), which the ORM
cannot express without correlated subqueries per row. It runs on PostgreSQL and SQLite
(the few differences — JSON building, date arithmetic, tag matching — are in ``_Dialect``).

The plan is materialized in a temporary table (``dunning_plan_tmp``), one row per item due
for a stage today, held or not. Per item:
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
  bounced, a phone, a postal address; ``preferred`` is the debtor's own preference);
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

from tact.ledger.models import DebtorKind

from .dialect import Sql, amount, as_date, day, is_pg, literal
from .models import HoldReason, StageChannel

HOLD_PRIORITY = list(HoldReason.values)  # index = priority; the first applies
TEMP = "dunning_plan_tmp"
# Rounds of the stage history (see StageHistory) rank as round * ROUND_SPAN + position; a
# policy has far fewer stages than this.
ROUND_SPAN = 1000
TEMPS = (TEMP, "dunning_charge_tmp")
CHANNEL_REACH = {
    StageChannel.EMAIL: "has_email",
    StageChannel.LETTER: "has_address",
    StageChannel.SMS: "has_phone",
    StageChannel.PHONE: "has_phone",
}


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
    """The first stage after the current one whose day has come, per policy in order.

    A simple CASE on the policy evaluates the policy expression once per row.
    """
    if not plan.stages:
        sql.add("NULL")
        return
    by_policy: dict[int, list[StageRule]] = {}
    for stage in plan.stages:
        by_policy.setdefault(stage.policy_id, []).append(stage)
    sql.add("CASE policy_id")
    for policy_id, stages in by_policy.items():
        sql.add(f" WHEN {int(policy_id)} THEN CASE")
        for stage in stages:
            sql.add(
                f" WHEN cur_pos < {int(stage.position)} AND due_on <= %s",
                day(plan.run_on - timedelta(days=stage.offset_days)),
            )
            if stage.offset_days < 0:
                # A reminder before the due date makes no sense once the item is overdue.
                sql.add(" AND due_on >= %s", day(plan.run_on))
            sql.add(f" THEN {int(stage.id)}")
        sql.add(" END")
    sql.add(" END")


def _contact_cutoff(sql: Sql, plan: PlanInput) -> None:
    if not plan.stages:
        sql.add("NULL")
        return
    sql.add("CASE stage_id")
    for stage in plan.stages:
        sql.add(
            f" WHEN {int(stage.id)} THEN %s", day(plan.run_on - timedelta(days=stage.min_days_since_contact))
        )
    sql.add(" END")


def _reachable(channel: str) -> str:
    if channel == StageChannel.PREFERRED:
        options = " OR ".join(
            f"(preferred_channel = {literal(c)} AND {flag} = 1)" for c, flag in CHANNEL_REACH.items()
        )
        return f"({options} OR preferred_channel = {literal(StageChannel.PORTAL)})"
    if channel == StageChannel.PORTAL:
        return "1 = 1"
    return f"{CHANNEL_REACH[channel]} = 1"


def _chain(channels: tuple[str, ...]) -> str:
    whens = []
    for channel in channels:
        value = "preferred_channel" if channel == StageChannel.PREFERRED else literal(channel)
        whens.append(f"WHEN {_reachable(channel)} THEN {value}")
    return f"CASE {' '.join(whens)} END"


def _channel_case(plan: PlanInput) -> str:
    if not plan.stages:
        return "NULL"
    parts = ["CASE stage_id"]
    for stage in plan.stages:
        chain = _chain(stage.channels)
        if stage.consumer_channels:
            chain = f"CASE WHEN kind = {literal(DebtorKind.CONSUMER)} THEN {_chain(stage.consumer_channels)} ELSE {chain} END"
        parts.append(f"WHEN {int(stage.id)} THEN {chain}")
    parts.append("END")
    return " ".join(parts)


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


def _pre_due_stage_ids(plan: PlanInput) -> str:
    ids = [str(int(s.id)) for s in plan.stages if s.offset_days < 0]
    return ", ".join(ids) or "0"


# --- the plan ---------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "id, number, debtor_id, debtor_number, kind, country, preferred_channel, issued_on, due_on, currency, "
    "open_amount, policy_id, stage_id, cur_pos, last_on, contacts, reminders, channel, hold_prio, overdue_total, "
    "minimum, below_threshold, has_email, has_phone, has_address, position, needs_approval, charges"
)


def plan_sql(plan: PlanInput) -> tuple[str, list[Any]]:
    """The SELECT behind the plan table: one row per item due for a stage today."""
    c, run_on = plan.creditor_id, day(plan.run_on)
    earliest = min((s.offset_days for s in plan.stages), default=0)
    sql = Sql()
    # Every open item that could reach a stage, with its debtor's overdue total in its
    # currency (a credit note is never overdue, so only invoices count).
    sql.add(
        "WITH open_items AS (SELECT i.id, i.number, i.debtor_id, i.issued_on, i.due_on, i.currency, i.open_amount,"
        " SUM(CASE WHEN i.due_on < %s THEN i.open_amount ELSE 0 END)"
        " OVER (PARTITION BY i.debtor_id, i.currency) AS overdue_total"
        " FROM ledger_invoice i WHERE i.creditor_id = %s AND i.kind = 'invoice' AND i.open_amount > 0"
        " AND i.due_on <= %s",
        run_on,
        c,
        # No item due later than this reaches even the earliest stage.
        day(plan.run_on - timedelta(days=earliest)),
    )
    if plan.debtor_id is not None:
        sql.add(" AND i.debtor_id = %s", plan.debtor_id)
    sql.add("),")
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
    sql.add(" items AS (SELECT o.*, d.number AS debtor_number, d.kind, d.country, d.preferred_channel, ")
    _policy_expr(sql, plan)
    sql.add(
        " AS policy_id, COALESCE(h.cur_pos, -1) AS cur_pos, COALESCE(h.cur_round, 0) AS cur_round, h.last_on,"
        " COALESCE(h.contacts, 0) AS contacts,"
        " COALESCE(h.reminders, 0) AS reminders"
        " FROM open_items o JOIN ledger_debtor d ON d.id = o.debtor_id"
        " LEFT JOIN dunning_debtorpolicy p ON p.debtor_id = d.id"
        " LEFT JOIN hist h ON h.invoice_id = o.id"
        " WHERE (h.last_on IS NULL OR h.last_on < %s)",
        run_on,
    )
    if plan.business_countries:
        sql.add(
            f" AND d.country IN ({', '.join(['%s'] * len(plan.business_countries))})",
            *plan.business_countries,
        )
    else:
        sql.add(" AND 1 = 0")
    sql.add("), staged AS (SELECT items.*, ")
    _stage_case(sql, plan)
    sql.add(
        " AS stage_id FROM items),"
        " due AS (SELECT staged.* FROM staged WHERE stage_id IS NOT NULL AND (last_on IS NULL OR last_on <= "
    )
    _contact_cutoff(sql, plan)
    sql.add(
        ")), reach AS (SELECT debtor_id,"
        " MAX(CASE WHEN email <> '' AND email_status <> 'bounced' THEN 1 ELSE 0 END) AS has_email,"
        " MAX(CASE WHEN phone <> '' AND phone_status <> 'bounced' THEN 1 ELSE 0 END) AS has_phone,"
        " MAX(CASE WHEN street <> '' AND city <> '' THEN 1 ELSE 0 END) AS has_address"
        " FROM ledger_contact WHERE creditor_id = %s GROUP BY debtor_id),",
        c,
    )
    priority = " ".join(f"WHEN {literal(r)} THEN {i}" for i, r in enumerate(HOLD_PRIORITY))
    sql.add(
        f" holds AS (SELECT debtor_id, invoice_id, MIN(CASE reason {priority} END) AS prio FROM dunning_hold"
        " WHERE creditor_id = %s AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)"
        " GROUP BY debtor_id, invoice_id),",
        c,
        run_on,
        run_on,
    )
    sql.add(
        " facts AS (SELECT due.*, COALESCE(r.has_email, 0) AS has_email, COALESCE(r.has_phone, 0) AS has_phone,"
        " COALESCE(r.has_address, 0) AS has_address,"
        " CASE WHEN dh.prio IS NULL THEN ih.prio WHEN ih.prio IS NULL OR dh.prio <= ih.prio THEN dh.prio"
        " ELSE ih.prio END AS hold_prio"
        " FROM due LEFT JOIN reach r ON r.debtor_id = due.debtor_id"
        " LEFT JOIN holds dh ON dh.debtor_id = due.debtor_id AND dh.invoice_id IS NULL"
        " LEFT JOIN holds ih ON ih.invoice_id = due.id),"
    )
    sql.add(f" chosen AS (SELECT facts.*, {_channel_case(plan)} AS channel, ")
    _minimum_case(sql, plan)
    sql.add(
        " AS minimum FROM facts),"
        " judged AS (SELECT chosen.*, CASE WHEN minimum IS NOT NULL AND overdue_total < minimum"
        f" AND stage_id NOT IN ({_pre_due_stage_ids(plan)}) THEN 1 ELSE 0 END AS below_threshold FROM chosen)"
    )
    columns = ", ".join(f"j.{c}" for c in ITEM_COLUMNS.split(", ")[:-3])
    sql.add(
        f" SELECT {columns}, j.cur_round, s.position, s.needs_approval,"
        " (s.charges_interest OR s.charges_fees OR s.charges_flat_compensation) AS charges,"
        " CASE WHEN j.hold_prio IS NULL AND j.below_threshold = 0 AND j.channel IS NOT NULL THEN 1 ELSE 0 END"
        " AS advancing"
        " FROM judged j JOIN dunning_stage s ON s.id = j.stage_id"
        " WHERE NOT EXISTS (SELECT 1 FROM dunning_action a WHERE a.creditor_id = %s AND a.debtor_id = j.debtor_id"
        " AND a.currency = j.currency AND a.run_on = %s)",
        c,
        run_on,
    )
    return sql.text(), sql.params


def plan_materialize(plan: PlanInput) -> None:
    """Compute the plan into the temporary plan table (dropped with ``plan_drop``)."""
    text, params = plan_sql(plan)
    plan_drop()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {TEMP} AS {text}", params)


def plan_drop() -> None:
    """Drop the cycle's temporary tables (PostgreSQL would at the session's end; SQLite keeps
    them per connection)."""
    with connection.cursor() as cursor:
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
            f"SELECT {ITEM_COLUMNS} FROM {TEMP} WHERE {' AND '.join(where)} ORDER BY debtor_id, currency, id"
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
