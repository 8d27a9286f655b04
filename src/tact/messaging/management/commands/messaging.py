"""tact messaging preview | defaults sync | check"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from tact.core.clock import today as clock_today
from tact.core.commands import EXIT_BAD_INPUT, TactCommand
from tact.core.jobs import all_creditors, creditor_scope
from tact.ledger.models import Debtor
from tact.ledger.selectors import open_items_of
from tact.tenancy.models import Creditor

from ...channels.email import email_build
from ...channels.letter import letter_pdf
from ...channels.phone import call_script
from ...channels.sms import sms_clean, sms_info
from ...context import message_context
from ...defaults import shipped_sync
from ...models import MessageChannel, MessageTemplate, Tone
from ...services import LANGUAGE_CODES, template_render


class Command(TactCommand):
    help = "Message templates: preview what tact would send, sync the shipped texts."

    def add_subcommands(self, sub):
        preview = sub.add_parser(
            "preview",
            help="Render the message for one debtor's open items and write it to a file or stdout.",
        )
        preview.add_argument("--creditor", required=True, help="creditor slug")
        preview.add_argument("--debtor", required=True, help="debtor number")
        preview.add_argument("--key", required=True, help="stage template key, e.g. friendly_reminder")
        preview.add_argument("--channel", required=True, choices=MessageChannel.values)
        preview.add_argument("--language", help="de, nl, en or fr (default: the debtor's)")
        preview.add_argument("--tone", default=Tone.NEUTRAL, choices=Tone.values)
        preview.add_argument(
            "--out",
            help="file to write: .eml or .html for e-mail, .pdf for a letter, .txt otherwise "
            "(default: stdout; a letter needs --out)",
        )
        defaults = sub.add_parser("defaults", help="The shipped texts.")
        defaults_sub = defaults.add_subparsers(dest="defaults_action", required=True, metavar="sync")
        defaults_sub.add_parser("sync", help="Make the database hold the shipped texts as current versions.")

    def _creditor_and_debtor(self, slug: str, number: str) -> tuple[Creditor, Debtor]:
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            raise CommandError(f"--creditor: no creditor {slug!r}", returncode=EXIT_BAD_INPUT)
        with creditor_scope(creditor):
            debtor = Debtor.objects.filter(number=number).first()
        if debtor is None:
            raise CommandError(f"--debtor: {slug} has no debtor {number!r}", returncode=EXIT_BAD_INPUT)
        return creditor, debtor

    def handle_preview(self, *, creditor, debtor, key, channel, language, tone, out, **_):
        creditor_obj, debtor_obj = self._creditor_and_debtor(creditor, debtor)
        language = language or debtor_obj.language
        if language not in LANGUAGE_CODES:
            raise CommandError(
                f"--language: use one of {', '.join(LANGUAGE_CODES)}", returncode=EXIT_BAD_INPUT
            )
        path = Path(out) if out else None
        if channel == MessageChannel.LETTER and path is None:
            raise CommandError(
                "--out: a letter is a PDF; name a file like letter.pdf", returncode=EXIT_BAD_INPUT
            )
        with creditor_scope(creditor_obj):
            today = clock_today(creditor_obj.timezone)
            items = list(open_items_of(debtor=debtor_obj))
            if not items:
                raise CommandError(f"--debtor: {debtor} has no open items", returncode=EXIT_BAD_INPUT)
            # What a reminder would be about: the overdue items, else (a pre-due reminder) all.
            overdue = [i for i in items if i.due_on < today and i.kind == "invoice"]
            context = message_context(
                creditor=creditor_obj,
                debtor=debtor_obj,
                items=overdue or items,
                action_facts={"stage": key, "tone": tone},
                today=today,
            )
            rendered = template_render(
                key=key, language=language, tone=tone, channel=channel, context=context
            )
            if channel == MessageChannel.EMAIL:
                contact = context.contact["email"] or "debtor@example.invalid"
                message = email_build(rendered=rendered, context=context, to=contact)
                if path and path.suffix.lower() == ".html":
                    data = message.alternatives[0][0].encode("utf-8")
                else:
                    data = message.message().as_bytes()
            elif channel == MessageChannel.LETTER:
                data = letter_pdf(rendered=rendered, context=context)
            elif channel == MessageChannel.SMS:
                text = sms_clean(rendered.text)
                info = sms_info(text)
                data = (
                    f"{text}\n\n[{info.encoding}, {info.units} units, {info.segments} segment(s)]\n".encode()
                )
            else:
                data = (call_script(rendered=rendered).text + "\n").encode("utf-8")
        used = f"{rendered.key}/{rendered.channel}/{rendered.language}/{rendered.tone} (template {rendered.template_version_id})"
        if path is None:
            self.stdout.write(data.decode("utf-8", errors="replace"))
            self.stderr.write(f"rendered {used}")
            return
        path.write_bytes(data)
        self.stdout.write(f"wrote {path} ({len(data)} bytes) from {used}")

    def handle_defaults(self, *, defaults_action, **_):
        with all_creditors():
            counts = shipped_sync(model=MessageTemplate)
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
