"""How the dunning pages show an action and its explanation: stored codes and facts turned
into translated sentences, dates and amounts (STYLE.md: store codes, translate on display).

Works for saved actions and for a dry run's planned actions (``action_listing`` dicts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from tact.dunning.models import ActionStatus, StageChannel, Tone
from tact.dunning.selectors import RULES, channel_reasons
from tact.tenancy.models import COUNTRIES

RULE_TEXT = {
    "stage_due": _(
        "Each item's next stage has come (due date plus the stage's offset, on a business day of the "
        "debtor's country), with enough days since its last contact, no active hold and the debtor's overdue "
        "total at or above the policy's threshold. One action per debtor and currency a day, on the channel "
        "of the most advanced stage, listing all its items that advance."
    ),
}
HOLDS_CHECKED = {"none_active": _("No active hold on the debtor or on these items.")}
# The English reasons of ``dunning.listing.WHY_NOT``, as the explanation gives them.
WHY_NOT = {
    "no e-mail address that has not bounced": _("no e-mail address that has not bounced"),
    "no postal address": _("no postal address"),
    "no phone number": _("no phone number"),
}
CHARGE_LABELS = {
    "interest": _("Interest"),
    "collection_costs": _("Collection costs"),
    "flat_compensation": _("Flat compensation"),
}
KIND_LABELS = {
    "b2b": _("business"),
    "b2c": _("consumer"),
    "business": _("business"),
    "consumer": _("consumer"),
}
COUNTRY_LABELS = dict(COUNTRIES)
CHANNEL_LABELS = dict(StageChannel.choices)
TONE_LABELS = dict(Tone.choices)
STATUS_LABELS = dict(ActionStatus.choices)
STATUS_BADGES = {
    ActionStatus.AWAITING_APPROVAL: "badge-warn",
    ActionStatus.APPROVED: "badge-ok",
    ActionStatus.SENT: "badge-ok",
    ActionStatus.SKIPPED: "",
    ActionStatus.PLANNED: "",
}


def parse_date(value: Any) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def channel_label(code: str) -> str:
    return str(CHANNEL_LABELS.get(code, code))


@dataclass
class ItemLine:
    id: int | None
    number: str
    due_on: date | None
    days_overdue: int | None
    stage: str
    scheduled_on: date | None
    open_amount: Decimal | None
    rolled: bool
    from_stage: str | None
    previous_contacts: int
    last_contact_on: date | None
    interest: Decimal | None
    flat_compensation: Decimal | None


@dataclass
class Charge:
    label: str
    amount: Decimal | None
    rule: str
    principal: Decimal | None = None
    conditions: list[str] = field(default_factory=list)


@dataclass
class Explained:
    """One action as the pages show it."""

    id: int | None
    run_on: date | None
    debtor_id: int | None
    debtor_name: str
    debtor_number: str
    country: str
    kind: str
    policy: str
    stage_name: str
    stage_key: str
    stage_position: int | None
    stage_offset: int | None
    channel: str
    channel_code: str
    tone: str
    tone_code: str
    status: str
    status_code: str
    status_badge: str
    currency: str
    open_amount: Decimal | None
    interest_amount: Decimal | None
    fees_amount: Decimal | None
    flat_compensation_amount: Decimal | None
    items: list[ItemLine]
    rule: str
    holds_checked: str
    threshold_minimum: Decimal | None
    threshold_overdue: Decimal | None
    wanted_channels: list[str]
    passed_over: list[tuple[str, str]]
    charges: list[Charge]
    refusals: list[dict[str, str]]
    note: str = ""
    decided_by: str = ""
    decided_at: Any = None

    @property
    def charges_total(self) -> Decimal:
        parts = (self.interest_amount, self.fees_amount, self.flat_compensation_amount)
        return sum((p for p in parts if p is not None), Decimal("0"))

    @property
    def is_open(self) -> bool:
        return self.status_code in (ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL)

    @property
    def max_days_overdue(self) -> int | None:
        days = [i.days_overdue for i in self.items if i.days_overdue is not None]
        return max(days) if days else None


def _items(raw: list[dict[str, Any]], names: dict[str, str]) -> list[ItemLine]:
    return [
        ItemLine(
            id=i.get("id"),
            number=str(i.get("number", "")),
            due_on=parse_date(i.get("due_on")),
            days_overdue=i.get("days_overdue"),
            stage=names.get(i.get("stage"), str(i.get("stage", ""))),
            scheduled_on=parse_date(i.get("scheduled_on")),
            open_amount=_amount(i.get("open_amount")),
            rolled=bool(i.get("rolled_from_non_business_day")),
            from_stage=names.get(i.get("from_stage"), i.get("from_stage")),
            previous_contacts=int(i.get("previous_contacts") or 0),
            last_contact_on=parse_date(i.get("last_contact_on")),
            interest=_amount(i.get("interest")),
            flat_compensation=_amount(i.get("flat_compensation")),
        )
        for i in raw or []
    ]


def _charges(law: dict[str, Any]) -> list[Charge]:
    charges = []
    if interest := law.get("interest"):
        charges.append(
            Charge(str(CHARGE_LABELS["interest"]), _amount(interest.get("amount")), interest.get("rule", ""))
        )
    if flat := law.get("flat_compensation"):
        charges.append(
            Charge(str(CHARGE_LABELS["flat_compensation"]), _amount(flat.get("amount")), flat.get("rule", ""))
        )
    if fees := law.get("fees"):
        charges.append(
            Charge(
                str(CHARGE_LABELS["collection_costs"]),
                _amount(fees.get("amount")),
                fees.get("rule", ""),
                _amount(fees.get("principal")),
                list(fees.get("conditions") or []),
            )
        )
    return charges


def explain(
    *,
    id: int | None,  # noqa: A002 - the action's id
    run_on: Any,
    debtor_id: int | None,
    debtor_name: str,
    debtor_number: str,
    policy: str,
    stage_name: str,
    stage_key: str,
    channel: str,
    tone: str,
    status: str,
    currency: str,
    amounts: tuple[Any, Any, Any, Any],
    items: list[dict[str, Any]],
    explanation: dict[str, Any],
    note: str = "",
    decided_by: str = "",
    decided_at: Any = None,
    stage_names: dict[str, str] | None = None,
) -> Explained:
    x = explanation or {}
    stage = x.get("stage") or {}
    threshold = x.get("threshold") or {}
    law = x.get("law") or {}
    debtor = x.get("debtor") or {}
    wanted = (x.get("channel") or {}).get("wanted") or []
    rule = x.get("rule", "")
    return Explained(
        id=id,
        run_on=parse_date(run_on),
        debtor_id=debtor_id,
        debtor_name=debtor_name,
        debtor_number=debtor_number,
        country=str(
            COUNTRY_LABELS.get(law.get("country") or debtor.get("country"), law.get("country") or "")
        ),
        kind=str(KIND_LABELS.get(law.get("kind") or debtor.get("kind"), "")),
        policy=policy,
        stage_name=stage_name,
        stage_key=stage_key,
        stage_position=stage.get("position"),
        stage_offset=stage.get("offset_days"),
        channel=channel_label(channel),
        channel_code=channel,
        tone=str(TONE_LABELS.get(tone, tone)),
        tone_code=tone,
        status=str(STATUS_LABELS.get(status, status)),
        status_code=str(status),
        status_badge=STATUS_BADGES.get(status, ""),
        currency=currency,
        open_amount=_amount(amounts[0]),
        interest_amount=_amount(amounts[1]),
        fees_amount=_amount(amounts[2]),
        flat_compensation_amount=_amount(amounts[3]),
        items=_items(items, stage_names or {}),
        rule=str(RULE_TEXT.get(rule) or RULES.get(rule, rule)),
        holds_checked=str(HOLDS_CHECKED.get(x.get("holds_checked", ""), x.get("holds_checked", ""))),
        threshold_minimum=_amount(threshold.get("minimum")),
        threshold_overdue=_amount(threshold.get("overdue_total")),
        wanted_channels=[channel_label(w) for w in wanted],
        passed_over=[
            (_passed_label(r["channel"]), str(WHY_NOT.get(r["why"], r["why"]))) for r in channel_reasons(x)
        ],
        charges=_charges(law),
        refusals=[
            {**r, "charge_label": str(CHARGE_LABELS.get(r.get("charge"), r.get("charge", "")))}
            for r in law.get("refusals") or []
        ],
        note=note,
        decided_by=decided_by,
        decided_at=decided_at,
    )


def _passed_label(channel: str) -> str:
    # ``channel_reasons`` says "preferred (sms)" when the debtor's preferred channel was passed over.
    if channel.startswith("preferred (") and channel.endswith(")"):
        inner = channel[len("preferred (") : -1]
        return f"{channel_label('preferred')} ({channel_label(inner)})"
    return channel_label(channel)


def stage_names_by_policy(stages: Any) -> dict[int, dict[str, str]]:
    """Stage names by policy and key, so an item's stage keys read as names."""
    names: dict[int, dict[str, str]] = {}
    for stage in stages:
        names.setdefault(stage.policy_id, {})[stage.key] = stage.name
    return names


