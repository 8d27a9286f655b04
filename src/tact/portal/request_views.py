"""The debtor's requests that a person decides — cancellation and mediation — and the
creditor's FAQ. Kept apart from ``views`` (which holds the frame: link, rate limit, scope,
language) so each group of pages grows in its own module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from .access import Access
from .forms import CancellationForm, MediationForm
from .pages import confirmed, portal_today, render_page
from .selectors import portal_faq, portal_items
from .services import portal_cancellation_request, portal_mediation_request
from .views import portal_page


@portal_page()
@require_http_methods(["GET", "POST"])
def cancellation(request: HttpRequest, access: Access) -> HttpResponse:
    items = portal_items(access=access).filter(kind="invoice", open_amount__gt=0)
    initial = {"item": request.GET.get("item")} if request.GET.get("item", "").isdigit() else {}
    form = CancellationForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = portal_cancellation_request(
            access=access,
            invoice=data["item"],
            reason=data["reason"],
            text=data["text"],
            today=portal_today(access),
        )
        return confirmed(request, access, "cancellation", {"number": made.facts["item"],
                                                             "due_on": made.due_on.isoformat()})  # fmt: skip
    return render_page(request, access, "portal/cancellation.html", {"form": form})


@portal_page()
@require_http_methods(["GET", "POST"])
def mediation(request: HttpRequest, access: Access) -> HttpResponse:
    form = MediationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = portal_mediation_request(
            access=access, reason=data["reason"], text=data["text"], today=portal_today(access)
        )
        return confirmed(request, access, "mediation", {"due_on": made.due_on.isoformat()})
    return render_page(request, access, "portal/mediation.html", {"form": form})


@portal_page()
@require_GET
def faq(request: HttpRequest, access: Access) -> HttpResponse:
    entries = portal_faq(creditor=access.creditor, language=translation.get_language())
    return render_page(request, access, "portal/faq.html", {"entries": entries})
