"""`tact bench import`: import throughput on a generated open-items list."""

from __future__ import annotations

import csv
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from tact.core.bench import register
from tact.core.errors import ValidationFailed
from tact.core.jobs import all_creditors, creditor_scope
from tact.tenancy.models import Creditor
from tact.tenancy.services import creditor_add

from .imports.services import import_file

SLUG = "bench"
HEADER = ["Rechnungsnummer", "Kundennummer", "Kunde", "E-Mail", "Land", "Rechnungsdatum", "Fälligkeitsdatum",
          "Betrag", "Offener Betrag", "Währung"]  # fmt: skip
TABLES = ["audit_auditevent", "ledger_allocation", "ledger_payment", "ledger_invoice", "ledger_contact",
          "ledger_debtor", "ledger_importrun"]  # fmt: skip


def _arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated file")
    parser.add_argument("--seed", type=int, default=1)


def write_open_items_csv(path: Path, *, rows: int, seed: int) -> None:
    """A German ERP export (semicolon, decimal comma, dd.mm.yyyy) with ~10 items per debtor."""
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    debtors = max(1, rows // 10)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for n in range(rows):
            d = rng.randrange(debtors)
            issued = start + timedelta(days=rng.randrange(690))
            gross = Decimal(rng.randrange(1000, 2_500_000)) / 100
            open_amount = gross if rng.random() < 0.8 else (gross / 2).quantize(Decimal("0.01"))
            out.writerow([
                f"RE-{n:08d}", f"D{d:06d}", f"Kunde {d} GmbH", f"ap{d}@kunde{d}.example", "DE",
                issued.strftime("%d.%m.%Y"), (issued + timedelta(days=30)).strftime("%d.%m.%Y"),
                f"{gross:.2f}".replace(".", ","), f"{open_amount:.2f}".replace(".", ","), "EUR",
            ])  # fmt: skip


def _reset(creditor: Creditor) -> None:
    """Empty the bench creditor's ledger, so every run measures an import into a clean one."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])  # noqa: S608 - fixed names
    if connection.vendor == "postgresql":
        # A million deleted rows leave dead index entries that a new import would wade through.
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")


@register("import", arguments=_arguments)
def bench_import(*, rows: int, seed: int, progress=None) -> dict:
    if not 1 <= rows <= 20_000_000:
        raise ValidationFailed(f"--rows: {rows} is not between 1 and 20,000,000.")
    folder = Path(settings.VAR_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"open-items-{rows}-{seed}.csv"
    if not path.exists():
        if progress:
            progress(f"writing {path} …")
        write_open_items_csv(path, rows=rows, seed=seed)
    with all_creditors():
        creditor = Creditor.objects.filter(slug=SLUG).first() or creditor_add(
            slug=SLUG, legal_name="Benchmark GmbH", country="DE"
        )
        _reset(creditor)
    figures: dict = {
        "rows": rows,
        "database": connection.vendor,
        "file_mb": round(path.stat().st_size / 2**20, 1),
    }
    with creditor_scope(creditor):
        for label in ("first_import", "reimport"):
            if progress:
                progress(f"{label} …")
            began = time.perf_counter()
            report = import_file(creditor=creditor, path=path, actor_label="bench")
            seconds = time.perf_counter() - began
            if report.error_count:
                raise RuntimeError(f"benchmark file did not import: {report.errors[:3]}")
            figures[f"{label}_seconds"] = round(seconds, 2)
            figures[f"{label}_rows_per_second"] = round(rows / seconds)
            figures[f"{label}_created_invoices"] = report.created_invoices
            figures[f"{label}_unchanged"] = report.unchanged
    figures["goal_rows_per_second"] = 20_000
    return figures
