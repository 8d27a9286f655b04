"""The staff pages. Each view parses, calls one selector or service, and renders.

Every view runs inside the creditor's scope (the tenancy middleware enters it), so an id
of another creditor is not found and answers 404. A role without the right answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.core import clock
from tact.ledger.errors import InvalidLedgerField
from tact.ledger.imports.services import import_confirm, import_discard
from tact.tenancy.errors import InvalidCreditorField
from tact.tenancy.middleware import SESSION_KEY
from tact.tenancy.models import may
from tact.tenancy.selectors import membership_of
from tact.tenancy.services import LOGO_MAX_BYTES, creditor_update, logo_kind, token_create, token_revoke

from . import selectors, services
from .forms import (
    ApiTokenForm,
    ColumnMappingForm,
    CreditorSettingsForm,
    CreditorSwitchForm,
    DebtorFilterForm,
    ImportStartForm,
    settings_error,
)

View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Signed in and a member of a creditor; anything else never reaches tenant data."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "membership", None) is None:
            return render(request, "workbench/no_creditor.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def require(request: HttpRequest, action: str) -> None:
    if not may(request.membership.role, action):
        raise PermissionDenied(action)


def _today(request: HttpRequest):
    return clock.today(request.creditor.timezone)


def _pages(request: HttpRequest, *names: str) -> dict[str, str | None]:
    return {name: request.GET.get(f"{name}_page") for name in names}


@require_GET
@member_required
def home(request: HttpRequest) -> HttpResponse:
    # The worklist of a later issue takes this place; until then the debtors are the start.
    return redirect("workbench:debtors")


@require_GET
@member_required
def debtor_list(request: HttpRequest) -> HttpResponse:
    form = DebtorFilterForm(request.GET)
    flt = form.to_filter()
    result = selectors.debtor_list(flt=flt, today=_today(request), page_number=request.GET.get("page", 1))
    context = {"form": form, "result": result, "sort": result.sort, "filtered": not flt.is_empty}
    # Search-as-you-type, sorting and paging swap only the results; a full load (or a
    # browser without JavaScript) gets the whole page.
    partial = request.htmx and request.htmx.target == "debtor-results"
    template = "workbench/_debtor_results.html" if partial else "workbench/debtor_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
@member_required
def debtor_detail(request: HttpRequest, debtor_id: int) -> HttpResponse:
    overview = selectors.debtor_overview(
        creditor=request.creditor,
        debtor_id=debtor_id,
        today=_today(request),
        pages=_pages(request, "open", "settled", "payments"),
    )
    return render(request, "workbench/debtor_detail.html", {"o": overview, "debtor": overview.debtor})


@require_GET
@member_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    overview = selectors.invoice_overview(
        creditor=request.creditor, invoice_id=invoice_id, today=_today(request)
    )
    return render(request, "workbench/invoice_detail.html", {"o": overview, "item": overview.item})


@require_http_methods(["GET", "POST"])
@member_required
def import_upload(request: HttpRequest) -> HttpResponse:
    mappings = selectors.column_mappings()
    form = ImportStartForm(mappings=mappings)
    status = 200
    if request.method == "POST":
        require(request, "import")
        form = ImportStartForm(request.POST, request.FILES, mappings=mappings)
        if form.is_valid():
            run = services.import_start(
                creditor=request.creditor,
                upload=form.cleaned_data["file"],
                by=request.user,
                mapping=form.chosen_mapping(),
                full=form.cleaned_data["full"],
            )
            return redirect("workbench:import_run", run_id=run.pk)
        status = 400
    context = {"form": form, "runs": selectors.import_runs_recent(), "mappings": mappings}
    return render(request, "workbench/import.html", context, status=status)


def _import_run_page(
    request: HttpRequest, run_id: int, mapping_form: ColumnMappingForm | None = None, status: int = 200
) -> HttpResponse:
    result = selectors.import_run_result(run_id=run_id)
    problem = None
    if may(request.membership.role, "import"):
        problem = selectors.import_run_header_problem(run=result.run, creditor=request.creditor)
    if problem is not None and mapping_form is None:
        initial = {f"{ColumnMappingForm.PREFIX}{k}": v for k, v in problem.recognised.items()}
        initial["name"] = Path(result.run.filename).stem[:100]
        # Most creditors have one ERP: their first layout serves every upload.
        initial["is_default"] = not any(m.is_default for m in selectors.column_mappings())
        mapping_form = ColumnMappingForm(headers=problem.headers, initial=initial)
    context = {"run": result.run, "result": result, "problem": problem, "mapping_form": mapping_form}
    return render(request, "workbench/import_run.html", context, status=status)


@require_GET
@member_required
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    return _import_run_page(request, run_id)


@require_POST
@member_required
def import_map(request: HttpRequest, run_id: int) -> HttpResponse:
    """Save a column layout for a rejected file and check the same file again with it."""
    require(request, "import")
    run = selectors.import_run_get(run_id=run_id)
    problem = selectors.import_run_header_problem(run=run, creditor=request.creditor)
    if problem is None:
        raise Http404("no columns to map")
    form = ColumnMappingForm(request.POST, headers=problem.headers)
    if form.is_valid():
        try:
            new_run = services.import_remap(
                run=run,
                name=form.cleaned_data["name"],
                columns=form.columns(),
                options=form.options(),
                is_default=form.cleaned_data["is_default"],
                by=request.user,
            )
        except InvalidLedgerField as exc:
            form.add_error(None, exc.message)
        except services.ImportFileGone:
            form.add_error(None, _("The file is no longer stored; upload it again."))
        else:
            return redirect("workbench:import_run", run_id=new_run.pk)
    return _import_run_page(request, run_id, mapping_form=form, status=400)


@require_POST
@member_required
def import_decide(request: HttpRequest, run_id: int, decision: str) -> HttpResponse:
    require(request, "import")
    run = selectors.import_run_get(run_id=run_id)
    if decision == "confirm":
        import_confirm(run=run, by=request.user)
    elif decision == "discard":
        import_discard(run=run, by=request.user)
    else:
        raise Http404("unknown decision")
    return redirect("workbench:import_run", run_id=run.pk)


@require_POST
@member_required
def creditor_switch(request: HttpRequest) -> HttpResponse:
    """Work for another creditor the user is a member of. A forged id answers 404."""
    form = CreditorSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404("no such creditor")
    membership = membership_of(user=request.user, creditor_id=form.cleaned_data["creditor"])
    if membership is None:
        raise Http404("no such creditor")
    request.session[SESSION_KEY] = membership.creditor_id
    # Back to the start: the page we came from shows the other creditor's records.
    return HttpResponseRedirect(reverse("workbench:home"))


@require_http_methods(["GET", "POST"])
@member_required
def mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Ask, then delete a saved column layout."""
    require(request, "import")
    mapping = selectors.column_mapping_get(mapping_id=mapping_id)
    if request.method == "POST":
        services.mapping_delete(mapping=mapping, by=request.user)
        messages.success(request, _("The column layout “%(name)s” was deleted.") % {"name": mapping.name})
        return redirect("workbench:import")
    context = {
        "title": _("Delete the column layout “%(name)s”?") % {"name": mapping.name},
        "text": _("Files of this layout are then read with automatic recognition or another layout."),
        "action": _("Delete"),
        "back": reverse("workbench:import"),
    }
    return render(request, "workbench/confirm.html", context)