def explain_action(action: Any, names: dict[int, dict[str, str]] | None = None) -> Explained:
    """A saved action (with debtor, stage and policy selected); ``names`` from
    ``stage_names_by_policy``."""
    decided_by = action.decided_by.get_username() if action.decided_by_id and action.decided_by else ""
    return explain(
        id=action.pk,
        run_on=action.run_on,
        debtor_id=action.debtor_id,
        debtor_name=action.debtor.name,
        debtor_number=action.debtor.number,
        policy=action.policy.name,
        stage_name=action.stage.name,
        stage_key=action.stage.key,
        channel=action.channel,
        tone=action.tone,
        status=action.status,
        currency=action.currency,
        amounts=(
            action.open_amount,
            action.interest_amount,
            action.fees_amount,
            action.flat_compensation_amount,
        ),
        items=action.items,
        explanation=action.explanation,
        note=action.note,
        decided_by=decided_by,
        decided_at=action.decided_at,
        stage_names=(names or {}).get(action.policy_id),
    )


def explain_listing(
    row: dict[str, Any], *, debtors: dict[str, Any], stages: dict[tuple[int, str], Any]
) -> Explained:
    """A dry run's planned action; ``debtors`` by number, ``stages`` by (policy id, key)."""
    debtor = debtors.get(row["debtor"])
    stage = stages.get(((row.get("explanation") or {}).get("policy_id"), row["stage"]))
    return explain(
        id=None,
        run_on=row.get("run_on"),
        debtor_id=debtor.pk if debtor else None,
        debtor_name=debtor.name if debtor else row["debtor"],
        debtor_number=row["debtor"],
        policy=stage.policy.name if stage else "",
        # A first dry run installs the presets and rolls them back: then only the key is known.
        stage_name=stage.name if stage else row["stage"].replace("_", " ").capitalize(),
        stage_key=row["stage"],
        channel=row["channel"],
        tone=stage.tone if stage else "",
        status=row["status"],
        currency=row["currency"],
        amounts=(row["open_amount"], row["interest"], row["fees"], row["flat_compensation"]),
        items=row.get("item_details") or [],
        explanation=row.get("explanation") or {},
        stage_names={k: s.name for (pid, k), s in stages.items() if stage and pid == stage.policy_id},
    )
