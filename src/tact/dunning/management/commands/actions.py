"""tact actions list [--creditor SLUG] --date YYYY-MM-DD [--status S] [--json]"""

from __future__ import annotations

from tact.core.commands import TactCommand
from tact.core.jobs import creditor_scope
from tact.dunning.errors import CycleInputInvalid
from tact.dunning.models import ActionStatus
from tact.dunning.selectors import action_as_dict, actions_for_day

from ._common import creditors_for, parse_day


class Command(TactCommand):
    help = "The actions the daily cycle planned: debtor, items, stage, channel, amounts and the explanation."

    def add_subcommands(self, sub):
        listing = sub.add_parser("list", help="List the actions of one day.")
        listing.add_argument("--creditor", help="slug of the creditor (default: every creditor)")
        listing.add_argument("--date", dest="day", help="the cycle's day, YYYY-MM-DD")
        listing.add_argument(
            "--status", help=f"only actions in this status ({', '.join(ActionStatus.values)})"
        )
        listing.add_argument("--json", action="store_true")

    def handle_list(self, *, day, creditor, status, json, **_):
        run_on = parse_day(day)
        if status and status not in ActionStatus.values:
            raise CycleInputInvalid(
                field="--status", problem=f"{status!r} is not one of {', '.join(ActionStatus.values)}"
            )
        rows = []
        for each in creditors_for(creditor):
            with creditor_scope(each):
                rows += [
                    {"creditor": each.slug, **action_as_dict(a)}
                    for a in actions_for_day(run_on=run_on, status=status)
                ]
        if json:
            self.emit_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['creditor']} {row['debtor']:<12} {row['stage']:<20} {row['channel']:<7} {row['status']:<18} "
                f"{row['open_amount']:>12} {row['currency']} interest {row['interest']} fees {row['fees']} "
                f"flat {row['flat_compensation']}  items {', '.join(row['items'])}"
            )
        self.stdout.write(f"{len(rows)} actions on {run_on:%Y-%m-%d}")
