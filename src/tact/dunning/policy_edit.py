"""Editing a saved policy: its stages (law-checked for every debtor it serves) and assignments.

Stages are matched by key, so an edited stage keeps its id and the stage history and actions
that point to it. The stage history stores each stage's position (the plan reads "latest"
without a join); when stages are inserted or reordered, those positions follow their stage
in one statement per moved stage — a handful, never one per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from django.db import transaction

from tact.audit.services import audit_record

from .errors import PolicyInvalid
from .models import Action, Policy, PolicyAssignment, Stage, StageHistory
from .policies import StageSpec, policy_scopes, policy_validate

SPEC_FIELDS = tuple(f.name for f in fields(StageSpec))
# Positions and offsets are unique per policy: moved stages pass through values no real
# stage can have, so the final values never collide with a stage not yet moved.
PARKED_POSITION, PARKED_OFFSET = 10_000, -1_000_000


@transaction.atomic
def policy_stages_update(
    *,
    policy: Policy,
    stages: Sequence[StageSpec | dict[str, Any]],
    contract_clause: bool | None = None,
    actor: Any = None,
) -> Policy:
    """Replace the stages of ``policy`` with ``stages`` (in this order), checked for
    structure and against the law of every country and debtor kind the policy serves
    (all of them for the default policy). Nothing is written when a check fails.

    A stage whose key is kept is updated in place; a new key creates a stage; a missing key
    deletes its stage, unless an item has entered it or an action used it (then it is
    refused: its history must stay readable).

    Example: raising ``charges_fees`` on the first reminder of a policy that serves Belgian
    consumers raises ChargeForbidden (field ``charges_fees``) with the law's reason.
    Raises PolicyInvalid, ChargeForbidden.
    """
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    clause = policy.contract_clause if contract_clause is None else bool(contract_clause)
    specs = policy_validate(stages=stages, scopes=policy_scopes(policy), contract_clause=clause)
    existing = {s.key: s for s in Stage.objects.filter(policy=policy)}
    before = {"contract_clause": policy.contract_clause, "stages": [_spec_dict(s) for s in existing.values()]}
    wanted = {spec.key for spec in specs}
    removed = [s for key, s in existing.items() if key not in wanted]
    if removed:
        ids = [s.pk for s in removed]
        used = set(StageHistory.objects.filter(stage_id__in=ids).values_list("stage_id", flat=True)[:1])
        used |= set(Action.objects.filter(stage_id__in=ids).values_list("stage_id", flat=True)[:1])
        if used:
            stage = next(s for s in removed if s.pk in used)
            raise PolicyInvalid(
                field="stages",
                problem="items have entered this stage, so it cannot be removed; change it instead",
                stage=stage.key,
            )
        Stage.objects.filter(pk__in=ids).delete()
    kept = [existing[spec.key] for spec in specs if spec.key in existing]
    moved_from = {s.pk: s.position for s in kept}
    for n, stage in enumerate(kept):
        stage.position, stage.offset_days = PARKED_POSITION + n, PARKED_OFFSET - n
    Stage.objects.bulk_update(kept, ["position", "offset_days"])
    created = []
    for position, spec in enumerate(specs):
        stage = existing.get(spec.key)
        if stage is None:
            created.append(
                Stage(creditor_id=policy.creditor_id, policy=policy, position=position, **vars(spec))
            )
            continue
        stage.position = position
        for name in SPEC_FIELDS:
            setattr(stage, name, getattr(spec, name))
    if kept:
        Stage.objects.bulk_update(kept, ["position", *SPEC_FIELDS])
    Stage.objects.bulk_create(created)
    for stage in kept:
        if moved_from[stage.pk] != stage.position:
            StageHistory.objects.filter(stage_id=stage.pk).update(position=stage.position)
    if clause != policy.contract_clause:
        policy.contract_clause = clause
        policy.save(update_fields=["contract_clause", "updated_at"])
    else:
        policy.save(update_fields=["updated_at"])
    audit_record(
        creditor=policy.creditor,
        actor=actor,
        action="policy_updated",
        subject=policy,
        before=before,
        after={"contract_clause": clause, "stages": [vars(spec) for spec in specs]},
    )
    return policy


def _spec_dict(stage: Stage) -> dict[str, Any]:
    return {name: getattr(stage, name) for name in SPEC_FIELDS}


@transaction.atomic
def policy_unassign(*, assignment: PolicyAssignment, actor: Any = None) -> None:
    """Stop serving a segment, country and kind with a policy; those debtors fall back to
    a less specific assignment or the default policy."""
    facts = {
        "country": assignment.country,
        "debtor_kind": assignment.debtor_kind,
        "segment": assignment.segment,
    }
    policy = assignment.policy
    assignment.delete()
    audit_record(
        creditor=policy.creditor, actor=actor, action="policy_unassigned", subject=policy, before=facts
    )


__all__ = ["PolicyInvalid", "policy_stages_update", "policy_unassign"]
