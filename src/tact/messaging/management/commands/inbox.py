"""tact inbox fetch | receive | list — replies and bounces that reach tact by e-mail."""

from __future__ import annotations

from pathlib import Path

from tact.core.commands import TactCommand
from tact.core.jobs import all_creditors, creditor_scope
from tact.tenancy.models import Creditor

from ...inbound.errors import InboundFileInvalid
from ...inbound.imap import inbox_fetch
from ...inbound.models import InboundMessage
from ...inbound.parsing import max_bytes
from ...inbound.services import inbound_receive


class Command(TactCommand):
    help = "Inbound mail: poll the IMAP mailbox, receive an .eml file, list mail awaiting a person."

    def add_subcommands(self, sub):
        fetch = sub.add_parser("fetch", help="Fetch unseen mail from TACT_IMAP_HOST and act on it.")
        fetch.add_argument("--creditor", help="slug of the creditor whose mailbox this is")
        fetch.add_argument("--limit", type=int, help="at most this many messages")
        fetch.add_argument("--json", action="store_true")
        receive = sub.add_parser("receive", help="Receive one e-mail file (.eml) as if it had arrived.")
        receive.add_argument("file", help="path of the .eml file")
        receive.add_argument("--creditor", help="slug of the creditor whose mailbox it came from")
        receive.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="Mail awaiting a person, newest first.")
        listing.add_argument("--creditor", help="creditor slug (default: mail nobody could match)")
        listing.add_argument("--json", action="store_true")

    def _creditor(self, slug: str | None) -> Creditor | None:
        if not slug:
            return None
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            self.fail(f"--creditor: no creditor {slug!r}")
        return creditor

    def handle_fetch(self, *, creditor, limit, json, **_):
        if limit is not None and limit < 1:
            self.fail(f"--limit: expected a positive number, got {limit}")
        report = inbox_fetch(creditor=self._creditor(creditor), limit=limit)
        if json:
            self.emit_json(report.as_dict())
            return
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(report.kinds.items())) or "nothing new"
        self.stdout.write(
            f"fetched {report.fetched}: stored {report.stored} ({kinds}), "
            f"already known {report.duplicates}, unmatched {report.unmatched}"
        )
        for error in report.errors:
            self.stderr.write(f"uid {error['uid']}: {error['error']}")

    def handle_receive(self, *, file, creditor, json, **_):
        path = Path(file)
        if not path.is_file():
            raise InboundFileInvalid(field="file", problem=f"{file} is not a readable file")
        size = path.stat().st_size
        if size > 4 * max_bytes():
            raise InboundFileInvalid(
                field="file", problem=f"{size} bytes; expected an e-mail of at most {max_bytes()}"
            )
        received = inbound_receive(path.read_bytes(), source="file", creditor=self._creditor(creditor))
        data = received.as_dict()
        if json:
            self.emit_json(data)
            return
        row = received.inbound
        whose = (
            f"debtor {data['debtor']} of {data['creditor']}"
            if data["debtor"]
            else "nobody (kept for a person)"
        )
        verb = "stored" if received.created else "already known"
        intent = f", intent {row.intent} ({row.intent_confidence:.2f})" if row.intent else ""
        self.stdout.write(f"{verb}: {row.kind} #{row.pk} for {whose}{intent}")
        for action in row.actions:
            self.stdout.write(f"  {action}")

    def handle_list(self, *, creditor, json, **_):
        creditor_obj = self._creditor(creditor)
        if creditor_obj is None:
            with all_creditors():
                rows = list(InboundMessage.unassigned.filter(needs_person=True)[:200])
        else:
            with creditor_scope(creditor_obj):
                rows = list(InboundMessage.objects.filter(needs_person=True).select_related("debtor")[:200])
        items = [
            {
                "id": r.pk,
                "received_at": r.received_at.isoformat(),
                "kind": r.kind,
                "reason": r.person_reason,
                "debtor": r.debtor.number if r.debtor_id else None,
                "from": r.from_address,
                "subject": r.subject,
                "intent": r.intent,
            }
            for r in rows
        ]
        if json:
            self.emit_json(items)
            return
        for item in items:
            self.stdout.write(
                f"#{item['id']} {item['received_at'][:16]} {item['reason']:<12} {item['debtor'] or '-':<10} "
                f"{item['intent'] or '':<12} {item['from']}: {item['subject']}"
            )
        if not items:
            self.stdout.write("nothing awaits a person")
