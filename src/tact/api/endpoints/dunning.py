"""Dunning: policies, the day's actions and their approval, holds, the cycle, the simulation.

Thin callers of the dunning services and selectors. Roles: reading needs a token; placing
and ending holds needs ``write``; approving, skipping and changing actions ``approve``;
running the cycle ``run_cycle``; creating, changing, copying and deleting policies
``manage_policies``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tact.dunning.errors import ActionNotChangeable
from tact.dunning.models import Action, ActionStatus, Hold, Policy, PolicyAssignment, Stage
from tact.dunning.selectors import (
    action_as_dict,
    actions_filtered,
    debtor_policy,
    debtor_simulate,
    stage_spec_of,
)
from tact.dunning.services import (
    action_approve,
    action_change,
    action_skip,
    actions_bulk_approve,
    cycle_run,
    hold_end,
    hold_place,
    policy_assign,
    policy_create,
    policy_delete,
    policy_override,
    policy_presets_install,
    policy_start,
    policy_unassign,
    policy_update,
)
from tact.ledger.models import Debtor, Invoice

from ..auth import actor_of
from ..common import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, InvalidReference, debtor_ref, get_or_404, require
from ..dunning_schemas import (
    ActionChange,
    ActionFilters,
    ActionOut,
    ActionPage,
    ActionsApprove,
    ActionsApproved,
    ActionSkip,
    AssignmentIn,
    CycleOut,
    CycleQuery,
    DebtorPolicyIn,
    DebtorPolicyOut,
    HoldCreate,
    HoldEnd,
    HoldFilters,
    HoldOut,
    HoldPage,
    PolicyCopy,
    PolicyCreate,
    PolicyOut,
    PolicyPage,
    PolicyPatch,
    PresetKey,
    PresetsInstalled,
    SimulationOut,
    SimulationQuery,
)
from ..fields import Id, display_amount
from ..pagination import BY_ID, paginate
from ..schemas import PageParams

policies_router = Router(tags=["policies"])
actions_router = Router(tags=["actions"])
holds_router = Router(tags=["holds"])
cycle_router = Router(tags=["cycle"])
simulation_router = Router(tags=["debtors"])


# -- policies ------------------------------------------------------------------------------


def _policies() -> QuerySet[Policy]:
    return Policy.objects.prefetch_related(
        "thresholds",
        Prefetch("stages", queryset=Stage.objects.order_by("position")),
        Prefetch("assignments", queryset=PolicyAssignment.objects.order_by("id")),
    )


def _policy_out(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "preset": policy.preset,
        "description": policy.description,
        "is_default": policy.is_default,
        "contract_clause": policy.contract_clause,
        "thresholds": {
            t.currency: format(display_amount(t.minimum_amount, t.currency), "f")
            for t in policy.thresholds.all()
        },
        "assignments": [
            {"id": a.pk, "segment": a.segment, "country": a.country, "debtor_kind": a.debtor_kind}
            for a in policy.assignments.all()
        ],
        "stages": [vars(stage_spec_of(s)) for s in policy.stages.all()],
        "created_at": policy.created_at,
        "updated_at": policy.updated_at,
    }


def _policy(policy_id: int) -> Policy:
    return get_or_404(_policies(), kind="Policy", pk=policy_id)


@policies_router.get("", response={200: PolicyPage, **LIST_ERRORS}, summary="List policies")
def list_policies(request: HttpRequest, filters: Query[PageParams]):
    """The creditor's dunning policies with their stages, thresholds and assignments."""
    rows, next_cursor = paginate(_policies(), ordering=BY_ID, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_policy_out(p) for p in rows], "next_cursor": next_cursor}


