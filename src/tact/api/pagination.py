"""Cursor pagination: stable under inserts, constant cost on every page.

A cursor is the URL-safe base64 of JSON ``[sort value, id]`` of the last item of the page;
the next page starts strictly after that pair in the list's fixed ordering.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from tact.core.errors import ValidationFailed

from .fields import MAX_ID

M = TypeVar("M", bound=Model)


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    template = "{field}: {problem}"


@dataclass(frozen=True)
class Ordering:
    """A list's order: one sort field, then the id as tie-breaker, both in one direction."""

    field: str
    descending: bool = False
    parse: Callable[[Any], Any] = str

    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.field}", f"{sign}id"

    def after(self, value: Any, pk: int) -> Q:
        op = "lt" if self.descending else "gt"
        return Q(**{f"{self.field}__{op}": value}) | Q(**{self.field: value, f"id__{op}": pk})


def _id(value: Any) -> int:
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("not an id")
    return value


BY_ID = Ordering("id", parse=_id)


def _iso_date(value: Any) -> date:
    return date.fromisoformat(value)


def by_date(field: str, *, descending: bool = False) -> Ordering:
    return Ordering(field, descending=descending, parse=_iso_date)


def encode_cursor(value: Any, pk: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, date) else value, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Ordering) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_ID:
            raise ValueError("bad id")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("bad sort value")
        if isinstance(value, str) and ("\x00" in value or len(value) > 500):
            raise ValueError("bad sort value")
        if isinstance(value, str):
            value.encode("utf-8")  # lone surrogates raise UnicodeEncodeError, a ValueError
        return ordering.parse(value), pk
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        # json.JSONDecodeError is a ValueError; a wrong shape fails the unpacking with one too.
        raise InvalidCursor(field="cursor", problem="is not a cursor this list handed out.") from exc


def paginate(
    queryset: QuerySet[M], *, ordering: Ordering, cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    queryset = queryset.order_by(*ordering.order_by())
    if cursor:
        value, pk = decode_cursor(cursor, ordering)
        queryset = queryset.filter(ordering.after(value, pk))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, ordering.field), last.pk)
