"""The dunning pages: today's plan, the approval queue, holds, policies and the law calculators.

Each view parses, calls one selector or service of the dunning or law app, and renders.
They run in the creditor's scope (tenancy middleware): another creditor's id is not found
(404). Approving, running the cycle and editing policies need a credit manager or admin
(``approve``, ``run_cycle``, ``manage_policies``); placing and ending holds needs ``write``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.core import clock
from tact.core.errors import ValidationFailed
from tact.dunning import selectors as dunning
from tact.dunning import services as dunning_services
from tact.dunning.errors import ActionNotChangeable, ChargeForbidden, HoldInvalid, PolicyInvalid
from tact.dunning.models import Action, Hold, HoldReason, Policy, PolicyAssignment, Stage, Tone
from tact.dunning.policies import stage_spec_of
from tact.dunning.policy_edit import policy_stages_update, policy_unassign
from tact.dunning.presets import PRESETS
from tact.law import selectors as law
from tact.law.errors import LawInputError
from tact.ledger.models import Debtor, Invoice
from tact.tenancy.models import may

from .dunning_display import (
    COUNTRY_LABELS,
    KIND_LABELS,
    explain_action,
    explain_listing,
    stage_names_by_policy,
)
from .dunning_forms import (
    SEND_CHANNELS,
    ActionChangeForm,
    ActionSkipForm,
    AssignmentForm,
    BulkApproveForm,
    CycleRunForm,
    FeesForm,
    HoldPlaceForm,
    InterestForm,
    PlanFilterForm,
    PolicySettingsForm,
    SimulationForm,
    StageForm,
    StageFormSet,
)
from .views import member_required, require

PER_PAGE = 50
CARD_CHOICES = {"channels": SEND_CHANNELS, "tones": Tone.choices}
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


def _today(request: HttpRequest) -> date:
    return clock.today(request.creditor.timezone)


def _actions_rows(qs) -> Any:
    return qs.select_related("debtor", "stage", "policy", "decided_by")


# -- today's plan ----------------------------------------------------------------------------


def _stages() -> list[Stage]:
    return list(Stage.objects.order_by("position", "key").only("policy_id", "key", "name", "position"))


def _stage_choices(stages: list[Stage]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for stage in stages:
        seen.setdefault(stage.key, stage.name)
    return list(seen.items())


def _plan_filter(qs, f: dict[str, Any]):
    if f["status"]:
        qs = qs.filter(status=f["status"])
    if f["stage"]:
        qs = qs.filter(stage__key=f["stage"])
    if f["channel"]:
        qs = qs.filter(channel=f["channel"])
    if f["country"]:
        qs = qs.filter(debtor__country=f["country"])
    if f["q"]:
        qs = qs.filter(Q(debtor__name__icontains=f["q"]) | Q(debtor__number__icontains=f["q"]))
    return qs


@require_GET
@member_required
def plan(request: HttpRequest) -> HttpResponse:
    """The actions of a day (today by default) with filters, each with its explanation."""
    today = _today(request)
    stages = _stages()
    data = request.GET.copy()
    data.setdefault("date", today.isoformat())
    form = PlanFilterForm(data, stages=_stage_choices(stages))
    f = form.values(today)
    day = f["day"]
    qs = _plan_filter(Action.objects.filter(run_on=day), f).order_by("debtor__number", "currency")
    page = Paginator(_actions_rows(qs), PER_PAGE).get_page(request.GET.get("page", 1))
    by_status = dict(
        Action.objects.filter(run_on=day)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    context = {
        "form": form,
        "day": day,
        "today": today,
        "page": page,
        "rows": [explain_action(a, stage_names_by_policy(stages)) for a in page],
        "by_status": by_status,
        "total": sum(by_status.values()),
        "run_form": CycleRunForm(initial={"date": day}),
        "filtered": any(f[k] for k in ("status", "stage", "channel", "country", "q")),
    }
    partial = request.htmx and request.htmx.target == "plan-results"
    response = render(
        request, "workbench/dunning/_plan_results.html" if partial else "workbench/dunning/plan.html", context
    )
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_POST
@member_required
def cycle_run(request: HttpRequest) -> HttpResponse:
    """Run the daily cycle for a day: a dry run shows what it would do; a run writes it."""
    require(request, "run_cycle")
    form = CycleRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the date to run the cycle for."))
        return redirect("workbench:dunning_plan")
    day = form.cleaned_data["date"]
    dry_run = form.cleaned_data["dry_run"]
    summary = dunning_services.cycle_run(
        creditor=request.creditor, run_on=day, dry_run=dry_run, actor=request.user
    )
    if not dry_run:
        messages.success(
            request,
            _(
                "The cycle ran for %(day)s: %(actions)s new actions, %(approval)s awaiting approval, "
                "%(held)s items held."
            )
            % {
                "day": day.isoformat(),
                "actions": summary.actions,
                "approval": summary.awaiting_approval,
                "held": sum(summary.held.values()),
            },
        )
        return redirect(f"{reverse('workbench:dunning_plan')}?{urlencode({'date': day.isoformat()})}")
    numbers = {row["debtor"] for row in summary.planned}
    debtors = {d.number: d for d in Debtor.objects.filter(number__in=numbers)}
    stages = {(s.policy_id, s.key): s for s in Stage.objects.select_related("policy")}
    rows = [explain_listing(row, debtors=debtors, stages=stages) for row in summary.planned]
    context = {
        "day": day,
        "summary": summary,
        "held": [(k, v) for k, v in summary.held.items() if v],
        "rows": rows,
        "run_form": CycleRunForm(initial={"date": day}),
    }
    return render(request, "workbench/dunning/preview.html", context)


# -- approval queue --------------------------------------------------------------------------


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    qs = _actions_rows(dunning.approval_queue()).order_by("run_on", "debtor__number", "currency")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page", 1))
    names = stage_names_by_policy(_stages())
    return {"page": page, "rows": [explain_action(a, names) for a in page], **CARD_CHOICES}


@require_GET
@member_required
def approvals(request: HttpRequest) -> HttpResponse:
    context = {**_queue_context(request), "may_approve": may(request.membership.role, "approve")}
    return render(request, "workbench/dunning/approvals.html", context)


def _action_card(
    request: HttpRequest, action: Action, *, error: str = "", status: int = 200, forms=None
) -> HttpResponse:
    action = _actions_rows(Action.objects.filter(pk=action.pk)).get()
    context = {
        "a": explain_action(action, stage_names_by_policy(_stages())),
        "may_approve": may(request.membership.role, "approve"),
        "error": error,
        **CARD_CHOICES,
        **(forms or {}),
    }
    return render(request, "workbench/dunning/_action_card.html", context, status=status)


def _after_decision(request: HttpRequest, action: Action, message: str) -> HttpResponse:
    if request.htmx:
        return _action_card(request, action)
    messages.success(request, message)
    return redirect("workbench:dunning_approvals")


def _refused(request: HttpRequest, action: Action, error: str, forms=None) -> HttpResponse:
    if request.htmx:
        # htmx swaps 200 answers only: the card itself says what went wrong.
        return _action_card(request, action, error=error, forms=forms)
    messages.error(request, error)
    return redirect("workbench:dunning_approvals")


def _open_action(request: HttpRequest, action_id: int) -> Action:
    require(request, "approve")
    return get_object_or_404(Action, pk=action_id)


@require_POST
@member_required
def action_approve(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _open_action(request, action_id)
    try:
        dunning_services.action_approve(action=action, by=request.user)
    except ActionNotChangeable as exc:
        return _refused(request, action, exc.message)
    return _after_decision(request, action, _("Approved: %(debtor)s.") % {"debtor": action.debtor.name})


@require_POST
@member_required
def action_skip(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _open_action(request, action_id)
    form = ActionSkipForm(request.POST)
    if not form.is_valid():
        return _refused(request, action, form.errors["note"][0], forms={"skip_form": form})
    try:
        dunning_services.action_skip(action=action, by=request.user, note=form.cleaned_data["note"])
    except (ActionNotChangeable, HoldInvalid) as exc:
        return _refused(request, action, exc.message)
    return _after_decision(request, action, _("Skipped: %(debtor)s.") % {"debtor": action.debtor.name})


@require_POST
@member_required
def action_change(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _open_action(request, action_id)
    form = ActionChangeForm(request.POST)
    if not form.is_valid():
        return _refused(request, action, _("Choose a channel and a tone."))
    try:
        dunning_services.action_change(
            action=action,
            by=request.user,
            channel=form.cleaned_data["channel"],
            tone=form.cleaned_data["tone"],
        )
    except (ActionNotChangeable, HoldInvalid) as exc:
        return _refused(request, action, exc.message)
    return _after_decision(request, action, _("Changed: %(debtor)s.") % {"debtor": action.debtor.name})


@require_POST
@member_required
def actions_bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the chosen actions, all or none."""
    require(request, "approve")
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one action to approve."))
        return redirect("workbench:dunning_approvals")
    try:
        done = dunning_services.actions_bulk_approve(ids=form.cleaned_data["ids"], by=request.user)
    except ActionNotChangeable as exc:
        messages.error(request, _("Nothing was approved: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("%(n)s actions approved.") % {"n": len(done)})
    return redirect("workbench:dunning_approvals")


# -- holds -----------------------------------------------------------------------------------


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def holds_panel_context(
    request: HttpRequest,
    *,
    debtor: Debtor,
    item: Invoice | None = None,
    items: list[Invoice] | None = None,
    form: HoldPlaceForm | None = None,
) -> dict[str, Any]:
    """What the holds panel of a debtor or item page shows: its holds (active first) and the
    form to place one, on the debtor or on one of ``items`` (the page's open items; read
    when not given). One query when the page gives its items."""
    today = _today(request)
    holds = Hold.objects.filter(debtor=debtor).select_related("invoice", "created_by").order_by("-id")
    if item is not None:
        holds = holds.filter(Q(invoice__isnull=True) | Q(invoice=item))
        choices = [(item.pk, item.number)]
    elif items is not None:
        choices = [(i.pk, i.number) for i in items if i.open_amount > 0]
    else:
        choices = list(
            Invoice.objects.filter(debtor=debtor, open_amount__gt=0)
            .order_by("due_on", "number")
            .values_list("pk", "number")[:200]
        )
    rows = list(holds[:100])
    for hold in rows:
        hold.is_active = (
            hold.ended_at is None
            and hold.starts_on <= today
            and (hold.ends_on is None or today <= hold.ends_on)
        )
        hold.is_future = hold.ended_at is None and hold.starts_on > today
    rows.sort(key=lambda h: (not (h.is_active or h.is_future), -h.pk))
    if form is None:
        form = HoldPlaceForm(
            items=choices, initial={"starts_on": today, "target": str(item.pk) if item else ""}
        )
    return {
        "debtor": debtor,
        "hold_item": item,
        "holds": rows,
        "hold_form": form,
        "may_write": may(request.membership.role, "write"),
        "next_url": request.get_full_path() if request.method == "GET" else request.POST.get("next", ""),
    }


def _holds_answer(request: HttpRequest, debtor: Debtor, item: Invoice | None, form=None) -> HttpResponse:
    context = holds_panel_context(request, debtor=debtor, item=item, form=form)
    return render(request, "workbench/dunning/_holds.html", context)


@require_POST
@member_required
def hold_place(request: HttpRequest, debtor_id: int) -> HttpResponse:
    require(request, "write")
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    page_item = None
    if request.POST.get("page_item"):
        page_item = get_object_or_404(Invoice, pk=request.POST["page_item"], debtor=debtor)
    # The item chosen must be one of this debtor's; anything else is not a choice.
    target = request.POST.get("target", "")
    chosen = Invoice.objects.filter(debtor=debtor, pk=target).first() if target.isdigit() else None
    items = [(chosen.pk, chosen.number)] if chosen else []
    form = HoldPlaceForm(request.POST, items=items)
    fallback = reverse("workbench:debtor", args=[debtor.pk])
    if form.is_valid():
        data = form.cleaned_data
        invoice = chosen if data["target"] else None
        try:
            dunning_services.hold_place(
                debtor=debtor, invoice=invoice, reason=data["reason"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], note=data["note"], by=request.user,
            )  # fmt: skip
        except HoldInvalid as exc:
            form.add_error(
                exc.facts.get("field") if exc.facts.get("field") in form.fields else None, exc.message
            )
        else:
            if request.htmx:
                return _holds_answer(request, debtor, page_item)
            messages.success(request, _("The hold was placed."))
            return redirect(_back(request, fallback))
    if request.htmx:
        return _holds_answer(request, debtor, page_item, form=form)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("The hold was not placed: %(errors)s") % {"errors": errors})
    return redirect(_back(request, fallback))


@require_POST
@member_required
def hold_end(request: HttpRequest, hold_id: int) -> HttpResponse:
    require(request, "write")
    hold = get_object_or_404(Hold.objects.select_related("debtor"), pk=hold_id)
    dunning_services.hold_end(hold=hold, today=_today(request), by=request.user)
    if request.htmx:
        page_item = None
        if request.POST.get("page_item"):
            page_item = get_object_or_404(Invoice, pk=request.POST["page_item"], debtor=hold.debtor)
        return _holds_answer(request, hold.debtor, page_item)
    messages.success(request, _("The hold was ended."))
    return redirect(_back(request, reverse("workbench:debtor", args=[hold.debtor_id])))


# -- policies --------------------------------------------------------------------------------


@require_GET
@member_required
def policies(request: HttpRequest) -> HttpResponse:
    listed = dunning.policies_list()
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
    today = _today(request)
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
            policy_stages_update(
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
    policy_unassign(assignment=assignment, actor=request.user)
    messages.success(request, _("The assignment was removed."))
    return redirect(f"{reverse('workbench:dunning_policy', args=[policy_id])}#assignments")


# -- law calculators -------------------------------------------------------------------------


def _calculate(form, compute) -> Any:
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return compute(form.cleaned_data)
    except LawInputError as exc:
        name = {"from": "start", "to": "end"}.get(exc.field, exc.field)
        form.add_error(name if name in form.fields else None, exc.message)
    except ValidationFailed as exc:
        form.add_error(None, exc.message)
    return None


@require_GET
@member_required
def law_page(request: HttpRequest) -> HttpResponse:
    """Interest and fee calculators and the rate tables, all from the law app."""
    today = _today(request)
    which = request.GET.get("calc")
    interest_form = InterestForm(request.GET if which == "interest" else None, initial={
        "country": request.creditor.country, "kind": "b2b", "end": today,
    })  # fmt: skip
    fees_form = FeesForm(
        request.GET if which == "fees" else None, initial={"country": request.creditor.country, "kind": "b2c"}
    )
    interest = _calculate(
        interest_form,
        lambda d: law.interest_for(
            country=d["country"], kind=d["kind"], principal=d["principal"], start=d["start"], end=d["end"]
        ),
    )
    fees = _calculate(
        fees_form, lambda d: law.fees_for(country=d["country"], kind=d["kind"], principal=d["principal"])
    )
    rates = law.rates_list()
    series: dict[str, dict[str, Any]] = {}
    for row in rates:
        entry = series.setdefault(row.series, {"series": law.SERIES[row.series], "rows": []})
        entry["rows"].append(row)
    for entry in series.values():
        entry["rows"].reverse()  # the latest first
    context = {
        "interest_form": interest_form,
        "fees_form": fees_form,
        "interest": interest,
        "fees": fees,
        "series": list(series.values()),
        "today": today,
    }
    return render(request, "workbench/dunning/law.html", context)


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
    from .dunning_display import _date

    numbers = {result["debtor"]["number"]}
    debtors = {d.number: d for d in Debtor.objects.filter(number__in=numbers)}
    stages = {(s.policy_id, s.key): s for s in Stage.objects.select_related("policy")}
    items = []
    for item in result["items"]:
        items.append(
            {
                **item,
                "due_on": _date(item["due_on"]),
                "reason_label": SIM_REASONS.get(item["reason"], item.get("reason_text", "")),
                "next_on": _date((item.get("next_stage") or {}).get("on")),
                "entered_on": _date((item.get("current_stage") or {}).get("entered_on")),
                "hold_labels": [str(HoldReason(h["reason"]).label) for h in item.get("holds") or []],
            }
        )
    policy = result.get("policy") or {}
    return {
        "result": result,
        "on": _date(result["date"]),
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
