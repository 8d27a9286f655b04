"""Reads of the banking app: what matching needs in a few queries, the reconciliation lists, CSV layouts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from tact.core.bulk import text_array
from tact.ledger.allocation import open_items_locked
from tact.ledger.models import Allocation, Debtor, Invoice, InvoiceKind, Payment

from .models import (
    BankTransaction,
    CsvMapping,
    LineStatus,
    PayerAccount,
    Statement,
    Suggestion,
    SuggestionStatus,
)
from .parsers import Sample, csv_sample_read, csvfile

ZERO = Decimal("0")
# What a CSV layout names: our fields, and the date formats the parser knows.
CSV_FIELDS = csvfile.FIELDS
CSV_DATE_FORMATS = csvfile.DATE_FORMATS


@dataclass(frozen=True, slots=True)
class Item:
    """An open item as matching sees it."""

    id: int
    number: str
    debtor_id: int
    kind: str
    due_on: date
    open_amount: Decimal
    currency: str
    parent_id: int | None = None  # the invoice a charge belongs to
    parent_due_on: date | None = None

    @property
    def pk(self) -> int:  # as an Invoice names it (the ledger's legal order takes either)
        return self.id


@dataclass
class Portfolio:
    """The creditor's open items and payer facts, read once per batch of lines."""

    items: dict[int, Item]
    by_debtor: dict[int, list[Item]]  # oldest due first
    debtors: dict[int, tuple[str, str, str]]  # id -> (number, name, currency)
    payer_accounts: dict[str, set[int]]  # IBAN -> debtor ids


def portfolio_load(*, currency: str, ibans: set[str] | None = None) -> Portfolio:
    """Open invoices and charges (not credit notes) in ``currency``, locked for the
    transaction (the money matched to them is applied from the same rows, not read again),
    their debtors' names and the learned payer IBANs (of ``ibans`` only, when given): three
    queries, whatever the size."""
    items: dict[int, Item] = {}
    by_debtor: dict[int, list[Item]] = defaultdict(list)
    for pk, number, kind, due_on, open_amount, parent_id, parent_due_on, debtor_id, cur in open_items_locked(
        currency=currency
    ):
        item = Item(pk, number, debtor_id, kind, due_on, open_amount, cur, parent_id, parent_due_on)
        items[pk] = item
        by_debtor[debtor_id].append(item)
    debtors = {
        pk: (number, name, cur)
        for pk, number, name, cur in Debtor.objects.values_list("id", "number", "name", "currency").iterator(
            chunk_size=5000
        )
    }
    accounts: dict[str, set[int]] = defaultdict(set)
    pairs = (
        PayerAccount.objects.values_list("iban", "debtor_id")
        if ibans is None
        else payer_accounts_of(ibans=ibans)
    )
    for iban, debtor_id in pairs:
        accounts[iban].add(debtor_id)
    return Portfolio(items=items, by_debtor=dict(by_debtor), debtors=debtors, payer_accounts=dict(accounts))


def payer_accounts_of(*, ibans: set[str]) -> list[tuple[str, int]]:
    """The (IBAN, debtor) pairs tact learned for these IBANs: one query (on PostgreSQL the
    IBANs as one array parameter), not every payer account of the creditor."""
    ibans = {i for i in ibans if i}
    if not ibans:
        return []
    accounts = PayerAccount.objects.values_list("iban", "debtor_id")
    if connection.vendor == "postgresql":
        condition = RawSQL("banking_payeraccount.iban = ANY(%s::text[])", [text_array(ibans)],
                           output_field=BooleanField())  # fmt: skip
        return list(accounts.filter(condition))
    found = sorted(ibans)
    return [
        row
        for start in range(0, len(found), 1000)
        for row in accounts.filter(iban__in=found[start : start + 1000])
    ]


@dataclass(frozen=True, slots=True)
class PaidItem:
    """An invoice paid in full, as the double-payment check sees it."""

    id: int
    number: str
    debtor_id: int
    gross_amount: Decimal
    settled_on: date


def paid_items_by_key(*, keys: set[str], currency: str) -> dict[str, list[PaidItem]]:
    """Invoices paid in full whose number reduces to one of ``keys`` (``matching.number_key``),
    by key: one query. PostgreSQL computes the key in SQL for the paid invoices only; elsewhere
    the paid invoices are read and reduced here."""
    from .matching import number_key

    found: dict[str, list[PaidItem]] = defaultdict(list)
    keys = {k for k in keys if k.isalnum()}
    if not keys:
        return {}
    paid = Invoice.objects.filter(kind=InvoiceKind.INVOICE, open_amount=0, currency=currency,
                                  settled_on__isnull=False, gross_amount__gt=0)  # fmt: skip
    fields = ("id", "number", "debtor_id", "gross_amount", "settled_on")
    if connection.vendor == "postgresql":
        literal = "{" + ",".join(sorted(keys)) + "}"
        key_sql = (
            "ltrim(regexp_replace(regexp_replace(upper(number), '[^0-9A-Z]', '', 'g'), '^[A-Z]+', ''), '0')"
        )
        paid = paid.filter(RawSQL(f"{key_sql} = ANY(%s::text[])", [literal], output_field=BooleanField()))  # noqa: S611 - fixed SQL, keys a parameter
    for row in paid.values_list(*fields).iterator(chunk_size=5000):
        item = PaidItem(*row)
        key = number_key(item.number)
        if key in keys:
            found[key].append(item)
    return dict(found)


