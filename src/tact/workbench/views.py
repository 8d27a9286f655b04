"""The staff pages. Each view parses, calls one selector or service, and renders.

Every view runs inside the creditor's scope (the tenancy middleware enters it), so an id
of another creditor is not found and answers 404. A role without the right answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tact.core import clock
from tact.ledger.imports.services import import_confirm, import_discard, import_preview
from tact.tenancy.middleware import SESSION_KEY
from tact.tenancy.models import may
from tact.tenancy.selectors import membership_of

from . import selectors
from .forms import CreditorSwitchForm, DebtorFilterForm, ImportUploadForm

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
    form = ImportUploadForm()
    status = 200
    if request.method == "POST":
        require(request, "import")
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = import_preview(
                creditor=request.creditor,
                upload=form.cleaned_data["file"],
                by=request.user,
                full=form.cleaned_data["full"],
            )
            return redirect("workbench:import_run", run_id=run.pk)
        status = 400
    context = {"form": form, "runs": selectors.import_runs_recent()}
    return render(request, "workbench/import.html", context, status=status)


@require_GET
@member_required
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    result = selectors.import_run_result(run_id=run_id)
    return render(request, "workbench/import_run.html", {"run": result.run, "result": result})


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