@policies_router.post("", response={201: PolicyOut, **WRITE_ERRORS}, summary="Create a policy")
def create_policy(request: HttpRequest, payload: PolicyCreate):
    """Validated as the policy editor validates: stages in increasing order of offset, no
    shared offset or key, and no charge the law forbids for the countries and debtor kinds
    the policy serves (all of them for a default policy). A refusal is a 422 naming the field."""
    require(request, "manage_policies")
    policy = policy_create(
        creditor=request.auth.creditor,
        name=payload.name,
        description=payload.description,
        stages=[stage.model_dump() for stage in payload.stages],
        thresholds={currency: str(amount) for currency, amount in payload.thresholds.items()},
        is_default=payload.is_default,
        contract_clause=payload.contract_clause,
        actor=actor_of(request),
    )
    return Status(201, _policy_out(_policy(policy.pk)))


@policies_router.post(
    "/presets", response={200: PresetsInstalled, **WRITE_ERRORS}, summary="Install the presets"
)
def install_presets(request: HttpRequest):
    """Create the shipped policies (customer-centric, classic three-step, B2C web shop NL/BE)
    the creditor does not have yet; answers the ones created (none on a repeat)."""
    require(request, "manage_policies")
    created = policy_presets_install(creditor=request.auth.creditor, actor=actor_of(request))
    return {
        "created": [_policy_out(p) for p in _policies().filter(pk__in=[p.pk for p in created]).order_by("id")]
    }


@policies_router.get("/{policy_id}", response={200: PolicyOut, **READ_ERRORS}, summary="Get a policy")
def get_policy(request: HttpRequest, policy_id: Path[Id]):
    return _policy_out(_policy(policy_id))


@policies_router.patch("/{policy_id}", response={200: PolicyOut, **WRITE_ERRORS}, summary="Change a policy")
def update_policy(request: HttpRequest, policy_id: Path[Id], payload: PolicyPatch):
    """Change the name, description, thresholds, stages, contract clause or make it the
    default — only what is sent, all or nothing. Stages are matched by key (a kept key keeps
    its stage and history) and checked against the law of every debtor the policy serves;
    a new default against the law of every country and kind."""
    require(request, "manage_policies")
    policy = _policy(policy_id)
    sent = payload.model_fields_set
    policy_update(
        policy=policy,
        name=payload.name if "name" in sent else None,
        description=payload.description if "description" in sent else None,
        thresholds=(
            {currency: str(amount) for currency, amount in payload.thresholds.items()}
            if "thresholds" in sent
            else None
        ),
        stages=[stage.model_dump() for stage in payload.stages] if "stages" in sent else None,
        contract_clause=payload.contract_clause if "contract_clause" in sent else None,
        is_default=payload.is_default if "is_default" in sent else None,
        actor=actor_of(request),
    )
    return _policy_out(_policy(policy.pk))


@policies_router.delete("/{policy_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a policy")
def delete_policy(request: HttpRequest, policy_id: Path[Id]):
    """Only a policy nobody uses: a 409 ``policy_in_use`` says why not (``facts.reason``:
    ``default``, ``assigned``, ``overridden`` — a debtor's own policy — or ``used`` by the
    cycle, whose actions and stage history must stay readable)."""
    require(request, "manage_policies")
    policy_delete(policy=_policy(policy_id), actor=actor_of(request))
    return Status(204, None)


@policies_router.post("/{policy_id}/copy", response={201: PolicyOut, **WRITE_ERRORS}, summary="Copy a policy")
def copy_policy(request: HttpRequest, policy_id: Path[Id], payload: PolicyCopy):
    """A new policy with this one's description, stages, thresholds and contract clause,
    under a new name; it is not the default and serves nobody until assigned."""
    require(request, "manage_policies")
    policy = policy_start(
        creditor=request.auth.creditor, name=payload.name, copy_of=_policy(policy_id), actor=actor_of(request)
    )
    return Status(201, _policy_out(_policy(policy.pk)))


