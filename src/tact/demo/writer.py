"""Set-based writing of generated rows: COPY on PostgreSQL, bulk_create elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from psycopg import sql
from psycopg.types.json import Jsonb

BULK_BATCH = 2000


class RowWriter:
    """Inserts plain tuples for one creditor, a chunk at a time.

    ``fields`` name model attributes (``debtor_id`` for a foreign key); every row also gets
    the writer's ``creditor_id``. With ``with_ids`` the new primary keys come back in row
    order, so the caller can point the next table's rows at them.
    """

    def __init__(self, *, creditor_id: int) -> None:
        self.creditor_id = creditor_id
        self.uses_copy = connection.vendor == "postgresql"
        if self.uses_copy:
            # Django's foreign keys are deferred to the commit, where a million rows would be
            # checked at once while the client idles. Checked per statement instead, the
            # server verifies a chunk while the next one is being generated.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def insert(
        self, model: type[models.Model], fields: Sequence[str], rows: list[tuple], *, with_ids: bool
    ) -> list[int]:
        if not rows:
            return []
        if self.uses_copy:
            return self._copy(model, fields, rows, with_ids=with_ids)
        objs = [model(creditor_id=self.creditor_id, **dict(zip(fields, row, strict=True))) for row in rows]
        # The scoped manager refuses to work outside a scope; the caller holds one.
        model.objects.bulk_create(objs, batch_size=BULK_BATCH)
        return [obj.pk for obj in objs] if with_ids else []

    def _copy(
        self, model: type[models.Model], fields: Sequence[str], rows: list[tuple], *, with_ids: bool
    ) -> list[int]:
        meta = model._meta
        table = meta.db_table
        columns = ["creditor_id", *(meta.get_field(name).column for name in fields)]
        json_positions = [
            i for i, name in enumerate(fields) if isinstance(meta.get_field(name), models.JSONField)
        ]
        creditor_id = self.creditor_id
        with connection.cursor() as cursor:
            ids: list[int] = []
            if with_ids:
                # COPY returns nothing, so the ids are drawn from the table's sequence first
                # (one round trip) and written explicitly.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                columns.insert(0, "id")
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cursor.copy(statement) as copy:
                write = copy.write_row
                for n, row in enumerate(rows):
                    if json_positions:
                        row = list(row)
                        for i in json_positions:
                            row[i] = Jsonb(row[i])
                    if with_ids:
                        write((ids[n], creditor_id, *row))
                    else:
                        write((creditor_id, *row))
        return ids
