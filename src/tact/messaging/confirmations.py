"""A confirmation of what the debtor just did on the portal, by e-mail, in its language.

It rides on the personal-message path of the outbox (``personal.py``): written and
rendered when queued, sent as written to the contact chosen here, outside the contact
rules that pace the reminders (the debtor asked for it a moment ago). Unlike a person's
e-mail it puts no hold: the portal action itself decides whether dunning pauses.

The caller queues it inside its own transaction, so the action and its confirmation are
stored together or not at all; the outbox sends it after the commit, exactly once.
"""

from __future__ import annotations

import uuid
from datetime import date

from tact.core import clock
from tact.ledger.models import Contact, ContactStatus, Debtor
from tact.tenancy.models import Creditor

from .channels.email import message_id_make
from .context import message_context
from .models import Message, MessageChannel, MessageStatus
from .outbox import event_add
from .personal import _language, _verbatim
from .rendering import render_source

KEY = "portal_confirmation"  # the template key the timeline and the outbox show


def confirmation_language(*, debtor: Debtor, creditor: Creditor) -> str:
    """The language the confirmation is written in: the debtor's, else the creditor's, else English."""
    return _language(debtor, creditor)


def confirmation_contact(*, debtor: Debtor) -> Contact | None:
    """The contact a confirmation goes to: the preferred one with a working e-mail address."""
    return (
        Contact.objects.filter(debtor=debtor)
        .exclude(email="")
        .exclude(email_status=ContactStatus.BOUNCED)
        .order_by("-is_preferred", "id")
        .first()
    )


def confirmation_queue(
    *,
    creditor: Creditor,
    debtor: Debtor,
    key: str,
    subject: str,
    text: str,
    today: date,
    template_key: str = KEY,
    link_text: str = "",
) -> Message | None:
    """Queue ``subject`` and ``text`` (already in the debtor's language) as an e-mail with the
    creditor's greeting and closing. ``key`` names the portal action (``promise:12``); the
    same key queues nothing twice. Returns None when the debtor has no usable e-mail address.
    ``template_key`` is what the timeline and the outbox call it; ``link_text``, when given,
    is followed by the debtor's portal link."""
    contact = confirmation_contact(debtor=debtor)
    if contact is None:
        return None
    full_key = f"personal:{template_key}:{key}"
    existing = Message.objects.filter(key=full_key).first()
    if existing is not None:
        return existing
    language = _language(debtor, creditor)
    ctx = message_context(
        creditor=creditor, debtor=debtor, items=[], action_facts={"stage": template_key}, today=today,
        qr_code=False,
    )  # fmt: skip
    link = f"\n\n{_verbatim(link_text.strip())}\n{{{{ payment.portal_link }}}}" if link_text else ""
    body = f"{{{{ salutation }}}}\n\n{_verbatim(text.strip())}{link}\n\n{{{{ closing }}}}\n{{{{ creditor.name }}}}"
    out_subject, out_text, html = render_source(
        subject=_verbatim(subject), body=body, ctx=ctx, language=language, tone="neutral", channel="email"
    )
    now = clock.now()
    message = Message.objects.create(
        creditor=creditor, debtor=debtor, contact=contact, key=full_key[:120], channel=MessageChannel.EMAIL,
        template_key=template_key, tone="neutral", language=language, status=MessageStatus.QUEUED, next_attempt_at=now,
        queued_at=now, recipient=contact.email, subject=out_subject[:300], body_text=out_text, body_html=html,
        message_id=message_id_make(),
    )  # fmt: skip
    event_add(message=message, kind="queued", now=now, status_to=MessageStatus.QUEUED, items=[])
    return message


def confirmation_key() -> str:
    """A fresh key for an action that has no row of its own to name."""
    return uuid.uuid4().hex
