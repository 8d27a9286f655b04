"""The creditor's FAQ, written by staff in the workbench, read by debtors on the portal
(``selectors.portal_faq`` picks each topic's language)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tact.audit.services import audit_record
from tact.tenancy.models import LANGUAGES, Creditor

from .models import FaqEntry

LANGUAGE_CODES = [code for code, _name in LANGUAGES]
FIELDS = ("topic", "language", "question", "answer", "position")


class FaqInvalid(ValueError):
    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def faq_entries(*, creditor: Creditor):
    return FaqEntry.objects.filter(creditor=creditor).order_by("position", "topic", "language")


@transaction.atomic
def faq_entry_save(
    *,
    creditor: Creditor,
    by: Any,
    topic: str,
    language: str,
    question: str,
    answer: str,
    position: int = 0,
    entry: FaqEntry | None = None,
) -> FaqEntry:
    """Add an entry (``entry`` None) or change one. The same ``topic`` in another language
    is the same question translated. Raises FaqInvalid naming the field."""
    topic = slugify(topic)[:50]
    if not topic:
        raise FaqInvalid(field="topic", problem="give a short name such as 'payment-methods'")
    if language not in LANGUAGE_CODES:
        raise FaqInvalid(field="language", problem=f"{language!r} is not one of {', '.join(LANGUAGE_CODES)}")
    if not question.strip():
        raise FaqInvalid(field="question", problem="is empty")
    if not answer.strip():
        raise FaqInvalid(field="answer", problem="is empty")
    before = {f: getattr(entry, f) for f in FIELDS} if entry else None
    entry = entry or FaqEntry(creditor=creditor)
    entry.topic, entry.language, entry.position = topic, language, position
    entry.question, entry.answer = question.strip()[:300], answer.strip()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise FaqInvalid(
            field="language", problem=f"the topic {topic!r} has an entry in {language} already"
        ) from None
    audit_record(
        creditor=creditor, actor=by, action="faq_entry_saved", subject=entry, before=before,
        after={f: getattr(entry, f) for f in FIELDS},
    )  # fmt: skip
    return entry


@transaction.atomic
def faq_entry_delete(*, entry: FaqEntry, by: Any) -> None:
    audit_record(
        creditor=entry.creditor, actor=by, action="faq_entry_deleted", subject=entry,
        before={f: getattr(entry, f) for f in FIELDS},
    )  # fmt: skip
    entry.delete()
