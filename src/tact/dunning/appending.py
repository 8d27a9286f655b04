"""Appending many rows in a fixed number of statements, whatever their number.

PostgreSQL: binary COPY, the ids left to the table's default (``core.bulk.insert_rows``
reserves them first, which costs a round trip of every id when they are not needed).
SQLite: Django's ``bulk_create`` splits rows into batches of 999 parameters, so the number
of statements would grow with the rows; instead the rows go in as one JSON parameter to a
single ``INSERT … SELECT … FROM json_each(?)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import set_json_dumps

# psycopg's binary COPY needs each column's type by name.
PG_TYPES = {"bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool",
            "timestamp with time zone": "timestamptz"}  # fmt: skip


def _pg_type(field: models.Field) -> str:
    name = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    name = (name or "").split("(")[0].strip()
    return PG_TYPES.get(name, name)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _json_text(value: Any) -> str:
    """JSON fields take a ready JSON text (a str: our JSON columns never hold a bare string)
    or a value to serialize."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _copy(model: type[models.Model], names: list[str], rows: Sequence[Sequence[Any]]) -> None:
    meta = {f.attname: f for f in model._meta.concrete_fields}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta[name].column) for name in names)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        set_json_dumps(_json_text, context=raw)
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_pg_type(meta[name]) for name in names])
            for row in rows:
                copy.write_row(row)


def append_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain tuples (values in the order of ``fields``, by attname) in one statement;
    the database numbers them. Unlisted auto_now(_add) fields get the time now. JSON fields
    take a JSON text or a value."""
    if not rows:
        return
    meta = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    stamped = [
        name
        for name, f in meta.items()
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and name not in fields
    ]
    if connection.vendor == "postgresql":
        tail = (timezone.now(),) * len(stamped)
        _copy(model, [*fields, *stamped], [(*row, *tail) for row in rows] if tail else rows)
        return
    now = _sqlite_value(timezone.now())
    jsons = {i for i, name in enumerate(fields) if isinstance(meta[name], models.JSONField)}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [meta[name].column for name in (*fields, *stamped)]
    payload = [
        [
            *(_json_text(v) if i in jsons else _sqlite_value(v) for i, v in enumerate(row)),
            *([now] * len(stamped)),
        ]
        for row in rows
    ]
    selects = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {selects} FROM json_each(%s)",  # noqa: S608 - our own names
            [json.dumps(payload, ensure_ascii=False)],
        )
