"""Applying money received to a debtor's open items in the order the law gives.

A payment that does not cover everything goes first to costs (collection costs and flat
compensation), then to interest, then to principal; older items first within a kind.
Where the debtor named what it pays (a reference to an invoice), that invoice comes first:
its own costs, interest and principal in the same order; what is left goes on in the
general order. The debtor may choose the debt (DE § 366(1) BGB, NL art. 6:43(1) BW,
AT § 1415 ABGB, BE art. 1253 old Civil Code), but not principal before interest and costs
within it (DE § 367 BGB, NL art. 6:44 BW, AT § 1416 ABGB, BE art. 1254 old Civil Code).

Per country (not yet in LAW.md, which says nothing of the order; sources as read):
- DE, NL (and any other country): by kind across the debtor's items — all costs, then all
  interest, then principal; due items before items not yet due; older first. (§ 367(1) BGB
  and art. 6:44(1) BW order costs, interest, principal within a debt; taking them across
  debts first is our reading, agreed for the product, and never worse for the creditor.)
- AT: by debt — the oldest due invoice's costs and interest, then that invoice, then the
  next invoice's (OGH RS0105482, jusline.at/entscheidung/390553: the interest of the capital
  that fell due first, then that capital, then the next one's interest …; 8 Ob 34/19m). Costs
  before interest is our choice: § 1416 names interest and capital only.
- BE: by debt as in Austria, interest before costs (art. 1254 old Civil Code names interest
  only, droitbelge.be; where costs rank is unconfirmed, so they come after interest and before
  principal). The article of the new Civil Code Book 5 that replaced it was not read.

Explicit allocations (``payment_record(allocations=...)``) are the creditor's own choice
and are applied as given; the order here is for money the creditor applies by the law.

Set-based: ``payments_allocate`` reads and locks the open items of all the payments'
debtors in one query, orders and splits in memory, and writes the allocations, the items'
open amounts and the audit events in bulk, whatever the number of payments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Sum

from tact.audit.services import Change, audit_bulk, audit_record
from tact.core.bulk import insert_rows, rows_where_in
from tact.core.money import quantize

from .errors import InvalidLedgerField
from .models import Allocation, Debtor, Invoice, InvoiceKind, Payment

ZERO = Decimal("0")
BATCH = 1000
COSTS = (InvoiceKind.FEE.value, InvoiceKind.FLAT_COMPENSATION.value)
_BY_KIND = {
    InvoiceKind.FEE: 0,
    InvoiceKind.FLAT_COMPENSATION: 0,
    InvoiceKind.INTEREST: 1,
    InvoiceKind.INVOICE: 2,
}
# kind -> rank within a debt, per country; countries not listed follow the default
KIND_RANKS: dict[str, dict[str, int]] = {
    "BE": {
        InvoiceKind.INTEREST: 0,
        InvoiceKind.FEE: 1,
        InvoiceKind.FLAT_COMPENSATION: 1,
        InvoiceKind.INVOICE: 2,
    },
}
BY_DEBT = frozenset({"AT", "BE"})  # countries that order debt by debt (charges with their invoice)
RULES = {
    "DE": "§§ 366, 367 BGB",
    "NL": "art. 6:43, 6:44 BW",
    "AT": "§§ 1415, 1416 ABGB",
    "BE": "art. 1253, 1254 old Civil Code",
}


@dataclass(frozen=True)
class OpenItem:
    """What the order needs of an open item (an invoice or a charge)."""

    id: int
    number: str
    kind: str
    due_on: date
    open_amount: Decimal
    parent_id: int | None
    parent_due_on: date | None

    @property
    def debt_id(self) -> int:
        """The invoice a charge belongs to, or the invoice itself."""
        return self.parent_id or self.id

    @property
    def debt_due_on(self) -> date:
        return self.parent_due_on or self.due_on


class NamedItem(Protocol):
    """What the order needs of an item the debtor named: an ``Invoice``, or a row a caller
    read already (the bank import's open items)."""

    @property
    def pk(self) -> Any: ...
    @property
    def number(self) -> str: ...
    @property
    def debtor_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def parent_id(self) -> int | None: ...


def order_key(item: OpenItem, *, country: str, value_on: date, named: Sequence[int] = ()) -> tuple:
    """Where ``item`` stands in the order a payment of ``value_on`` is applied in.

    ``named``: the invoice ids the debtor named, in its order (charges follow their invoice).
    """
    rank = KIND_RANKS.get(country, _BY_KIND)[item.kind]
    if item.debt_id in named:
        return (0, named.index(item.debt_id), rank, item.due_on, item.id)
    if country in BY_DEBT:
        return (1, item.debt_due_on > value_on, item.debt_due_on, item.debt_id, rank, item.due_on, item.id)
    return (1, rank, item.due_on > value_on, item.due_on, item.id)


def allocation_order(
    *, items: Sequence[OpenItem], amount: Decimal, country: str, value_on: date, named: Sequence[int] = ()
) -> list[tuple[OpenItem, Decimal]]:
    """Split ``amount`` over ``items`` in the legal order: each item gets at most its open
    amount, nothing is left on an item while money remains, and the total is at most ``amount``.

    Example (DE): 100.00 against RE-1 (1,000.00), its flat compensation (40.00) and its
    interest (12.34) → 40.00 to the flat compensation, 12.34 to the interest, 47.66 to RE-1.
    """
    left = amount
    out: list[tuple[OpenItem, Decimal]] = []
    for item in sorted(items, key=lambda i: order_key(i, country=country, value_on=value_on, named=named)):
        if left <= 0:
            break
        if item.open_amount <= 0:
            continue
        part = min(item.open_amount, left)
        out.append((item, part))
        left -= part
    return out


OPEN_ITEM_FIELDS = ("id", "number", "kind", "due_on", "open_amount", "parent_id", "parent__due_on", "debtor_id",
                    "currency")  # fmt: skip


def open_items_locked(*, currency: str, debtor_ids: Sequence[int] | None = None) -> list[tuple]:
    """The open invoices and charges (not credit notes) in ``currency``, of ``debtor_ids`` or
    of every debtor, locked for this transaction, oldest due first: rows of
    ``OPEN_ITEM_FIELDS``. One query whatever their number (the debtor ids as one array on
    PostgreSQL). A caller that reads them for its own purpose (the bank import's matching)
    hands them to ``allocations_apply`` as its ``pool`` instead of a second read."""
    query = (
        Invoice.objects.select_for_update(of=("self",))
        .filter(currency=currency, open_amount__gt=0)
        .exclude(kind=InvoiceKind.CREDIT_NOTE)
        .order_by("due_on", "pk")
    )
    if debtor_ids is None:
        return list(query.values_list(*OPEN_ITEM_FIELDS))
    return sorted(
        rows_where_in(query, "debtor_id", debtor_ids, *OPEN_ITEM_FIELDS), key=lambda r: (r[3], r[0])
    )


def open_items_pool(rows: Sequence[tuple]) -> dict[tuple[int, str], list[OpenItem]]:
    """Rows of ``open_items_locked`` by (debtor, currency), as ``allocations_apply`` takes them."""
    pool: dict[tuple[int, str], list[OpenItem]] = {}
    for *facts, debtor_id, currency in rows:
        pool.setdefault((debtor_id, currency), []).append(OpenItem(*facts))
    return pool


def _open_items(debtor_currency: set[tuple[int, str]]) -> dict[tuple[int, str], list[OpenItem]]:
    """The open invoices and charges of the given (debtor, currency) pairs, locked, in one query
    per currency. Pairs not asked for (another currency of a debtor) are dropped."""
    found: dict[tuple[int, str], list[OpenItem]] = {pair: [] for pair in debtor_currency}
    for currency in sorted({c for _, c in debtor_currency}):
        debtors = sorted({d for d, c in debtor_currency if c == currency})
        for pair, items in open_items_pool(open_items_locked(currency=currency, debtor_ids=debtors)).items():
            if pair in found:
                found[pair] = items
    return found


@dataclass(frozen=True)
class Applied:
    """What ``payments_allocate`` did with one payment."""

    payment: Payment
    allocations: list[tuple[str, Decimal]]  # (item number, amount), in the order applied
    rule: str
    unapplied: Decimal  # what no open item took (an overpayment stays on the payment)
    item_ids: tuple[int, ...] = ()  # the items the allocations went to, in the same order


def _check(payment: Payment, named: Sequence[NamedItem], index: int) -> None:
    if payment.amount <= 0:
        raise InvalidLedgerField(
            field=f"payments.{index}.amount",
            problem=f"only money received is applied in the legal order, not {payment.amount}.",
        )
    if payment.debtor_id is None:
        raise InvalidLedgerField(
            field=f"payments.{index}.debtor", problem="the payer must be known to apply its payment."
        )
    for item in named:
        if item.debtor_id != payment.debtor_id:
            raise InvalidLedgerField(
                field=f"payments.{index}.named", problem=f"item {item.number} belongs to another debtor."
            )
        if item.kind == InvoiceKind.CREDIT_NOTE:
            raise InvalidLedgerField(
                field=f"payments.{index}.named", problem=f"item {item.number} is a credit note, not a debt."
            )


def allocations_apply(
    *,
    payments: Sequence[Payment],
    named: Mapping[int, Sequence[NamedItem]] | None = None,
    pool: Mapping[tuple[int, str], Sequence[OpenItem]] | None = None,
) -> list[Applied]:
    """Apply what is not yet allocated of each payment to its debtor's open items in the
    legal order (see the module). Payments of the same debtor go in value-date order.
    Writes the allocations and open amounts in bulk; audits nothing (callers do).

    ``pool``: the open items by (debtor, currency) as ``open_items_pool`` gives them, read
    and locked by the caller in this transaction; pairs it lacks are read here.
    """
    named = named or {}
    for index, payment in enumerate(payments):
        _check(payment, named.get(payment.pk, ()), index)
    if not payments:
        return []
    countries = dict(
        rows_where_in(Debtor.objects.all(), "pk", sorted({p.debtor_id for p in payments}), "pk", "country")
    )
    allocated = dict(
        rows_where_in(
            Allocation.objects.values("payment").annotate(s=Sum("amount")).order_by(),
            "payment",
            [p.pk for p in payments],
            "payment",
            "s",
        )
    )
    pairs = {(p.debtor_id, p.currency) for p in payments}
    given = {pair: list(pool[pair]) if pool and pair in pool else [] for pair in pairs}
    missing = {pair for pair in pairs if not pool or pair not in pool}
    pool = {**given, **(_open_items(missing) if missing else {})}
    remaining: dict[int, Decimal] = {}  # item id -> open amount as the payments before left it
    writes: list[tuple[int, int, int, Decimal]] = []  # creditor, payment, item, amount
    days: list[date] = []  # each write's payment's value date
    applied: list[Applied] = []
    # A debtor's items in the legal order for a value date, sorted once: the debtor's other
    # payments of that day reuse it (a statement pays most debtors several times).
    orders: dict[tuple[int, str, date], list[OpenItem]] = {}
    for payment in sorted(payments, key=lambda p: (p.value_on, p.pk)):
        country = countries[payment.debtor_id]
        key = (payment.debtor_id, payment.currency, payment.value_on)
        order = orders.get(key)
        if order is None:
            order = orders[key] = sorted(
                pool[key[:2]], key=lambda i: order_key(i, country=country, value_on=payment.value_on)
            )
        names = [i.parent_id or i.pk for i in named.get(payment.pk, ())]
        if names:
            # What the debtor named comes first (``order_key``); the rest keeps its order.
            first = [i for i in order if i.debt_id in names]
            first.sort(key=lambda i: order_key(i, country=country, value_on=payment.value_on, named=names))
            order = first + [i for i in order if i.debt_id not in names]
        left = payment.amount - (allocated.get(payment.pk) or ZERO)
        parts = _split(order, left, remaining)
        for item, part in parts:
            remaining[item.id] = (remaining.get(item.id, item.open_amount)) - part
            writes.append((payment.creditor_id, payment.pk, item.id, part))
            days.append(payment.value_on)
        applied.append(
            Applied(
                payment=payment,
                allocations=[(item.number, quantize(part, payment.currency)) for item, part in parts],
                rule=RULES.get(country, RULES["DE"]),
                unapplied=quantize(left - sum((part for _, part in parts), ZERO), payment.currency),
                item_ids=tuple(item.id for item, _ in parts),
            )
        )
    # COPY (one sequence lookup per batch): bulk_create spent most of a statement's import
    # preparing 100,000 allocations' parameters one by one.
    insert_rows(Allocation, ["creditor_id", "payment_id", "invoice_id", "amount"], writes)
    _open_amounts_reduce([(w[2], w[3], day) for w, day in zip(writes, days, strict=True)])
    return applied


def _open_amounts_reduce(writes: Sequence[tuple[int, Decimal, date]]) -> None:
    """Take the allocations (item id, amount, the payment's value date) off their items' open
    amounts in the database (as ``_allocate`` does, so the amounts match the allocations as
    the database adds them); settle what reached zero on the day of the last payment that
    touched it. PostgreSQL: one UPDATE for all items; elsewhere a batch of items per statement."""
    taken: dict[int, Decimal] = {}
    last_day: dict[int, date] = {}
    for invoice_id, amount, day in writes:
        taken[invoice_id] = taken.get(invoice_id, ZERO) + amount
        last_day[invoice_id] = day
    ids = sorted(taken)
    if connection.vendor == "postgresql":
        _open_amounts_settle_pg([(pk, taken[pk], last_day[pk]) for pk in ids])
        return
    for start in range(0, len(ids), BATCH):
        _open_amounts_subtract([(pk, taken[pk]) for pk in ids[start : start + BATCH]])
    by_day: dict[date, list[int]] = {}
    for pk in ids:
        by_day.setdefault(last_day[pk], []).append(pk)
    for day, pks in sorted(by_day.items()):
        Invoice.objects.filter(pk__in=pks, open_amount=0, settled_on__isnull=True).update(settled_on=day)


def _open_amounts_settle_pg(rows: Sequence[tuple[int, Decimal, date]]) -> None:
    """``open_amount -= taken`` and ``settled_on`` (when it reached zero and was not settled)
    for every item in one UPDATE … FROM unnest(arrays). The arrays go as three literals, not
    as a parameter per value: 100,000 items are three strings to send, not 300,000 to quote;
    a batch of a thousand per statement plus an IN list of 70,000 took minutes on a busy box."""
    if not rows:
        return
    table = Invoice._meta.db_table
    ids = "{" + ",".join(str(pk) for pk, _, _ in rows) + "}"
    amounts = "{" + ",".join(str(amount) for _, amount, _ in rows) + "}"
    days = "{" + ",".join(day.isoformat() for _, _, day in rows) + "}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET open_amount = i.open_amount - v.taken, "  # noqa: S608 - fixed names
            "settled_on = CASE WHEN i.open_amount - v.taken = 0 THEN COALESCE(i.settled_on, v.day) "
            "ELSE i.settled_on END "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::date[]) AS v(id, taken, day) WHERE i.id = v.id",
            [ids, amounts, days],
        )


