"""The policy editor: the policies, the presets, a policy's stages (saved with the law
check, a refusal shown next to its field), assignments and the simulation of a debtor.

Editing needs ``manage_policies`` (credit managers and admins); everyone may look.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.dunning import selectors as dunning
from tact.dunning import services as dunning_services
from tact.dunning.errors import ChargeForbidden, PolicyInvalid
from tact.dunning.models import HoldReason, Policy, PolicyAssignment, Stage
from tact.dunning.policies import stage_spec_of
from tact.dunning.presets import PRESETS
from tact.ledger.models import Debtor
from tact.tenancy.models import may

from .dunning_display import (
    COUNTRY_LABELS,
    KIND_LABELS,
    TONE_LABELS,
    channel_label,
    explain_listing,
    parse_date,
)
from .dunning_forms import (
    AssignmentForm,
    PolicySettingsForm,
    SimulationForm,
    StageForm,
    StageFormSet,
)
from .dunning_views import creditor_today
from .views import member_required, require

# The law's refusal codes (law.checks) in the user's language, for the policy editor.
REFUSAL_TEXT = {
    "before_default": gettext_lazy("nothing may be charged before the debtor is in default."),
    "business_only": gettext_lazy("flat compensation is owed only by business debtors, never by a consumer."),
    "first_reminder_free": gettext_lazy("the first reminder must be free of charge."),
    "no_fourteen_day_letter": gettext_lazy(
        "collection costs only after a 14-day letter that stated their amount (an earlier stage must state the costs)."
    ),
    "not_agreed": gettext_lazy(
        "only if the contract provides for it (tick “Our terms provide for damages and interest”)."
    ),
    "before_waiting_period": gettext_lazy(
        "not before the waiting period of the previous reminder has ended."
    ),
    "above_cap": gettext_lazy("the amount is above what the law allows."),
    "not_cumulative": gettext_lazy(
        "collection costs and flat compensation together exceed what the law allows."
    ),
}


@require_GET
@member_required
def policies(request: HttpRequest) -> HttpResponse:
    listed = sorted(dunning.policies_list(), key=lambda p: (not p["is_default"], p["name"]))
    for p in listed:
        for stage in p["stages"]:
            stage["channel_labels"] = [channel_label(c) for c in stage["channels"]]
            stage["tone_label"] = TONE_LABELS.get(stage["tone"], stage["tone"])
    have = {p["preset"] for p in listed}
    context = {
        "policies": listed,
        "missing_presets": [p["name"] for key, p in PRESETS.items() if key not in have],
        "may_manage": may(request.membership.role, "manage_policies"),
        "countries": COUNTRY_LABELS,
        "kinds": KIND_LABELS,
    }
    return render(request, "workbench/dunning/policies.html", context)


@require_POST
@member_required
def presets_install(request: HttpRequest) -> HttpResponse:
    require(request, "manage_policies")
    try:
        created = dunning_services.policy_presets_install(creditor=request.creditor, actor=request.user)
    except PolicyInvalid as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(
                request, _("Installed: %(names)s.") % {"names": ", ".join(p.name for p in created)}
            )
        else:
            messages.info(request, _("All presets are installed already."))
    return redirect("workbench:dunning_policies")


def _stage_formset(policy: Policy, data=None) -> StageFormSet:
    stages = Stage.objects.filter(policy=policy).order_by("position")
    initial = [StageForm.initial_of(stage_spec_of(s), (n + 1) * 10) for n, s in enumerate(stages)]
    return StageFormSet(data, initial=initial, prefix="stages")


def _place_policy_error(formset: StageFormSet, exc: PolicyInvalid) -> None:
    """Show a refused stage next to its field (a stage marked for deletion too); what has
    no stage goes above the stages."""
    message = _policy_message(exc)
    for form in formset.forms:
        key = (getattr(form, "cleaned_data", None) or {}).get("key")
        if exc.stage is None or key != exc.stage:
            continue
        if exc.field in form.fields:
            form.add_error(exc.field, message)
        elif exc.field in ("channels", "consumer_channels"):
            form.add_error(f"{'channel' if exc.field == 'channels' else 'consumer_channel'}_0", message)
        else:
            form.add_error(None, message)
        return
    formset._non_form_errors = formset.error_class([message])


def _policy_message(exc: PolicyInvalid) -> str:
    if isinstance(exc, ChargeForbidden):
        facts = exc.facts
        reason = REFUSAL_TEXT.get(facts.get("refusal"))
        where = _("%(kind)s debtors in %(country)s") % {
            "kind": KIND_LABELS.get(facts.get("kind"), facts.get("kind")),
            "country": COUNTRY_LABELS.get(facts.get("country"), facts.get("country")),
        }
        if reason:
            return _("The law forbids this charge for %(where)s: %(reason)s") % {
                "where": where,
                "reason": reason,
            }
        return _("The law forbids this charge for %(where)s: %(reason)s") % {
            "where": where,
            "reason": exc.message.split(": ", 2)[-1],
        }
    return exc.message


def _policy_page(request: HttpRequest, policy: Policy, *, formset=None, settings_form=None,
                 assign_form=None, sim_form=None, simulation=None, status: int = 200) -> HttpResponse:  # fmt: skip
    assignments = list(PolicyAssignment.objects.filter(policy=policy))
    today = creditor_today(request)
    context = {
        "policy": policy,
        "formset": formset or _stage_formset(policy),
        "settings_form": settings_form
        or PolicySettingsForm(initial={"contract_clause": policy.contract_clause}),
        "assignments": assignments,
        "assign_form": assign_form or AssignmentForm(),
        "sim_form": sim_form or SimulationForm(initial={"on": today, "under": "this"}),
        "simulation": simulation,
        "may_manage": may(request.membership.role, "manage_policies"),
        "countries": COUNTRY_LABELS,
        "kinds": KIND_LABELS,
        "sim_debtors": Debtor.objects.order_by("number").values_list("number", "name")[:500],
    }
    return render(request, "workbench/dunning/policy.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    """A policy's stages; saving checks order and the law for every debtor it serves."""
    policy = get_object_or_404(Policy, pk=policy_id)
    if request.method == "GET":
        return _policy_page(request, policy)
    require(request, "manage_policies")
    formset = _stage_formset(policy, request.POST)
    settings_form = PolicySettingsForm(request.POST)
    if formset.is_valid() and settings_form.is_valid():
        pairs = formset.ordered_specs()
        try:
            dunning_services.policy_stages_update(
                policy=policy,
                stages=[spec for _form, spec in pairs],
                contract_clause=settings_form.cleaned_data["contract_clause"],
                actor=request.user,
            )
        except PolicyInvalid as exc:
            _place_policy_error(formset, exc)
        else:
            messages.success(request, _("The policy “%(name)s” was saved.") % {"name": policy.name})
            return redirect("workbench:dunning_policy", policy_id=policy.pk)
    return _policy_page(request, policy, formset=formset, settings_form=settings_form, status=400)


