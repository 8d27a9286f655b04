"""The debtor's payment-plan pages: propose a plan over chosen open items, see it, and sign
a SEPA Direct Debit mandate for it. Thin, like ``views``: the frame (link, rate limit,
scope, language, second factor) is ``views.portal_page``; the rules live in the services.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tact.arrangements.errors import ArrangementInvalid
from tact.arrangements.models import PaymentPlan, PlanStatus
from tact.arrangements.plans import items_in_live_plans, plan_rules_for
from tact.arrangements.selectors import disputes_open_of

from .access import Access
from .pages import portal_today, render_page
from .plan_forms import MandateForm, PlanForm
from .plan_services import portal_mandate_sign, portal_plan_propose
from .selectors import portal_items
from .views import portal_page

FIRST_DATE_SPAN_DAYS = 90  # what the page accepts; later than the creditor's rule, a person decides

PLAN_ERRORS = {
    "items_missing": ("items", lambda: _("Please choose at least one invoice.")),
    "item_in_plan": ("items", lambda: _("An invoice you chose is already in a payment plan.")),
    "item_not_open": ("items", lambda: _("An invoice you chose is no longer open.")),
    "item_currency": ("items", lambda: _("Please choose invoices in one currency.")),
    "count_out_of_range": ("count", lambda: _("Please choose between 2 and 24 instalments.")),
    "date_in_past": ("first_due_on", lambda: _("Please choose today or a later day.")),
    "iban_invalid": ("iban", lambda: _("This IBAN is not valid. Please check it.")),
    "name_missing": ("account_holder", lambda: _("Please give the account holder's name.")),
}


def _service_error(form, exc: ArrangementInvalid) -> None:
    field, message = PLAN_ERRORS.get(exc.reason, (None, lambda: _("Please check your entries.")))
    form.add_error(field if field in form.fields else None, message())


def _plannable(access: Access):
    """Open invoices in the debtor's currency, neither in a live plan nor disputed."""
    debtor = access.debtor
    taken = items_in_live_plans(debtor=debtor) | {d.invoice_id for d in disputes_open_of(debtor=debtor)}
    return (
        portal_items(access=access)
        .filter(kind="invoice", open_amount__gt=0, currency=debtor.currency)
        .exclude(pk__in=taken)
        .order_by("due_on", "id")
    )


@portal_page()
@require_http_methods(["GET", "POST"])
def plan_propose(request: HttpRequest, access: Access) -> HttpResponse:
    today = portal_today(access)
    items = _plannable(access)
    rules = plan_rules_for(creditor=access.creditor)
    form = PlanForm(
        request.POST or None, items=items, today=today, latest_first=today + timedelta(days=FIRST_DATE_SPAN_DAYS),
        initial={"items": list(items), "count": 3, "first_due_on": today + timedelta(days=7)},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = portal_plan_propose(
                access=access, items=list(data["items"]), count=data["count"], first_due_on=data["first_due_on"],
                today=today,
            )  # fmt: skip
        except ArrangementInvalid as exc:
            _service_error(form, exc)
        else:
            return redirect("portal:plan_detail", token=access.token, plan_id=plan.pk)
    return render_page(
        request,
        access,
        "portal/plan_propose.html",
        {"form": form, "rules": rules, "has_items": items.exists()},
    )


def _plan_of(access: Access, plan_id: int) -> PaymentPlan:
    plan = (
        PaymentPlan.objects.filter(pk=plan_id, debtor=access.debtor).prefetch_related("instalments").first()
    )
    if plan is None:
        raise Http404
    return plan


@portal_page()
def plan_detail(request: HttpRequest, access: Access, plan_id: int) -> HttpResponse:
    plan = _plan_of(access, plan_id)
    mandate = getattr(plan, "mandate", None)
    can_sign = (
        mandate is None and plan.currency == "EUR" and plan.status in (PlanStatus.PROPOSED, PlanStatus.ACTIVE)
    )
    return render_page(
        request, access, "portal/plan_detail.html",
        {"plan": plan, "instalments": list(plan.instalments.all()), "mandate": mandate, "can_sign": can_sign,
         "rules": plan_rules_for(creditor=access.creditor)},
    )  # fmt: skip


@portal_page()
@require_http_methods(["GET", "POST"])
def plan_mandate(request: HttpRequest, access: Access, plan_id: int) -> HttpResponse:
    plan = _plan_of(access, plan_id)
    if hasattr(plan, "mandate"):
        return redirect("portal:plan_detail", token=access.token, plan_id=plan.pk)
    form = MandateForm(request.POST or None, initial={"account_holder": access.debtor.name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            portal_mandate_sign(
                access=access,
                plan=plan,
                iban=data["iban"],
                account_holder=data["account_holder"],
                today=portal_today(access),
            )
        except ArrangementInvalid as exc:
            _service_error(form, exc)
        else:
            return redirect("portal:plan_detail", token=access.token, plan_id=plan.pk)
    return render_page(request, access, "portal/plan_mandate.html", {"form": form, "plan": plan})
