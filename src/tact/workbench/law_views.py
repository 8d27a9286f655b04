"""The law calculators (statutory interest, collection costs and flat compensation) and the
reference-rate tables, from the law app's functions. Every member may use them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tact.core.errors import ValidationFailed
from tact.law import selectors as law
from tact.law.errors import LawInputError

from .dunning_forms import FeesForm, InterestForm
from .dunning_views import creditor_today
from .views import member_required

# How sure a stored figure is (law.models.RateStatus), in the user's language.
RATE_STATUS = {
    "confirmed": gettext_lazy("confirmed"),
    "derived": gettext_lazy("derived"),
    "weak": gettext_lazy("weak source"),
    "unconfirmed": gettext_lazy("unconfirmed"),
}


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
    today = creditor_today(request)
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
    # The creditor's own country first, then by country and series.
    ordered = sorted(
        series.values(), key=lambda e: (e["series"].country != request.creditor.country, e["series"].country)
    )
    context = {
        "interest_form": interest_form,
        "fees_form": fees_form,
        "interest": interest,
        "fees": fees,
        "series": ordered,
        "statuses": RATE_STATUS,
        "today": today,
    }
    return render(request, "workbench/dunning/law.html", context)
