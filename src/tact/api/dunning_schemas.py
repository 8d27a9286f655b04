"""Shapes of the dunning endpoints: policies, actions, holds, the cycle and the simulation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from tact.dunning.models import ActionStatus, HoldReason, StageChannel, Tone
from tact.dunning.presets import PRESETS

from .fields import Amount, Id, StrictIn, optional, text
from .schemas import PageParams

# A cycle's day: the cycle counts days back and forth from it, so it stays well inside the calendar.
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2199, 12, 31))]
Key = text(40, required=True)
ChannelName = text(20, required=True)
PresetKey = Literal[tuple(PRESETS)]


# -- policies ------------------------------------------------------------------------------


class StageIn(StrictIn):
    """A stage; its position is its place in the list. Checked by the policy services."""

    key: Key
    name: text(100, required=True)
    offset_days: int = Field(description="Days from the due date; negative: a reminder before it.")
    channels: list[ChannelName] = Field(
        max_length=10, description=f"In order: {', '.join(StageChannel.values)}."
    )
    template_key: text(60, required=True)
    tone: Tone = Tone.NEUTRAL
    min_days_since_contact: int = 0
    consumer_channels: list[ChannelName] = Field(default_factory=list, max_length=10)
    charges_interest: bool = False
    charges_fees: bool = False
    charges_flat_compensation: bool = False
    announces_costs: bool = False
    needs_approval: bool = False
    is_final_notice: bool = False
    proposes_handover: bool = False


class StageOut(Schema):
    key: str
    name: str
    offset_days: int
    channels: list[str]
    template_key: str
    tone: str
    min_days_since_contact: int
    consumer_channels: list[str]
    charges_interest: bool
    charges_fees: bool
    charges_flat_compensation: bool
    announces_costs: bool
    needs_approval: bool
    is_final_notice: bool
    proposes_handover: bool


class AssignmentOut(Schema):
    id: int
    segment: str
    country: str
    debtor_kind: str


class PolicyOut(Schema):
    id: int
    name: str
    preset: str
    description: str
    is_default: bool
    contract_clause: bool
    thresholds: dict[str, str] = Field(
        description='Minimum overdue amount per currency, e.g. {"EUR": "10.00"}.'
    )
    assignments: list[AssignmentOut]
    stages: list[StageOut]
    created_at: dt.datetime
    updated_at: dt.datetime


Thresholds = Annotated[
    dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Amount],
    Field(max_length=20, description='Minimum overdue amount per currency, e.g. {"EUR": "25.00"}.'),
]


class PolicyCreate(StrictIn):
    name: text(100, required=True)
    description: text(2000) = ""
    stages: list[StageIn] = Field(min_length=1, max_length=20)
    thresholds: Thresholds = Field(default_factory=dict)
    is_default: bool = False
    contract_clause: bool = False


class PolicyPatch(StrictIn):
    """Only the fields sent change, all or nothing. ``thresholds`` replaces every threshold
    (a currency left out has none); ``is_default: true`` makes this the default policy
    (checked against the law of every country and kind); a default cannot be unset, only
    replaced by making another policy the default."""

    name: text(100, required=True) = optional()
    description: text(2000) = optional()
    thresholds: Thresholds = optional()
    stages: list[StageIn] = optional(min_length=1, max_length=20)
    contract_clause: bool = optional()
    is_default: bool = optional()


class PolicyCopy(StrictIn):
    name: text(100, required=True) = Field(description="The new policy's name, not used by another one.")


class AssignmentIn(StrictIn):
    """Blank fields match every debtor; the most specific assignment wins."""

    country: text(2) = Field("", description="DE, NL, BE or AT; blank: every country.")
    debtor_kind: text(10) = Field("", description="business or consumer; blank: both.")
    segment: text(60) = Field("", description="A debtor tag; blank: every debtor.")


class PolicyPage(Schema):
    items: list[PolicyOut]
    next_cursor: str | None


class PresetsInstalled(Schema):
    created: list[PolicyOut]


# -- actions -------------------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    run_on: dt.date
    debtor_id: int
    debtor: str = Field(description="The debtor's number.")
    items: list[str] = Field(description="Numbers of the items the action lists.")
    stage: str
    channel: str
    tone: str
    currency: str
    status: ActionStatus
    needs_approval: bool
    open_amount: str
    interest: str
    fees: str
    flat_compensation: str
    note: str
    item_details: list[dict[str, Any]]
    explanation: dict[str, Any]
    rule_text: str
    channel_reasons: list[dict[str, str]]


class ActionPage(Schema):
    items: list[ActionOut]
    next_cursor: str | None


class ActionFilters(PageParams):
    date: Day | None = Field(None, description="The cycle's day.")
    status: ActionStatus | None = None
    stage: text(40) | None = Field(None, description="A stage key, e.g. final_notice.")
    channel: StageChannel | None = None
    debtor_id: Id | None = None


class ActionSkip(StrictIn):
    note: text(2000, required=True) = Field(description="Why the action is skipped.")


class ActionChange(StrictIn):
    channel: Literal[tuple(c for c in StageChannel.values if c != StageChannel.PREFERRED)] = optional()
    tone: Tone = optional()


class ActionsApprove(StrictIn):
    ids: list[Id] = Field(min_length=1, max_length=500)


class ActionsApproved(Schema):
    approved: list[int]


# -- holds ---------------------------------------------------------------------------------


class HoldOut(Schema):
    id: int
    debtor_id: int
    debtor_number: str
    invoice_id: int | None
    invoice_number: str | None
    reason: HoldReason
    note: str
    starts_on: dt.date
    ends_on: dt.date | None
    ended_at: dt.datetime | None
    is_active: bool = Field(description="Active today.")
    created_at: dt.datetime


class HoldCreate(StrictIn):
    debtor_id: Id | None = None
    debtor_number: text(64, required=True) | None = None
    invoice_id: Id | None = Field(None, description="Hold one item of the debtor only.")
    reason: HoldReason
    starts_on: Day = optional(description="Defaults to today.")
    ends_on: Day | None = Field(None, description="Last day held; open-ended when null.")
    note: text(2000) = ""


class HoldEnd(Schema):
    outcome: Literal["", "resolved"] = Field(
        "", description='"resolved" for a dispute settled with the claim standing: dunning starts over.'
    )


class HoldFilters(PageParams):
    debtor: Id | None = Field(None, description="A debtor's id.")
    active: bool | None = Field(None, description="Active today (true) or not (false).")
    reason: HoldReason | None = None


class HoldPage(Schema):
    items: list[HoldOut]
    next_cursor: str | None


# -- cycle and simulation ------------------------------------------------------------------


class CycleQuery(Schema):
    date: Day | None = Field(None, description="The day to run for; defaults to today.")
    dry_run: bool = Field(False, description="Decide and answer, write nothing.")


class CycleOut(Schema):
    date: dt.date
    debtors_considered: int
    actions: int
    by_stage: dict[str, int]
    by_channel: dict[str, int]
    held: dict[str, int]
    awaiting_approval: int
    refused_by_law: int
    elapsed_s: float
    dry_run: bool


class DebtorPolicyIn(StrictIn):
    policy_id: Id | None = Field(
        description="A policy of the creditor for this debtor alone; null removes the override."
    )


class DebtorPolicyOut(Schema):
    debtor_id: int
    policy_id: int | None = Field(description="The policy the daily cycle applies; null: none applies.")
    policy_name: str | None
    source: Literal["debtor_override", "assignment", "default"] | None = Field(
        description="Why: the debtor's override, else the most specific assignment, else the default policy."
    )


class SimulationQuery(Schema):
    date: Day | None = Field(None, description="The day to simulate; defaults to today.")
    policy: Id | None = Field(None, description="Try this policy instead of the debtor's own.")


class SimulationOut(Schema):
    date: dt.date
    business_day: bool
    debtor: dict[str, Any]
    policy: dict[str, Any] | None
    actions: list[dict[str, Any]] = Field(description="What the cycle would write, as GET /actions shows it.")
    items: list[dict[str, Any]] = Field(
        description="Each open item (and each paid item that was dunned): current stage, next stage and the day "
        "it is due, and the reason code that lets it advance or stops it."
    )
    holds: list[dict[str, Any]]
    thresholds: dict[str, Any]
    summary: dict[str, Any]