def _open_amounts_subtract(pairs: Sequence[tuple[int, Decimal]]) -> None:
    """``open_amount -= amount`` for each (item id, amount) in one UPDATE … FROM a VALUES list.

    Django's ``Case(When(...))`` for a thousand items spends seconds building the expression;
    this statement is the same change, written directly (PostgreSQL, and SQLite ≥ 3.33).
    """
    if not pairs:
        return
    table = Invoice._meta.db_table
    rows = ", ".join(["(%s, %s)"] * len(pairs))
    params: list = [value for pk, amount in pairs for value in (pk, amount)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS i SET open_amount = i.open_amount - v.taken "  # noqa: S608 - fixed names
                f"FROM (VALUES {rows}) AS v(id, taken) WHERE i.id = v.id",
                params,
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET open_amount = open_amount - v.taken "  # noqa: S608 - fixed names
                f"FROM (SELECT column1 AS id, column2 AS taken FROM (VALUES {rows})) AS v "
                f"WHERE {table}.id = v.id",
                params,
            )


def _split(
    order: Sequence[OpenItem], amount: Decimal, remaining: Mapping[int, Decimal]
) -> list[tuple[OpenItem, Decimal]]:
    """``allocation_order`` over items already in the legal order, their open amounts as
    ``remaining`` says (what earlier payments of the batch left) or else their own."""
    left = amount
    out: list[tuple[OpenItem, Decimal]] = []
    for item in order:
        if left <= 0:
            break
        open_amount = remaining.get(item.id, item.open_amount)
        if open_amount <= 0:
            continue
        part = min(open_amount, left)
        out.append((item, part))
        left -= part
    return out


