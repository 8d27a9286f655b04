"""A confirmation of what the debtor just did on the portal, on the debtor's channel, in
its language.

The channel is the debtor's preferred one when it can carry the confirmation (an e-mail
address that has not bounced, a postal address for a letter, a mobile number and — for a
consumer, where the creditor's rules ask for it — consent for an SMS); otherwise e-mail,
then a letter, then an SMS. An e-mail and a letter carry the greeting and the closing; an
SMS only the short text. A debtor reachable on none of them sees the page's confirmation
only.

It rides on the personal-message path of the outbox (``personal.py``): written and
rendered when queued, sent as written to the contact chosen here, outside the contact
rules that pace the reminders (the debtor asked for it a moment ago). Unlike a person's
e-mail it puts no hold: the portal action itself decides whether dunning pauses.

The caller queues it inside its own transaction, so the action and its confirmation are
stored together or not at all; the outbox sends it after the commit, exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tact.core import clock
from tact.ledger.models import Contact, ContactStatus, Debtor
from tact.tenancy.models import Creditor

from .channels.email import message_id_make
from .contact_rules import consent_check, consents_of, rules_for
from .context import message_context
from .models import Message, MessageChannel, MessageStatus
from .outbox import event_add
from .personal import _language, _verbatim
from .rendering import render_source

KEY = "portal_confirmation"  # the template key the timeline and the outbox show
# The channels a confirmation may go on, in the order tried after the debtor's preferred one.
CHANNELS = (MessageChannel.EMAIL, MessageChannel.LETTER, MessageChannel.SMS)


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


@dataclass(frozen=True)
class Route:
    channel: str
    contact: Contact
    recipient: str  # e-mail address, E.164 number, or the postal lines


def _recipient(channel: str, contact: Contact) -> str:
    if channel == MessageChannel.EMAIL and contact.email and contact.email_status != ContactStatus.BOUNCED:
        return contact.email
    if channel == MessageChannel.SMS and contact.phone and contact.phone_status != ContactStatus.BOUNCED:
        return contact.phone
    if channel == MessageChannel.LETTER and contact.street and contact.city:
        return " / ".join(p for p in (contact.street, f"{contact.postal_code} {contact.city}".strip()) if p)
    return ""


def confirmation_route(
    *, creditor: Creditor, debtor: Debtor, channels: Sequence[str] = CHANNELS
) -> Route | None:
    """Where a confirmation goes: the debtor's preferred channel when one of its contacts
    can take it there (the preferred contact first), else the next of ``channels`` that one
    can. An SMS to a consumer needs consent where the creditor's rules say so; an opted-out
    channel is never used. None when no channel reaches the debtor."""
    preferred = debtor.preferred_channel
    order = ([preferred] if preferred in channels else []) + [c for c in channels if c != preferred]
    contacts = list(Contact.objects.filter(debtor=debtor).order_by("-is_preferred", "id"))
    rules = rules_for(creditor_id=creditor.pk)
    consents = consents_of(debtor_ids=[debtor.pk])
    for channel in order:
        # A letter is addressed from the preferred contact (as every letter is), so only its
        # address counts; e-mail and SMS may go to another contact.
        for contact in contacts[:1] if channel == MessageChannel.LETTER else contacts:
            recipient = _recipient(channel, contact)
            refused = consent_check(
                rules=rules, consents=consents, debtor_id=debtor.pk, contact_id=contact.pk, channel=channel,
                is_consumer=debtor.kind == "consumer",
            )  # fmt: skip
            if recipient and not refused:
                return Route(channel=channel, contact=contact, recipient=recipient)
    return None


def _source(*, channel: str, text: str, link_text: str) -> str:
    """The body as a template: the text verbatim; an e-mail and a letter with the greeting,
    the closing and the link to the account; an SMS short, with the short link."""
    if channel == MessageChannel.SMS:
        link = " {{ payment.short_link }}" if link_text else ""
        return f"{{{{ creditor.name }}}}: {_verbatim(' '.join(text.split()))}{link}"
    link = f"\n\n{_verbatim(link_text.strip())}\n{{{{ payment.portal_link }}}}" if link_text else ""
    return f"{{{{ salutation }}}}\n\n{_verbatim(text.strip())}{link}\n\n{{{{ closing }}}}\n{{{{ creditor.name }}}}"


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
    channels: Sequence[str] = CHANNELS,
) -> Message | None:
    """Queue ``subject`` and ``text`` (already in the debtor's language) on the debtor's
    channel (``confirmation_route``): an e-mail or a letter with the creditor's greeting and
    closing, or an SMS with the text alone. ``key`` names the portal action (``promise:12``);
    the same key queues nothing twice, whatever the channel. Returns None when no channel
    of ``channels`` reaches the debtor. ``template_key`` is what the timeline and the outbox
    call it; ``link_text``, when given, is followed by the debtor's portal link."""
    full_key = f"personal:{template_key}:{key}"
    existing = Message.objects.filter(key=full_key).first()
    if existing is not None:
        return existing
    route = confirmation_route(creditor=creditor, debtor=debtor, channels=channels)
    if route is None:
        return None
    language = _language(debtor, creditor)
    now = clock.now()
    message = Message.objects.create(
        creditor=creditor, debtor=debtor, contact=route.contact, key=full_key[:120], channel=route.channel,
        template_key=template_key, tone="neutral", language=language, status=MessageStatus.QUEUED, next_attempt_at=now,
        queued_at=now, recipient=route.recipient[:300],
        message_id=message_id_make() if route.channel == MessageChannel.EMAIL else "",
    )  # fmt: skip
    # Rendered once the row exists, so that the link it prints names this message.
    ctx = message_context(
        creditor=creditor, debtor=debtor, items=[], action_facts={"stage": template_key}, today=today,
        qr_code=False, message_id=message.pk,
    )  # fmt: skip
    out_subject, out_text, html = render_source(
        subject=_verbatim(subject), body=_source(channel=route.channel, text=text, link_text=link_text), ctx=ctx,
        language=language, tone="neutral", channel=route.channel,
    )  # fmt: skip
    message.subject, message.body_text, message.body_html = out_subject[:300], out_text, html
    message.save(update_fields=["subject", "body_text", "body_html"])
    event_add(message=message, kind="queued", now=now, status_to=MessageStatus.QUEUED, items=[])
    return message


def confirmation_key() -> str:
    """A fresh key for an action that has no row of its own to name."""
    return uuid.uuid4().hex
