"""The bank pages: upload a statement; reconcile what tact did not book by itself.

Views parse, call one banking service or selector, and render. Each runs in the creditor's
scope (the tenancy middleware), so another creditor's line or suggestion answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tact.banking import selectors as bank_selectors
from tact.banking import services as bank_services
from tact.banking.labels import explain, rule_name
from tact.banking.models import (
    BankTransaction,
    CsvMapping,
    LineStatus,
    Statement,
    Suggestion,
    SuggestionStatus,
)
from tact.core.errors import TactError
from tact.ledger.models import Debtor, Invoice

from .banking_forms import BulkAcceptForm, SplitForm, StatementUploadForm
from .views import member_required, require

RECONCILE_PER_PAGE = 100


@require_http_methods(["GET", "POST"])
@member_required
def bank_upload(request: HttpRequest) -> HttpResponse:
    mappings = list(CsvMapping.objects.order_by("name"))
    form = StatementUploadForm(mappings=mappings)
    status = 200
    if request.method == "POST":
        require(request, "import")
        form = StatementUploadForm(request.POST, request.FILES, mappings=mappings)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = bank_services.statement_import(creditor=request.creditor, data=upload.read(),
                                                         filename=upload.name, by=request.user,
                                                         mapping=form.chosen_mapping())  # fmt: skip
            except TactError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _(
                    "%(transactions)s new lines (%(duplicates)s seen before): %(matched)s booked, "
                    "%(suggested)s suggested, %(unmatched)s unmatched."
                ) % summary.as_dict())  # fmt: skip
                return redirect("workbench:bank_reconcile")
        status = 400
    statements = Statement.objects.order_by("-created_at", "-id")[:20]
    return render(request, "workbench/banking/upload.html",
                  {"form": form, "statements": statements}, status=status)  # fmt: skip


def _rows(lines):
    for line in lines:
        line.explanation = explain(line.rule, line.facts) if line.rule else ""
        line.rule_label = rule_name(line.rule) if line.rule else ""
        for suggestion in line.open_suggestions:
            suggestion.explanation = explain(suggestion.rule, suggestion.facts)
            suggestion.rule_label = rule_name(suggestion.rule)
    return lines


@require_http_methods(["GET"])
@member_required
def bank_reconcile(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in (None, LineStatus.UNMATCHED, LineStatus.SUGGESTED):
        status = None
    # A statement of thousands of lines leaves hundreds to look at: a page at a time.
    page = Paginator(bank_selectors.reconciliation_lines(status=status), RECONCILE_PER_PAGE).get_page(
        request.GET.get("page", 1)
    )
    lines = _rows(list(page))
    context = {"lines": lines, "page": page, "counts": bank_selectors.reconciliation_counts(),
               "status": status or "",
               "suggested": [t for t in lines if t.status == LineStatus.SUGGESTED],
               "unmatched": [t for t in lines if t.status == LineStatus.UNMATCHED]}  # fmt: skip
    return render(request, "workbench/banking/reconcile.html", context)


def _suggestion(suggestion_id: int) -> Suggestion:
    found = Suggestion.objects.filter(pk=suggestion_id).select_related("transaction", "debtor").first()
    if found is None:
        raise Http404
    return found


@require_POST
@member_required
def bank_suggestion_accept(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    require(request, "write")
    try:
        bank_services.suggestion_accept(suggestion=_suggestion(suggestion_id), by=request.user)
    except TactError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Booked."))
    return redirect("workbench:bank_reconcile")


@require_POST
@member_required
def bank_suggestion_reject(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    require(request, "write")
    try:
        bank_services.suggestion_reject(suggestion=_suggestion(suggestion_id), by=request.user)
    except TactError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Suggestion rejected; the line waits unmatched."))
    return redirect("workbench:bank_reconcile")


@require_POST
@member_required
def bank_suggestions_accept(request: HttpRequest) -> HttpResponse:
    """Accept the chosen suggestions, all or none."""
    require(request, "write")
    form = BulkAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one suggestion to accept."))
        return redirect("workbench:bank_reconcile")
    chosen = list(Suggestion.objects.filter(pk__in=form.cleaned_data["ids"], status=SuggestionStatus.OPEN))
    if len(chosen) != len(set(form.cleaned_data["ids"])):
        messages.error(request, _("Nothing was booked: a chosen suggestion was decided already."))
        return redirect("workbench:bank_reconcile")
    try:
        done = bank_services.suggestions_accept(suggestions=chosen, by=request.user)
    except TactError as exc:
        messages.error(request, _("Nothing was booked: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("%(n)s lines booked.") % {"n": len(done)})
    return redirect("workbench:bank_reconcile")


@require_http_methods(["GET", "POST"])
@member_required
def bank_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """One line: book it by hand, split across a debtor's open items (the rest is a credit)."""
    line = BankTransaction.objects.filter(pk=line_id).select_related("debtor", "statement").first()
    if line is None:
        raise Http404
    number = (
        request.POST.get("debtor_number")
        or request.GET.get("debtor")
        or (line.debtor.number if line.debtor else "")
    )
    debtor = Debtor.objects.filter(number=number).first() if number else None
    items = list(Invoice.objects.filter(debtor=debtor, open_amount__gt=0).exclude(kind="credit_note")
                 .order_by("due_on", "id")) if debtor else []  # fmt: skip
    form = SplitForm(initial={"debtor_number": number}, items=items)
    status = 200
    if request.method == "POST":
        require(request, "write")
        form = SplitForm(request.POST, items=items)
        if form.is_valid() and debtor is None:
            form.add_error("debtor_number", _("No debtor has this number."))
        if form.is_valid() and request.POST.get("book"):
            try:
                bank_services.transaction_book(line=line, debtor=debtor, parts=form.parts(), by=request.user)
            except TactError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Booked to %(debtor)s.") % {"debtor": debtor.name})
                return redirect("workbench:bank_reconcile")
        status = 400 if form.errors else 200
    line.explanation = explain(line.rule, line.facts) if line.rule else ""
    context = {"line": line, "form": form, "debtor": debtor, "items": items,
               "item_fields": [(item, form[f"item_{item.pk}"]) for item in items]}  # fmt: skip
    return render(request, "workbench/banking/line.html", context, status=status)
