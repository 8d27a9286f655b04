"""Reads behind the workbench pages.

Each page calls one function here. They run inside the creditor's scope (the middleware
enters it), so every query is filtered by creditor; an id of another creditor is simply not
found. The list stays fast at a million items: filters are plain WHERE clauses and
semi-joins, balances are correlated subqueries that the database evaluates only for the
rows of the page when the order does not depend on them, and the totals are one grouped
query over the open items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404

from tact.ledger.imports.reading import parse_file
from tact.ledger.models import (
    Allocation,
    ColumnMapping,
    Contact,
    Debtor,
    ImportRun,
    ImportStatus,
    Invoice,
    Payment,
)
from tact.ledger.selectors import debtors_with_balances, open_items_of
from tact.tenancy.models import ApiToken, Creditor

from .timeline import TimelineEntry, timeline_for

DEBTORS_PER_PAGE = 50
ITEMS_PER_PAGE = 25

# The sort keys the list accepts, each with the columns it orders by; "-key" reverses.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "number": ("number",),
    "open": ("open_total",),
    "overdue": ("overdue_total",),
    "due": ("oldest_due_on",),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class DebtorFilter:
    q: str = ""
    country: str = ""
    kind: str = ""
    overdue: bool = False
    tag: str = ""
    sort: str = DEFAULT_SORT

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.country or self.kind or self.overdue or self.tag)


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    open_total: Decimal
    overdue_total: Decimal


@dataclass
class DebtorList:
    page: Page
    totals: list[CurrencyTotal]
    sort: str


def _order(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT, DEFAULT_SORT
    descending = sort.startswith("-")
    columns = [F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True) for c in SORTS[key]]
    return [*columns, "pk"]


# A search's matches among contacts and items are inlined as a list up to this many.
INLINE_MATCHES = 1000


def _search(q: str) -> Q:
    """The search condition on debtors: name, number, a contact's e-mail, an item's number.

    The contact and item matches are read once here and inlined when few, so the three
    queries of the list (count, page, totals) do not each scan the contacts and items again.
    """
    condition = Q(name__icontains=q) | Q(number__istartswith=q)
    for matches in (
        Contact.objects.filter(email__icontains=q).values_list("debtor_id", flat=True),
        Invoice.objects.filter(number__istartswith=q).values_list("debtor_id", flat=True),
    ):
        found = list(matches[: INLINE_MATCHES + 1])
        condition |= Q(pk__in=sorted(set(found)) if len(found) <= INLINE_MATCHES else matches)
    return condition


def _filtered(
    debtors: QuerySet[Debtor], flt: DebtorFilter, *, today: date, search: Q | None = None
) -> QuerySet[Debtor]:
    if search is not None:
        # Semi-joins rather than joins: a debtor with five matching contacts is still one row.
        debtors = debtors.filter(search)
    if flt.country:
        debtors = debtors.filter(country=flt.country)
    if flt.kind:
        debtors = debtors.filter(kind=flt.kind)
    if flt.tag:
        tag = flt.tag.strip()
        if connection.features.supports_json_field_contains:
            debtors = debtors.filter(tags__contains=[tag])
        else:
            # SQLite has no JSON containment; the quoted word inside the JSON text is the
            # same test for a list of plain strings.
            debtors = debtors.filter(tags__icontains=f'"{tag}"')
    if flt.overdue:
        overdue_items = Invoice.objects.filter(
            debtor=OuterRef("pk"), due_on__lt=today, gross_amount__gt=0
        ).exclude(open_amount=0)
        debtors = debtors.filter(Exists(overdue_items))
    return debtors


def _totals(open_items: QuerySet[Invoice], *, today: date) -> list[CurrencyTotal]:
    """Open and overdue sums per currency, in one grouped query."""
    return [
        CurrencyTotal(
            currency=row["currency"],
            open_total=row["open_total"] or Decimal("0"),
            overdue_total=row["overdue_total"] or Decimal("0"),
        )
        for row in open_items.values("currency")
        .annotate(
            open_total=Sum("open_amount"),
            overdue_total=Sum("open_amount", filter=Q(due_on__lt=today, gross_amount__gt=0)),
        )
        .order_by("currency")
    ]


def debtor_list(*, flt: DebtorFilter, today: date, page_number: str | int = 1) -> DebtorList:
    """One page of debtors with their balances, plus the open and overdue totals of the whole filtered set.

    Three queries (five with a search): the count, the page, the totals (one row per
    currency; amounts of two currencies are never added).
    """
    search = _search(flt.q.strip()) if flt.q.strip() else None
    filtered = _filtered(Debtor.objects.all(), flt, today=today, search=search)
    oldest_due = (
        Invoice.objects.filter(debtor=OuterRef("pk"))
        .exclude(open_amount=0)
        .values("debtor")
        .annotate(m=Min("due_on"))
        .values("m")
    )
    rows = (
        _filtered(debtors_with_balances(today=today), flt, today=today, search=search)
        .annotate(oldest_due_on=Subquery(oldest_due))
        .order_by(*_order(flt.sort))
    )
    paginator = Paginator(rows, DEBTORS_PER_PAGE)
    # Counting the filtered debtors directly keeps the balance subqueries out of COUNT(*).
    paginator.count = filtered.count()
    page = paginator.get_page(page_number)

    open_items = Invoice.objects.exclude(open_amount=0)
    if not flt.is_empty:
        open_items = open_items.filter(debtor_id__in=filtered.values("pk"))
    totals = _totals(open_items, today=today)
    sort = flt.sort if flt.sort.lstrip("-") in SORTS else DEFAULT_SORT
    return DebtorList(page=page, totals=totals, sort=sort)


@dataclass
class OpenItemRow:
    item: Invoice
    days_overdue: int


@dataclass
class DebtorOverview:
    debtor: Debtor
    contacts: list[Contact]
    open_items: Page
    open_rows: list[OpenItemRow]
    settled_items: Page
    payments: Page
    timeline: list[TimelineEntry]
    totals: list[CurrencyTotal] = field(default_factory=list)


def _page(qs: QuerySet, number: str | int | None, per_page: int = ITEMS_PER_PAGE) -> Page:
    return Paginator(qs, per_page).get_page(number)


def debtor_overview(
    *, creditor: Creditor, debtor_id: int, today: date, pages: dict[str, str | None]
) -> DebtorOverview:
    """Everything the debtor page shows. Raises Http404 for an id outside the creditor."""
    debtor = debtors_with_balances(today=today).filter(pk=debtor_id).first()
    if debtor is None:
        raise Http404("debtor not found")
    open_page = _page(open_items_of(debtor=debtor), pages.get("open"))
    settled = Invoice.objects.filter(debtor=debtor, open_amount=0).order_by(
        F("settled_on").desc(nulls_last=True), "-due_on", "-id"
    )
    payments = Payment.objects.filter(debtor=debtor).order_by("-value_on", "-id")
    totals = _totals(Invoice.objects.filter(debtor=debtor).exclude(open_amount=0), today=today)
    return DebtorOverview(
        debtor=debtor,
        contacts=list(Contact.objects.filter(debtor=debtor)),
        open_items=open_page,
        open_rows=[OpenItemRow(item=i, days_overdue=max((today - i.due_on).days, 0)) for i in open_page],
        settled_items=_page(settled, pages.get("settled")),
        payments=_page(payments, pages.get("payments")),
        timeline=timeline_for(subject=debtor, creditor=creditor),
        totals=totals,
    )


@dataclass
class InvoiceOverview:
    item: Invoice
    days_overdue: int
    allocations: list[Allocation]
    timeline: list[TimelineEntry]


def invoice_overview(*, creditor: Creditor, invoice_id: int, today: date) -> InvoiceOverview:
    """The invoice page: facts, allocations with their payments, history. Http404 outside the creditor."""
    item = Invoice.objects.select_related("debtor").filter(pk=invoice_id).first()
    if item is None:
        raise Http404("invoice not found")
    allocations = list(
        Allocation.objects.filter(invoice=item).select_related("payment").order_by("payment__value_on", "id")
    )
    return InvoiceOverview(
        item=item,
        days_overdue=max((today - item.due_on).days, 0) if item.is_open else 0,
        allocations=allocations,
        timeline=timeline_for(subject=item, creditor=creditor),
    )


def import_runs_recent(*, limit: int = 10) -> list[ImportRun]:
    return list(ImportRun.objects.select_related("created_by").order_by("-created_at", "-id")[:limit])


def import_run_get(*, run_id: int) -> ImportRun:
    run = ImportRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        raise Http404("import run not found")
    return run


@dataclass
class ImportRunResult:
    run: ImportRun
    errors: list[dict[str, Any]]
    created_items: list[Invoice]
    created_count: int


CREATED_ITEMS_SHOWN = 50


def _items_created_by(run: ImportRun, report: dict[str, Any]) -> list[Invoice]:
    """The first items an applied run created.

    By number when the report lists them; otherwise the items written between the preview
    and the confirmation (an import writes its new rows with that time), which may also
    catch an item another channel added in the same seconds.
    """
    items = Invoice.objects.select_related("debtor").order_by("number")
    numbers = report.get("created_items")
    if isinstance(numbers, list):
        return list(items.filter(number__in=[str(n) for n in numbers[:CREATED_ITEMS_SHOWN]]))
    window = items.filter(created_at__gte=run.created_at, created_at__lte=run.applied_at)
    return list(window[:CREATED_ITEMS_SHOWN])


def import_run_result(*, run_id: int) -> ImportRunResult:
    """An import run with, once applied, the first items it created (for links)."""
    run = import_run_get(run_id=run_id)
    report = run.report or {}
    created: list[Invoice] = []
    if run.status == ImportStatus.APPLIED and run.applied_at:
        created = _items_created_by(run, report)
    return ImportRunResult(
        run=run,
        errors=list(report.get("errors", [])),
        created_items=created,
        created_count=int((report.get("created") or {}).get("invoices", 0)),
    )


# -- column layouts ---------------------------------------------------------------------


def column_mappings() -> list[ColumnMapping]:
    """The creditor's saved column layouts, the default first."""
    return list(ColumnMapping.objects.order_by("-is_default", "name", "pk"))


