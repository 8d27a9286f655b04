"""`tact demo`: load the demo portfolio into a creditor and print what was loaded."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tact.core import clock
from tact.core.errors import TactError
from tact.core.jobs import all_creditors, creditor_scope
from tact.demo.history import HISTORY_DAYS, HistoryReport, demo_history
from tact.demo.services import DEMO_PASSWORD, DemoReport, demo_load
from tact.tenancy.models import Creditor


class Command(BaseCommand):
    help = (
        "Load a realistic, deterministic demo portfolio (debtors in DE, NL, BE, AT with contacts, "
        "invoices, credit notes and payments) into a creditor, creating it and its staff users."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "what",
            nargs="?",
            default="portfolio",
            choices=["portfolio", "bank-statement"],
            help="portfolio (default): load the demo portfolio; bank-statement: write a camt.053 "
            "paying into the creditor's open items (--out FILE, --transactions N) for `tact bank import`",
        )
        parser.add_argument("--out", default=None, help="bank-statement: the file to write")
        parser.add_argument(
            "--transactions", type=int, default=200, help="bank-statement: number of lines (default 200)"
        )
        parser.add_argument("--creditor", default="demo", help="slug of the creditor (created if missing)")
        parser.add_argument("--debtors", type=int, default=500, help="number of debtors (default 500)")
        parser.add_argument(
            "--months", type=int, default=18, help="months of history before today (default 18)"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed; the same seed gives the same data"
        )
        parser.add_argument("--reset", action="store_true", help="delete the creditor's ledger data first")
        parser.add_argument(
            "--history-days",
            type=int,
            default=HISTORY_DAYS,
            help=f"replay the daily cycle over this many past days, with holds (default {HISTORY_DAYS}; 0: none)",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON report")

    def handle(self, *args, **options) -> None:
        if options["what"] == "bank-statement":
            self._bank_statement(options)
            return
        days = options["history_days"]
        if not 0 <= days <= 365:
            raise CommandError(f"--history-days: {days} is not between 0 and 365.", returncode=2)
        today = clock.today()
        try:
            report = demo_load(
                slug=options["creditor"],
                debtors=options["debtors"],
                months=options["months"],
                seed=options["seed"],
                today=today,
                reset=options["reset"],
            )
            history = None
            if days:
                with all_creditors():
                    creditor = Creditor.objects.get(slug=report.creditor)
                with creditor_scope(creditor):
                    history = demo_history(creditor=creditor, seed=options["seed"], today=today, days=days)
        except TactError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if options["json"]:
            data = report.as_dict()
            if history is not None:
                data["history"] = history.as_dict()
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(summary(report, history))

    def _bank_statement(self, options) -> None:
        from tact.demo.bank_statement import demo_bank_statement

        if not options["out"]:
            raise CommandError("bank-statement: --out FILE names the file to write.", returncode=2)
        if not 1 <= options["transactions"] <= 100_000:
            raise CommandError("--transactions: 1 to 100,000.", returncode=2)
        with all_creditors():
            creditor = Creditor.objects.filter(slug=options["creditor"]).first()
        if creditor is None:
            raise CommandError(f"--creditor: no creditor {options['creditor']!r}; run `tact demo` first.",
                               returncode=2)  # fmt: skip
        with creditor_scope(creditor):
            plan = demo_bank_statement(creditor=creditor, transactions=options["transactions"],
                                       seed=options["seed"], today=clock.today(creditor.timezone))  # fmt: skip
        with open(options["out"], "wb") as out:
            out.write(plan.data)
        if options["json"]:
            self.stdout.write(json.dumps({"file": options["out"], **plan.as_dict()}, indent=2))
        else:
            kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in plan.counts.items() if n)
            self.stdout.write(f"wrote {options['out']}: {sum(plan.counts.values())} lines ({kinds}).\n"
                              f"Import it: tact bank import --creditor {creditor.slug} {options['out']}")  # fmt: skip


def summary(report: DemoReport, history: HistoryReport | None = None) -> str:
    def n(value: int) -> str:
        return f"{value:,}"

    lines = [
        f"Demo portfolio loaded into creditor {report.creditor!r} ({report.legal_name})"
        + (" after deleting its previous ledger" if report.reset else "")
        + f", seed {report.seed}, {report.months} months up to {report.today:%Y-%m-%d}.",
        f"  debtors        {n(report.debtors)} ({n(report.business_debtors)} business, "
        f"{n(report.consumer_debtors)} consumers)",
        f"  contacts       {n(report.contacts)}",
        f"  items          {n(report.invoices)} (of which {n(report.credit_notes)} credit notes)",
        f"  open items     {n(report.open_items)}: {n(report.overdue_items)} overdue, "
        f"{n(report.not_due_items)} not yet due",
        f"  open amount    EUR {report.open_amount:,.2f} (overdue EUR {report.overdue_amount:,.2f})",
        f"  payments       {n(report.payments)} ({n(report.allocations)} allocations)",
        f"  time           {report.seconds:.1f} s ({n(report.rows_per_second)} rows/s)",
    ]
    if history is not None:
        holds = ", ".join(f"{count} {reason}" for reason, count in history.holds.items()) or "none"
        lines += [
            f"  history        the cycle replayed on {history.days_replayed} past days: "
            f"{n(history.actions_sent)} messages taken as sent, {n(history.actions_skipped)} skipped, "
            f"{n(history.charges_booked)} charges booked",
            f"  holds          {holds}",
        ]
    lines.append("Log in with:")
    for login in report.logins:
        password = login.password or f"(existing account; password unchanged, demo default {DEMO_PASSWORD})"
        lines.append(f"  {login.email:<24} {password:<16} {login.role}")
    return "\n".join(lines)
