"""The policy editor: the policies, the presets, a new policy (one reminder or a copy), a
policy's name, description and thresholds, its stages (saved with the law check, a refusal
shown next to its field), assignments, the default, deleting it, and the simulation of a
debtor.

Editing needs ``manage_policies`` (credit managers and admins); everyone may look.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.core.templatetags.tact_format import money
from tact.dunning import selectors as dunning
from tact.dunning import services as dunning_services
from tact.dunning.errors import ChargeForbidden, PolicyInUse, PolicyInvalid
from tact.dunning.models import HoldReason, Policy, PolicyAssignment, Stage, Threshold
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
    PolicyDetailsForm,
    PolicySettingsForm,
    PolicyStartForm,
    SimulationForm,
    StageForm,
    StageFormSet,
    ThresholdForm,
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
# The services' rule codes of a refused name or threshold, in the user's language; each
# names the field it is about.
RULE_TEXT = {
    "name_taken": gettext_lazy("Name: a policy named “%(name)s” exists already."),
    "currency": gettext_lazy("Currency: “%(currency)s” is not an ISO 4217 code such as EUR, CHF or GBP."),
    "negative": gettext_lazy("Minimum amount: must be zero or more."),
    "too_large": gettext_lazy("Minimum amount: must be below %(maximum)s."),
    "decimals": gettext_lazy("Minimum amount: %(currency)s has at most %(places)s decimals."),
}


def _start_form(listed: list[dict[str, Any]], data=None, initial=None) -> PolicyStartForm:
    return PolicyStartForm(
        data,
        initial=initial,
        policies=[(p["id"], p["name"]) for p in sorted(listed, key=lambda p: p["name"])],
        presets=[(key, p["name"]) for key, p in PRESETS.items()],
    )


def _policies_page(request: HttpRequest, *, start_form=None, status: int = 200) -> HttpResponse:
    listed = sorted(dunning.policies_list(), key=lambda p: (not p["is_default"], p["name"]))
    for p in listed:
        for stage in p["stages"]:
            stage["channel_labels"] = [channel_label(c) for c in stage["channels"]]
            stage["tone_label"] = TONE_LABELS.get(stage["tone"], stage["tone"])
    have = {p["preset"] for p in listed}
    start = request.GET.get("start", "")
    context = {
        "policies": listed,
        "missing_presets": [p["name"] for key, p in PRESETS.items() if key not in have],
        "may_manage": may(request.membership.role, "manage_policies"),
        "countries": COUNTRY_LABELS,
        "kinds": KIND_LABELS,
        "start_form": start_form or _start_form(listed, initial={"start": start}),
        "start_open": bool(start) or start_form is not None,
    }
    return render(request, "workbench/dunning/policies.html", context, status=status)


@require_GET
@member_required
def policies(request: HttpRequest) -> HttpResponse:
    return _policies_page(request)


@require_POST
@member_required
def policy_new(request: HttpRequest) -> HttpResponse:
    """A new policy: one reminder to build on, or a copy of a policy or a preset."""
    require(request, "manage_policies")
    form = _start_form(dunning.policies_list(), request.POST)
    if form.is_valid():
        copy_id, preset = form.source()
        try:
            policy = dunning_services.policy_start(
                creditor=request.creditor,
                name=form.cleaned_data["name"],
                copy_of=get_object_or_404(Policy, pk=copy_id) if copy_id else None,
                preset=preset,
                actor=request.user,
            )
        except PolicyInvalid as exc:
            form.add_error("name" if exc.field == "name" else "start", _rule_message(exc))
        else:
            messages.success(request, _("The policy “%(name)s” was created.") % {"name": policy.name})
            return redirect("workbench:dunning_policy", policy_id=policy.pk)
    return _policies_page(request, start_form=form, status=400)


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


def _rule_message(exc: PolicyInvalid) -> str:
    text = RULE_TEXT.get(exc.facts.get("rule"))
    return str(text) % exc.facts if text else exc.message


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
                 assign_form=None, sim_form=None, simulation=None, details_form=None, threshold_form=None,
                 status: int = 200) -> HttpResponse:  # fmt: skip
    assignments = list(PolicyAssignment.objects.filter(policy=policy))
    today = creditor_today(request)
    context = {
        "policy": policy,
        "details_form": details_form
        or PolicyDetailsForm(initial={"name": policy.name, "description": policy.description}),
        "thresholds": list(Threshold.objects.filter(policy=policy).order_by("currency")),
        "threshold_form": threshold_form or ThresholdForm(),
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


def _policy_url(policy_id: int, anchor: str) -> str:
    return f"{reverse('workbench:dunning_policy', args=[policy_id])}#{anchor}"


@require_POST
@member_required
def policy_details(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Rename a policy or change its description."""
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    form = PolicyDetailsForm(request.POST)
    if form.is_valid():
        try:
            policy = dunning_services.policy_details_update(
                policy=policy, actor=request.user, **form.cleaned_data
            )
        except PolicyInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _rule_message(exc))
        else:
            messages.success(request, _("The policy “%(name)s” was saved.") % {"name": policy.name})
            return redirect(_policy_url(policy.pk, "details"))
    return _policy_page(request, policy, details_form=form, status=400)


