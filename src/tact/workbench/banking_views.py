"""The bank pages: upload a statement; reconcile what tact did not book by itself; save the
layouts of the bank's CSV export.

Views parse, call one banking service or selector, and render. Each runs in the creditor's
scope (the tenancy middleware), so another creditor's line or suggestion answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tact.banking import selectors as bank_selectors
from tact.banking import services as bank_services
from tact.banking.errors import InvalidCsvMapping
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

from .banking_forms import (
    BulkAcceptForm,
    CsvLayoutForm,
    CsvSampleForm,
    SplitForm,
    StatementUploadForm,
    layout_initial,
    layout_row,
    sample_of_token,
    sample_token,
)
from .views import member_required, require

RECONCILE_PER_PAGE = 100


@require_http_methods(["GET", "POST"])
@member_required
def bank_upload(request: HttpRequest) -> HttpResponse:
    mappings = bank_selectors.csv_mappings()
    form = StatementUploadForm(mappings=mappings)
    status = 200
    layout_needed = False
    if request.method == "POST":
        require(request, "import")
        form = StatementUploadForm(request.POST, request.FILES, mappings=mappings)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # The layout chosen, or none when "recognise the columns" is: the default is preselected.
                summary = bank_services.statement_import(creditor=request.creditor, data=upload.read(),
                                                         filename=upload.name, by=request.user,
                                                         mapping=form.chosen_mapping(),
                                                         use_default=False)  # fmt: skip
            except TactError as exc:
                form.add_error("file", exc.message)
                layout_needed = exc.facts.get("reason") == "csv_layout"
            else:
                messages.success(request, _(
                    "%(transactions)s new lines (%(duplicates)s seen before): %(matched)s booked, "
                    "%(suggested)s suggested, %(unmatched)s unmatched."
                ) % summary.as_dict())  # fmt: skip
                return redirect("workbench:bank_reconcile")
        status = 400
    statements = bank_selectors.statements_recent()
    return render(request, "workbench/banking/upload.html",
                  {"form": form, "statements": statements, "layout_needed": layout_needed},
                  status=status)  # fmt: skip


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
    # The lines of one statement (the upload page links there), else of all of them.
    wanted = request.GET.get("statement", "")
    statement = Statement.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    lines = bank_selectors.reconciliation_lines(
        status=status, statement_id=statement.pk if statement else None
    )
    # A statement of thousands of lines leaves hundreds to look at: a page at a time.
    page = Paginator(lines, RECONCILE_PER_PAGE).get_page(request.GET.get("page", 1))
    lines = _rows(list(page))
    context = {"lines": lines, "page": page, "counts": bank_selectors.reconciliation_counts(),
               "status": status or "", "statement": statement,
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


# -- CSV layouts --------------------------------------------------------------------------


def _layout(mapping_id: int) -> CsvMapping:
    mapping = bank_selectors.csv_mapping_get(mapping_id=mapping_id)
    if mapping is None:
        raise Http404
    return mapping


@require_http_methods(["GET"])
@member_required
def bank_layouts(request: HttpRequest) -> HttpResponse:
    """The creditor's saved layouts of its bank's CSV export; every member may look at them."""
    layouts = [layout_row(m) for m in bank_selectors.csv_mappings()]
    return render(request, "workbench/banking/layouts.html", {"layouts": layouts})


@require_http_methods(["GET", "POST"])
@member_required
def bank_layout_edit(request: HttpRequest, mapping_id: int | None = None) -> HttpResponse:
    """A new layout from a sample file, or a saved one changed: with a new sample (its columns
    to choose from) or without (the headers typed). Reading a sample stores nothing; the
    sample shown travels signed in the form, so a refused save shows it again."""
    require(request, "import")
    mapping = _layout(mapping_id) if mapping_id is not None else None
    sample_form = CsvSampleForm()
    form, sample, filename, status = None, None, "", 200
    if request.method == "POST" and "read" in request.POST:
        sample_form = CsvSampleForm(request.POST, request.FILES)
        if sample_form.is_valid():
            upload = sample_form.cleaned_data["file"]
            try:
                sample = bank_selectors.csv_layout_sample(
                    data=upload.read(), filename=upload.name, mapping=mapping
                )
            except TactError as exc:
                sample_form.add_error("file", exc.message)
            else:
                filename = upload.name
                has_default = any(m.is_default for m in bank_selectors.csv_mappings())
                initial = layout_initial(
                    mapping=mapping, sample=sample, filename=filename, has_default=has_default
                )
                initial["sample"] = sample_token(filename=filename, sample=sample)
                form = CsvLayoutForm(headers=sample.headers, initial=initial, mapping=mapping)
        status = 200 if form is not None else 400
    elif request.method == "POST":
        shown = sample_of_token(request.POST.get("sample", ""))
        if shown is not None:
            filename, sample = shown
        form = CsvLayoutForm(request.POST, headers=sample.headers if sample else None, mapping=mapping)
        if form.is_valid():
            try:
                saved = bank_services.csv_mapping_save(
                    creditor=request.creditor, name=form.cleaned_data["name"], columns=form.columns(),
                    options=form.options(), is_default=form.cleaned_data["is_default"], by=request.user,
                    mapping=mapping, replace=False,
                )  # fmt: skip
            except InvalidCsvMapping as exc:
                form.add_mapping_errors(exc)
            else:
                messages.success(request, _("The CSV layout “%(name)s” was saved.") % {"name": saved.name})
                return redirect("workbench:bank_layouts")
        status = 400
    if form is None and mapping is not None:
        form = CsvLayoutForm(
            headers=None, initial=layout_initial(mapping=mapping, sample=None), mapping=mapping
        )
    context = {"mapping": mapping, "sample_form": sample_form, "form": form, "sample": sample,
               "sample_filename": filename}  # fmt: skip
    return render(request, "workbench/banking/layout_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def bank_layout_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Ask, then delete a saved CSV layout."""
    require(request, "import")
    mapping = _layout(mapping_id)
    if request.method == "POST":
        bank_services.csv_mapping_delete(mapping=mapping, by=request.user)
        messages.success(request, _("The CSV layout “%(name)s” was deleted.") % {"name": mapping.name})
        return redirect("workbench:bank_layouts")
    context = {
        "title": _("Delete the CSV layout “%(name)s”?") % {"name": mapping.name},
        "text": _(
            "CSV statements of this layout are then read by their headers, or with another layout. "
            "Statements imported with it stay as they are."
        ),
        "action": _("Delete"),
        "back": reverse("workbench:bank_layouts"),
    }
    return render(request, "workbench/confirm.html", context)
