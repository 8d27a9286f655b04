"""Set-based inserts: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create spends most of its time preparing parameters row by row. On PostgreSQL,
COPY with ids reserved from the table's sequence in one query is several times faster and
still gives every object its primary key, so rows that refer to it can follow.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg.types.json import Jsonb

BATCH = 5000


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _reserve_ids(cursor, table: str, count: int) -> list[int]:
    """``count`` ids from the table's sequence, safe beside other sessions drawing from it.

    The sequence is looked up once: called per row, pg_get_serial_sequence (a catalog
    lookup) cost more than the nextval itself, about 7 s for a million ids.
    """
    cursor.execute(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` and set their primary keys. Fields with auto_now(_add) get the time now."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    table = model._meta.db_table
    fields = _columns(model)
    now = timezone.now()
    stamped = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    jsons = {f.attname for f in fields if isinstance(f, models.JSONField)}
    files = {f.attname for f in fields if isinstance(f, models.FileField)}
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        ids = _reserve_ids(cursor, table, len(objs))
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {connection.ops.quote_name(table)} (id, {columns}) FROM STDIN") as copy:
            for pk, obj in zip(ids, objs, strict=True):
                obj.pk = pk
                for name in stamped:
                    setattr(obj, name, now)
                values: list[Any] = [pk]
                for name in names:
                    value = getattr(obj, name)
                    if name in jsons and value is not None:
                        value = Jsonb(value)
                    elif name in files:
                        value = value.name or ""
                    values.append(value)
                copy.write_row(values)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _pg_type(field: models.Field) -> str:
    """The type name psycopg's binary COPY needs: "numeric" for "numeric(18, 4)"."""
    name = (
        field.rel_db_type(connection) if isinstance(field, models.ForeignKey) else field.db_type(connection)
    )
    name = (name or "").split("(")[0].strip()
    aliases = {"bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool",
               "timestamp with time zone": "timestamptz", "double precision": "float8"}  # fmt: skip
    return aliases.get(name, name)


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert plain tuples (values in the order of ``fields``, by attname) and return their ids.

    For the largest tables: no model instance per row. Fields that are not listed get what
    a model instance would: the time now (auto_now/auto_now_add), their default, or NULL;
    fields with a ``db_default`` are left to the database.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH)
        return [obj.pk for obj in objs]
    meta_fields = {f.attname: f for f in _columns(model)}
    unlisted = [f for name, f in meta_fields.items() if name not in fields and not _has_db_default(f)]
    stamped = [f for f in unlisted if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    # A callable default (list for a JSONField, a uuid) is called for each row, as for an instance.
    varying = [f for f in unlisted if f not in stamped and f.has_default() and callable(f.default)]
    fixed = [f for f in unlisted if f not in stamped and f not in varying]
    now = timezone.now()
    tail = (*(now for _ in stamped), *(f.get_default() for f in fixed))
    table = model._meta.db_table
    extra = [*stamped, *fixed, *varying]
    names = [*fields, *(f.attname for f in extra)]
    columns = ", ".join(connection.ops.quote_name(meta_fields[name].column) for name in names)
    with connection.cursor() as cursor:
        ids = _reserve_ids(cursor, table, len(rows))
        types = ["int8", *(_pg_type(meta_fields[name]) for name in names)]
        sql = f"COPY {connection.ops.quote_name(table)} (id, {columns}) FROM STDIN (FORMAT BINARY)"
        with cursor.cursor.copy(sql) as copy:
            # Binary rows spare the server from parsing text: the database is the bottleneck here.
            copy.set_types(types)
            write = copy.write_row
            if varying:
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *row, *tail, *(f.get_default() for f in varying)))
            else:
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *row, *tail))
    return ids


def _has_db_default(field: models.Field) -> bool:
    return getattr(field, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED


def ids_in(field: str, ids: Collection[int]) -> Q:
    """``Q(<field>__in=ids)`` for many integer ids: on PostgreSQL the ids go as one array
    parameter (``IN (SELECT unnest(array))``); a parameter per id made psycopg split a query
    of 100,000 placeholders in Python, seconds per statement. Elsewhere the plain ``__in``
    (batch the ids for SQLite, as ``rows_where_in`` does)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    literal = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", [literal])})


def rows_where_in(queryset: QuerySet, field: str, ids: Collection[int], *columns: str) -> list[tuple]:
    """``queryset.filter(<field>__in=ids).values_list(*columns)`` for many integer ids: one
    query on PostgreSQL (``ids_in``), batches of ``BATCH`` ids elsewhere (SQLite's limit of
    parameters)."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        return list(queryset.filter(ids_in(field, ids)).values_list(*columns))
    values = list(ids)
    rows: list[tuple] = []
    for start in range(0, len(values), BATCH):
        rows.extend(queryset.filter(**{f"{field}__in": values[start : start + BATCH]}).values_list(*columns))
    return rows


def text_array(values: Collection[str]) -> str:
    """A PostgreSQL array literal of ``values`` as text (quoted): one parameter for many."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
