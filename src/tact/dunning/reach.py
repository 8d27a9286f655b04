"""Which channel a stage takes for a debtor, as a lookup table the plan subscripts.

The channel depends only on the stage and on five facts of the debtor: its kind, its
preferred channel and whether it has an e-mail address, a phone and a postal address
(its *reach code*). Python works out the channel for every combination once
(``channel_table``) and the plan looks it up: one array subscript per item instead of a
CASE over the stages and a chain of conditions per stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tact.ledger.models import Channel, DebtorKind

from .dialect import Sql, literal, pick
from .models import StageChannel

if TYPE_CHECKING:
    from .plan import PlanInput, StageRule

CHANNEL_REACH = {
    StageChannel.EMAIL: "has_email",
    StageChannel.LETTER: "has_address",
    StageChannel.SMS: "has_phone",
    StageChannel.PHONE: "has_phone",
}


PREFERRED = tuple(Channel.values)  # a debtor's preferred channel; any other reaches nobody
CHANNELS = tuple(
    dict.fromkeys([*PREFERRED, *(c for c in StageChannel.values if c != StageChannel.PREFERRED)])
)
REACH_SPAN = 16 * (len(PREFERRED) + 1)  # reach codes: see reach_code


def reach_code() -> str:
    """The debtor's reach code (columns of ``d`` and ``r``): e-mail 1, phone 2, address 4,
    consumer 8, plus 16 times the 1-based index of its preferred channel in PREFERRED."""
    preferred = " ".join(f"WHEN {literal(c)} THEN {16 * (i + 1)}" for i, c in enumerate(PREFERRED))
    return (
        "COALESCE(r.has_email, 0) + 2 * COALESCE(r.has_phone, 0) + 4 * COALESCE(r.has_address, 0)"
        f" + CASE WHEN d.kind = {literal(DebtorKind.CONSUMER)} THEN 8 ELSE 0 END"
        f" + CASE d.preferred_channel {preferred} ELSE 0 END"
    )


def _chosen(channels: tuple[str, ...], preferred: str | None, reach: dict[str, bool]) -> str | None:
    """The first of the stage's channels the debtor can be reached on (``preferred`` stands
    for the debtor's own preference, which is then the channel); None: none of them."""
    for channel in channels:
        if channel == StageChannel.PREFERRED:
            if preferred == StageChannel.PORTAL or (
                preferred in CHANNEL_REACH and reach[CHANNEL_REACH[preferred]]
            ):
                return preferred
        elif channel == StageChannel.PORTAL:
            return channel
        elif reach[CHANNEL_REACH[channel]]:
            return channel
    return None


def channel_table(stages: tuple[StageRule, ...]) -> list[int]:
    """Per stage (in plan order) and reach code, the chosen channel as its 1-based index in
    CHANNELS, 0 for none: entry ``(stage_ix - 1) * REACH_SPAN + reach``, 0-based."""
    table = []
    for stage in stages:
        for code in range(REACH_SPAN):
            reach = {"has_email": bool(code & 1), "has_phone": bool(code & 2), "has_address": bool(code & 4)}
            channels = stage.consumer_channels if code & 8 and stage.consumer_channels else stage.channels
            preferred = PREFERRED[code // 16 - 1] if code >= 16 else None
            chosen = _chosen(channels, preferred, reach)
            table.append(0 if chosen is None else CHANNELS.index(chosen) + 1)
    return table


def channel_of(sql: Sql, plan: PlanInput, stage_ix: str, reach: str) -> None:
    """SQL: the channel of the stage at ``stage_ix`` (1-based, in plan order) for a debtor of
    reach code ``reach``; null when none of its channels reaches the debtor."""
    if not plan.stages:
        sql.add("CAST(NULL AS VARCHAR(10))")
        return
    code = Sql()
    pick(
        code,
        f"(({stage_ix}) - 1) * {REACH_SPAN} + ({reach}) + 1",
        channel_table(plan.stages),
        cast="smallint",
    )
    sql.add("CASE ")
    sql.add(code.text(), *code.params)
    sql.add(" " + " ".join(f"WHEN {i + 1} THEN {literal(c)}" for i, c in enumerate(CHANNELS)) + " END")


def stage_pick(sql: Sql, plan: PlanInput, stage_ix: str, values: list[Any], *, cast: str) -> None:
    """SQL: ``values[stage_ix - 1]``, one value per stage in plan order."""
    if not plan.stages:
        sql.add(f"CAST(NULL AS {cast})")
        return
    pick(sql, stage_ix, values, cast=cast)