def paid_items_named(*, keys: set[str], debtor_ids: set[int], since: date) -> list[Invoice]:
    """Items paid in full or in part whose number reduces to one of ``keys`` (see
    ``matching.number_key``): of the given debtors, else settled since ``since`` or partly paid."""
    from .matching import loose_key, number_key

    paid = Invoice.objects.filter(open_amount__lt=F("gross_amount"), kind=InvoiceKind.INVOICE)
    if debtor_ids:
        paid = paid.filter(debtor_id__in=debtor_ids)
    else:
        paid = paid.filter(Q(settled_on__gte=since) | Q(settled_on__isnull=True))
    return [
        inv
        for inv in paid.only("id", "number", "debtor_id", "kind", "parent_id")
        if {number_key(inv.number), loose_key(inv.number)} & keys
    ]


def payment_of_line(*, end_to_end_id: str, amount: Decimal) -> Payment | None:
    """The payment a returned line undoes: the bank line with the same end-to-end id and the
    opposite amount that tact booked."""
    if not end_to_end_id:
        return None
    line = (
        BankTransaction.objects.filter(end_to_end_id=end_to_end_id, amount=-amount, payment__isnull=False)
        .select_related("payment")
        .order_by("-booked_on", "-id")
        .first()
    )
    if line is not None:
        return line.payment
    return (
        Payment.objects.filter(external_id=end_to_end_id, amount=-amount).order_by("-value_on", "-id").first()
    )


def last_payment_of_items(*, invoice_ids: list[int], amount: Decimal) -> Payment | None:
    """The newest positive payment allocated to these items and at least ``amount``."""
    allocation = (
        Allocation.objects.filter(invoice_id__in=invoice_ids, amount__gt=0, payment__amount__gte=amount)
        .select_related("payment")
        .order_by("-payment__value_on", "-id")
        .first()
    )
    return allocation.payment if allocation else None


def reconciliation_lines(
    *, status: str | None = None, statement_id: int | None = None
) -> QuerySet[BankTransaction]:
    """Lines a person should look at (unmatched and suggested), each with its open suggestions;
    of one statement when ``statement_id`` is given."""
    statuses = [status] if status else [LineStatus.UNMATCHED, LineStatus.SUGGESTED]
    lines = BankTransaction.objects.filter(status__in=statuses)
    if statement_id is not None:
        lines = lines.filter(statement_id=statement_id)
    return (
        lines.select_related("statement", "debtor")
        .prefetch_related(
            Prefetch(
                "suggestions",
                queryset=Suggestion.objects.filter(status=SuggestionStatus.OPEN).select_related("debtor"),
                to_attr="open_suggestions",
            )
        )
        .order_by("-booked_on", "-id")
    )


def statements_recent(*, limit: int = 20) -> QuerySet[Statement]:
    """The latest statements imported, each with the count of its lines by outcome (``lines``,
    ``booked``, ``suggested``, ``unmatched``): one query."""
    by_status = {
        name: Count("transactions", filter=Q(transactions__status=status))
        for name, status in (("booked", LineStatus.MATCHED), ("suggested", LineStatus.SUGGESTED),
                             ("unmatched", LineStatus.UNMATCHED))
    }  # fmt: skip
    return Statement.objects.annotate(lines=Count("transactions"), **by_status).order_by(
        "-created_at", "-id"
    )[:limit]


def reconciliation_counts() -> dict[str, int]:
    counts = {s: 0 for s in LineStatus.values}
    for row in BankTransaction.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def debtor_credit(*, debtor: Debtor) -> Decimal:
    """What the debtor paid that no item took (overpayments): payments minus their allocations."""
    paid = Payment.objects.filter(debtor=debtor).aggregate(s=Sum("amount"))["s"] or ZERO
    allocated = Allocation.objects.filter(payment__debtor=debtor).aggregate(s=Sum("amount"))["s"] or ZERO
    return paid - allocated


def csv_mappings() -> list[CsvMapping]:
    """The creditor's saved CSV layouts, the default first."""
    return list(CsvMapping.objects.order_by("-is_default", "name", "pk"))


def csv_mapping_get(*, mapping_id: int) -> CsvMapping | None:
    return CsvMapping.objects.filter(pk=mapping_id).first()


def csv_layout_sample(*, data: bytes, filename: str, mapping: CsvMapping | None = None) -> Sample:
    """The header and first lines of a sample CSV export, read as an import reads the file,
    with the columns tact recognises (or, editing ``mapping``, those it names). Raises
    StatementUnreadable."""
    return csv_sample_read(data, filename=filename, columns=mapping.columns if mapping else None)
