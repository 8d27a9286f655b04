"""Appending many rows in a fixed number of statements, whatever their number.

PostgreSQL: ``core.bulk.insert_rows`` (ids from the sequence, then binary COPY).
SQLite: Django's ``bulk_create`` splits rows into batches of 999 parameters, so the number
of statements would grow with the rows; instead the rows go in as one JSON parameter to a
single ``INSERT … SELECT … FROM json_each(?)``, with ids counted on from the table's
largest. That is safe because SQLite has one writer at a time and the cycle runs inside
one transaction per creditor; it is the embedded default, not the scaled-out setup.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from tact.core.bulk import insert_rows


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def append_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert plain tuples (values in the order of ``fields``, by attname); return their ids.
    Unlisted auto_now(_add) fields get the time now."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return insert_rows(model, fields, rows)
    meta = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    stamped = [
        name
        for name, f in meta.items()
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and name not in fields
    ]
    now = _sqlite_value(timezone.now())
    jsons = {i for i, name in enumerate(fields) if isinstance(meta[name], models.JSONField)}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ["id", *(meta[name].column for name in (*fields, *stamped))]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table name
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(rows)))
        payload = [
            [
                pk,
                *(json.dumps(v) if i in jsons else _sqlite_value(v) for i, v in enumerate(row)),
                *([now] * len(stamped)),
            ]
            for pk, row in zip(ids, rows, strict=True)
        ]
        selects = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {selects} FROM json_each(%s)",  # noqa: S608
            [json.dumps(payload)],
        )
    return ids
