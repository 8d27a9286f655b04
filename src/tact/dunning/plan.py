"""The cycle's plan: one SQL statement that finds, for every open item of a creditor, the
stage it enters today — or nothing — with everything the decision needs.

Hand-written SQL through Django's connection, because the decision is one set-based
query whose shape depends on the creditor's stages (a CASE per stage), which the ORM
cannot express without correlated subqueries per row. It runs on PostgreSQL and SQLite.

Per item, in SQL:
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

from .models import HoldReason, StageChannel

HOLD_PRIORITY = list(HoldReason.values)  # index = priority; the first applies
FOUR_PLACES = Decimal("0.0001")
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
    hold: str | None  # the hold reason that stops it
    overdue_total: Decimal
    minimum: Decimal | None  # the policy's threshold for the currency
    below_threshold: bool
    has_email: bool
    has_phone: bool
    has_address: bool


class _Sql:
    """SQL text with its parameters, appended in textual order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> _Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def text(self) -> str:
        return "".join(self.parts)


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _day(value: date) -> Any:
    return value if _is_pg() else value.isoformat()


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _amount(value: Any) -> Decimal:
    """PostgreSQL gives Decimal; SQLite stores numerics as REAL and gives floats, read back
    through their shortest repr at storage precision, as Django's own converter does."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value)).quantize(FOUR_PLACES)


def _literal(value: str) -> str:
    # Only our own enum values are inlined (channels, kinds); anything else is a parameter.
    assert value.replace("_", "").isalnum(), value
    return f"'{value}'"


def _segment_match(sql: _Sql, segment: str) -> None:
    if _is_pg():
        sql.add("d.tags @> %s::jsonb", json.dumps([segment]))
    else:
        sql.add("EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = %s)", segment)


def _policy_expr(sql: _Sql, plan: PlanInput) -> None:
    sql.add("COALESCE(o.policy_id")
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


def _stage_case(sql: _Sql, plan: PlanInput) -> None:
    """The first stage after the current one whose day has come, per policy in order."""
    if not plan.stages:
        sql.add("NULL")
        return
    sql.add("CASE")
    for stage in plan.stages:
        sql.add(
            f" WHEN policy_id = {int(stage.policy_id)} AND cur_pos < {int(stage.position)} AND due_on <= %s",
            _day(plan.run_on - timedelta(days=stage.offset_days)),
        )
        if stage.offset_days < 0:
            # A reminder before the due date makes no sense once the item is overdue.
            sql.add(" AND due_on >= %s", _day(plan.run_on))
        sql.add(f" THEN {int(stage.id)}")
    sql.add(" END")


def _contact_cutoff(sql: _Sql, plan: PlanInput) -> None:
    if not plan.stages:
        sql.add("NULL")
        return
    sql.add("CASE stage_id")
    for stage in plan.stages:
        sql.add(
            f" WHEN {int(stage.id)} THEN %s", _day(plan.run_on - timedelta(days=stage.min_days_since_contact))
        )
    sql.add(" END")


def _reachable(channel: str) -> str:
    if channel == StageChannel.PREFERRED:
        options = " OR ".join(
            f"(preferred_channel = {_literal(c)} AND {flag} = 1)" for c, flag in CHANNEL_REACH.items()
        )
        return f"({options} OR preferred_channel = {_literal(StageChannel.PORTAL)})"
    if channel == StageChannel.PORTAL:
        return "1 = 1"
    return f"{CHANNEL_REACH[channel]} = 1"


def _chain(channels: tuple[str, ...]) -> str:
    whens = []
    for channel in channels:
        value = "preferred_channel" if channel == StageChannel.PREFERRED else _literal(channel)
        whens.append(f"WHEN {_reachable(channel)} THEN {value}")
    return f"CASE {' '.join(whens)} END"


def _channel_case(plan: PlanInput) -> str:
    if not plan.stages:
        return "NULL"
    parts = ["CASE stage_id"]
    for stage in plan.stages:
        chain = _chain(stage.channels)
        if stage.consumer_channels:
            chain = f"CASE WHEN kind = {_literal(DebtorKind.CONSUMER)} THEN {_chain(stage.consumer_channels)} ELSE {chain} END"
        parts.append(f"WHEN {int(stage.id)} THEN {chain}")
    parts.append("END")
    return " ".join(parts)


def _minimum_case(sql: _Sql, plan: PlanInput) -> None:
    if not plan.thresholds:
        sql.add("NULL")
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


def plan_sql(plan: PlanInput) -> tuple[str, list[Any]]:
    c, run_on = plan.creditor_id, _day(plan.run_on)
    earliest = min((s.offset_days for s in plan.stages), default=0)
    sql = _Sql()
    sql.add(
        "WITH hist AS ("
        " SELECT h.invoice_id, MAX(h.position) AS cur_pos, MAX(h.entered_on) AS last_on, COUNT(*) AS contacts,"
        " SUM(CASE WHEN s.offset_days > 0 THEN 1 ELSE 0 END) AS reminders"
        " FROM dunning_stagehistory h JOIN dunning_stage s ON s.id = h.stage_id"
        " WHERE h.creditor_id = %s GROUP BY h.invoice_id),",
        c,
    )
    sql.add(
        " items AS (SELECT i.id, i.number, i.debtor_id, i.issued_on, i.due_on, i.currency, i.open_amount,"
        " d.number AS debtor_number, d.kind, d.country, d.preferred_channel, "
    )
    _policy_expr(sql, plan)
    sql.add(
        " AS policy_id, COALESCE(h.cur_pos, -1) AS cur_pos, h.last_on, COALESCE(h.contacts, 0) AS contacts,"
        " COALESCE(h.reminders, 0) AS reminders"
        " FROM ledger_invoice i JOIN ledger_debtor d ON d.id = i.debtor_id"
        " LEFT JOIN dunning_debtorpolicy o ON o.debtor_id = d.id"
        " LEFT JOIN hist h ON h.invoice_id = i.id"
        " WHERE i.creditor_id = %s AND i.kind = 'invoice' AND i.open_amount > 0 AND i.due_on <= %s"
        " AND (h.last_on IS NULL OR h.last_on < %s)",
        c,
        # No item due later than this reaches even the earliest stage.
        _day(plan.run_on - timedelta(days=earliest)),
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
        " AS stage_id FROM items), due AS (SELECT staged.* FROM staged WHERE stage_id IS NOT NULL AND (last_on IS NULL OR last_on <= "
    )
    _contact_cutoff(sql, plan)
    sql.add(
        ")), reach AS (SELECT debtor_id,"
        " MAX(CASE WHEN email <> '' AND email_status <> 'bounced' THEN 1 ELSE 0 END) AS has_email,"
        " MAX(CASE WHEN phone <> '' AND phone_status <> 'bounced' THEN 1 ELSE 0 END) AS has_phone,"
        " MAX(CASE WHEN street <> '' AND city <> '' THEN 1 ELSE 0 END) AS has_address"
        " FROM ledger_contact WHERE creditor_id = %s AND debtor_id IN (SELECT debtor_id FROM due) GROUP BY debtor_id),",
        c,
    )
    sql.add(
        " overdue AS (SELECT debtor_id, currency, SUM(open_amount) AS total FROM ledger_invoice"
        " WHERE creditor_id = %s AND kind = 'invoice' AND open_amount > 0 AND due_on < %s"
        " AND debtor_id IN (SELECT debtor_id FROM due) GROUP BY debtor_id, currency),",
        c,
        run_on,
    )
    priority = " ".join(f"WHEN {_literal(r)} THEN {i}" for i, r in enumerate(HOLD_PRIORITY))
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
        " COALESCE(r.has_address, 0) AS has_address, COALESCE(ov.total, 0) AS overdue_total,"
        " CASE WHEN dh.prio IS NULL THEN ih.prio WHEN ih.prio IS NULL OR dh.prio <= ih.prio THEN dh.prio"
        " ELSE ih.prio END AS hold_prio"
        " FROM due LEFT JOIN reach r ON r.debtor_id = due.debtor_id"
        " LEFT JOIN overdue ov ON ov.debtor_id = due.debtor_id AND ov.currency = due.currency"
        " LEFT JOIN holds dh ON dh.debtor_id = due.debtor_id AND dh.invoice_id IS NULL"
        " LEFT JOIN holds ih ON ih.invoice_id = due.id),"
    )
    sql.add(f" chosen AS (SELECT facts.*, {_channel_case(plan)} AS channel, ")
    _minimum_case(sql, plan)
    sql.add(" AS minimum FROM facts)")
    sql.add(
        " SELECT id, number, debtor_id, debtor_number, kind, country, preferred_channel, issued_on, due_on, currency, open_amount,"
        " policy_id, stage_id, cur_pos, last_on, contacts, reminders, channel, hold_prio, overdue_total, minimum,"
        f" CASE WHEN minimum IS NOT NULL AND overdue_total < minimum AND stage_id NOT IN ({_pre_due_stage_ids(plan)})"
        " THEN 1 ELSE 0 END AS below_threshold, has_email, has_phone, has_address"
        " FROM chosen WHERE NOT EXISTS (SELECT 1 FROM dunning_action a WHERE a.creditor_id = %s AND a.run_on = %s"
        " AND a.debtor_id = chosen.debtor_id AND a.currency = chosen.currency)"
        " ORDER BY debtor_id, currency, id",
        c,
        run_on,
    )
    return sql.text(), sql.params


def plan_run(plan: PlanInput) -> list[DueItem]:
    """Run the plan query: one statement, whatever the number of items."""
    text, params = plan_sql(plan)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        rows = cursor.fetchall()
    return [
        DueItem(
            id=r[0],
            number=r[1],
            debtor_id=r[2],
            debtor_number=r[3],
            kind=r[4],
            country=r[5],
            preferred_channel=r[6],
            issued_on=_as_date(r[7]),
            due_on=_as_date(r[8]),
            currency=r[9],
            open_amount=_amount(r[10]),
            policy_id=r[11],
            stage_id=r[12],
            cur_pos=r[13],
            last_on=_as_date(r[14]),
            contacts=r[15],
            reminders=int(r[16] or 0),
            channel=r[17],
            hold=None if r[18] is None else HOLD_PRIORITY[r[18]],
            overdue_total=_amount(r[19]),
            minimum=None if r[20] is None else _amount(r[20]),
            below_threshold=bool(r[21]),
            has_email=bool(r[22]),
            has_phone=bool(r[23]),
            has_address=bool(r[24]),
        )  # fmt: skip
        for r in rows
    ]


def debtors_considered_sql(creditor_id: int) -> tuple[str, list[Any]]:
    return (
        "SELECT COUNT(DISTINCT debtor_id) FROM ledger_invoice WHERE creditor_id = %s AND kind = 'invoice'"
        " AND open_amount > 0",
        [creditor_id],
    )
