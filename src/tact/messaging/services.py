"""Writes and renders of the messaging app: saving a template version, rendering a message.

Other apps import from here and from ``selectors``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from .calls import CallInvalid, CallOutcome, CallRecord, call_outcome_record, call_script_for
from .context import FINAL_KEYS, HANDOVER_KEYS, MessageContext, message_context
from .editor import DraftCheck, Problem, preview_context, template_draft_check
from .errors import ContextIncomplete, TemplateInvalid, ToneRefused
from .models import MessageChannel, MessageTemplate, Tone
from .personal import PersonalEmail, PersonalEmailInvalid, personal_email_send, personal_email_start
from .rendering import Rendered, context_words, render_source, tone_enforce
from .samples import sample_context
from .selectors import template_pick
from .tone import Finding, tone_check

LANGUAGE_CODES = ("de", "nl", "en", "fr")

__all__ = [
    "CallInvalid",
    "CallOutcome",
    "CallRecord",
    "DraftCheck",
    "Finding",
    "MessageContext",
    "PersonalEmail",
    "PersonalEmailInvalid",
    "Problem",
    "Rendered",
    "call_outcome_record",
    "call_script_for",
    "message_context",
    "personal_email_send",
    "personal_email_start",
    "preview_context",
    "template_check",
    "template_draft_check",
    "template_render",
    "template_save",
    "tone_check",
]


def template_render(
    *,
    key: str,
    language: str,
    tone: str,
    channel: str,
    context: MessageContext,
    picked: dict[tuple, MessageTemplate] | None = None,
) -> Rendered:
    """Render the message for ``context`` from the best template (``selectors.template_pick``:
    creditor's own before shipped; requested tone, then neutral; requested language, then
    the creditor's, then English). The rendered text passes the tone check or is refused.

    ``picked``: the templates chosen so far in a batch of messages; give the same dict to
    each message of the batch and the choice is read once per template, not per message.

    Raises TemplateNotFound, TemplateInvalid, ToneRefused.
    """
    _legal_facts_check(context)
    wanted = (context.creditor_id, context.creditor["language"], key, language, tone, channel)
    row = picked.get(wanted) if picked is not None else None
    if row is None:
        row = template_pick(
            creditor_id=context.creditor_id,
            creditor_language=context.creditor["language"],
            key=key,
            language=language,
            tone=tone,
            channel=channel,
        )
        if picked is not None:
            picked[wanted] = row
    where = f"{row.key}/{row.channel}/{row.language}/{row.tone} v{row.version}"
    subject, text, html = render_source(
        subject=row.subject,
        body=row.body,
        ctx=context,
        language=row.language,
        tone=row.tone,
        channel=channel,
        cache=True,
        where=where,
    )
    tone_enforce(
        subject=subject,
        text=text,
        language=row.language,
        is_final=context.stage["is_final"],
        is_handover=context.stage["is_handover"],
        ignore=context_words(context),
        where=where,
    )
    return Rendered(
        subject=subject,
        text=text,
        html=html,
        template_version_id=row.pk,
        key=row.key,
        language=row.language,
        tone=row.tone,
        channel=channel,
    )


def _legal_facts_check(context: MessageContext) -> None:
    """Refuse a message the law requires facts for that we do not have."""
    creditor = context.creditor
    if context.law["country"] == "BE" and context.law["is_consumer"]:
        if not (creditor["enterprise_number"] or creditor["registration"]):
            raise ContextIncomplete(
                what="creditor",
                detail="a reminder to a Belgian consumer must name the creditor's enterprise number "
                "(Book XIX Code of Economic Law); add it to the sender profile",
            )


def _check_choice(value: str, allowed, field: str) -> str:
    if value not in allowed:
        raise TemplateInvalid(where=field, detail=f"{value!r} is not one of {', '.join(allowed)}")
    return value


def template_check(
    *, key: str, language: str, tone: str, channel: str, subject: str, body: str
) -> list[Finding]:
    """Compile ``subject`` and ``body`` and render them against the sample context in every
    country and debtor kind; return the tone findings (empty: fine to save).

    Raises TemplateInvalid for a syntax error, an unknown variable or a bad choice.
    """
    _check_choice(language, LANGUAGE_CODES, "language")
    _check_choice(tone, Tone.values, "tone")
    _check_choice(channel, MessageChannel.values, "channel")
    if not body.strip():
        raise TemplateInvalid(where="body", detail="is empty")
    if channel in (MessageChannel.EMAIL, MessageChannel.LETTER) and not subject.strip():
        raise TemplateInvalid(where="subject", detail=f"an {channel} needs a subject")
    findings: dict[tuple[str, str], Finding] = {}
    for country in ("DE", "AT", "NL", "BE"):
        for kind in ("business", "consumer"):
            ctx = sample_context(country=country, kind=kind, key=key)
            out_subject, text, _html = render_source(
                subject=subject, body=body, ctx=ctx, language=language, tone=tone, channel=channel
            )
            for finding in tone_check(
                text=f"{out_subject}\n{text}",
                language=language,
                stage_is_final=key in FINAL_KEYS,
                stage_is_handover=key in HANDOVER_KEYS,
                ignore_words=context_words(ctx),
            ):
                findings.setdefault((finding.sentence, finding.rule), finding)
    return list(findings.values())


@transaction.atomic
def template_save(
    *,
    creditor: Creditor,
    key: str,
    language: str,
    tone: str,
    channel: str,
    subject: str,
    body: str,
    by: Any,
    note: str = "",
) -> MessageTemplate:
    """Save a creditor's text as the next version of its template and make it current.

    The previous version stays (messages sent with it keep pointing at it). Refused when the
    text does not compile, names an unknown variable, or fails the tone check.
    Raises TemplateInvalid, ToneRefused.
    """
    findings = template_check(
        key=key, language=language, tone=tone, channel=channel, subject=subject, body=body
    )
    if findings:
        raise ToneRefused(
            findings=[f.as_dict() for f in findings], where=f"{key}/{channel}/{language}/{tone}"
        )
    wanted = {"key": key, "language": language, "tone": tone, "channel": channel}
    previous = (
        MessageTemplate.objects.select_for_update()
        .filter(creditor=creditor, **wanted)
        .order_by("-version")
        .first()
    )
    if previous and previous.is_current and previous.subject == subject and previous.body == body:
        return previous
    MessageTemplate.objects.filter(creditor=creditor, is_current=True, **wanted).update(is_current=False)
    row = MessageTemplate.objects.create(
        creditor=creditor,
        subject=subject,
        body=body,
        version=(previous.version + 1) if previous else 1,
        is_current=True,
        note=note[:200],
        created_by=by if by is not None and not isinstance(by, str) else None,
        **wanted,
    )
    audit_record(
        creditor=creditor,
        actor=by,
        action="message_template_saved",
        subject=row,
        before={"version": previous.version, "id": previous.pk} if previous else None,
        after={"version": row.version, "id": row.pk, **wanted},
    )
    return row
