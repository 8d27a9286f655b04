"""A one-off e-mail a credit manager writes to a debtor's contact.

The person's words go out as written (no template variables are read in them); tact adds,
when asked, the open items and how to pay in the debtor's language. The tone check applies
as to every message. Sending puts a *recent personal contact* hold: while a person talks
to the debtor, no standard reminder crosses the conversation.

Until the outbox takes one-off messages, the e-mail is sent here, through Django's mail
backend, before anything is recorded: an SMTP refusal leaves nothing behind and is
shown to the writer, who can send again.
"""

from __future__ import annotations

import secrets
import smtplib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.core.errors import ValidationFailed
from tact.dunning.models import Hold, HoldReason
from tact.dunning.services import hold_place
from tact.ledger.models import Contact, Debtor
from tact.tenancy.models import Creditor

from . import labels as L
from .channels.email import email_build
from .editor import preview_context
from .errors import ProviderError
from .rendering import Rendered, context_plain, context_words, render_source, tone_enforce

AUDIT_TEXT = 4000  # the timeline shows the words; a very long e-mail is kept in its first part
KEY = "personal_email"  # not a stage: the tone rules of an ordinary reminder apply


class PersonalEmailInvalid(ValidationFailed):
    code = "messaging_personal_email_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(field=field, problem=problem)
        self.field = field


@dataclass(frozen=True)
class PersonalEmail:
    message_id: str
    to: str
    subject: str
    hold: Hold


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
) -> PersonalEmail:
    """Send ``body`` to ``contact`` from the creditor, record it on the debtor's timeline and
    put a recent-personal-contact hold (7 days).

    Raises PersonalEmailInvalid (field named), ToneRefused (each finding quotes its
    sentence), ContextIncomplete, ProviderError when the mail server refuses or is away.
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
    ctx = preview_context(creditor=creditor, debtor=debtor, key=KEY, today=today)
    source = _verbatim(body.strip())
    if include_items and ctx.items:
        source += "\n\n{{ items_table }}\n\n{{ payment_details }}"
    out_subject, text, html = render_source(
        subject=_verbatim(subject), body=source, ctx=ctx, language=language, tone="neutral", channel="email"
    )
    tone_enforce(
        subject=out_subject, text=text, language=language, is_final=False, is_handover=False,
        ignore=context_words(ctx), where="personal e-mail",
    )  # fmt: skip
    rendered = Rendered(
        subject=out_subject, text=text, html=html, template_version_id=None, key=KEY, language=language,
        tone="neutral", channel="email",
    )  # fmt: skip
    message = email_build(
        rendered=rendered, context=ctx, to=contact.email, attachments=None if include_items else []
    )
    message.extra_headers.pop("Auto-Submitted", None)  # a person wrote it: replies are welcome
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise ProviderError(provider="smtp", detail=str(exc) or type(exc).__name__, transient=True) from exc
    message_id = message.extra_headers["Message-ID"]
    with transaction.atomic():
        hold = hold_place(
            debtor=debtor, reason=HoldReason.RECENT_CONTACT, starts_on=today,
            note=f"personal e-mail {message_id}", by=by,
        )  # fmt: skip
        audit_record(
            creditor=creditor, actor=by, action="personal_email_sent", subject=debtor,
            after={"to": contact.email, "subject": out_subject, "message_id": message_id,
                   "text": text[:AUDIT_TEXT], "items": [i.number for i in ctx.items] if include_items else []},
        )  # fmt: skip
    return PersonalEmail(message_id=message_id, to=contact.email, subject=out_subject, hold=hold)
