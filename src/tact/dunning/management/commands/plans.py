"""tact plans check [--creditor SLUG] --date YYYY-MM-DD [--json]
tact plans sepa-export --creditor SLUG --date YYYY-MM-DD --out FILE [--json]

The daily check of payment plans and promises (run before the cycle; the cycle task runs
it too), and the SEPA Direct Debit file of the instalments to collect on a day.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from tact.arrangements.sepa import sepa_export
from tact.core.commands import TactCommand
from tact.core.jobs import creditor_scope
from tact.dunning.arrangement_holds import arrangements_check
from tact.dunning.errors import CycleInputInvalid

from ._common import creditors_for, parse_day


class Command(TactCommand):
    help = "Payment plans and promises: the daily check, and the SEPA Direct Debit (pain.008) export."

    def add_subcommands(self, sub):
        check = sub.add_parser(
            "check",
            help="Mark instalments paid, plan reminders, complete or default plans, keep or break promises, "
            "and end the holds of what ended (idempotent per day).",
        )
        check.add_argument("--creditor", help="slug of the creditor (default: every creditor)")
        check.add_argument("--date", dest="day", help="the day, YYYY-MM-DD")
        check.add_argument("--json", action="store_true")
        export = sub.add_parser(
            "sepa-export", help="Write the pain.008.001.02 file of the instalments to collect on a day."
        )
        export.add_argument("--creditor", help="slug of the creditor")
        export.add_argument("--date", dest="day", help="the collection day, YYYY-MM-DD")
        export.add_argument("--out", help="the file to write")
        export.add_argument("--json", action="store_true")

    def handle_check(self, *, creditor, day, json, **_):
        today = parse_day(day)
        results = []
        for target in creditors_for(creditor):
            with creditor_scope(target):
                results.append(
                    arrangements_check(creditor=target, today=today, actor="plans_command").as_dict()
                )
        if json:
            self.emit_json(results if len(results) != 1 else results[0])
            return
        for r in results:
            self.stdout.write(
                f"{r['creditor']} {r['date']}: {r['instalments_paid']} instalments paid, "
                f"{r['instalments_missed']} missed, {r['reminders_before']} reminders before and "
                f"{r['reminders_missed']} after a miss planned, {r['plans_completed']} plans completed, "
                f"{r['plans_defaulted']} defaulted, {r['promises_kept']} promises kept, "
                f"{r['promises_broken']} broken, {r['holds_ended']} holds ended"
            )

    def handle_sepa_export(self, *, creditor, day, out, json, **_):
        collect_on = parse_day(day)
        if not creditor:
            raise CycleInputInvalid(field="--creditor", problem="is required")
        if not out:
            raise CycleInputInvalid(field="--out", problem="is required (a file to write)")
        target = creditors_for(creditor)[0]
        with creditor_scope(target):
            export = sepa_export(
                creditor=target, collect_on=collect_on, now=timezone.now(), by="plans_command"
            )
        Path(out).write_bytes(export.document)
        summary = {"creditor": target.slug, "date": collect_on.isoformat(), "count": export.count,
                   "total": f"{export.total:.2f}", "currency": "EUR", "file": out}  # fmt: skip
        if json:
            self.emit_json(summary)
        else:
            self.stdout.write(
                f"{target.slug} {collect_on}: {export.count} direct debits, {export.total:.2f} EUR, "
                f"pain.008.001.02 valid against its XSD, written to {out}"
            )
