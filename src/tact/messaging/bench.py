"""`tact bench messages`: queue and render a day's messages — e-mails and letter PDFs.

A creditor of its own gets ``count`` debtors (one contact, two open items, one planned
action each; the first ``letters`` of them by letter), made once and kept between runs of
the same size. Each run deletes the previous run's messages, then:

1. queues every action (``outbox_queue``: one ``INSERT … SELECT``);
2. renders every e-mail as the sender does — the facts (``message_context``, read for a
   chunk of messages at once with ``context_batch``), the template (``template_render``, with
   its tone check; chosen once per chunk) and the finished MIME message — and stores
   subject, text, HTML and Message-ID on the rows in batches;
3. renders every letter to PDF (WeasyPrint, one font set for the process).

Rendering runs in one process per CPU (forked; each opens its own database connection).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, connections, transaction
from django.utils import timezone

from tact.core.bench import register
from tact.core.errors import ValidationFailed
from tact.core.jobs import all_creditors, creditor_scope
from tact.dunning.models import Action, Stage
from tact.dunning.presets import policy_presets_install
from tact.ledger.models import Contact, Debtor, Invoice
from tact.tenancy.models import Creditor
from tact.tenancy.services import creditor_add

from .channels.email import email_build, message_id_make
from .channels.letter import letter_pdf
from .context import context_batch, message_context
from .models import Message, MessageEvent, SenderProfile
from .outbox import outbox_queue
from .sending import action_facts
from .services import template_render

SLUG = "bench-messages"
RUN_ON = date(2025, 6, 11)
MAX_COUNT = 200_000
# Messages per task of a worker. A letter takes sixty times an e-mail's time: in chunks
# of 250, the 1,000 letters made four tasks, and a worker slowed by anything else on the
# machine left the other idle at the end. Small chunks keep both busy to the last.
CHUNK = {"email": 250, "letter": 20}
COUNTRIES = (("DE", "de"), ("NL", "nl"), ("BE", "fr"), ("AT", "de"))
# Names, amounts and dates differ from debtor to debtor, as they do in a real run: a cache
# of anything but templates would otherwise look better here than it is.
FIRST_NAMES = ("Anna", "Jan", "Marie", "Luca", "Sophie", "Tom", "Eva")
LAST_NAMES = ("Schmidt", "de Vries", "Dubois", "Gruber", "Peeters", "Bakker", "Weber", "Janssens", "Huber",
              "Lambert", "Visser")  # fmt: skip
PROFILE = {
    "signature_name": "Lea Hoffmann",
    "signature_role": {"de": "Debitorenmanagement", "en": "Credit management"},
    "phone": "+4940123456",
    "email": "buchhaltung@bench.example",
    "website": "https://bench.example",
    "registration": "Amtsgericht Hamburg HRB 123456",
    "enterprise_number": "0123.456.749",
}
STORE_SQL = (
    "UPDATE messaging_message SET template_id = %s, subject = %s, body_text = %s, body_html = %s, message_id = %s"
    " WHERE id = %s"
)


def _arguments(parser) -> None:
    parser.add_argument("--count", type=int, default=10_000, help="e-mails to render")
    parser.add_argument("--letters", type=int, default=1_000, help="letter PDFs to render")
    parser.add_argument("--workers", type=int, default=0, help="processes (default: one per CPU)")


def _build(creditor: Creditor, *, count: int, letters: int) -> None:
    """Debtors, contacts, items and planned actions, in bulk."""
    with transaction.atomic():
        Message.objects.filter(creditor=creditor).delete()
        Action.objects.filter(creditor=creditor).delete()
        Invoice.objects.filter(creditor=creditor).delete()
        Debtor.objects.filter(creditor=creditor).delete()
        stage = (
            Stage.objects.filter(creditor=creditor, key="reminder").order_by("id").first()
            or Stage.objects.filter(creditor=creditor).order_by("position").first()
        )
        total = count + letters
        debtors = Debtor.objects.bulk_create(
            [
                Debtor(
                    creditor=creditor,
                    number=f"M{n:07d}",
                    name=f"Bench Kunde {n} GmbH",
                    country=COUNTRIES[n % 4][0],
                    language=COUNTRIES[n % 4][1],
                    currency="EUR",
                )  # fmt: skip
                for n in range(total)
            ],
            batch_size=2000,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    creditor=creditor,
                    debtor=d,
                    name=f"{FIRST_NAMES[n % 7]} {chr(65 + n // 77 % 26)}. {LAST_NAMES[n // 7 % 11]}",
                    email=f"ap{d.pk}@bench.example",
                    street="Hauptstraße 1",
                    postal_code="10115",
                    city="Berlin",
                    country=d.country,
                    is_preferred=True,
                )  # fmt: skip
                for n, d in enumerate(debtors)
            ],
            batch_size=2000,
        )
        items = Invoice.objects.bulk_create(
            [
                Invoice(
                    creditor=creditor,
                    debtor=d,
                    number=f"MB-{d.pk}-{k}",
                    issued_on=RUN_ON - timedelta(days=40 + k + d.pk % 40),
                    due_on=RUN_ON - timedelta(days=10 + k + d.pk % 40),
                    currency="EUR",
                    gross_amount=Decimal("119.00") * (k + 1) + Decimal(d.pk % 9973) / 100,
                    open_amount=Decimal("119.00") * (k + 1) + Decimal(d.pk % 9973) / 100,
                )  # fmt: skip
                for d in debtors
                for k in range(2)
            ],
            batch_size=4000,
        )
        by_debtor: dict[int, list[Invoice]] = {}
        for item in items:
            by_debtor.setdefault(item.debtor_id, []).append(item)
        Action.objects.bulk_create(
            [
                Action(
                    creditor=creditor,
                    debtor=d,
                    run_on=RUN_ON,
                    policy_id=stage.policy_id,
                    stage=stage,
                    channel="letter" if n < letters else "email",
                    tone="neutral",
                    template_key=stage.template_key,
                    currency="EUR",
                    item_count=2,
                    open_amount=sum(i.open_amount for i in by_debtor[d.pk]),
                    items=[{"id": i.pk, "number": i.number} for i in by_debtor[d.pk]],
                    status="planned",
                    explanation={"channel": {"chosen": "email", "wanted": ["email", "letter"]}},
                )  # fmt: skip
                for n, d in enumerate(debtors)
            ],
            batch_size=2000,
        )


def _render_chunk(args: tuple[int, list[int], str]) -> tuple[int, int]:
    """Render messages ``ids`` of one channel in a worker; (messages, bytes)."""
    creditor_id, ids, channel = args
    done = size = 0
    with all_creditors():
        creditor = Creditor.objects.get(pk=creditor_id)
    with creditor_scope(creditor):
        rows = list(Message.objects.filter(pk__in=ids).select_related("debtor", "action"))
        items = {i.pk: i for i in Invoice.objects.filter(debtor_id__in=[m.debtor_id for m in rows])}
        facts = context_batch(creditor=creditor, debtors=[m.debtor for m in rows])
        picked: dict = {}
        changed = []
        for message in rows:
            action = message.action
            context = message_context(
                creditor=creditor, debtor=message.debtor, items=[items[i["id"]] for i in action.items],
                action_facts=action_facts(action), today=RUN_ON, qr_code=channel == "letter", batch=facts,
                message_id=message.pk,
            )  # fmt: skip
            rendered = template_render(
                key=message.template_key, language=message.language, tone=message.tone, channel=channel,
                context=context, picked=picked,
            )  # fmt: skip
            if channel == "email":
                message.message_id = message_id_make()
                mime = email_build(rendered=rendered, context=context, to=f"ap{message.debtor_id}@bench.example",
                                   message_id=message.message_id, attachments=[])  # fmt: skip
                size += len(mime.message().as_bytes())
            else:
                size += len(letter_pdf(rendered=rendered, context=context))
            message.template_id = rendered.template_version_id
            message.subject, message.body_text, message.body_html = (
                rendered.subject,
                rendered.text,
                rendered.html,
            )
            changed.append(message)
            done += 1
        # One statement per row, sent in a pipeline: bulk_update's CASE per column costs more
        # to build and to run than the rendering it stores.
        # In one transaction: committed one by one, each row waited for its own WAL flush.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                STORE_SQL,
                [(m.template_id, m.subject, m.body_text, m.body_html, m.message_id, m.pk) for m in changed],
            )
    return done, size


def _render(creditor: Creditor, channel: str, workers: int) -> tuple[int, int, float]:
    with creditor_scope(creditor):
        ids = list(Message.objects.filter(channel=channel).order_by("id").values_list("id", flat=True))
    size = CHUNK[channel]
    chunks = [(creditor.pk, ids[i : i + size], channel) for i in range(0, len(ids), size)]
    started = time.perf_counter()
    if workers == 1:
        results = [_render_chunk(chunk) for chunk in chunks]
    else:
        connections.close_all()  # each forked worker opens its own
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_chunk, chunks, chunksize=1)
    elapsed = time.perf_counter() - started
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


def _vacuum() -> None:
    """Clear out what the previous runs deleted, as autovacuum would between two real days,
    so a run does not read through their dead rows (outside a transaction only: not in tests)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in ("messaging_message", "messaging_messageevent", "dunning_action"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


@register("messages", arguments=_arguments)
def bench_messages(*, count: int, letters: int, workers: int = 0, progress=None) -> dict:
    """Queue and render ``count`` e-mails and ``letters`` letter PDFs; print the rates."""
    if not 1 <= count <= MAX_COUNT:
        raise ValidationFailed(f"--count: {count} is not between 1 and {MAX_COUNT:,}.")
    if not 0 <= letters <= MAX_COUNT:
        raise ValidationFailed(f"--letters: {letters} is not between 0 and {MAX_COUNT:,}.")
    workers = workers or os.cpu_count() or 1
    with all_creditors():
        creditor = Creditor.objects.filter(slug=SLUG).first() or creditor_add(
            slug=SLUG, legal_name="Nachrichten Benchmark GmbH", country="DE"
        )
        creditor.iban, creditor.bic = "DE89370400440532013000", "COBADEFFXXX"
        creditor.save(update_fields=["iban", "bic"])
    with creditor_scope(creditor):
        policy_presets_install(creditor=creditor)
        # Signed and reachable as a real creditor is: the signature and phone are rendered too.
        SenderProfile.objects.update_or_create(creditor=creditor, defaults=PROFILE)
        if (
            Action.objects.filter(creditor=creditor, channel="email").count() != count
            or Action.objects.filter(creditor=creditor, channel="letter").count() != letters
        ):
            if progress:
                progress(f"generating {count + letters:,} debtors and actions …")
            _build(creditor, count=count, letters=letters)
        MessageEvent.objects.filter(creditor=creditor).delete()
        Message.objects.filter(creditor=creditor).delete()
        Action.objects.filter(creditor=creditor).update(status="planned")
    _vacuum()
    started = time.perf_counter()
    queued = outbox_queue(now=timezone.now(), creditor_id=creditor.pk)
    queue_s = time.perf_counter() - started
    if progress:
        progress(f"queued {queued:,} messages in {queue_s:.2f} s; rendering e-mails …")
    emails, email_bytes, email_s = _render(creditor, "email", workers)
    if progress:
        progress(f"rendered {emails:,} e-mails in {email_s:.1f} s; rendering letters …")
    pdfs, pdf_bytes, letter_s = _render(creditor, "letter", workers) if letters else (0, 0, 0.0)
    return {
        "queued": queued,
        "queue_s": round(queue_s, 3),
        "queue_per_s": round(queued / queue_s) if queue_s else None,
        "emails": emails,
        "emails_s": round(email_s, 2),
        "emails_per_s": round(emails / email_s, 1) if email_s else None,
        "email_kib_avg": round(email_bytes / max(emails, 1) / 1024, 1),
        "letters": pdfs,
        "letters_s": round(letter_s, 2),
        "letters_per_s": round(pdfs / letter_s, 1) if letter_s else None,
        "letter_kib_avg": round(pdf_bytes / max(pdfs, 1) / 1024, 1),
        "workers": workers,
    }
