"""The day's print batch: every letter the outbox sent on a day, in one PDF for the printer.

Each letter was stored as its own PDF when it was sent (``letters/<creditor>/<day>/``); the
batch lays the same words out again, one after the other with their own page numbers
(``channels.letter.letter_batch_pdf``), and hands the file to the print provider under the
id ``<creditor slug>-<day>``: a second run for the same day is a no-op at the provider.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tact.tenancy.models import Creditor

from .channels.letter import LetterInput, PrintReceipt, letter_batch_pdf, print_provider
from .models import Message, MessageChannel, MessageStatus
from .rendering import Rendered
from .sending import outbox_context


def letters_of_day(*, creditor: Creditor, day: date) -> list[Message]:
    zone = ZoneInfo(creditor.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return list(
        Message.objects.filter(
            channel=MessageChannel.LETTER,
            status=MessageStatus.SENT,
            sent_at__gte=start,
            sent_at__lt=start + timedelta(days=1),
        )  # fmt: skip
        .select_related("debtor", "action", "creditor")
        .order_by("debtor__country", "debtor__number", "id")
    )


def letters_batch_submit(*, creditor: Creditor, day: date, duplex: bool = False) -> PrintReceipt | None:
    """Print the letters sent on ``day`` (in the creditor's time zone); None when there are
    none. Needs the creditor's scope. Raises ProviderError, AddressUnusable."""
    letters = []
    for message in letters_of_day(creditor=creditor, day=day):
        context = outbox_context(message=message, now=message.sent_at)
        if context is None:
            continue  # paid since it was sent; the stored PDF remains on record
        rendered = Rendered(
            subject=message.subject, text=message.body_text, html=message.body_html,
            template_version_id=message.template_id, key=message.template_key, language=message.language,
            tone=message.tone, channel=MessageChannel.LETTER,
        )  # fmt: skip
        letters.append(LetterInput(rendered=rendered, context=context))
    if not letters:
        return None
    batch = letter_batch_pdf(letters, duplex=duplex)
    return print_provider().submit(batch_id=f"{creditor.slug}-{day:%Y-%m-%d}", batch=batch, run_on=day)
