"""Open items: invoices and credit notes, one by one or as a bulk upsert."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tact.ledger.imports.services import import_rows
from tact.ledger.models import Invoice, PaymentSource
from tact.ledger.services import invoice_create, invoice_set_open_amount, invoice_update

from .. import selectors
from ..auth import actor_of
from ..common import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, debtor_ref, get_or_404, given, require, sent
from ..fields import Id, Number
from ..pagination import by_date, paginate
from ..problems import problem
from ..schemas import (
    BulkReport,
    BulkUpsert,
    InvoiceCreate,
    InvoiceFilters,
    InvoiceOut,
    InvoicePage,
    InvoicePatch,
)

router = Router(tags=["invoices"])
BY_DUE_DATE = by_date("due_on")


def _invoice(invoice_id: int) -> Invoice:
    return get_or_404(selectors.invoices(), kind="Invoice", pk=invoice_id)


@router.get("", response={200: InvoicePage, **LIST_ERRORS}, summary="List invoices and credit notes")
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]):
    """Items ordered by due date."""
    rows, next_cursor = paginate(
        selectors.invoice_list(today=request.tact_today, filters=filters),
        ordering=BY_DUE_DATE,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.post("", response={201: InvoiceOut, **WRITE_ERRORS}, summary="Create an invoice or credit note")
def create_invoice(request: HttpRequest, payload: InvoiceCreate):
    """A credit note has kind ``credit_note`` and a negative gross amount."""
    debtor = debtor_ref(debtor_id=payload.debtor_id, debtor_number=payload.debtor_number, required=True)
    invoice = invoice_create(
        creditor=request.auth.creditor,
        debtor=debtor,
        source=PaymentSource.API,
        by=actor_of(request),
        **given(payload, exclude=("debtor_id", "debtor_number")),
    )
    return Status(201, _invoice(invoice.pk))


def _unstorable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Values the database could not store (NUL, lone surrogates), reported like import errors."""
    errors = []
    for line, row in enumerate(rows, start=1):
        for column, value in row.items():
            for part, what in ((column, "field name"), (value, "value")):
                if not isinstance(part, str):
                    continue
                try:
                    part.encode("utf-8")
                    bad = "\x00" in part
                except UnicodeEncodeError:
                    bad = True
                if bad:
                    errors.append(
                        {"row": line, "column": column.encode("utf-8", "replace").decode(), "value": "",
                         "message": f"the {what} holds characters that cannot be stored."}
                    )  # fmt: skip
    return errors


@router.post("/bulk", response={200: BulkReport, **WRITE_ERRORS}, summary="Create or update many invoices")
def bulk_upsert_invoices(request: HttpRequest, payload: BulkUpsert):
    """Upsert by invoice number, with the validation and merge of a ledger file import: all
    rows or none. Rows count from 1; with any bad row the answer is 422 listing every one."""
    require(request, "import")
    errors = _unstorable(payload.rows)
    report = None
    if not errors:
        label = actor_of(request)
        report = import_rows(
            creditor=request.auth.creditor,
            rows=payload.rows,
            by=None,
            actor_label=label,
            dry_run=payload.dry_run,
        )
        errors = report["errors"]
    if errors:
        count = report["error_count"] if report else len(errors)
        return problem(
            status=422,
            code="import_rejected",
            detail=f"{count} problem(s) in the rows; nothing was written.",
            errors=errors,
            facts={"error_count": count, "rows": len(payload.rows)},
        )
    return report


@router.get(
    "/by-number/{path:number}", response={200: InvoiceOut, **READ_ERRORS}, summary="Get an item by number"
)
def get_invoice_by_number(request: HttpRequest, number: Path[Number]):
    return get_or_404(selectors.invoices(), kind="Invoice", number=number)


@router.get("/{invoice_id}", response={200: InvoiceOut, **READ_ERRORS}, summary="Get an item")
def get_invoice(request: HttpRequest, invoice_id: Path[Id]):
    return _invoice(invoice_id)


@router.patch("/{invoice_id}", response={200: InvoiceOut, **WRITE_ERRORS}, summary="Change an item")
def update_invoice(request: HttpRequest, invoice_id: Path[Id], payload: InvoicePatch):
    """A new ``open_amount`` is booked as a payment (or reversal) outside tact, dated today."""
    invoice = _invoice(invoice_id)
    changes = sent(payload)
    open_amount = changes.pop("open_amount", None)
    by = actor_of(request)
    with transaction.atomic():
        if changes:
            invoice = invoice_update(invoice=invoice, by=by, **changes)
        if open_amount is not None:
            invoice_set_open_amount(
                invoice=invoice,
                open_amount=open_amount,
                value_on=request.tact_today,
                source=PaymentSource.API,
                by=by,
            )
    return _invoice(invoice.pk)
