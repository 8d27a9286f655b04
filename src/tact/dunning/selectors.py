"""Reads of the dunning app. Other apps import from here and from ``services`` only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from tact.ledger.models import Debtor

from .cycle import CycleSummary
from .listing import RULES, action_listing, channel_reasons
from .models import Action, ActionStatus, Hold, Policy, PolicyAssignment, Stage
from .plan import AssignmentRule, PlanInput
from .policies import StageSpec, policy_scopes, stage_spec_of
from .simulation import _policy_of, debtor_simulate


def actions_for_day(*, run_on: date, status: str | None = None) -> QuerySet[Action]:
    """The actions of the creditor in scope for one day, with their debtor and stage."""
    qs = (
        Action.objects.filter(run_on=run_on)
        .select_related("debtor", "stage")
        .order_by("debtor__number", "channel")
    )
    return qs.filter(status=status) if status else qs


def actions_filtered(
    *,
    run_on: date | None = None,
    status: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    country: str | None = None,
    debtor_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Action]:
    """The actions of the creditor in scope that match every filter given; an empty or
    None filter matches all. ``stage`` is a stage key (every policy's stage of that key),
    ``country`` the debtor's, ``q`` part of the debtor's name or number (any case).
    Unordered: the plan page and the API each order (and paginate) their own way."""
    qs = Action.objects.all()
    if run_on:
        qs = qs.filter(run_on=run_on)
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage__key=stage)
    if channel:
        qs = qs.filter(channel=channel)
    if country:
        qs = qs.filter(debtor__country=country)
    if debtor_id:
        qs = qs.filter(debtor_id=debtor_id)
    if q:
        qs = qs.filter(Q(debtor__name__icontains=q) | Q(debtor__number__icontains=q))
    return qs


def approval_queue() -> QuerySet[Action]:
    return Action.objects.filter(status=ActionStatus.AWAITING_APPROVAL).select_related("debtor", "stage")


def action_as_dict(action: Action) -> dict[str, Any]:
    """An action as ``tact actions list`` prints it (the same shape as a dry run's plan)."""
    return action_listing(
        id=action.pk, run_on=action.run_on, debtor_number=action.debtor.number, stage_key=action.stage.key,
        channel=action.channel, currency=action.currency, status=action.status, open_amount=action.open_amount,
        interest_amount=action.interest_amount, fees_amount=action.fees_amount,
        flat_compensation_amount=action.flat_compensation_amount, items=action.items, explanation=action.explanation,
    )  # fmt: skip


def holds_active(*, debtor: Debtor, on: date) -> QuerySet[Hold]:
    return Hold.objects.filter(debtor=debtor, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def policies_list() -> list[dict[str, Any]]:
    """Every policy of the creditor in scope with its stages, thresholds and assignments."""
    stages: dict[int, list[Stage]] = {}
    for stage in Stage.objects.order_by("policy_id", "position"):
        stages.setdefault(stage.policy_id, []).append(stage)
    assignments: dict[int, list[dict[str, str]]] = {}
    for a in PolicyAssignment.objects.all():
        assignments.setdefault(a.policy_id, []).append(
            {"segment": a.segment, "country": a.country, "debtor_kind": a.debtor_kind}
        )
    return [
        {
            "id": p.pk,
            "name": p.name,
            "preset": p.preset,
            "is_default": p.is_default,
            "contract_clause": p.contract_clause,
            "thresholds": {t.currency: str(t.minimum_amount) for t in p.thresholds.all()},
            "assignments": assignments.get(p.pk, []),
            "stages": [vars(stage_spec_of(s)) for s in stages.get(p.pk, [])],
        }  # fmt: skip
        for p in Policy.objects.prefetch_related("thresholds")
    ]


def debtor_policy(*, debtor: Debtor) -> dict[str, Any]:
    """The policy the daily cycle applies to ``debtor`` and why, resolved by the cycle's own
    SQL expression (the debtor's override, else the most specific assignment, else the
    default): ``{"policy_id", "policy_name", "source": "debtor_override" | "assignment" |
    "default" | None, "policies": [(id, name), …]}`` — ``policies``: all of the creditor's,
    by name, for a choice. Two queries; one when the creditor has no policy yet.
    """
    rows = Policy.objects.order_by("name", "id").values_list(
        "id", "name", "is_default", "assignments__id", "assignments__segment",
        "assignments__country", "assignments__debtor_kind",
    )  # fmt: skip
    names: dict[int, str] = {}
    default_id: int | None = None
    rules: list[AssignmentRule] = []
    for pk, name, is_default, rule_id, segment, country, kind in rows:
        names[pk] = name
        if is_default:
            default_id = pk
        if rule_id is not None:
            rule = PolicyAssignment(segment=segment, country=country, debtor_kind=kind)
            rules.append(AssignmentRule(pk, segment, country, kind, rule.specificity, rule_id))
    policy_id, source = None, None
    if names:
        plan = PlanInput(
            creditor_id=debtor.creditor_id, run_on=date.min, business_countries=(), stages=(),
            assignments=tuple(rules), default_policy_id=default_id, thresholds={}, rolled_from={},
        )  # fmt: skip
        policy_id, source = _policy_of(debtor, plan)
    return {
        "policy_id": policy_id if policy_id in names else None,
        "policy_name": names.get(policy_id) if policy_id is not None else None,
        "source": source if policy_id in names else None,
        "policies": list(names.items()),
    }


__all__ = [
    "RULES",
    "CycleSummary",
    "channel_reasons",
    "StageSpec",
    "action_as_dict",
    "actions_filtered",
    "actions_for_day",
    "approval_queue",
    "holds_active",
    "policies_list",
    "policy_scopes",
    "debtor_policy",
    "debtor_simulate",
    "stage_spec_of",
]
