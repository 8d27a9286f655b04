"""tact cycle [--creditor SLUG] --date YYYY-MM-DD [--dry-run] [--json]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tact.core.commands import EXIT_BAD_INPUT
from tact.core.errors import TactError
from tact.core.jobs import creditor_scope
from tact.dunning.services import CycleSummary, cycle_run

from ._common import creditors_for, parse_day


class Command(BaseCommand):
    help = (
        "Run the daily dunning cycle for one creditor (or every creditor) and day: decide each debtor's next "
        "step, write the actions and the stage history, and print a summary. --dry-run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--creditor", help="slug of the creditor (default: every creditor)")
        parser.add_argument("--date", dest="day", help="the day to run for, YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="decide and print, write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        try:
            run_on = parse_day(options["day"])
            creditors = creditors_for(options["creditor"])
            summaries = []
            for creditor in creditors:
                with creditor_scope(creditor):
                    summaries.append(
                        cycle_run(creditor=creditor, run_on=run_on, dry_run=options["dry_run"], actor="cycle")
                    )
        except TactError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.as_dict()}, ensure_ascii=False))
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from exc
        total = summaries[0] if len(summaries) == 1 else _total(run_on, summaries)
        if options["json"]:
            self.stdout.write(json.dumps(total.as_dict(), ensure_ascii=False, indent=2))
            return
        for summary in summaries:
            self.stdout.write(_line(summary))


def _total(run_on, summaries: list[CycleSummary]) -> CycleSummary:
    total = CycleSummary(date=run_on, creditor="*")
    for summary in summaries:
        total.add(summary)
    total.elapsed_s = sum(s.elapsed_s for s in summaries)
    return total


def _line(summary: CycleSummary) -> str:
    held = ", ".join(f"{k} {v}" for k, v in summary.held.items() if v) or "none"
    stages = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_stage.items())) or "none"
    channels = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_channel.items())) or "none"
    return (
        f"{summary.creditor} {summary.date:%Y-%m-%d}{' (dry run, nothing written)' if summary.dry_run else ''}: "
        f"{summary.debtors_considered} debtors considered, {summary.actions} actions "
        f"({summary.items_advancing} items), {summary.awaiting_approval} awaiting approval, "
        f"{summary.refused_by_law} charges refused by law, {summary.below_threshold} items below threshold; "
        f"by stage: {stages}; by channel: {channels}; held: {held}; {summary.elapsed_s:.2f} s"
    )
