"""Reads of the messaging app: which template text applies, and the template history."""

from __future__ import annotations

from django.db.models import QuerySet

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
from .models import MessageTemplate, Tone


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


__all__ = [
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
