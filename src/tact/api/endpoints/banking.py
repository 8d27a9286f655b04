"""Bank statements: upload a file (camt.053/054, MT940, CODA, CSV), list the lines that need a
person with their explanations, accept or reject a suggestion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status

from tact.banking.conf import max_bytes
from tact.banking.labels import explain, rule_name
from tact.banking.models import BankTransaction, Suggestion, SuggestionStatus
from tact.banking.selectors import reconciliation_lines
from tact.banking.services import csv_mapping_for, statement_import, suggestion_accept, suggestion_reject

from ..auth import actor_of
from ..common import LIST_ERRORS, WRITE_ERRORS, InvalidReference, get_or_404, require
from ..fields import Id
from ..pagination import by_date, paginate
from ..problems import problem
from ..schemas import Problem

router = Router(tags=["bank"])
NEWEST_FIRST = by_date("booked_on", descending=True)


class ImportOut(Schema):
    statements: int
    transactions: int
    matched: int
    suggested: int
    unmatched: int
    duplicates: int


class SuggestionOut(Schema):
    id: int
    debtor_id: int
    debtor: str
    rule: str
    confidence: int
    invoices: list[str]
    explanation: str


class LineOut(Schema):
    id: int
    booked_on: date
    value_on: date
    amount: Decimal
    currency: str
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    structured_reference: str
    status: str
    rule: str
    confidence: int
    explanation: str
    suggestions: list[SuggestionOut]


class LinePage(Schema):
    items: list[LineOut]
    next_cursor: str | None


class LineFilters(Schema):
    status: str | None = None
    limit: int = 50
    cursor: str | None = None


def _suggestion_out(s: Suggestion) -> dict:
    return {"id": s.pk, "debtor_id": s.debtor_id, "debtor": f"{s.debtor.name} ({s.debtor.number})", "rule": s.rule,
            "confidence": s.confidence, "invoices": [a.get("number", "") for a in s.allocations],
            "explanation": explain(s.rule, s.facts)}  # fmt: skip


def _line_out(t: BankTransaction) -> dict:
    return {
        **{
            f: getattr(t, f)
            for f in (
                "id",
                "booked_on",
                "value_on",
                "amount",
                "currency",
                "counterparty_name",
                "counterparty_iban",
                "remittance",
                "structured_reference",
                "status",
                "rule",
                "confidence",
            )
        },  # fmt: skip
        "explanation": f"{rule_name(t.rule)}: {explain(t.rule, t.facts)}" if t.rule else "",
        "suggestions": [_suggestion_out(s) for s in getattr(t, "open_suggestions", [])],
    }


@router.post(
    "/statements",
    response={201: ImportOut, **WRITE_ERRORS, 413: Problem},
    summary="Import a bank statement",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The statement file as the bank delivered it: camt.053/054 XML, MT940, CODA or CSV.",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def import_statement(request: HttpRequest, filename: str = "statement", mapping: str | None = None):
    """Import the statement and match its new lines: sure matches are booked (payments applied in
    the legal order), unsure ones wait as suggestions. Lines imported before count as duplicates.
    A broken file, another account or another currency: 422, nothing written."""
    require(request, "import")
    limit = min(max_bytes(), settings.DATA_UPLOAD_MAX_MEMORY_SIZE or max_bytes())
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    if size > limit:
        return problem(status=413, detail=f"The file has {size} bytes; at most {limit} are accepted.",
                       facts={"size": size, "limit": limit})  # fmt: skip
    saved = None
    if mapping:
        saved = csv_mapping_for(name=mapping)
        if saved is None:
            raise InvalidReference(field="mapping", problem=f"no saved CSV mapping named {mapping!r}.")
    summary = statement_import(creditor=request.auth.creditor, data=request.body, filename=filename[:255],
                               by=actor_of(request), mapping=saved)  # fmt: skip
    return Status(201, summary.as_dict())


@router.get("/lines", response={200: LinePage, **LIST_ERRORS}, summary="Bank lines that need a person")
def list_lines(request: HttpRequest, filters: Query[LineFilters]):
    """Unmatched and suggested lines (or those of ``status``), newest first, with why."""
    if filters.status and filters.status not in ("unmatched", "suggested", "matched", "ignored"):
        raise InvalidReference(field="status", problem="one of unmatched, suggested, matched, ignored.")
    rows, next_cursor = paginate(reconciliation_lines(status=filters.status), ordering=NEWEST_FIRST,
                                 cursor=filters.cursor, limit=max(1, min(filters.limit, 500)))  # fmt: skip
    return {"items": [_line_out(t) for t in rows], "next_cursor": next_cursor}


def _open_suggestion(suggestion_id: int) -> Suggestion:
    return get_or_404(Suggestion.objects.select_related("transaction", "debtor"), kind="Suggestion",
                      pk=suggestion_id, status=SuggestionStatus.OPEN)  # fmt: skip


@router.post("/suggestions/{suggestion_id}/accept", response={200: dict, **WRITE_ERRORS},
             summary="Accept a suggestion")  # fmt: skip
def accept(request: HttpRequest, suggestion_id: Path[Id]):
    """Book the line as suggested; tact learns the payer's IBAN for the debtor."""
    payment = suggestion_accept(suggestion=_open_suggestion(suggestion_id), by=actor_of(request))
    return {"payment_id": payment.pk}


@router.post("/suggestions/{suggestion_id}/reject", response={200: dict, **WRITE_ERRORS},
             summary="Reject a suggestion")  # fmt: skip
def reject(request: HttpRequest, suggestion_id: Path[Id]):
    suggestion = suggestion_reject(suggestion=_open_suggestion(suggestion_id), by=actor_of(request))
    return {"suggestion_id": suggestion.pk, "status": suggestion.status}
