"""The payment-plan queue: proposals outside the creditor's rules wait here for a person,
who approves (the plan starts, its items held) or declines (with a note; dunning goes on).

Thin: one selector to list, one service to decide (``dunning.arrangement_holds``, which
also places or ends the holds). Deciding needs the ``approve`` permission.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.arrangements.errors import ArrangementInvalid
from tact.arrangements.models import PaymentPlan, PlanStatus, SepaMandate
from tact.arrangements.plans import plan_rules_for, plans_awaiting_decision
from tact.arrangements.rules import plan_rules_save
from tact.arrangements.selectors import mandates_list
from tact.arrangements.sepa import SepaInvalid, mandate_revoke
from tact.dunning.arrangement_holds import plan_decide_held
from tact.tenancy.models import may

from .plan_forms import PlanRulesForm
from .views import _today, member_required, require


def _labels() -> dict[str, str]:
    return {
        "instalment_below_minimum": _("an instalment below the minimum"),
        "months_above_maximum": _("more months than allowed"),
        "amount_above_maximum": _("more than the maximum amount"),
        "first_date_too_far": _("first instalment too far ahead"),
        "earlier_plan_defaulted": _("an earlier plan defaulted"),
    }


@require_GET
@member_required
def plans_queue(request):
    labels = _labels()
    rows = [
        {"plan": plan, "reasons": [labels.get(r, r) for r in plan.review_reasons],
         "items": [i.invoice for i in plan.items.all()], "instalments": list(plan.instalments.all())}
        for plan in plans_awaiting_decision(creditor=request.creditor)
    ]  # fmt: skip
    return render(
        request, "workbench/plans/queue.html",
        {"rows": rows, "may_approve": may(request.membership.role, "approve"),
         "may_edit_rules": may(request.membership.role, "manage_policies")},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@member_required
def plan_rules(request):
    """The creditor's rules for plans agreed at once, reminders, default and SEPA."""
    require(request, "manage_policies")
    form = PlanRulesForm(request.POST or None, instance=plan_rules_for(creditor=request.creditor))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            plan_rules_save(creditor=request.creditor, by=request.user, **values)
        except ArrangementInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Plan rules saved."))
            return redirect("workbench:plans_queue")
    return render(request, "workbench/plans/rules.html", {"form": form})


@require_POST
@member_required
def plan_decide(request, plan_id: int):
    require(request, "approve")
    plan = get_object_or_404(PaymentPlan, pk=plan_id, status=PlanStatus.PROPOSED)
    approve = request.POST.get("decision") == "approve"
    try:
        plan_decide_held(
            plan=plan, approve=approve, today=_today(request), note=request.POST.get("note", "")[:2000],
            by=request.user,
        )  # fmt: skip
    except ArrangementInvalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (
                _("Payment plan of %(debtor)s agreed.")
                if approve
                else _("Payment plan of %(debtor)s declined.")
            )
            % {"debtor": plan.debtor.name},
        )
    return redirect("workbench:plans_queue")


@require_GET
@member_required
def mandates(request):
    """The SEPA Direct Debit mandates debtors signed for their plans, with a way to revoke one."""
    return render(
        request, "workbench/plans/mandates.html",
        {"mandates": mandates_list(), "may_revoke": may(request.membership.role, "approve")},
    )  # fmt: skip


@require_POST
@member_required
def mandate_revoke_view(request, mandate_id: int):
    require(request, "approve")
    mandate = get_object_or_404(SepaMandate.objects.select_related("plan__debtor"), pk=mandate_id)
    try:
        mandate_revoke(
            mandate=mandate, now=timezone.now(), by=request.user, note=request.POST.get("note", "")
        )
    except SepaInvalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Mandate %(reference)s of %(debtor)s revoked: no instalment is collected under it any more.")
            % {"reference": mandate.reference, "debtor": mandate.plan.debtor.name},
        )
    return redirect("workbench:mandates")
