"""Settings / Payments: the creditor's own payment provider account (set, check, disable).

Thin: the form parses, ``tact.payments.accounts`` decides and writes. Only members who
may manage the creditor's settings see it; the page shows no secret, only its last four.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tact.payments.accounts import account_disable, account_set, account_verify
from tact.payments.errors import AccountInvalid
from tact.payments.selectors import account_get, account_webhook_url, accounts_of

from .payments_forms import ProviderAccountForm
from .views import member_required, require


def _fallback() -> str:
    from django.conf import settings

    return getattr(settings, "TACT_PAYMENT_PROVIDER", "")


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def payment_accounts(request: HttpRequest) -> HttpResponse:
    require(request, "manage_settings")
    creditor = request.creditor
    active = next((a for a in accounts_of(creditor=creditor) if a.is_active), None)
    form = ProviderAccountForm(
        initial={"provider": active.provider, "environment": active.environment, "methods": active.methods}
        if active
        else {"environment": "test"}
    )
    status = 200
    if request.method == "POST":
        form = ProviderAccountForm(request.POST)
        if form.is_valid():
            try:
                account_set(creditor=creditor, by=request.user, **form.changes())
            except AccountInvalid as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The payment provider account was saved."))
                return redirect("workbench:payment_accounts")
        status = 400
    accounts = [(a, account_webhook_url(a)) for a in accounts_of(creditor=creditor)]
    context = {"form": form, "accounts": accounts, "fallback": _fallback()}
    return render(request, "workbench/payment_accounts.html", context, status=status)


def _account(request: HttpRequest, provider: str):
    account = account_get(creditor=request.creditor, provider=provider)
    if account is None:
        raise Http404("no such account")
    return account


@require_POST
@member_required
def payment_account_verify(request: HttpRequest, provider: str) -> HttpResponse:
    require(request, "manage_settings")
    result = account_verify(account=_account(request, provider), now=timezone.now(), by=request.user)
    if result.ok:
        messages.success(request, _("The provider accepted the credentials."))
    else:
        messages.error(request, _("The check failed: %(problem)s") % {"problem": result.problem})
    return redirect("workbench:payment_accounts")


@require_POST
@member_required
def payment_account_disable(request: HttpRequest, provider: str) -> HttpResponse:
    require(request, "manage_settings")
    account_disable(account=_account(request, provider), by=request.user)
    messages.success(request, _("The account was disabled. The portal uses the installation's provider."))
    return redirect("workbench:payment_accounts")