# -- settings ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The creditor's API tokens; a new token's secret is shown in this one answer only."""
    require(request, "manage_tokens")
    form = ApiTokenForm(granted_by=request.membership.role)
    issued = None
    status = 200
    if request.method == "POST":
        form = ApiTokenForm(request.POST, granted_by=request.membership.role)
        if form.is_valid():
            issued = token_create(
                creditor=request.creditor,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
            form = ApiTokenForm(granted_by=request.membership.role)
        else:
            status = 400
    context = {"form": form, "issued": issued, "tokens": selectors.api_tokens_of(creditor=request.creditor)}
    return render(request, "workbench/api_tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Ask, then revoke a token: requests with it are refused from then on."""
    require(request, "manage_tokens")
    token = selectors.api_token_get(creditor=request.creditor, token_id=token_id)
    if request.method == "POST":
        token_revoke(token=token, by=request.user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("workbench:api_tokens")
    if token.revoked_at is not None:
        return redirect("workbench:api_tokens")
    context = {
        "title": _("Revoke the token “%(name)s”?") % {"name": token.name},
        "text": _(
            "Every system that uses this token loses access at once. This cannot be undone; "
            "you can create a new token."
        ),
        "action": _("Revoke"),
        "back": reverse("workbench:api_tokens"),
        "facts": [(_("Token"), f"tact_{token.prefix}_…"), (_("Role"), token.get_role_display())],
    }
    return render(request, "workbench/confirm.html", context)


@require_http_methods(["GET", "POST"])
@member_required
def creditor_settings(request: HttpRequest) -> HttpResponse:
    require(request, "manage_settings")
    creditor = request.creditor
    form = CreditorSettingsForm(initial=CreditorSettingsForm.initial_of(creditor))
    status = 200
    if request.method == "POST":
        form = CreditorSettingsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                creditor_update(creditor=creditor, by=request.user, **form.changes())
            except InvalidCreditorField as exc:
                form.add_error(*settings_error(exc))
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("workbench:settings")
        status = 400
    return render(request, "workbench/settings.html", {"form": form}, status=status)


@require_GET
@member_required
def creditor_logo(request: HttpRequest) -> HttpResponse:
    """The logo of the creditor the member works for; never another's (no id in the address)."""
    logo = request.creditor.logo
    if not logo or not logo.storage.exists(logo.name):
        raise Http404("no logo")
    handle = logo.storage.open(logo.name, "rb")
    content_type = {"png": "image/png", "jpeg": "image/jpeg"}.get(logo_kind(handle.read(LOGO_MAX_BYTES + 1)))
    if content_type is None:
        handle.close()
        raise Http404("no logo")
    handle.seek(0)
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
