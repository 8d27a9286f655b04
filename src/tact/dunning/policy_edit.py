"""Editing a saved policy: its name and description, thresholds, stages (law-checked for
every debtor it serves), assignments, which policy is the default; starting a new policy
(one reminder, a copy of a policy or of a preset) and deleting one nobody uses.

Stages are matched by key, so an edited stage keeps its id and the stage history and actions
that point to it. The stage history stores each stage's position (the plan reads "latest"
without a join); when stages are inserted or reordered, those positions follow their stage
in one statement per moved stage — a handful, never one per item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from .errors import PolicyInUse, PolicyInvalid
from .models import Action, DebtorPolicy, Policy, PolicyAssignment, Stage, StageHistory, Threshold
from .policies import (
    ALL_SCOPES,
    StageSpec,
    _check_law,
    _stages_of,
    policy_create,
    policy_scopes,
    policy_validate,
    threshold_check,
)
from .presets import PRESETS, STARTER_STAGES

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


def _name_check(policy: Policy, name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PolicyInvalid(field="name", problem="needs 1 to 100 characters")
    if Policy.objects.filter(creditor_id=policy.creditor_id, name=name).exclude(pk=policy.pk).exists():
        raise PolicyInvalid(
            field="name", problem=f"a policy named {name!r} exists already", rule="name_taken", name=name
        )
    return name


@transaction.atomic
def policy_details_update(
    *, policy: Policy, name: str | None = None, description: str | None = None, actor: Any = None
) -> Policy:
    """Rename a policy or change its description (None: unchanged). The cycle's
    explanations name the policy by its name at the time, so earlier actions keep theirs.

    Raises PolicyInvalid (``name``: empty, too long or taken; ``description``: too long).
    """
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before = {"name": policy.name, "description": policy.description}
    if name is not None:
        policy.name = _name_check(policy, name)
    if description is not None:
        description = description.strip()
        if len(description) > 2000:
            raise PolicyInvalid(field="description", problem="needs at most 2000 characters")
        policy.description = description
    after = {"name": policy.name, "description": policy.description}
    if after != before:
        policy.save(update_fields=["name", "description", "updated_at"])
        audit_record(
            creditor=policy.creditor, actor=actor, action="policy_details_updated", subject=policy,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )  # fmt: skip
    return policy


def _thresholds_write(policy: Policy, wanted: dict[str, Decimal], actor: Any) -> Policy:
    current = {t.currency: t for t in Threshold.objects.filter(policy=policy)}
    before = {c: t.minimum_amount for c, t in current.items()}
    if before == wanted:
        return policy
    Threshold.objects.filter(policy=policy, currency__in=set(current) - set(wanted)).delete()
    changed = [t for c, t in current.items() if c in wanted and t.minimum_amount != wanted[c]]
    for t in changed:
        t.minimum_amount = wanted[t.currency]
    Threshold.objects.bulk_update(changed, ["minimum_amount"])
    Threshold.objects.bulk_create(
        [
            Threshold(creditor_id=policy.creditor_id, policy=policy, currency=c, minimum_amount=a)
            for c, a in wanted.items()
            if c not in current
        ]
    )
    policy.save(update_fields=["updated_at"])
    audit_record(
        creditor=policy.creditor, actor=actor, action="policy_thresholds_updated", subject=policy,
        before={"thresholds": before}, after={"thresholds": wanted},
    )  # fmt: skip
    return policy


@transaction.atomic
def policy_thresholds_replace(*, policy: Policy, thresholds: Mapping[str, Any], actor: Any = None) -> Policy:
    """Make ``thresholds`` ({currency: minimum overdue amount}) the policy's thresholds: a
    currency left out has none (every overdue amount in it is dunned).

    Example: ``{"EUR": "25.00", "CHF": "30.00"}``. Raises PolicyInvalid (``thresholds``,
    with the currency; ``part`` names the currency or the amount as wrong).
    """
    checked = dict(threshold_check(c, a) for c, a in thresholds.items())
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    return _thresholds_write(policy, checked, actor)


@transaction.atomic
def policy_threshold_set(
    *, policy: Policy, currency: str, minimum_amount: Decimal | str | None, actor: Any = None
) -> Policy:
    """Set the minimum overdue amount of one currency (None removes the threshold), the
    others unchanged. Below it, a debtor's overdue items in that currency are not dunned.

    Example: ``currency="EUR", minimum_amount="25.00"``. Raises PolicyInvalid as
    ``policy_thresholds_replace``.
    """
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    wanted = dict(Threshold.objects.filter(policy=policy).values_list("currency", "minimum_amount"))
    if minimum_amount is None:
        wanted.pop(currency, None)
    else:
        currency, amount = threshold_check(currency, minimum_amount)
        wanted[currency] = amount
    return _thresholds_write(policy, wanted, actor)


@transaction.atomic
def policy_default_set(*, policy: Policy, actor: Any = None) -> Policy:
    """Make ``policy`` the creditor's default: it then serves every debtor no assignment or
    override matches, in every country and of either kind, so its charges are checked
    against the law of all of them first. The previous default keeps its assignments.

    Example: the classic three-step policy charges flat compensation, which no consumer
    owes, so making it the default raises ChargeForbidden (``charges_flat_compensation``).
    Raises ChargeForbidden.
    """
    # Locking every policy of the creditor (a handful) serialises two concurrent switches,
    # which would otherwise both pass the one-default constraint's check.
    locked = {
        p.pk: p
        for p in Policy.objects.select_for_update().filter(creditor_id=policy.creditor_id).order_by("pk")
    }
    policy = locked[policy.pk]
    if policy.is_default:
        return policy
    _check_law(_stages_of(policy), ALL_SCOPES, policy.contract_clause)
    previous = next((p for p in locked.values() if p.is_default), None)
    if previous is not None:
        previous.is_default = False
        previous.save(update_fields=["is_default", "updated_at"])
    policy.is_default = True
    policy.save(update_fields=["is_default", "updated_at"])
    audit_record(
        creditor=policy.creditor, actor=actor, action="policy_made_default", subject=policy,
        before={"default": previous.pk if previous else None}, after={"default": policy.pk},
    )  # fmt: skip
    return policy


@transaction.atomic
def policy_start(
    *,
    creditor: Creditor,
    name: str,
    copy_of: Policy | None = None,
    preset: str = "",
    actor: Any = None,
) -> Policy:
    """A new policy, neither default nor assigned: a copy of ``copy_of`` (its description,
    stages, thresholds and contract clause), or of the preset named ``preset``, or else one
    friendly reminder to build on. A copy is the creditor's own: it keeps no preset key,
    so installing the presets again neither skips nor touches it.

    Example: ``policy_start(creditor=c, name="Gentle (wholesale)", copy_of=centric)``.
    Raises PolicyInvalid (``name`` taken or empty; ``preset`` unknown or given with a policy).
    """
    if copy_of is not None and preset:
        raise PolicyInvalid(field="preset", problem="start from a policy or a preset, not both")
    if copy_of is not None:
        source: dict[str, Any] = {
            "description": copy_of.description,
            "stages": _stages_of(copy_of),
            "thresholds": dict(
                Threshold.objects.filter(policy=copy_of).values_list("currency", "minimum_amount")
            ),
            "contract_clause": copy_of.contract_clause,
        }
        origin = {"policy": copy_of.pk}
    elif preset:
        if preset not in PRESETS:
            raise PolicyInvalid(field="preset", problem=f"{preset!r} is not one of {', '.join(PRESETS)}")
        shipped = PRESETS[preset]
        source = {
            "description": shipped["description"],
            "stages": shipped["stages"],
            "thresholds": shipped["thresholds"],
            "contract_clause": shipped.get("contract_clause", False),
        }
        origin = {"preset": preset}
    else:
        source, origin = {"stages": STARTER_STAGES}, {}
    policy = policy_create(creditor=creditor, name=name, actor=actor, **source)
    if origin:
        audit_record(creditor=creditor, actor=actor, action="policy_copied", subject=policy, facts=origin)
    return policy


@transaction.atomic
def policy_delete(*, policy: Policy, actor: Any = None) -> None:
    """Delete a policy nobody uses, with its stages and thresholds.

    Refused (PolicyInUse, with ``reason``) while it is the default, is assigned, is a
    debtor's own policy, or once the cycle has used it: its actions and the stage history
    of items must stay readable.
    """
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    assigned = PolicyAssignment.objects.filter(policy=policy).count()
    overridden = DebtorPolicy.objects.filter(policy=policy).count()
    stage_ids = list(Stage.objects.filter(policy=policy).values_list("pk", flat=True))
    if policy.is_default:
        reason, problem = "default", "it is the default policy; make another policy the default first"
    elif assigned:
        reason, problem = "assigned", f"it is assigned {assigned} time(s); remove its assignments first"
    elif overridden:
        reason, problem = "overridden", f"it is the own policy of {overridden} debtor(s); change theirs first"
    elif (
        Action.objects.filter(policy=policy).exists()
        or StageHistory.objects.filter(stage_id__in=stage_ids).exists()
    ):
        reason, problem = (
            "used",
            "the cycle has dunned with it, and its actions and stage history must stay readable",
        )
    else:
        reason = problem = ""
    if reason:
        raise PolicyInUse(
            name=policy.name, problem=problem, reason=reason, policy=policy.pk,
            assignments=assigned, debtors=overridden,
        )  # fmt: skip
    audit_record(
        creditor=policy.creditor, actor=actor, action="policy_deleted", subject=policy,
        before={
            "name": policy.name, "description": policy.description, "contract_clause": policy.contract_clause,
            "stages": [vars(s) for s in _stages_of(policy)],
            "thresholds": dict(Threshold.objects.filter(policy=policy).values_list("currency", "minimum_amount")),
        },
    )  # fmt: skip
    policy.delete()


@transaction.atomic
def policy_update(
    *,
    policy: Policy,
    name: str | None = None,
    description: str | None = None,
    thresholds: Mapping[str, Any] | None = None,
    stages: Sequence[StageSpec | dict[str, Any]] | None = None,
    contract_clause: bool | None = None,
    is_default: bool | None = None,
    actor: Any = None,
) -> Policy:
    """Change any of a policy's settings at once, all or nothing (None: unchanged). The
    default comes last, so the law check of a new default sees the new stages.

    ``is_default=False`` is refused: a creditor always has a default policy, so make another
    one the default instead. Raises PolicyInvalid, ChargeForbidden.
    """
    if is_default is False and policy.is_default:
        raise PolicyInvalid(
            field="is_default",
            problem="a creditor always has a default policy; make another policy the default",
        )
    if name is not None or description is not None:
        policy_details_update(policy=policy, name=name, description=description, actor=actor)
    if thresholds is not None:
        policy_thresholds_replace(policy=policy, thresholds=thresholds, actor=actor)
    if stages is not None or contract_clause is not None:
        policy_stages_update(
            policy=policy,
            stages=stages if stages is not None else _stages_of(policy),
            contract_clause=contract_clause,
            actor=actor,
        )
    if is_default:
        policy_default_set(policy=policy, actor=actor)
    return Policy.objects.get(pk=policy.pk)


__all__ = [
    "PolicyInUse",
    "PolicyInvalid",
    "policy_default_set",
    "policy_delete",
    "policy_details_update",
    "policy_stages_update",
    "policy_start",
    "policy_threshold_set",
    "policy_thresholds_replace",
    "policy_unassign",
    "policy_update",
]