@transaction.atomic
def payments_allocate(
    *,
    payments: Sequence[Payment],
    named: Mapping[int, Sequence[NamedItem]] | None = None,
    pool: Mapping[tuple[int, str], Sequence[OpenItem]] | None = None,
    by: Any,
    audit_subject: Any = None,
    audit_facts: dict | None = None,
) -> list[Applied]:
    """Apply payments already recorded (a bank statement's lines matched to debtors) to their
    debtors' open items in the legal order, all in one go; one audit event per payment, or
    with ``audit_subject`` (the statement, whose lines keep what each payment did) one for
    the batch with the counts.

    ``named``: payment id → the invoices its reference names. Raises InvalidLedgerField
    (``payments.3.amount``) for a payment that is not money received or has no debtor, or a
    named item of another debtor.
    """
    applied = allocations_apply(payments=payments, named=named, pool=pool)
    if applied and audit_subject is not None:
        audit_record(
            creditor=applied[0].payment.creditor,
            actor=by,
            action="payments_allocated",
            subject=audit_subject,
            after={
                "payments": len(applied),
                "allocations": sum(len(a.allocations) for a in applied),
                "unapplied": sum((a.unapplied for a in applied), ZERO),
            },
            facts=audit_facts or {},
        )
    elif applied:
        audit_bulk(
            creditor=applied[0].payment.creditor,
            actor=by,
            action="payment_allocated",
            changes=[
                Change(
                    "ledger.payment",
                    str(a.payment.pk),
                    None,
                    {"allocations": dict(a.allocations), "rule": a.rule, "unapplied": a.unapplied},
                )
                for a in applied
            ],
        )
    return applied
