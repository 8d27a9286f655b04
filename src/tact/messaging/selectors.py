"""Reads of the messaging app: which template text applies, the template history, and the
outbox's messages (a list with filters, one message with its history, a debtor's messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from .editor import (
    Catalog,
    CatalogFilter,
    CatalogRow,
    context_documentation,
    preview_debtors,
    preview_document,
    template_catalog,
    template_known_keys,
    template_version_get,
)
from .errors import TemplateNotFound
from .models import Message, MessageEvent, MessageStatus, MessageTemplate, Tone


def template_fallbacks(*, language: str, creditor_language: str, tone: str) -> list[tuple[str, str]]:
    """(language, tone) pairs to try, best first: the requested language, then the
    creditor's, then English; in each, the requested tone, then neutral."""
    languages = list(dict.fromkeys([language, creditor_language, "en"]))
    tones = list(dict.fromkeys([tone, Tone.NEUTRAL]))
    return [(lang, t) for lang in languages for t in tones]


def template_pick(
    *, creditor_id: int, creditor_language: str, key: str, language: str, tone: str, channel: str
) -> MessageTemplate:
    """The current template to use, in the order of ``template_fallbacks``; at each step the
    creditor's own text before the shipped one. Two queries. Needs the creditor's scope.

    Raises TemplateNotFound.
    """
    order = template_fallbacks(language=language, creditor_language=creditor_language, tone=tone)
    languages = {lang for lang, _ in order}
    wanted = {"key": key, "channel": channel, "language__in": languages, "is_current": True}
    found: dict[tuple[str, str, bool], MessageTemplate] = {}
    for row in MessageTemplate.objects.filter(creditor_id=creditor_id, **wanted):
        found[(row.language, row.tone, True)] = row
    for row in MessageTemplate.shipped.filter(**wanted):
        found[(row.language, row.tone, False)] = row
    for lang, t in order:
        for own in (True, False):
            if row := found.get((lang, t, own)):
                return row
    raise TemplateNotFound(key=key, channel=channel, languages=", ".join(sorted(languages)))


def template_history(
    *, creditor_id: int | None, key: str, language: str, tone: str, channel: str
) -> QuerySet[MessageTemplate]:
    """Every version of one template, newest first (shipped when ``creditor_id`` is None)."""
    wanted = {"key": key, "language": language, "tone": tone, "channel": channel}
    if creditor_id is None:
        return MessageTemplate.shipped.filter(**wanted).order_by("-version")
    return MessageTemplate.objects.filter(creditor_id=creditor_id, **wanted).order_by("-version")


def template_keys() -> list[str]:
    """The stage keys tact ships texts for."""
    return sorted(set(MessageTemplate.shipped.filter(is_current=True).values_list("key", flat=True)))


# -- the outbox ----------------------------------------------------------------------------

# What the people who watch the outbox need to act on: failed, and waiting behind an error.
ATTENTION = (
    Q(status=MessageStatus.FAILED)
    | Q(status=MessageStatus.BOUNCED)
    | (Q(status=MessageStatus.QUEUED) & ~Q(last_error_code=""))
)


@dataclass(frozen=True)
class MessageFilter:
    status: str = ""  # a MessageStatus value, or "attention"
    channel: str = ""
    q: str = ""  # debtor number or name, recipient, subject
    debtor_id: int | None = None


def messages_list(*, flt: MessageFilter) -> QuerySet[Message]:
    """The outbox, newest first, with the debtor for display. Needs the creditor's scope."""
    qs = Message.objects.select_related("debtor", "created_by").order_by("-queued_at", "-id")
    if flt.status == "attention":
        qs = qs.filter(ATTENTION)
    elif flt.status:
        qs = qs.filter(status=flt.status)
    if flt.channel:
        qs = qs.filter(channel=flt.channel)
    if flt.debtor_id:
        qs = qs.filter(debtor_id=flt.debtor_id)
    if term := flt.q.strip():
        qs = qs.filter(
            Q(debtor__number__iexact=term)
            | Q(debtor__name__icontains=term)
            | Q(recipient__icontains=term)
            | Q(subject__icontains=term)
        )
    return qs


def messages_status_counts(*, since: datetime) -> dict[str, int]:
    """Messages queued since ``since`` per status, plus ``attention``. One query."""
    counts = {status: Count("id", filter=Q(status=status)) for status in MessageStatus.values}
    row = Message.objects.filter(queued_at__gte=since).aggregate(
        **counts, attention=Count("id", filter=ATTENTION)
    )
    return {name: row[name] or 0 for name in row}


def message_get(*, message_id: int) -> Message:
    """One message with what its page shows. Raises Message.DoesNotExist (also for another
    creditor's id: the scope hides it)."""
    return Message.objects.select_related(
        "creditor", "debtor", "contact", "template", "created_by", "action"
    ).get(pk=message_id)


def message_events(*, message: Message) -> QuerySet[MessageEvent]:
    """The message's history, oldest first."""
    return MessageEvent.objects.filter(message_id=message.pk).order_by("at", "id")


def message_related(*, message: Message) -> list[Message]:
    """The other messages of the same action (a fallback, the message it replaced)."""
    if message.action_id is None:
        return []
    return list(Message.objects.filter(action_id=message.action_id).exclude(pk=message.pk).order_by("id"))


def message_document(*, message: Message) -> str:
    """An e-mail as its reader saw it: the stored HTML in the creditor's frame. Empty for
    other channels and for a message not rendered yet."""
    if message.channel != "email" or not message.body_html:
        return ""
    from django.template.loader import render_to_string

    from .context import _creditor_facts
    from .models import SenderProfile

    creditor = message.creditor
    profile = SenderProfile.objects.filter(creditor=creditor).first()
    return render_to_string(
        "messaging/email.html",
        {
            "body": message.body_html,
            "subject": message.subject,
            "language": message.language,
            "creditor": _creditor_facts(creditor, profile),
        },
    )


def messages_of_debtor(*, debtor_id: int, limit: int) -> list[Message]:
    """A debtor's newest messages (for the timeline)."""
    return list(
        Message.objects.filter(debtor_id=debtor_id)
        .select_related("created_by", "action")
        .order_by("-queued_at", "-id")[:limit]
    )


def messages_of_item(*, debtor_id: int, invoice_id: int, limit: int, window: int = 200) -> list[Message]:
    """The newest messages that named the item (through their action's items), among the
    debtor's latest ``window`` messages; a one-off message without items is left out."""
    found = []
    for message in messages_of_debtor(debtor_id=debtor_id, limit=window):
        items = message.action.items if message.action is not None else []
        if any(item.get("id") == invoice_id for item in items):
            found.append(message)
            if len(found) == limit:
                break
    return found


__all__ = [
    "ATTENTION",
    "MessageFilter",
    "message_document",
    "message_events",
    "message_get",
    "message_related",
    "messages_list",
    "messages_of_debtor",
    "messages_of_item",
    "messages_status_counts",
    "Catalog",
    "CatalogFilter",
    "CatalogRow",
    "context_documentation",
    "preview_debtors",
    "preview_document",
    "template_catalog",
    "template_fallbacks",
    "template_history",
    "template_keys",
    "template_known_keys",
    "template_pick",
    "template_version_get",
]
