"""A one-off e-mail a credit manager writes to a debtor's contact.

The person's words go out as written (no template variables are read in them); tact adds,
when asked, the open items and how to pay in the debtor's language. The tone check applies
as to every message. Sending puts a *recent personal contact* hold: while a person talks
to the debtor, no standard reminder crosses the conversation.

The e-mail goes through the outbox like every message (exactly once, retried while the
mail server is away, the contact marked bounced when the server refuses the address); the
writer waits for the first try and sees how it ended.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from tact.audit.services import audit_record
from tact.core import clock
from tact.core.errors import ValidationFailed
from tact.dunning.models import Hold, HoldReason
from tact.dunning.services import hold_end, hold_place
from tact.ledger.models import Contact, Debtor
from tact.tenancy.models import Creditor

from . import labels as L
from .channels.email import message_id_make
from .editor import preview_context
from .models import Message, MessageChannel, MessageEvent, MessageStatus
from .outbox import event_add
from .rendering import context_plain, context_words, render_source, tone_enforce

AUDIT_TEXT = 4000  # the timeline shows the words; a very long e-mail is kept in its first part
KEY = "personal_email"  # not a stage: the tone rules of an ordinary reminder apply
PERSONAL_KEY_PREFIX = "personal:"  # ``sending.PERSONAL``: the outbox key of a person's e-mail
ACTOR = "outbox"


class PersonalEmailInvalid(ValidationFailed):
    code = "messaging_personal_email_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(field=field, problem=problem)
        self.field = field


@dataclass(frozen=True)
class PersonalEmail:
    message: Message  # as it ended the first try: sent, queued for a retry, or failed
    to: str
    subject: str
    hold: Hold

    @property
    def message_id(self) -> str:
        return self.message.message_id

    @property
    def sent(self) -> bool:
        return self.message.status in (MessageStatus.SENT, MessageStatus.DELIVERED)


def _language(debtor: Debtor, creditor: Creditor) -> str:
    for language in (debtor.language, creditor.language):
        if language in L.LANGUAGES:
            return language
    return "en"


def _verbatim(text: str) -> str:
    """``text`` as a template that prints it literally, whatever braces it contains."""
    tag = f"p{secrets.token_hex(6)}"
    return f"{{% verbatim {tag} %}}{text}{{% endverbatim {tag} %}}"


def personal_email_start(*, creditor: Creditor, debtor: Debtor, by: Any, today: date) -> dict[str, str]:
    """A first draft in the debtor's language: greeting, closing, the writer's name."""
    language = _language(debtor, creditor)
    ctx = preview_context(creditor=creditor, debtor=debtor, key=KEY, today=today)
    plain = context_plain(ctx, language=language, channel="email", tone="neutral")
    name = (by.get_full_name() or by.get_username()) if by is not None else ""
    closing = "\n".join(p for p in (plain["closing"], name, plain["creditor"]["name"]) if p)
    return {
        "subject": f"{plain['labels']['customer_number']} {debtor.number}",
        "body": f"{plain['salutation']}\n\n\n\n{closing}",
    }


def personal_email_send(
    *,
    creditor: Creditor,
    debtor: Debtor,
    contact: Contact,
    subject: str,
    body: str,
    include_items: bool,
    by: Any,
    today: date,
    send_now: bool = True,
) -> PersonalEmail:
    """Queue ``body`` to ``contact`` in the outbox, put a recent-personal-contact hold (7 days),
    record it, and (``send_now``) try to send it at once.

    The words are rendered and checked here, so what the person sees is what goes; the
    outbox then sends it like every message: exactly once, retried after a transient error
    (a mail server away), failed with the contact marked bounced when the server refuses
    the address. Queueing, the hold and the audit record are one transaction.

    Raises PersonalEmailInvalid (field named), ToneRefused (each finding quotes its
    sentence), ContextIncomplete.
    """
    if contact.debtor_id != debtor.pk:
        raise PersonalEmailInvalid(field="contact", problem="the contact belongs to another debtor")
    if not contact.email:
        raise PersonalEmailInvalid(field="contact", problem="the contact has no e-mail address")
    if contact.email_status == "bounced":
        raise PersonalEmailInvalid(
            field="contact", problem=f"mail to {contact.email} bounced; choose another contact"
        )
    if not subject.strip():
        raise PersonalEmailInvalid(field="subject", problem="is empty")
    if not body.strip():
        raise PersonalEmailInvalid(field="body", problem="is empty")
    language = _language(debtor, creditor)
    from .sending import PERSONAL, outbox_send_now  # the sender renders through services, which import us

    now = clock.now()
    with transaction.atomic():
        # The row first, so that the links the e-mail prints name it; a refused text (the
        # tone check) rolls it back with the rest.
        message = Message.objects.create(
            creditor=creditor, debtor=debtor, contact=contact, key=f"{PERSONAL}{uuid.uuid4().hex}",
            channel=MessageChannel.EMAIL, template_key=KEY, tone="neutral", language=language,
            status=MessageStatus.QUEUED, next_attempt_at=now, queued_at=now, recipient=contact.email,
            message_id=message_id_make(), created_by=by if getattr(by, "pk", None) else None,
        )  # fmt: skip
        ctx = preview_context(creditor=creditor, debtor=debtor, key=KEY, today=today, message_id=message.pk)
        source = _verbatim(body.strip())
        items = [i.invoice_id for i in ctx.items] if include_items else []
        if items:
            source += "\n\n{{ items_table }}\n\n{{ payment_details }}"
        out_subject, text, html = render_source(
            subject=_verbatim(subject),
            body=source,
            ctx=ctx,
            language=language,
            tone="neutral",
            channel="email",
        )
        tone_enforce(
            subject=out_subject, text=text, language=language, is_final=False, is_handover=False,
            ignore=context_words(ctx), where="personal e-mail",
        )  # fmt: skip
        message.subject, message.body_text, message.body_html = out_subject[:300], text, html
        message.save(update_fields=["subject", "body_text", "body_html"])
        hold = hold_place(
            debtor=debtor, reason=HoldReason.RECENT_CONTACT, starts_on=today,
            note=f"personal e-mail {message.message_id}", by=by,
        )  # fmt: skip
        # The queued event keeps what the sender and a failure need later: the items to
        # attach, the hold to end if the e-mail never reaches the debtor.
        event_add(message=message, kind="queued", now=now, status_to=MessageStatus.QUEUED, items=items,
                  hold=hold.pk)  # fmt: skip
        audit_record(
            creditor=creditor, actor=by, action="personal_email_sent", subject=debtor,
            after={"to": contact.email, "subject": out_subject, "message_id": message.message_id,
                   "message": message.pk, "text": text[:AUDIT_TEXT],
                   "items": [i.number for i in ctx.items] if items else []},
        )  # fmt: skip
    if send_now:
        message = outbox_send_now(message_id=message.pk)
    return PersonalEmail(message=message, to=contact.email, subject=out_subject, hold=hold)


def personal_hold_end(*, message: Message, now: datetime) -> Hold | None:
    """End the *recent personal contact* hold a person's e-mail placed, once the e-mail has
    failed for good (refused, no usable address, bounced): the debtor never read it, so it
    must not keep the automation quiet for a week. Returns the ended hold, or None for any
    other message or when its hold is gone. Other holds of the debtor (a reply, a call) stay.

    The hold applied through yesterday (``hold_end``); ending it again changes nothing.
    """
    if not message.key.startswith(PERSONAL_KEY_PREFIX):
        return None
    queued = MessageEvent.objects.filter(message_id=message.pk, kind="queued").order_by("id").first()
    hold_id = (queued.detail if queued else {}).get("hold")
    hold = (
        Hold.objects.filter(pk=hold_id, debtor_id=message.debtor_id, reason=HoldReason.RECENT_CONTACT).first()
        if hold_id
        else None
    )
    if hold is None or hold.ended_at is not None:
        return None
    today = now.astimezone(ZoneInfo(message.creditor.timezone)).date()
    hold = hold_end(hold=hold, today=today, by=ACTOR)
    event_add(message=message, kind="hold_ended", now=now, hold=hold.pk, reason=HoldReason.RECENT_CONTACT)
    return hold