@require_POST
@member_required
def policy_assign(request: HttpRequest, policy_id: int) -> HttpResponse:
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            dunning_services.policy_assign(policy=policy, actor=request.user, **form.cleaned_data)
        except PolicyInvalid as exc:
            name = exc.field if exc.field in form.fields else None
            form.add_error(name, _policy_message(exc))
        else:
            messages.success(request, _("The assignment was added."))
            return redirect(f"{reverse('workbench:dunning_policy', args=[policy.pk])}#assignments")
    return _policy_page(request, policy, assign_form=form, status=400)


@require_POST
@member_required
def policy_unassign_view(request: HttpRequest, policy_id: int, assignment_id: int) -> HttpResponse:
    require(request, "manage_policies")
    assignment = get_object_or_404(PolicyAssignment, pk=assignment_id, policy_id=policy_id)
    dunning_services.policy_unassign(assignment=assignment, actor=request.user)
    messages.success(request, _("The assignment was removed."))
    return redirect(f"{reverse('workbench:dunning_policy', args=[policy_id])}#assignments")


# -- simulation ------------------------------------------------------------------------------

SIM_REASONS = {
    "advances": gettext_lazy("The item enters the stage on this day and goes out with the debtor's action."),
    "held": gettext_lazy("A hold stops it: no automated message while the hold is active."),
    "below_threshold": gettext_lazy(
        "The debtor's overdue total in this currency is below the policy's threshold."
    ),
    "unreachable": gettext_lazy("The debtor cannot be reached on any of the stage's channels."),
    "paid": gettext_lazy("The item is paid: it is never dunned again."),
    "not_business_day": gettext_lazy(
        "The day is a weekend or public holiday in the debtor's country; the step goes out on the next business day."
    ),
    "stage_entered_on_or_after": gettext_lazy(
        "The item entered its stage on or after this day; it is not considered again for this day (nothing is sent twice)."
    ),
    "action_exists": gettext_lazy(
        "The debtor has an action in this currency on this day already; the item waits for the next day."
    ),
    "min_days_since_contact": gettext_lazy(
        "The next stage's day has come, but not enough days have passed since the item's last contact."
    ),
    "not_yet_due": gettext_lazy("The next stage's day has not come yet."),
    "last_stage": gettext_lazy(
        "The item is at the last stage of the policy; nothing more follows automatically."
    ),
    "no_policy": gettext_lazy("No policy applies to the debtor."),
    "not_planned": gettext_lazy("The cycle's plan does not list the item for this day."),
}
POLICY_SOURCE_TEXT = {
    "simulated": gettext_lazy("this policy, as simulated"),
    "debtor_override": gettext_lazy("the debtor's own policy"),
    "assignment": gettext_lazy("by assignment"),
    "default": gettext_lazy("the default policy"),
}


