"""`tact bench matching`: import and match a camt.053 of N lines against a portfolio of open items.

The portfolio (``--items`` open invoices of ``--items / 10`` debtors) is written once per
size and kept; each run deletes the previous run's statements and payments and restores the
items' open amounts, so runs compare. The statement mixes what banks deliver: structured
references, invoice numbers in free text (with prefixes, spaces and lost leading zeros), one
payment for three invoices, partial payments, known payers' IBANs, names only, unknown payers.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.db import connection, transaction
from django.db.models import F
from stdnum.iso7064 import mod_97_10

from tact.core.bench import register
from tact.core.errors import ValidationFailed
from tact.core.jobs import all_creditors, creditor_scope
from tact.tenancy.models import Creditor
from tact.tenancy.services import creditor_add

from .parsers import statements_read
from .services import statement_import

SLUG = "bench-bank"
IBAN = "DE89370400440532013000"
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
RUN_TABLES = ["banking_suggestion", "banking_banktransaction", "banking_statement", "banking_payeraccount"]


def _arguments(parser) -> None:
    parser.add_argument("--lines", type=int, default=100_000, help="bank lines in the statement")
    parser.add_argument("--items", type=int, default=100_000, help="open items in the portfolio")
    parser.add_argument("--seed", type=int, default=1)


def _rf(debtor_id: int) -> str:
    base = str(debtor_id).zfill(10)
    return f"RF{mod_97_10.calc_check_digits(base + 'RF')}{base}"


def _portfolio(creditor: Creditor, items: int, seed: int) -> None:
    """Write ``items`` open invoices (10 per debtor) unless the portfolio has them already."""
    from tact.ledger.models import Debtor, Invoice

    if Invoice.objects.filter(creditor=creditor).count() == items:
        return
    with connection.cursor() as cursor:
        for table in ["audit_auditevent", "ledger_allocation", "ledger_payment", *RUN_TABLES, "ledger_invoice",
                      "ledger_debtor"]:  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])  # noqa: S608 - fixed names
    rng = random.Random(seed)
    debtors = Debtor.objects.bulk_create(
        [
            Debtor(
                creditor=creditor,
                number=f"D{n:07d}",
                name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {n} GmbH",
                country="DE",
                language="de",
                currency="EUR",
            )  # fmt: skip
            for n in range(max(1, items // 10))
        ],
        batch_size=5000,
    )
    start = date(2025, 1, 1)
    rows = []
    for n in range(items):
        issued = start + timedelta(days=rng.randrange(300))
        gross = Decimal(rng.randrange(1000, 500_000)) / 100
        rows.append(Invoice(creditor=creditor, debtor=debtors[n % len(debtors)], number=f"RE-2025-{n:06d}",
                            issued_on=issued, due_on=issued + timedelta(days=30), currency="EUR",
                            gross_amount=gross, open_amount=gross))  # fmt: skip
    Invoice.objects.bulk_create(rows, batch_size=5000)


_FIRST = ["Bäckerei", "Autohaus", "Praxis", "Kanzlei", "Gärtnerei", "Elektro", "Metallbau", "Café"]
_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]


def _reset(creditor: Creditor) -> None:
    """Undo the previous run: its lines, payments and allocations; open amounts back to gross."""
    from tact.ledger.models import Invoice

    with connection.cursor() as cursor:
        for table in RUN_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])  # noqa: S608
        for table in ("ledger_allocation", "ledger_payment", "audit_auditevent"):
            cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])  # noqa: S608
    Invoice.objects.filter(creditor=creditor).exclude(open_amount=F("gross_amount")).update(
        open_amount=F("gross_amount"), settled_on=None
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # VACUUM needs no transaction
        with connection.cursor() as cursor:
            for table in [
                *RUN_TABLES,
                "ledger_allocation",
                "ledger_payment",
                "ledger_invoice",
                "audit_auditevent",
            ]:
                cursor.execute(f"VACUUM ANALYZE {table}")


def _statement(creditor: Creditor, lines: int, seed: int) -> tuple[bytes, dict[str, int]]:
    """A camt.053.001.08 of ``lines`` credits paying the portfolio in the ways banks show it."""
    from tact.ledger.models import Invoice

    rng = random.Random(seed + 1)
    by_debtor: dict[int, list[tuple[str, Decimal]]] = {}
    for debtor_id, number, open_amount in (
        Invoice.objects.filter(creditor=creditor)
        .order_by("due_on", "id")
        .values_list("debtor_id", "number", "open_amount")
    ):
        by_debtor.setdefault(debtor_id, []).append((number, open_amount))
    debtor_ids = sorted(by_debtor)
    names = dict(creditor_debtor_names(creditor))
    entries, kinds = [], {"reference": 0, "invoice_number": 0, "three_invoices": 0, "partial": 0, "name": 0,
                          "unknown": 0}  # fmt: skip
    used: set[str] = set()
    for n in range(lines):
        debtor_id = rng.choice(debtor_ids)
        items = [i for i in by_debtor[debtor_id] if i[0] not in used] or by_debtor[debtor_id]
        roll = rng.random()
        name, iban, text, ref = names[debtor_id], f"DE{n % 89 + 10:02d}1203000000{n:010d}"[:22], "", ""
        if roll < 0.35:
            kind, amount, ref = "reference", items[0][1], _rf(debtor_id)
            used.add(items[0][0])
        elif roll < 0.65:
            number, amount = items[0]
            used.add(number)
            text = rng.choice(["Rechnung {}", "RE {}", "Rg.-Nr. {} danke", "Factuur {}"]).format(
                rng.choice([number, number.replace("-", " "), number.replace("-0", "-")])
            )
            kind = "invoice_number"
        elif roll < 0.75 and len(items) >= 3:
            three = items[:3]
            used.update(i[0] for i in three)
            amount = sum((i[1] for i in three), Decimal(0))
            text, kind = "Zahlung " + ", ".join(i[0] for i in three), "three_invoices"
        elif roll < 0.85:
            number, open_amount = items[0]
            amount = (open_amount / 2).quantize(Decimal("0.01"))
            text, kind = f"Teilzahlung {number}", "partial"
            used.add(number)
        elif roll < 0.95:
            kind, amount = "name", items[0][1]
            used.add(items[0][0])
        else:
            kind, amount, name, text = (
                "unknown",
                Decimal(rng.randrange(100, 99_999)) / 100,
                f"Unbekannt {n}",
                "Spende",
            )
        kinds[kind] += 1
        entries.append(_entry(n, amount, name, iban, text, ref))
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NAMESPACE}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2025-11-04T06:00:00</CreDtTm></GrpHdr><Stmt><Id>BENCH-{seed}</Id>"
        f"<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    )
    return (head + "".join(entries) + "</Stmt></BkToCstmrStmt></Document>").encode(), kinds


def creditor_debtor_names(creditor: Creditor):
    from tact.ledger.models import Debtor

    return Debtor.objects.filter(creditor=creditor).values_list("id", "name")


def _entry(n: int, amount: Decimal, name: str, iban: str, text: str, ref: str) -> str:
    remittance = f"<Ustrd>{escape(text)}</Ustrd>" if text else ""
    if ref:
        remittance += f"<Strd><CdtrRefInf><Ref>{ref}</Ref></CdtrRefInf></Strd>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>2025-11-04</Dt></BookgDt><ValDt><Dt>2025-11-04</Dt></ValDt><AcctSvcrRef>B{n:09d}</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{escape(name)}</Nm></Pty></Dbtr>"
        f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _database_cpu() -> float | None:
    """CPU seconds this connection's PostgreSQL backend has used, when the server runs on
    this machine (read from /proc); None elsewhere. The import waits for the database, so
    its wall time is about this plus the Python CPU on an idle machine."""
    local = connection.settings_dict.get("HOST") in ("", "localhost", "127.0.0.1", "::1")
    if connection.vendor != "postgresql" or not local:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@register("matching", arguments=_arguments)
def bench_matching(*, lines: int, items: int, seed: int, progress=None) -> dict:
    if not 1 <= lines <= 1_000_000 or not 10 <= items <= 5_000_000:
        raise ValidationFailed("--lines: 1 to 1,000,000; --items: 10 to 5,000,000.")
    with all_creditors():
        creditor = Creditor.objects.filter(slug=SLUG).first() or creditor_add(
            slug=SLUG, legal_name="Bank Benchmark GmbH", country="DE", iban=IBAN
        )
    with creditor_scope(creditor):
        if progress:
            progress(f"portfolio of {items} open items …")
        with transaction.atomic():
            _portfolio(creditor, items, seed)
        _reset(creditor)
        if progress:
            progress(f"statement of {lines} lines …")
        data, kinds = _statement(creditor, lines, seed)
        # The file is larger than the upload limit of the settings: the limit is given here,
        # not by overriding settings (a test utility) in product code.
        began = time.perf_counter()
        statements_read(data, filename="bench.xml", limit=len(data))
        parse_seconds = time.perf_counter() - began
        if progress:
            progress("import and match …")
        database = _database_cpu()
        began, cpu = time.perf_counter(), time.process_time()
        summary = statement_import(creditor=creditor, data=data, filename="bench.xml", by="bench",
                                   max_bytes=len(data))  # fmt: skip
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        after = _database_cpu()
    return {
        "lines": lines,
        "open_items": items,
        "database": connection.vendor,
        "file_mb": round(len(data) / 2**20, 1),
        "lines_by_kind": kinds,
        "result": summary.as_dict(),
        "parse_seconds": round(parse_seconds, 2),
        "seconds": round(seconds, 2),
        # This process's CPU only (the database works on its own): on a shared machine the wall
        # time above moves with the neighbours' load, this much less.
        "python_cpu_seconds": round(cpu, 2),
        # The database server's CPU for the import (PostgreSQL on this machine only, else null).
        "database_cpu_seconds": round(after - database, 2)
        if database is not None and after is not None
        else None,
        # Wall seconds by phase: reading the file, storing the lines' fingerprints, matching,
        # booking the sure matches (payments, allocations), writing the lines and
        # suggestions, and the commit (where PostgreSQL checks the new rows' foreign keys).
        "phases_seconds": summary.phases,
        "lines_per_second": round(lines / seconds),
        "goal_seconds_for_100k": 10,
    }
