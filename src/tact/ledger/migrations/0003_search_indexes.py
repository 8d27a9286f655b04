"""Search indexes for the debtor list at a million items (PostgreSQL only).

Django's icontains/istartswith become ``UPPER(col::text) LIKE UPPER(%s)``; these expression
indexes match that exactly: trigram GIN for "contains" on names and e-mails, a pattern-ops
B-tree for an item-number prefix. SQLite needs none of it at its sizes.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS debtor_name_trgm ON ledger_debtor USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_email_trgm ON ledger_contact USING gin (UPPER(email::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS invoice_number_prefix ON ledger_invoice "
    "(creditor_id, UPPER(number::text) varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS invoice_number_prefix",
    "DROP INDEX IF EXISTS contact_email_trgm",
    "DROP INDEX IF EXISTS debtor_name_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_open_by_debtor_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
