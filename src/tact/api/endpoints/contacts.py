"""Contacts of all debtors (the flat view); creating one goes through its debtor."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tact.ledger.models import Contact
from tact.ledger.services import contact_delete, contact_update

from .. import selectors
from ..auth import actor_of
from ..common import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, get_or_404, sent
from ..fields import Id
from ..pagination import BY_ID, paginate
from ..schemas import ContactFilters, ContactOut, ContactPage, ContactPatch

router = Router(tags=["contacts"])


def _contact(contact_id: int) -> Contact:
    return get_or_404(selectors.contacts(), kind="Contact", pk=contact_id)


@router.get("", response={200: ContactPage, **LIST_ERRORS}, summary="List contacts")
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]):
    rows, next_cursor = paginate(
        selectors.contact_list(filters=filters), ordering=BY_ID, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.get("/{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: Path[Id]):
    return _contact(contact_id)


@router.patch("/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, summary="Change a contact")
def update_contact(request: HttpRequest, contact_id: Path[Id], payload: ContactPatch):
    contact = contact_update(contact=_contact(contact_id), by=actor_of(request), **sent(payload))
    return _contact(contact.pk)


@router.delete("/{contact_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a contact")
def delete_contact(request: HttpRequest, contact_id: Path[Id]):
    contact_delete(contact=_contact(contact_id), by=actor_of(request))
    return Status(204, None)