def _simulation_view(result: dict[str, Any]) -> dict[str, Any]:
    """The simulation's codes and ISO dates as the template shows them."""
    numbers = {result["debtor"]["number"]}
    debtors = {d.number: d for d in Debtor.objects.filter(number__in=numbers)}
    stages = {(s.policy_id, s.key): s for s in Stage.objects.select_related("policy")}
    items = []
    for item in result["items"]:
        items.append(
            {
                **item,
                "due_on": parse_date(item["due_on"]),
                "reason_label": SIM_REASONS.get(item["reason"], item.get("reason_text", "")),
                "next_on": parse_date((item.get("next_stage") or {}).get("on")),
                "entered_on": parse_date((item.get("current_stage") or {}).get("entered_on")),
                "hold_labels": [str(HoldReason(h["reason"]).label) for h in item.get("holds") or []],
            }
        )
    policy = result.get("policy") or {}
    return {
        "result": result,
        "on": parse_date(result["date"]),
        "items": items,
        "actions": [explain_listing(row, debtors=debtors, stages=stages) for row in result["actions"]],
        "policy_source": POLICY_SOURCE_TEXT.get(policy.get("source"), ""),
        "holds": [{**h, "label": str(HoldReason(h["reason"]).label)} for h in result.get("holds") or []],
    }


@require_GET
@member_required
def policy_simulate(request: HttpRequest, policy_id: int) -> HttpResponse:
    """What would happen to a debtor on a day under this policy (or its own), and why."""
    policy = get_object_or_404(Policy, pk=policy_id)
    form = SimulationForm(request.GET)
    simulation = None
    if form.is_valid():
        debtor = Debtor.objects.filter(number=form.cleaned_data["debtor"].strip()).first()
        if debtor is None:
            form.add_error("debtor", _("No debtor with this number."))
        else:
            from tact.dunning.simulation import debtor_simulate

            under = policy if form.cleaned_data["under"] == "this" else None
            simulation = _simulation_view(
                debtor_simulate(debtor=debtor, on=form.cleaned_data["on"], policy=under)
            )
    if request.htmx:
        return render(
            request, "workbench/dunning/_simulation.html", {"simulation": simulation, "sim_form": form}
        )
    return _policy_page(request, policy, sim_form=form, simulation=simulation)
