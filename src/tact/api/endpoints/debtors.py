"""Debtors, and the contacts nested under one debtor."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tact.ledger.models import Debtor
from tact.ledger.services import contact_create, debtor_create, debtor_delete, debtor_update

from .. import selectors
from ..auth import actor_of
from ..common import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, get_or_404, given, sent
from ..fields import Id, Number
from ..pagination import BY_ID, Ordering, paginate
from ..schemas import (
    ContactCreate,
    ContactFilters,
    ContactOut,
    ContactPage,
    DebtorCreate,
    DebtorFilters,
    DebtorOut,
    DebtorPage,
    DebtorPatch,
)

router = Router(tags=["debtors"])
BY_NAME = Ordering("name")


def _debtor(request: HttpRequest, debtor_id: int) -> Debtor:
    return get_or_404(selectors.debtors(today=request.tact_today), kind="Debtor", pk=debtor_id)


@router.get("", response={200: DebtorPage, **LIST_ERRORS}, summary="List debtors")
def list_debtors(request: HttpRequest, filters: Query[DebtorFilters]):
    """Debtors ordered by name, with their open and overdue totals."""
    rows, next_cursor = paginate(
        selectors.debtor_list(today=request.tact_today, filters=filters),
        ordering=BY_NAME,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.post("", response={201: DebtorOut, **WRITE_ERRORS}, summary="Create a debtor")
def create_debtor(request: HttpRequest, payload: DebtorCreate):
    debtor = debtor_create(creditor=request.auth.creditor, by=actor_of(request), **given(payload))
    return Status(201, _debtor(request, debtor.pk))


@router.get(
    "/by-number/{path:number}", response={200: DebtorOut, **READ_ERRORS}, summary="Get a debtor by number"
)
def get_debtor_by_number(request: HttpRequest, number: Path[Number]):
    return get_or_404(selectors.debtors(today=request.tact_today), kind="Debtor", number=number)


@router.get("/{debtor_id}", response={200: DebtorOut, **READ_ERRORS}, summary="Get a debtor")
def get_debtor(request: HttpRequest, debtor_id: Path[Id]):
    return _debtor(request, debtor_id)


@router.patch("/{debtor_id}", response={200: DebtorOut, **WRITE_ERRORS}, summary="Change a debtor")
def update_debtor(request: HttpRequest, debtor_id: Path[Id], payload: DebtorPatch):
    debtor = debtor_update(debtor=_debtor(request, debtor_id), by=actor_of(request), **sent(payload))
    return _debtor(request, debtor.pk)


@router.delete("/{debtor_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a debtor without items")
def delete_debtor(request: HttpRequest, debtor_id: Path[Id]):
    debtor_delete(debtor=_debtor(request, debtor_id), by=actor_of(request))
    return Status(204, None)


@router.get(
    "/{debtor_id}/contacts", response={200: ContactPage, **READ_ERRORS}, summary="List a debtor's contacts"
)
def list_debtor_contacts(request: HttpRequest, debtor_id: Path[Id], filters: Query[ContactFilters]):
    debtor = _debtor(request, debtor_id)
    rows, next_cursor = paginate(
        selectors.contact_list(filters=filters, debtor=debtor),
        ordering=BY_ID,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.post(
    "/{debtor_id}/contacts", response={201: ContactOut, **WRITE_ERRORS}, summary="Add a contact to a debtor"
)
def create_debtor_contact(request: HttpRequest, debtor_id: Path[Id], payload: ContactCreate):
    contact = contact_create(debtor=_debtor(request, debtor_id), by=actor_of(request), **given(payload))
    return Status(201, selectors.contacts().get(pk=contact.pk))
