"""Small helpers the endpoint modules share."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Schema

from tact.core.errors import NotFound, PermissionDenied, ValidationFailed
from tact.ledger.models import Debtor
from tact.tenancy.models import may

from .schemas import Problem

M = TypeVar("M", bound=Model)

# Error responses, declared so the schema (and its clients) know every answer.
LIST_ERRORS: dict[int, Any] = {401: Problem, 422: Problem}
READ_ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
}


def get_or_404(queryset: QuerySet[M], *, kind: str, **lookup: Any) -> M:
    """One row of the request's creditor. Another creditor's row is "not found", never
    "forbidden": the answer must not tell that it exists."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound(kind=kind)
    return found


def sent(payload: Schema) -> dict[str, Any]:
    """The fields a PATCH body named (with their parsed values: Decimal, date, str)."""
    return {name: getattr(payload, name) for name in payload.model_fields_set}


def given(payload: Schema, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A create body's fields that have a value; the services fill in the rest."""
    return {
        name: value
        for name in type(payload).model_fields
        if name not in exclude and (value := getattr(payload, name)) is not None
    }


def require(request: Any, action: str) -> None:
    if not may(request.auth.role, action):
        raise PermissionDenied(action=action)


class InvalidReference(ValidationFailed):
    code = "invalid_reference"
    template = "{field}: {problem}"


def debtor_ref(*, debtor_id: int | None, debtor_number: str | None, required: bool) -> Debtor | None:
    """The debtor a request body names by ``debtor_id`` or ``debtor_number`` (one of them)."""
    if debtor_id is not None and debtor_number is not None:
        raise InvalidReference(field="debtor_number", problem="give debtor_id or debtor_number, not both.")
    if debtor_id is None and debtor_number is None:
        if required:
            raise InvalidReference(field="debtor_id", problem="give debtor_id or debtor_number.")
        return None
    if debtor_id is not None:
        found = Debtor.objects.filter(pk=debtor_id).first()
        field = "debtor_id"
    else:
        found = Debtor.objects.filter(number=debtor_number).first()
        field = "debtor_number"
    if found is None:
        raise InvalidReference(field=field, problem="no such debtor.")
    return found
