"""The dunning pages: today's plan, the approval queue and holds (policies: ``policy_views``;
the law calculators: ``law_views``).

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
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from tact.core import clock
from tact.dunning import selectors as dunning
from tact.dunning import services as dunning_services
from tact.dunning.errors import ActionNotChangeable, HoldInvalid, PolicyInvalid
from tact.dunning.models import Action, Hold, HoldReason, Policy, Stage, Tone
from tact.ledger.models import Debtor, Invoice
from tact.tenancy.models import may

from .dunning_display import (
    explain_action,
    explain_listing,
    stage_names_by_policy,
)
from .dunning_forms import (
    SEND_CHANNELS,
    ActionChangeForm,
    ActionSkipForm,
    BulkApproveForm,
    CycleRunForm,
    DebtorPolicyForm,
    HoldPlaceForm,
    PlanFilterForm,
)
from .views import member_required, require

PER_PAGE = 50
CARD_CHOICES = {"channels": SEND_CHANNELS, "tones": Tone.choices}


def creditor_today(request: HttpRequest) -> date:
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


@require_GET
@member_required
def plan(request: HttpRequest) -> HttpResponse:
    """The actions of a day (today by default) with filters, each with its explanation."""
    today = creditor_today(request)
    stages = _stages()
    data = request.GET.copy()
    data.setdefault("date", today.isoformat())
    form = PlanFilterForm(data, stages=_stage_choices(stages))
    f = form.values(today)
    day = f["day"]
    qs = dunning.actions_filtered(
        run_on=day, status=f["status"], stage=f["stage"], channel=f["channel"], country=f["country"], q=f["q"]
    ).order_by("debtor__number", "currency")
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
        "held": [(HoldReason(k).label, v) for k, v in summary.held.items() if v],
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
    today = creditor_today(request)
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
    dunning_services.hold_end(hold=hold, today=creditor_today(request), by=request.user)
    if request.htmx:
        page_item = None
        if request.POST.get("page_item"):
            page_item = get_object_or_404(Invoice, pk=request.POST["page_item"], debtor=hold.debtor)
        return _holds_answer(request, hold.debtor, page_item)
    messages.success(request, _("The hold was ended."))
    return redirect(_back(request, reverse("workbench:debtor", args=[hold.debtor_id])))


# -- a debtor's policy -----------------------------------------------------------------------

POLICY_SOURCES = {
    "debtor_override": _lazy("Set for this debtor (override)."),
    "assignment": _lazy("Assigned by country, kind or segment."),
    "default": _lazy("The creditor's default policy."),
}


def policy_panel_context(
    request: HttpRequest, *, debtor: Debtor, form: DebtorPolicyForm | None = None
) -> dict[str, Any]:
    """Which policy the cycle applies to the debtor and why, and (for those who manage
    policies) the form to override it. Two queries; one when the creditor has no policy."""
    applied = dunning.debtor_policy(debtor=debtor)
    if form is None:
        override = applied["policy_id"] if applied["source"] == "debtor_override" else None
        form = DebtorPolicyForm(
            policies=applied["policies"], initial={"policy": str(override) if override else ""}
        )
    return {
        "debtor": debtor,
        "applied": applied,
        "policy_reason": POLICY_SOURCES.get(applied["source"] or "", ""),
        "policy_form": form,
        "may_manage_policies": may(request.membership.role, "manage_policies"),
        "next_url": request.get_full_path() if request.method == "GET" else request.POST.get("next", ""),
    }


@require_POST
@member_required
def debtor_policy_set(request: HttpRequest, debtor_id: int) -> HttpResponse:
    """Give the debtor its own policy, or remove the override (blank)."""
    require(request, "manage_policies")
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    policies = list(Policy.objects.order_by("name", "id").only("id", "name"))
    form = DebtorPolicyForm(request.POST, policies=[(p.pk, p.name) for p in policies])
    fallback = reverse("workbench:debtor", args=[debtor.pk])
    if form.is_valid():
        chosen = form.cleaned_data["policy"]
        policy = next((p for p in policies if str(p.pk) == chosen), None) if chosen else None
        try:
            dunning_services.policy_override(debtor=debtor, policy=policy, actor=request.user)
        except PolicyInvalid as exc:
            form.add_error("policy", exc.message)
        else:
            if request.htmx:
                return render(
                    request,
                    "workbench/dunning/_policy_panel.html",
                    policy_panel_context(request, debtor=debtor),
                )
            messages.success(request, _("The debtor's policy was saved."))
            return redirect(_back(request, fallback))
    if request.htmx:
        context = policy_panel_context(request, debtor=debtor, form=form)
        return render(request, "workbench/dunning/_policy_panel.html", context)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("The debtor's policy was not saved: %(errors)s") % {"errors": errors})
    return redirect(_back(request, fallback))
