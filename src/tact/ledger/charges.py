"""Charges: interest, collection costs and flat compensation booked as items of their own.

A charge is an ``Invoice`` of a kind in ``CHARGE_KINDS`` with the invoice it arises from as
``parent``: the sent invoice is never edited, so its history and the audit trail stay true.
A charge is owed and paid like any item (the allocation order puts costs and interest
before principal), but it is never a parent itself: no interest on interest (DE § 289 BGB).

Bookings are idempotent on a key (``"action:118"``): the same key books a kind on an
invoice once (a unique constraint backs this up). Set-based: one query reads the parents'
existing charges, one inserts the new ones, one writes their audit events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count

from tact.audit.services import Change, audit_bulk
from tact.core.money import quantize

from .errors import InvalidLedgerField
from .models import CHARGE_KINDS, Invoice, InvoiceKind

ZERO = Decimal("0")
# The letter after the invoice number in a charge's number: RE-1042+I118 (interest booked
# by action 118), RE-1042+C1 (collection costs booked by hand), RE-1042+F118.
NUMBER_CODES = {InvoiceKind.INTEREST: "I", InvoiceKind.FEE: "C", InvoiceKind.FLAT_COMPENSATION: "F"}
NUMBER_ROOM = 50  # of the 64 characters, for the parent's number


@dataclass(frozen=True)
class ChargeRequest:
    """One charge to book on ``parent``: ``amount`` (quantized to the currency's minor unit
    when booked), ``key`` (once per parent, kind and key; blank: every call books), and the
    ``facts`` behind it (rule, period, action) for the audit trail."""

    parent: Invoice
    kind: str
    amount: Decimal
    key: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


def _check(request: ChargeRequest, index: int) -> Decimal:
    where = f"charges.{index}"
    parent = request.parent
    if request.kind not in CHARGE_KINDS:
        raise InvalidLedgerField(
            field=f"{where}.kind", problem=f"{request.kind!r} is not one of {', '.join(CHARGE_KINDS)}."
        )
    if parent.kind != InvoiceKind.INVOICE:
        raise InvalidLedgerField(
            field=f"{where}.parent",
            problem=f"item {parent.number} is a {parent.kind}; charges arise from invoices only "
            "(no interest on interest, no costs on a credit note).",
        )
    amount = quantize(request.amount, parent.currency)
    if amount <= 0:
        raise InvalidLedgerField(
            field=f"{where}.amount", problem=f"a charge is a positive amount, not {request.amount}."
        )
    if len(request.key) > 60:
        raise InvalidLedgerField(field=f"{where}.key", problem="at most 60 characters.")
    return amount


def _number(parent_number: str, kind: str, suffix: str) -> str:
    return f"{parent_number[:NUMBER_ROOM]}+{NUMBER_CODES[kind]}{suffix}"


@transaction.atomic
def charges_add(*, requests: Sequence[ChargeRequest], booked_on: date, by: Any) -> list[Invoice]:
    """Book charges on invoices, all or nothing; return the charges booked now.

    A request whose key booked its kind on its parent before books nothing (a second call
    with the same requests returns ``[]``). Each charge is due on ``booked_on``, in its
    parent's currency, open for its whole amount. Example: 12.344 EUR of interest on
    RE-1042 with key "action:118" → item RE-1042+I118, kind interest, 12.34 EUR open.

    Raises InvalidLedgerField naming the request (``charges.0.amount``) for an unknown
    kind, an amount that is not positive, or a parent that is not an invoice.
    """
    amounts = [_check(r, i) for i, r in enumerate(requests)]
    if not requests:
        return []
    parent_ids = sorted({r.parent.pk for r in requests})
    # Lock the parents (in id order): two bookings of the same key wait for each other
    # instead of failing on the unique constraint inside the caller's transaction.
    # The scoped query finds no other creditor's invoice: a charge is booked in its tenant only.
    found = set(
        Invoice.objects.select_for_update()
        .filter(pk__in=parent_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for index, request in enumerate(requests):
        if request.parent.pk not in found:
            raise InvalidLedgerField(
                field=f"charges.{index}.parent", problem=f"no item {request.parent.number} here."
            )
    existing = Invoice.objects.filter(parent_id__in=parent_ids)
    keyed = set(existing.exclude(charge_key="").values_list("parent_id", "kind", "charge_key"))
    counts = {
        (row["parent_id"], row["kind"]): row["n"]
        for row in existing.values("parent_id", "kind").annotate(n=Count("pk")).order_by()
    }
    new: list[Invoice] = []
    facts: list[dict[str, Any]] = []
    for request, amount in zip(requests, amounts, strict=True):
        parent = request.parent
        if request.key:
            if (parent.pk, request.kind, request.key) in keyed:
                continue
            keyed.add((parent.pk, request.kind, request.key))
            suffix = request.key.rsplit(":", 1)[-1]
        else:
            counts[(parent.pk, request.kind)] = counts.get((parent.pk, request.kind), 0) + 1
            suffix = str(counts[(parent.pk, request.kind)])
        new.append(
            Invoice(
                creditor_id=parent.creditor_id,
                debtor_id=parent.debtor_id,
                parent=parent,
                kind=request.kind,
                number=_number(parent.number, request.kind, suffix),
                charge_key=request.key,
                issued_on=booked_on,
                due_on=booked_on,
                currency=parent.currency,
                gross_amount=amount,
                open_amount=amount,
            )  # fmt: skip
        )
        facts.append(request.facts)
    if not new:
        return []
    Invoice.objects.bulk_create(new)
    audit_bulk(
        creditor=new[0].creditor,
        actor=by,
        action="charge_booked",
        changes=[
            Change(
                "ledger.invoice",
                str(charge.pk),
                None,
                {
                    "number": charge.number,
                    "kind": charge.kind,
                    "parent": parent_number,
                    "amount": charge.gross_amount,
                    "currency": charge.currency,
                    "booked_on": booked_on,
                    "key": charge.charge_key,
                    **why,
                },
            )  # fmt: skip
            for charge, why, parent_number in zip(new, facts, [c.parent.number for c in new], strict=True)
        ],
    )
    return new


def charge_add(
    *,
    parent: Invoice,
    kind: str,
    amount: Decimal,
    booked_on: date,
    key: str = "",
    facts: dict[str, Any] | None = None,
    by: Any,
) -> Invoice | None:
    """Book one charge on an invoice (see ``charges_add``); None when its key booked it before.

    Example: ``charge_add(parent=re_1042, kind="flat_compensation", amount=Decimal("40.00"),
    booked_on=date(2025, 3, 31), by=user)`` → RE-1042+F1, 40.00 EUR open, due 2025-03-31.
    """
    booked = charges_add(
        requests=[ChargeRequest(parent=parent, kind=kind, amount=amount, key=key, facts=facts or {})],
        booked_on=booked_on,
        by=by,
    )
    return booked[0] if booked else None