@policies_router.post(
    "/presets/{preset}/copy", response={201: PolicyOut, **WRITE_ERRORS}, summary="Copy a preset"
)
def copy_preset(request: HttpRequest, preset: Path[PresetKey], payload: PolicyCopy):
    """A new policy with a shipped preset's description, stages, thresholds and contract
    clause (``customer_centric``, ``classic_three_step``, ``b2c_webshop_nl_be``); it is not
    the default and serves nobody until assigned."""
    require(request, "manage_policies")
    policy = policy_start(
        creditor=request.auth.creditor, name=payload.name, preset=preset, actor=actor_of(request)
    )
    return Status(201, _policy_out(_policy(policy.pk)))


@policies_router.post(
    "/{policy_id}/assignments", response={201: PolicyOut, **WRITE_ERRORS}, summary="Assign a policy"
)
def assign_policy(request: HttpRequest, policy_id: Path[Id], payload: AssignmentIn):
    """Serve debtors of a country, kind and segment (blank: all) with this policy; its
    charges are checked against the law of the new debtors first."""
    require(request, "manage_policies")
    policy = _policy(policy_id)
    policy_assign(policy=policy, actor=actor_of(request), **payload.model_dump())
    return Status(201, _policy_out(_policy(policy.pk)))


@policies_router.delete(
    "/{policy_id}/assignments/{assignment_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Unassign a policy",
)
def unassign_policy(request: HttpRequest, policy_id: Path[Id], assignment_id: Path[Id]):
    """Those debtors fall back to a less specific assignment or the default policy."""
    require(request, "manage_policies")
    assignment = get_or_404(
        PolicyAssignment.objects.select_related("policy"),
        kind="Assignment",
        pk=assignment_id,
        policy_id=policy_id,
    )
    policy_unassign(assignment=assignment, actor=actor_of(request))
    return Status(204, None)


# -- actions -------------------------------------------------------------------------------


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related("debtor", "stage")


def _action_out(action: Action) -> dict[str, Any]:
    return {
        **action_as_dict(action),
        "debtor_id": action.debtor_id,
        "tone": action.tone,
        "needs_approval": action.needs_approval,
        "note": action.note,
    }


def _action(action_id: int) -> Action:
    return get_or_404(_actions(), kind="Action", pk=action_id)


@actions_router.get("", response={200: ActionPage, **LIST_ERRORS}, summary="List actions")
def list_actions(request: HttpRequest, filters: Query[ActionFilters]):
    """The actions the daily cycle planned, as ``tact actions list`` shows them: debtor, items,
    stage, channel, amounts, interest, fees and the explanation. Ordered by id."""
    rows = actions_filtered(
        run_on=filters.date,
        status=filters.status,
        stage=filters.stage,
        channel=filters.channel,
        debtor_id=filters.debtor_id,
    ).select_related("debtor", "stage")
    page, next_cursor = paginate(rows, ordering=BY_ID, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_action_out(a) for a in page], "next_cursor": next_cursor}


@actions_router.post(
    "/approve", response={200: ActionsApproved, **WRITE_ERRORS}, summary="Approve many actions"
)
def approve_actions(request: HttpRequest, payload: ActionsApprove):
    """All or nothing: when any of the ids is unknown or no longer open (sent, skipped,
    approved), none is approved and the 422 problem lists each of them in ``facts.ids``."""
    require(request, "approve")
    wanted = sorted(set(payload.ids))
    open_ids = set(
        Action.objects.filter(
            pk__in=wanted, status__in=[ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL]
        ).values_list("pk", flat=True)
    )
    refused = [pk for pk in wanted if pk not in open_ids]
    if refused:
        raise ActionNotChangeable(
            f"Nothing was approved: action(s) {', '.join(map(str, refused))} cannot be approved "
            "(not found, or not planned or awaiting approval).",
            field="ids",
            problem=f"cannot be approved: {', '.join(map(str, refused))}",
            action=refused[0],
            ids=refused,
            status="not open",
            verb="approved",
        )
    approved = actions_bulk_approve(ids=wanted, by=actor_of(request))
    return {"approved": [a.pk for a in approved]}


@actions_router.get("/{action_id}", response={200: ActionOut, **READ_ERRORS}, summary="Get an action")
def get_action(request: HttpRequest, action_id: Path[Id]):
    return _action_out(_action(action_id))