def column_mapping_get(*, mapping_id: int) -> ColumnMapping:
    mapping = ColumnMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        raise Http404("column mapping not found")
    return mapping


@dataclass(frozen=True)
class HeaderProblem:
    """A rejected file whose header the import could not read: what the mapping form offers."""

    line: int  # the header's line in the file
    headers: list[str]  # the header cells, in file order, blank and repeated ones left out
    recognised: dict[str, str]  # our field -> the header recognised without a layout


def import_run_header_problem(*, run: ImportRun, creditor: Creditor) -> HeaderProblem | None:
    """The header cells of a run rejected for missing or unknown columns, else None.

    Such a run read no rows, and its errors all name the header line (row problems come
    only once the header was read). The report does not keep the header cells, so they are
    read again from the stored file: a few lines for a CSV or a sheet whose header fails to
    match.
    """
    report = run.report or {}
    errors = report.get("errors") or []
    lines = {e.get("row") for e in errors if isinstance(e, dict)}
    if run.status != ImportStatus.REJECTED or not run.stored_file or len(lines) != 1:
        return None
    if report.get("rows") != 0 or report.get("error_count") != len(errors):
        return None
    (line,) = lines
    path = Path(run.stored_file)
    if not isinstance(line, int) or line < 1 or not path.is_file():
        return None
    parsed = parse_file(
        path, creditor_country=creditor.country, default_currency=creditor.currency, filename=run.filename
    )
    if getattr(parsed, "header_line", 0) != line:
        return None
    headers = list(dict.fromkeys(h for h in parsed.headers if h.strip()))
    if not headers:
        return None
    return HeaderProblem(line=line, headers=headers, recognised=dict(parsed.columns))


# -- API tokens -------------------------------------------------------------------------


def api_tokens_of(*, creditor: Creditor) -> list[ApiToken]:
    """The creditor's API tokens, live ones first, newest first.

    Tokens are not a scoped model (the API looks them up before any scope exists), so the
    creditor is filtered here explicitly.
    """
    return list(
        ApiToken.objects.filter(creditor=creditor)
        .select_related("created_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def api_token_get(*, creditor: Creditor, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_related("creditor").filter(creditor=creditor, pk=token_id).first()
    if token is None:
        raise Http404("API token not found")
    return token