@require_POST
@member_required
def policy_threshold(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Set (or change) the minimum overdue amount of one currency."""
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dunning_services.policy_threshold_set(
                policy=policy,
                currency=data["currency"],
                minimum_amount=data["minimum_amount"],
                actor=request.user,
            )
        except PolicyInvalid as exc:
            form.add_error(
                exc.facts.get("part") if exc.facts.get("part") in form.fields else None, _rule_message(exc)
            )
        else:
            messages.success(
                request,
                _("Threshold saved: no dunning below %(amount)s.")
                % {"amount": money(data["minimum_amount"], data["currency"])},
            )
            return redirect(_policy_url(policy.pk, "thresholds"))
    return _policy_page(request, policy, threshold_form=form, status=400)


@require_POST
@member_required
def policy_threshold_remove(request: HttpRequest, policy_id: int, currency: str) -> HttpResponse:
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    dunning_services.policy_threshold_set(
        policy=policy, currency=currency, minimum_amount=None, actor=request.user
    )
    messages.success(request, _("The %(currency)s threshold was removed.") % {"currency": currency})
    return redirect(_policy_url(policy.pk, "thresholds"))


@require_POST
@member_required
def policy_make_default(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Make a policy the default; it must be lawful for every country and debtor kind."""
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    try:
        dunning_services.policy_default_set(policy=policy, actor=request.user)
    except PolicyInvalid as exc:
        messages.error(
            request,
            _("“%(name)s” cannot be the default: stage “%(stage)s”: %(problem)s")
            % {"name": policy.name, "stage": exc.stage, "problem": _policy_message(exc)},
        )
    else:
        messages.success(
            request,
            _("“%(name)s” is now the default policy: it serves every debtor no assignment matches.")
            % {"name": policy.name},
        )
    return redirect(_policy_url(policy.pk, "details"))


def _in_use_message(exc: PolicyInUse) -> str:
    facts = exc.facts
    name = facts["name"]
    reason = facts["reason"]
    if reason == "default":
        return _("“%(name)s” is the default policy: make another policy the default first.") % {"name": name}
    if reason == "assigned":
        return _("“%(name)s” is assigned to debtors: remove its assignments first.") % {"name": name}
    if reason == "overridden":
        return ngettext(
            "“%(name)s” is the own policy of %(count)s debtor: give that debtor another policy first.",
            "“%(name)s” is the own policy of %(count)s debtors: give them another policy first.",
            facts["debtors"],
        ) % {"name": name, "count": facts["debtors"]}
    return _(
        "The cycle has dunned with “%(name)s”: its actions and stage history must stay readable, "
        "so it cannot be deleted."
    ) % {"name": name}


@require_http_methods(["GET", "POST"])
@member_required
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Ask, then delete a policy nobody uses; a policy in use stays, and the page says why."""
    require(request, "manage_policies")
    policy = get_object_or_404(Policy, pk=policy_id)
    if request.method == "POST":
        try:
            dunning_services.policy_delete(policy=policy, actor=request.user)
        except PolicyInUse as exc:
            messages.error(request, _("Not deleted. %(reason)s") % {"reason": _in_use_message(exc)})
            return redirect(_policy_url(policy.pk, "details"))
        messages.success(request, _("The policy “%(name)s” was deleted.") % {"name": policy.name})
        return redirect("workbench:dunning_policies")
    context = {
        "title": _("Delete the policy “%(name)s”?") % {"name": policy.name},
        "text": _(
            "Its stages and thresholds are deleted with it. A policy that is the default, assigned, "
            "a debtor's own or already used by the cycle is kept."
        ),
        "action": _("Delete"),
        "back": _policy_url(policy.pk, "details"),
    }
    return render(request, "workbench/confirm.html", context)


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