@actions_router.post(
    "/{action_id}/approve", response={200: ActionOut, **WRITE_ERRORS}, summary="Approve an action"
)
def approve_action(request: HttpRequest, action_id: Path[Id]):
    require(request, "approve")
    action = action_approve(action=_action(action_id), by=actor_of(request))
    return _action_out(_action(action.pk))


@actions_router.post("/{action_id}/skip", response={200: ActionOut, **WRITE_ERRORS}, summary="Skip an action")
def skip_action(request: HttpRequest, action_id: Path[Id], payload: ActionSkip):
    """Stop an action, saying why (``note`` is required); its items stay at their stage."""
    require(request, "approve")
    action = action_skip(action=_action(action_id), by=actor_of(request), note=payload.note)
    return _action_out(_action(action.pk))


@actions_router.post(
    "/{action_id}/change",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Change an action's channel or tone",
)
def change_action(request: HttpRequest, action_id: Path[Id], payload: ActionChange):
    require(request, "approve")
    sent = payload.model_fields_set
    action = action_change(
        action=_action(action_id),
        by=actor_of(request),
        channel=payload.channel if "channel" in sent else None,
        tone=payload.tone if "tone" in sent else None,
    )
    return _action_out(_action(action.pk))


# -- holds ---------------------------------------------------------------------------------


def _holds() -> QuerySet[Hold]:
    return Hold.objects.select_related("debtor", "invoice")


def _active(today: Any) -> Q:
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def _hold_out(hold: Hold, today: Any) -> dict[str, Any]:
    return {
        "id": hold.pk,
        "debtor_id": hold.debtor_id,
        "debtor_number": hold.debtor.number,
        "invoice_id": hold.invoice_id,
        "invoice_number": hold.invoice.number if hold.invoice_id else None,
        "reason": hold.reason,
        "note": hold.note,
        "starts_on": hold.starts_on,
        "ends_on": hold.ends_on,
        "ended_at": hold.ended_at,
        "is_active": hold.starts_on <= today and (hold.ends_on is None or hold.ends_on >= today),
        "created_at": hold.created_at,
    }


def _hold(hold_id: int) -> Hold:
    return get_or_404(_holds(), kind="Hold", pk=hold_id)


@holds_router.get("", response={200: HoldPage, **LIST_ERRORS}, summary="List holds")
def list_holds(request: HttpRequest, filters: Query[HoldFilters]):
    """Holds on debtors and items, newest first by id; ``active`` is judged on today."""
    rows = _holds()
    if filters.debtor:
        rows = rows.filter(debtor_id=filters.debtor)
    if filters.reason:
        rows = rows.filter(reason=filters.reason)
    if filters.active is not None:
        active = _active(request.tact_today)
        rows = rows.filter(active) if filters.active else rows.exclude(active)
    page, next_cursor = paginate(rows, ordering=BY_ID, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_hold_out(h, request.tact_today) for h in page], "next_cursor": next_cursor}


@holds_router.post("", response={201: HoldOut, **WRITE_ERRORS}, summary="Place a hold")
def create_hold(request: HttpRequest, payload: HoldCreate):
    """Stop automatic dunning of a debtor (or of one of its items, ``invoice_id``) from
    ``starts_on`` (default today) through ``ends_on`` (open-ended when null)."""
    debtor = debtor_ref(debtor_id=payload.debtor_id, debtor_number=payload.debtor_number, required=True)
    invoice = None
    if payload.invoice_id is not None:
        invoice = Invoice.objects.filter(pk=payload.invoice_id).first()
        if invoice is None:
            raise InvalidReference(field="invoice_id", problem="no such item.")
    hold = hold_place(
        debtor=debtor,
        invoice=invoice,
        reason=payload.reason,
        starts_on=payload.starts_on or request.tact_today,
        ends_on=payload.ends_on,
        note=payload.note,
        by=actor_of(request),
    )
    return Status(201, _hold_out(_hold(hold.pk), request.tact_today))


