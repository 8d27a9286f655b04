"""Payments received, with their allocations to items."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tact.ledger.models import Invoice, Payment, PaymentSource
from tact.ledger.services import AllocationRequest, payment_record

from .. import selectors
from ..auth import actor_of
from ..common import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, InvalidReference, debtor_ref, get_or_404
from ..fields import Id
from ..pagination import by_date, paginate
from ..schemas import AllocationIn, PaymentCreate, PaymentFilters, PaymentOut, PaymentPage

router = Router(tags=["payments"])
NEWEST_FIRST = by_date("value_on", descending=True)


def _payment(payment_id: int) -> Payment:
    return get_or_404(selectors.payments(), kind="Payment", pk=payment_id)


def _allocations(requested: list[AllocationIn]) -> list[AllocationRequest]:
    """Resolve each allocation's item (by id or number) within the creditor's ledger."""
    by_id = {a.invoice_id for a in requested if a.invoice_id is not None}
    by_number = {a.invoice_number for a in requested if a.invoice_number is not None}
    found = {}
    if by_id or by_number:
        for invoice in Invoice.objects.filter(pk__in=by_id) | Invoice.objects.filter(number__in=by_number):
            found[("id", invoice.pk)] = invoice
            found[("number", invoice.number)] = invoice
    out: list[AllocationRequest] = []
    seen: set[int] = set()
    for index, allocation in enumerate(requested):
        field = f"allocations.{index}"
        if (allocation.invoice_id is None) == (allocation.invoice_number is None):
            raise InvalidReference(field=f"{field}.invoice_id", problem="give invoice_id or invoice_number.")
        if allocation.invoice_id is not None:
            invoice, field = found.get(("id", allocation.invoice_id)), f"{field}.invoice_id"
        else:
            invoice, field = found.get(("number", allocation.invoice_number)), f"{field}.invoice_number"
        if invoice is None:
            raise InvalidReference(field=field, problem="no such item.")
        # Two allocations to one item would each be checked against the same open amount.
        if invoice.pk in seen:
            raise InvalidReference(field=field, problem=f"item {invoice.number} is named twice.")
        seen.add(invoice.pk)
        out.append(AllocationRequest(invoice=invoice, amount=allocation.amount))
    return out


def _named(numbers: list[str], debtor) -> list[Invoice]:
    """The debtor's items the payer named, in the order named."""
    found = {i.number: i for i in Invoice.objects.filter(debtor=debtor, number__in=numbers)}
    for index, number in enumerate(numbers):
        if number not in found:
            raise InvalidReference(
                field=f"named_invoices.{index}", problem=f"the debtor has no item {number}."
            )
    return [found[n] for n in dict.fromkeys(numbers)]


@router.get("", response={200: PaymentPage, **LIST_ERRORS}, summary="List payments")
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]):
    """Payments, newest value date first."""
    rows, next_cursor = paginate(
        selectors.payment_list(filters=filters),
        ordering=NEWEST_FIRST,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.post("", response={201: PaymentOut, **WRITE_ERRORS}, summary="Record a payment")
def create_payment(request: HttpRequest, payload: PaymentCreate):
    """Record money received and apply it: to the `allocations` given (each at most the item's
    open amount, all together at most the payment), or — by default when none are given and
    the debtor is known — to the debtor's open items in the legal order (costs, interest,
    principal; the items the payer named first where the law lets the debtor choose)."""
    debtor = debtor_ref(debtor_id=payload.debtor_id, debtor_number=payload.debtor_number, required=False)
    allocations = _allocations(payload.allocations)
    mode = payload.allocate or ("given" if allocations else "legal_order" if debtor else "none")
    if mode != "given" and allocations:
        raise InvalidReference(field="allocations", problem=f"give no allocations with allocate={mode!r}.")
    if mode == "legal_order" and debtor is None:
        raise InvalidReference(
            field="allocate", problem="legal_order needs the debtor (debtor_id or debtor_number)."
        )
    if payload.named_invoices and mode != "legal_order":
        raise InvalidReference(
            field="named_invoices", problem="named invoices are for allocate='legal_order'."
        )
    named = _named(payload.named_invoices, debtor) if payload.named_invoices else []
    currency = payload.currency or (
        debtor.currency
        if debtor
        else allocations[0].invoice.currency
        if allocations
        else request.auth.creditor.currency
    )
    payment = payment_record(
        creditor=request.auth.creditor,
        debtor=debtor,
        amount=payload.amount,
        currency=currency,
        value_on=payload.value_on,
        method=payload.method,
        reference=payload.reference,
        payer_name=payload.payer_name,
        payer_iban=payload.payer_iban,
        source=PaymentSource.API,
        external_id=payload.external_id,
        allocations=allocations,
        in_legal_order=mode == "legal_order",
        named=named,
        by=actor_of(request),
    )
    return Status(201, _payment(payment.pk))


@router.get("/{payment_id}", response={200: PaymentOut, **READ_ERRORS}, summary="Get a payment")
def get_payment(request: HttpRequest, payment_id: Path[Id]):
    return _payment(payment_id)
