"""Reads of the dunning app. Other apps import from here and from ``services`` only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from tact.ledger.models import Debtor

from .cycle import CycleSummary
from .listing import RULES, action_listing, channel_reasons
from .models import Action, ActionStatus, Hold, Policy, PolicyAssignment, Stage
from .policies import StageSpec, policy_scopes, stage_spec_of
from .simulation import debtor_simulate


def actions_for_day(*, run_on: date, status: str | None = None) -> QuerySet[Action]:
    """The actions of the creditor in scope for one day, with their debtor and stage."""
    qs = (
        Action.objects.filter(run_on=run_on)
        .select_related("debtor", "stage")
        .order_by("debtor__number", "channel")
    )
    return qs.filter(status=status) if status else qs


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


__all__ = [
    "RULES",
    "CycleSummary",
    "channel_reasons",
    "StageSpec",
    "action_as_dict",
    "actions_for_day",
    "approval_queue",
    "holds_active",
    "policies_list",
    "policy_scopes",
    "debtor_simulate",
    "stage_spec_of",
]
