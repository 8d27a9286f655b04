"""From the plan to actions, in SQL: group the advancing items of each debtor and currency,
build each action's items and explanation, append the actions and the stage history.

Python only prices what the law charges, for the items whose stages charge anything; the
amounts reach SQL through a temporary table (``dunning_charge_tmp``) that the grouping
joins. On PostgreSQL actions and history go in one statement (the history takes the new
actions' ids from ``RETURNING``); SQLite, which has no data-modifying CTE, needs two.
Statements per run are fixed; none is repeated per item or per debtor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from . import dialect as d
from .plan import DEBTORS, TEMP, PlanInput
from .reach import channel_of, stage_pick

CHARGES = "dunning_charge_tmp"
RULE_CODE = "stage_due"
RULE_VERSION = "cycle/1"
ACTION_COLUMNS = (
    "creditor_id", "debtor_id", "run_on", "policy_id", "stage_id", "channel", "tone", "template_key", "currency",
    "item_count", "items", "open_amount", "interest_amount", "fees_amount", "flat_compensation_amount", "status",
    "needs_approval", "explanation", "note", "created_at", "updated_at",
)  # fmt: skip


# --- charges ----------------------------------------------------------------------------------


class ItemCharge(NamedTuple):
    invoice_id: int
    interest: str | None  # amounts as the items' JSON shows them; None: not charged here
    flat_compensation: str | None


class GroupCharge(NamedTuple):
    """What the law lets one action charge, and why."""

    debtor_id: int
    currency: str
    interest: Decimal
    fees: Decimal
    flat_compensation: Decimal
    law: dict[str, Any]  # the explanation's "law" member
    items: list[ItemCharge]


def charges_store(charges: Iterable[GroupCharge]) -> None:
    """Hand the law's amounts to SQL in one statement (an empty list too: fixed statements).
    Group rows have no invoice; item rows have no debtor."""
    rows: list[list[Any]] = []
    for c in charges:
        rows.append([c.debtor_id, c.currency, None, str(c.interest), str(c.fees), str(c.flat_compensation),
                     None, None, json.dumps(c.law, ensure_ascii=False)])  # fmt: skip
        rows.extend(
            [None, None, i.invoice_id, None, None, None, i.interest, i.flat_compensation, None]
            for i in c.items
        )
    payload = json.dumps(rows, ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHARGES} (debtor_id bigint, currency varchar(3), invoice_id bigint,"
            " interest numeric(18, 4), fees numeric(18, 4), flat numeric(18, 4), interest_text text, flat_text text,"
            " law text)"
        )
        if d.is_pg():
            cursor.execute(
                f"INSERT INTO {CHARGES} SELECT (x->>0)::bigint, x->>1, (x->>2)::bigint, (x->>3)::numeric,"
                " (x->>4)::numeric, (x->>5)::numeric, x->>6, x->>7, x->>8 FROM jsonb_array_elements(%s::jsonb) x",
                [payload],
            )
        else:
            cursor.execute(
                f"INSERT INTO {CHARGES} SELECT "
                + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(9))
                + " FROM json_each(%s)",
                [payload],
            )


# --- grouping ---------------------------------------------------------------------------------


def _stages(sql: d.Sql, plan: PlanInput) -> None:
    """CTE ``st``: per stage of the plan (``ix``, 1-based, as the plan's ``stage_ix``) what
    the actions' JSON says of it, written once here rather than for every item and action:
    its key as JSON, its explanation member ``stage`` and the channels it wants (for
    consumers, their own when it has any)."""
    columns = "ix, policy_id, position, offset_days, key_json, stage_json, wanted, consumer_wanted"
    rows = [
        (ix, s.policy_id, s.position, s.offset_days, _json(s.key),
         _json({"key": s.key, "position": s.position, "offset_days": s.offset_days}),
         _json(list(s.channels)), _json(list(s.consumer_channels or s.channels)))
        for ix, s in enumerate(plan.stages, 1)
    ]  # fmt: skip
    if not rows:
        sql.add(f" st ({columns}) AS (SELECT 0, 0, 0, 0, '', '', '', '' WHERE 1 = 0)")
        return
    values = ", ".join(["(" + ", ".join(["%s"] * len(rows[0])) + ")"] * len(rows))
    sql.add(f" st ({columns}) AS (VALUES {values})", *(v for row in rows for v in row))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _adv(sql: d.Sql, *, with_charges: bool) -> None:
    """CTE ``adv``: the advancing items with their stage and previous stage (CTE ``st``).

    ``advancing <> 0`` rather than ``= 1``: the planner's guess for ``<>`` — nearly all rows
    — is the right one even before it has statistics."""
    sql.add(
        ", adv AS (SELECT t.*, s.key_json, s.offset_days, ps.key_json AS from_json"
        + (", ic.interest_text, ic.flat_text" if with_charges else "")
        + f" FROM {TEMP} t JOIN st s ON s.ix = t.stage_ix"
        " LEFT JOIN st ps ON ps.policy_id = t.policy_id AND ps.position = t.cur_pos"
        + (f" LEFT JOIN {CHARGES} ic ON ic.invoice_id = t.id" if with_charges else "")
        + " WHERE t.advancing <> 0)"
    )


# Per debtor and currency. The action takes the stage of its most advanced item (all items
# of a debtor are under its one policy, so the highest stage_ix) and that stage's channel.
GROUP_COLUMNS = (
    " a.debtor_id, a.currency, MAX(a.stage_ix) AS top, COUNT(*) AS item_count, SUM(a.open_amount) AS open_amount,"
    " MAX(CASE WHEN a.needs_approval THEN 1 ELSE 0 END) AS needs_approval, MAX(a.minimum) AS minimum,"
    " MAX(a.overdue_total) AS overdue_total"
)


def _groups(sql: d.Sql, plan: PlanInput) -> None:
    """CTE ``g``: the groups of CTE ``ga`` with their debtor's facts, stage and channel."""
    sql.add(
        ", g AS (SELECT ga.*, pd.debtor_number, pd.kind, pd.country, pd.preferred_channel, pd.has_email,"
        " pd.has_phone, pd.has_address, "
    )
    stage_pick(sql, plan, "ga.top", [s.id for s in plan.stages], cast="integer")
    sql.add(" AS stage_id, ")
    channel_of(sql, plan, "ga.top", "pd.reach")
    sql.add(f" AS channel FROM ga JOIN {DEBTORS} pd ON pd.debtor_id = ga.debtor_id{d.fence()})")


def groups_count(plan: PlanInput) -> list[tuple[int, str, int, int, int]]:
    """(stage id, channel, needs approval, actions, items) over the actions of the day."""
    sql = d.Sql().add("WITH")
    _stages(sql, plan)
    _adv(sql, with_charges=False)
    sql.add(f", ga AS (SELECT {GROUP_COLUMNS} FROM adv a GROUP BY a.debtor_id, a.currency)")
    _groups(sql, plan)
    sql.add(
        " SELECT stage_id, channel, needs_approval, COUNT(*), CAST(SUM(item_count) AS INTEGER) FROM g"
        " GROUP BY stage_id, channel, needs_approval"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.text(), sql.params)
        return cursor.fetchall()


def _item_json(plan: PlanInput, src: str, *, charged: bool) -> d.Value:
    """One JSON object per advancing item (``src`` aliases ``adv``)."""
    scheduled = d.add_days(f"{src}.due_on", f"{src}.offset_days")
    members = [
        ("id", d.number(f"{src}.id")),
        ("number", d.string(f"{src}.number")),
        ("due_on", d.plain(f"{src}.due_on")),
        ("days_overdue", d.number(d.days_since(plan.run_on, f"{src}.due_on"))),
        ("stage", d.raw(f"{src}.key_json")),
        ("scheduled_on", d.plain(scheduled)),
        ("open_amount", d.plain(d.money_text(f"{src}.open_amount", f"{src}.currency"))),
    ]
    optional = [
        (f"{src}.contacts > 0", [("from_stage", d.raw(f"{src}.from_json")),
                                 ("previous_contacts", d.number(f"{src}.contacts")),
                                 ("last_contact_on", d.plain(f"{src}.last_on"))]),
    ]  # fmt: skip
    if charged:
        optional.append((f"({src}.interest_text IS NOT NULL OR {src}.flat_text IS NOT NULL)",
                         [("interest", d.plain(f"{src}.interest_text")),
                          ("flat_compensation", d.plain(f"{src}.flat_text"))]))  # fmt: skip
    if any(plan.rolled_from.values()):
        optional.append((f"{src}.rolled = 1", [("rolled_from_non_business_day", d.raw("'true'"))]))
    return d.obj(members, optional=optional)


def _explanation(*, charged: bool) -> d.Value:
    law_kind = "CASE WHEN g.kind = 'consumer' THEN 'b2c' ELSE 'b2b' END"
    wanted = "CASE WHEN g.kind = 'consumer' THEN st.consumer_wanted ELSE st.wanted END"
    threshold = d.obj(
        [
            ("minimum", d.plain(d.money_text("g.minimum", "g.currency"))),
            ("overdue_total", d.plain(d.money_text("g.overdue_total", "g.currency"))),
        ]
    )
    reachable = d.obj(
        [
            ("email", d.flag("g.has_email = 1")),
            ("phone", d.flag("g.has_phone = 1")),
            ("address", d.flag("g.has_address = 1")),
        ]
    )
    law = d.obj([("country", d.string("g.country")), ("kind", d.plain(law_kind))])
    return d.obj(
        [
            ("rule", d.plain(f"'{RULE_CODE}'")),
            ("rule_version", d.plain(f"'{RULE_VERSION}'")),
            ("policy_id", d.number("st.policy_id")),
            ("stage", d.raw("st.stage_json")),
            (
                "channel",
                d.obj(
                    [
                        ("chosen", d.plain("g.channel")),  # one of reach.CHANNELS
                        ("wanted", d.raw(wanted)),
                        ("preferred", d.string("g.preferred_channel")),
                        ("reachable", reachable),
                    ]
                ),
            ),
            ("holds_checked", d.plain("'none_active'")),
            ("threshold", d.when("g.minimum IS NOT NULL", threshold)),
            # The law's explanation as Python priced it, else who the law sees.
            ("law", d.either("ch.law", law) if charged else law),
        ]
    )


def _actions_select(plan: PlanInput, *, creditor_id: int, now: Any, charged: bool) -> d.Sql:
    """CTEs ``adv`` and ``g`` and the SELECT of the day's actions: ACTION_COLUMNS, then the
    debtor's number (for a dry run's listing). ``charged``: whether the law priced anything
    (``charges_store`` stored rows); without, the charges' table is not joined at all."""
    sql = d.Sql().add("WITH")
    _stages(sql, plan)
    _adv(sql, with_charges=charged)
    sql.add(f", ga AS (SELECT {GROUP_COLUMNS}, ")
    if d.is_pg():
        item = _item_json(plan, "a", charged=charged)
        sql.add(f"{d.document_agg(item, order_by='a.id')} AS items")
    else:
        # SQLite's json_group_array keeps no order of its own: aggregate an ordered subquery.
        item = _item_json(plan, "b", charged=charged)
        sql.add(
            f"(SELECT json_group_array(json(x)) FROM (SELECT {d.document(item)} AS x FROM adv b"
            " WHERE b.debtor_id = a.debtor_id AND b.currency = a.currency ORDER BY b.id)) AS items"
        )
    sql.add(" FROM adv a GROUP BY a.debtor_id, a.currency)")
    _groups(sql, plan)
    sql.add(
        " SELECT %s, g.debtor_id, %s, s.policy_id, g.stage_id, g.channel, s.tone, s.template_key, g.currency,"
        " g.item_count, g.items, g.open_amount, "
        + ("COALESCE(ch.interest, 0), COALESCE(ch.fees, 0), COALESCE(ch.flat, 0)," if charged else "0, 0, 0,")
        + " CASE WHEN g.needs_approval = 1 THEN 'awaiting_approval' ELSE 'planned' END,"
        f" {d.boolean('g.needs_approval = 1')}, {d.document(_explanation(charged=charged))}, '', %s, %s,"
        " g.debtor_number FROM g JOIN dunning_stage s ON s.id = g.stage_id JOIN st ON st.ix = g.top"
        + (
            f" LEFT JOIN {CHARGES} ch ON ch.debtor_id = g.debtor_id AND ch.currency = g.currency"
            " AND ch.invoice_id IS NULL"
            if charged
            else ""
        ),
        creditor_id,
        d.day(plan.run_on),
        d.stamp(now),
        d.stamp(now),
    )
    return sql


GroupCount = tuple[int, str, int, int, int]  # stage id, channel, needs approval (1/0), actions, items


def actions_append(plan: PlanInput, *, creditor_id: int, now: Any, charged: bool) -> list[GroupCount]:
    """Append the day's actions and the stage history of their items; say how many actions
    (and items) per stage, channel and approval, as ``groups_count`` would."""
    select = _actions_select(plan, creditor_id=creditor_id, now=now, charged=charged)
    # The debtor's number (the select's last column) is for listings only.
    body = select.text().replace(", g.debtor_number FROM g", " FROM g", 1)
    insert = f"INSERT INTO dunning_action ({', '.join(ACTION_COLUMNS)})"
    history = (
        "INSERT INTO dunning_stagehistory (creditor_id, invoice_id, stage_id, position, round, entered_on, action_id,"
        " created_at)"
    )
    with connection.cursor() as cursor:
        if d.is_pg():
            # One statement: the history joins the new actions as RETURNING gives them, and
            # the counts come from them too (a data-modifying CTE runs whether read or not).
            head, select_part = body.split(" SELECT %s, g.debtor_id", 1)
            cursor.execute(
                f"{head}, ins AS ({insert} SELECT %s, g.debtor_id{select_part}"
                " RETURNING id, debtor_id, currency, stage_id, channel, needs_approval, item_count),"
                f" hist AS ({history} SELECT %s, t.id, t.stage_id, t.position, t.cur_round, %s, ins.id, %s FROM {TEMP} t"
                " JOIN ins ON ins.debtor_id = t.debtor_id AND ins.currency = t.currency WHERE t.advancing <> 0"
                # In the unique key's order: each index page is filled once, not split at random.
                " ORDER BY t.id)"
                " SELECT stage_id, channel, CASE WHEN needs_approval THEN 1 ELSE 0 END, COUNT(*),"
                " CAST(SUM(item_count) AS INTEGER) FROM ins GROUP BY 1, 2, 3",
                [*select.params, creditor_id, d.day(plan.run_on), d.stamp(now)],
            )
            return cursor.fetchall()
        cursor.execute(f"{insert} {body}", select.params)
        cursor.execute(
            f"{history} SELECT %s, t.id, t.stage_id, t.position, t.cur_round, %s, a.id, %s FROM {TEMP} t"
            " JOIN dunning_action a ON a.creditor_id = %s AND a.debtor_id = t.debtor_id AND a.currency = t.currency"
            " AND a.run_on = %s WHERE t.advancing <> 0",
            [creditor_id, d.day(plan.run_on), d.stamp(now), creditor_id, d.day(plan.run_on)],
        )
    return groups_count(plan)


def actions_preview(plan: PlanInput, *, creditor_id: int, now: Any, charged: bool) -> list[dict[str, Any]]:
    """The rows ``actions_append`` would write, as dicts by column (plus ``debtor_number``)."""
    select = _actions_select(plan, creditor_id=creditor_id, now=now, charged=charged)
    with connection.cursor() as cursor:
        cursor.execute(select.text() + " ORDER BY g.debtor_id, g.currency", select.params)
        rows = cursor.fetchall()
    names = [*ACTION_COLUMNS, "debtor_number"]
    result = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for key in ("items", "explanation"):
            if isinstance(values[key], str):
                values[key] = json.loads(values[key])
        for key in ("open_amount", "interest_amount", "fees_amount", "flat_compensation_amount"):
            values[key] = d.amount(values[key])
        values["run_on"] = d.as_date(values["run_on"])
        values["needs_approval"] = bool(values["needs_approval"])
        result.append(values)
    return result
