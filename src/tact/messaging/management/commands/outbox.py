"""tact outbox send [--creditor SLUG] [--limit N] [--json]"""

from __future__ import annotations

from datetime import timedelta

from tact.core.commands import TactCommand
from tact.core.jobs import creditor_scope
from tact.dunning.errors import CycleInputInvalid
from tact.dunning.management.commands._common import creditors_for, parse_day

from ...outbox import LEASE
from ...outbox_letters import letters_batch_submit
from ...sending import BATCH, outbox_send


def _positive(flag: str, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise CycleInputInvalid(field=flag, problem=f"{value} is not a positive number")
    return value


class Command(TactCommand):
    help = "The outbox: queue the actions ready to go and send the messages that are due."

    def add_subcommands(self, sub):
        send = sub.add_parser(
            "send",
            help="Queue ready actions, then send due messages (retries, fallbacks and contact rules applied). "
            "Prints {sent, failed, retried, skipped, ...}. Safe to run in several processes at once.",
        )
        send.add_argument("--creditor", help="slug of the creditor (default: every creditor)")
        send.add_argument("--limit", type=int, help="handle at most N messages")
        send.add_argument("--batch", type=int, default=BATCH, help=f"messages per claim (default {BATCH})")
        send.add_argument(
            "--lease-seconds",
            type=int,
            default=int(LEASE.total_seconds()),
            help="how long a claim holds before another sender may take the message over",
        )
        send.add_argument("--no-queue", action="store_true", help="send what is queued; make no new messages")
        send.add_argument("--json", action="store_true", help="print the report as JSON")
        letters = sub.add_parser("letters", help="Hand the letters sent on a day to the printer, in one PDF.")
        letters.add_argument("--creditor", required=True, help="slug of the creditor")
        letters.add_argument(
            "--date", dest="day", required=True, help="the day the letters were sent, YYYY-MM-DD"
        )
        letters.add_argument("--duplex", action="store_true", help="start every letter on a front side")
        letters.add_argument("--json", action="store_true", help="print the receipt as JSON")

    def handle_send(self, *, creditor, limit, batch, lease_seconds, no_queue, json, **_):
        _positive("--limit", limit)
        _positive("--batch", batch)
        _positive("--lease-seconds", lease_seconds)
        creditor_id = creditors_for(creditor)[0].pk if creditor else None
        report = outbox_send(
            creditor_id=creditor_id,
            limit=limit,
            batch=batch,
            lease=timedelta(seconds=lease_seconds),
            queue=not no_queue,
        ).as_dict()
        if json:
            self.emit_json(report)
            return
        held = ", ".join(f"{k} {v}" for k, v in report["held"].items()) or "none"
        self.stdout.write(
            f"{report['sent']} sent, {report['failed']} failed ({report['fallbacks']} fell back, "
            f"{report['unreachable']} unreachable), {report['retried']} to retry, {report['skipped']} held back "
            f"({held}), {report['queued']} queued, {report['cancelled']} cancelled, {report['waiting']} waiting "
            f"for a template fix, {report['in_doubt']} in doubt, {report['recovered']} recovered"
        )
        for error in report["errors"]:
            self.stderr.write(
                f"message {error['message']} ({error['channel']}): {error['code']}: {error['detail']}"
            )

    def handle_letters(self, *, creditor, day, duplex, json, **_):
        run_on = parse_day(day)
        creditor_obj = creditors_for(creditor)[0]
        with creditor_scope(creditor_obj):
            receipt = letters_batch_submit(creditor=creditor_obj, day=run_on, duplex=duplex)
        result = (
            {"letters": 0}
            if receipt is None
            else {
                "letters": receipt.letters,
                "batch_id": receipt.batch_id,
                "file": receipt.reference,
                "repeated": receipt.extra.get("repeated") == "true",
            }  # fmt: skip
        )
        if json:
            self.emit_json(result)
        elif receipt is None:
            self.stdout.write(f"no letters were sent on {run_on}")
        else:
            self.stdout.write(f"{receipt.letters} letter(s) in {receipt.reference}")