@holds_router.post("/{hold_id}/end", response={200: HoldOut, **WRITE_ERRORS}, summary="End a hold")
def end_hold(request: HttpRequest, hold_id: Path[Id], query: Query[HoldEnd]):
    """The hold applied through yesterday: today's cycle may dun again. Ending twice changes
    nothing. ``?outcome=resolved`` (disputes only): the claim stands, so the held items start
    over at the first due stage from tomorrow."""
    hold = hold_end(
        hold=_hold(hold_id), today=request.tact_today, by=actor_of(request), outcome=query.outcome
    )
    return _hold_out(_hold(hold.pk), request.tact_today)


# -- cycle and simulation ------------------------------------------------------------------


@cycle_router.post("/run", response={200: CycleOut, **WRITE_ERRORS}, summary="Run the daily cycle")
def run_cycle(request: HttpRequest, query: Query[CycleQuery]):
    """Run the daily cycle for the token's creditor and a day (default today): the summary of
    ``tact cycle --json``. Running a day twice creates nothing new; ``dry_run`` writes nothing."""
    require(request, "run_cycle")
    summary = cycle_run(
        creditor=request.auth.creditor,
        run_on=query.date or request.tact_today,
        dry_run=query.dry_run,
        actor=actor_of(request),
    )
    return {**summary.as_dict(), "dry_run": summary.dry_run}


@simulation_router.get(
    "/{debtor_id}/simulation", response={200: SimulationOut, **READ_ERRORS}, summary="Simulate a debtor's day"
)
def simulate_debtor(request: HttpRequest, debtor_id: Path[Id], query: Query[SimulationQuery]):
    """What the daily cycle would do to this debtor on ``date`` (default today), and why —
    the planned action(s) with their explanation and, per item, its stage, the next stage with
    the day it is due, and the hold, threshold or rule that stops it. Writes nothing.
    ``policy`` tries another policy of the creditor on the debtor."""
    debtor = get_or_404(Debtor.objects.all(), kind="Debtor", pk=debtor_id)
    policy = (
        None if query.policy is None else get_or_404(Policy.objects.all(), kind="Policy", pk=query.policy)
    )
    return debtor_simulate(debtor=debtor, on=query.date or request.tact_today, policy=policy)


# -- a debtor's policy ---------------------------------------------------------------------


def _debtor_policy_out(debtor: Debtor) -> dict[str, Any]:
    applied = debtor_policy(debtor=debtor)
    return {"debtor_id": debtor.pk, **{k: applied[k] for k in ("policy_id", "policy_name", "source")}}


@simulation_router.get(
    "/{debtor_id}/policy", response={200: DebtorPolicyOut, **READ_ERRORS}, summary="Get a debtor's policy"
)
def get_debtor_policy(request: HttpRequest, debtor_id: Path[Id]):
    """The policy the daily cycle applies to this debtor and why (``source``)."""
    return _debtor_policy_out(get_or_404(Debtor.objects.all(), kind="Debtor", pk=debtor_id))


@simulation_router.put(
    "/{debtor_id}/policy",
    response={200: DebtorPolicyOut, **WRITE_ERRORS},
    summary="Override a debtor's policy",
)
def put_debtor_policy(request: HttpRequest, debtor_id: Path[Id], payload: DebtorPolicyIn):
    """Give this debtor its own policy (``policy_id``), checked against the law of the
    debtor's country and kind; ``null`` removes the override, so the assignments and the
    default policy apply again. Another creditor's policy is a 422 naming ``policy_id``."""
    require(request, "manage_policies")
    debtor = get_or_404(Debtor.objects.all(), kind="Debtor", pk=debtor_id)
    policy = None
    if payload.policy_id is not None:
        policy = Policy.objects.filter(pk=payload.policy_id).first()
        if policy is None:
            raise InvalidReference(field="policy_id", problem="no such policy.")
    policy_override(debtor=debtor, policy=policy, actor=actor_of(request))
    return _debtor_policy_out(debtor)
