"""The sender: queue the day's actions, claim messages, apply the contact rules, render,
hand over on the channel, record the outcome; retry, fall back, or hold the debtor.

Rendering happens at send time, once: the first attempt renders and stores subject, text,
HTML, the template version and (for e-mail) our Message-ID in the same write that moves
the message to ``sending``; a retry, or a restart after a crash, sends exactly those words
under the same Message-ID. Queueing stays one SQL statement for any number of actions,
and a message waiting behind a contact rule is rendered with the facts of the day it goes
(an item paid in the meantime is left out; when nothing is left, the message is cancelled).

Exactly-once, step by step (README, "Reliability"):

1. claim (lease, fenced by the sender's name) — commit;
2. render and move to ``sending`` — commit;
3. SMTP: connect, MAIL, RCPT, DATA, the message's data; then ``data_end_at`` — commit
   (only while the claim holds); then the end-of-data dot; the ``250`` reply;
4. ``sent``, the action marked sent and its charges booked — one commit.

A sender killed before 3's commit leaves a message the next sender sends again (the
server dropped the unfinished transaction); killed after it, the message is *in doubt*:
the next sender records it as sent (presumed) with an ``in_doubt`` event and does not
send it again.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from tact.core import clock
from tact.core.errors import TactError
from tact.core.jobs import all_creditors, creditor_scope
from tact.dunning.models import Action, ActionStatus, HoldReason
from tact.ledger.models import Contact, ContactStatus, Invoice
from tact.tenancy.models import Creditor

from . import verp
from .channels.email import email_build, message_id_make
from .channels.letter import letter_pdf
from .channels.phone import call_script
from .channels.sms import sms_clean, sms_provider
from .contact_rules import Rules, channel_order, consent_check, consents_of, contact_check, rules_for
from .context import ContextBatch, MessageContext, context_batch, message_context
from .errors import (
    AddressUnusable,
    ContextIncomplete,
    ProviderError,
    TemplateInvalid,
    TemplateNotFound,
    ToneRefused,
)
from .models import Message, MessageChannel, MessageEvent, MessageStatus
from .outbox import LEASE, MAX_ATTEMPTS, Claim, backoff, event_add, outbox_claim, outbox_queue, worker_name
from .outbox_report import Failure, SendReport, failure_of
from .personal import PERSONAL_KEY_PREFIX, personal_hold_end
from .plan_reminders import plan_reminders_queue
from .rendering import Rendered
from .services import template_render
from .smtp import MailSession

log = logging.getLogger(__name__)

BATCH = 50
RENDER_RETRY = timedelta(hours=1)
READY = (ActionStatus.PLANNED, ActionStatus.APPROVED)
HANDED_OVER_ELSEWHERE = frozenset({MessageChannel.LETTER, MessageChannel.PHONE, "portal"})


PERSONAL = PERSONAL_KEY_PREFIX  # key prefix of a one-off message a person wrote (``personal.py``)


def is_personal(message: Message) -> bool:
    """A person's one-off message: written and rendered when it was queued, sent as written
    to the contact the person chose, outside the contact rules that pace the reminders."""
    return message.key.startswith(PERSONAL)


class LeaseLost(Exception):
    """Another sender took this message over: stop before handing it over."""


def action_facts(action: Action) -> dict[str, Any]:
    """What ``message_context`` needs from an action: the stage, its flags and the charges."""
    explanation = action.explanation or {}
    stage = explanation.get("stage") or {}
    law = explanation.get("law") or {}
    facts: dict[str, Any] = {"stage": action.template_key, "tone": action.tone}
    if "is_final_notice" in stage:
        facts["stage_is_final"] = bool(stage["is_final_notice"])
    if "proposes_handover" in stage:
        facts["stage_is_handover"] = bool(stage["proposes_handover"])
    charges = []
    for kind, amount, rule in (
        ("interest", action.interest_amount, law.get("interest")),
        ("collection_costs", action.fees_amount, law.get("fees")),
        ("flat_compensation", action.flat_compensation_amount, law.get("flat_compensation")),
    ):
        if amount:
            charges.append({"kind": kind, "amount": str(amount), "basis": (rule or {}).get("rule", "")})
    facts["charges"] = charges
    return facts


@cache
def _charges_booker() -> Callable[..., Any] | None:
    try:
        from tact.dunning.charges import action_charges_book
    except ImportError:
        return None
    return action_charges_book


def _charges_book(action: Action) -> None:
    """Book the action's charges (fees, interest) once it went out, where the dunning app
    offers ``tact.dunning.charges.action_charges_book``."""
    booker = _charges_booker()
    if booker is not None:
        booker(action=action)


@dataclass
class _Batch:
    """What the messages of one claim share: rules, consents, recent contacts, contacts."""

    rules: dict[int, Rules]
    consents: dict
    recent: dict[int, list[datetime]]
    contacts: dict[int, list[Contact]]
    facts: dict[int, ContextBatch]  # per creditor: sender profile, first contacts, usual methods
    picked: dict  # the templates chosen so far in this batch


class Sender:
    def __init__(
        self, *, worker: str, now: Callable[[], datetime], lease: timedelta, mail: MailSession
    ) -> None:
        self.worker = worker
        self.now = now
        self.lease = lease
        self.mail = mail
        self.report = SendReport()
        self._sms = None

    # --- one claimed batch ------------------------------------------------------------------

    def batch(self, ids: list[int]) -> None:
        messages = list(
            Message.objects.filter(pk__in=ids, claimed_by=self.worker)
            .select_related("debtor", "action", "creditor")
            .order_by("next_attempt_at", "id")
        )
        now = self.now()
        debtor_ids = {m.debtor_id for m in messages}
        recent: dict[int, list[datetime]] = defaultdict(list)
        sent = Message.objects.filter(debtor_id__in=debtor_ids, sent_at__gt=now - timedelta(days=7))
        for debtor_id, sent_at in sent.values_list("debtor_id", "sent_at"):
            recent[debtor_id].append(sent_at)
        contacts: dict[int, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(debtor_id__in=debtor_ids).order_by("-is_preferred", "id"):
            contacts[contact.debtor_id].append(contact)
        by_creditor: dict[int, list] = defaultdict(list)
        for m in messages:
            by_creditor[m.creditor_id].append(m)
        facts = {}
        for creditor_id, own in by_creditor.items():
            with creditor_scope(own[0].creditor):
                facts[creditor_id] = context_batch(creditor=own[0].creditor, debtors={m.debtor for m in own})
        shared = _Batch(
            rules={c: rules_for(creditor_id=c) for c in by_creditor},
            consents=consents_of(debtor_ids=debtor_ids),
            recent=recent,
            contacts=contacts,
            facts=facts,
            picked={},
        )
        for message in messages:
            claim = Claim(message=message, worker=self.worker)
            with creditor_scope(message.creditor):
                try:
                    self.one(claim, shared)
                except LeaseLost:
                    log.warning("outbox: claim lost", extra={"message": message.pk, "worker": self.worker})
                except TactError as exc:
                    # A domain error we did not expect here: the message waits, the error is on record.
                    self._wait(claim, code=exc.code, detail=exc.message)

    # --- one message ----------------------------------------------------------------------

    def one(self, claim: Claim, shared: _Batch) -> None:
        message = claim.message
        now = self.now()
        if message.status == MessageStatus.SENDING and self._recover(claim, now):
            return
        action = message.action
        # A fallback after a bounce goes out although its action counts as sent already.
        bounced_fallback = (
            message.fallback_of_id is not None and action is not None and action.status == ActionStatus.SENT
        )
        if action is not None and action.status not in READY and not bounced_fallback:
            self._cancel(claim, now, reason=f"action_{action.status}")
            return
        rules = shared.rules[message.creditor_id]
        debtor = message.debtor
        if not is_personal(message) and not self._allowed(claim, rules, shared, now):
            return
        if message.channel == "portal":
            self._sent(claim, now, provider="portal", provider_id="")
            shared.recent[debtor.pk].append(now)
            return
        contact, to = self._recipient(message, shared)
        if to is None:
            self._permanent(claim, now, Failure(False, contact, f"no usable {message.channel} address"))
            return
        refusal = consent_check(
            rules=rules, consents=shared.consents, debtor_id=debtor.pk, contact_id=contact.pk if contact else None,
            channel=message.channel, is_consumer=debtor.kind == "consumer",
        )  # fmt: skip
        if refusal:
            self._permanent(
                claim, now, Failure(False, refusal, f"{message.channel}: {refusal.replace('_', ' ')}")
            )
            return
        context = outbox_context(message=message, now=now, batch=shared.facts.get(message.creditor_id))
        if context is None:
            self._cancel(claim, now, reason="nothing_open")
            return
        rendered = self._rendered(claim, context, now, contact=contact, to=to, picked=shared.picked)
        if rendered is None:
            return
        try:
            provider, provider_id = self._hand_over(claim, rendered, context, to)
        except LeaseLost:
            raise
        except (smtplib.SMTPException, OSError, ProviderError, AddressUnusable) as exc:
            failure = failure_of(exc)
            if failure.transient and claim.message.attempts < MAX_ATTEMPTS:
                self._retry(claim, self.now(), failure)
            else:
                self._permanent(claim, self.now(), failure)
            return
        self._sent(claim, self.now(), provider=provider, provider_id=provider_id)
        shared.recent[debtor.pk].append(now)

    def _allowed(self, claim: Claim, rules: Rules, shared: _Batch, now: datetime) -> bool:
        """The contact rules (quiet hours, weekly cap, Sundays and holidays); a message they
        hold back goes back to the queue until the time they name."""
        message = claim.message
        debtor = message.debtor
        verdict = contact_check(
            rules=rules,
            channel=message.channel,
            country=debtor.country,
            now=now,
            recent=shared.recent[debtor.pk],
            fallback_zone=message.creditor.timezone,
        )
        if not verdict.allowed:
            claim.update(
                now=now, kind="held", event={"rule": verdict.reason, "until": verdict.not_before.isoformat(),
                                             "facts": verdict.facts},
                **claim.release(status=MessageStatus.QUEUED, next_attempt_at=verdict.not_before,
                                held_reason=verdict.reason),
            )  # fmt: skip
            self.report.skipped += 1
            self.report.held[verdict.reason] += 1
            return False
        return True

    def _recover(self, claim: Claim, now: datetime) -> bool:
        """A message a dead sender left in ``sending``. True when nothing is left to do."""
        message = claim.message
        if message.data_end_at is not None and message.channel not in HANDED_OVER_ELSEWHERE:
            # Handed over, no answer recorded: the server most likely has it. Sending it again
            # could deliver it twice; we record it as sent and say so.
            with transaction.atomic():
                done = claim.update(
                    now=now, kind="in_doubt", status=MessageStatus.SENT, sent_at=message.data_end_at,
                    lease_until=None, event={"presumed": "sent", "data_end_at": message.data_end_at.isoformat(),
                                             "message_id": message.message_id},
                )  # fmt: skip
                if done:
                    self._action_sent(message, now)
            self.report.in_doubt += 1
            return True
        # Never handed over (or a letter/phone task, which hands over idempotently): send again.
        event_add(message=message, kind="recovered", now=now, status_from=MessageStatus.SENDING,
                  status_to=MessageStatus.SENDING, worker=self.worker)  # fmt: skip
        self.report.recovered += 1
        return False

    def _recipient(self, message: Message, shared: _Batch) -> tuple[Any, str | None]:
        """(contact, address) for the channel, the preferred contact first; (reason, None) if none."""
        contacts = shared.contacts[message.debtor_id]
        channel = message.channel
        if is_personal(message):  # the contact the person chose, or none
            contacts = [c for c in contacts if c.pk == message.contact_id]
        for contact in contacts:
            if (
                channel == MessageChannel.EMAIL
                and contact.email
                and contact.email_status != ContactStatus.BOUNCED
            ):
                return contact, contact.email
            if (
                channel == MessageChannel.SMS
                and contact.phone
                and contact.phone_status != ContactStatus.BOUNCED
            ):
                return contact, contact.phone
            if channel == MessageChannel.PHONE and contact.phone:
                return contact, contact.phone
            if channel == MessageChannel.LETTER and contact.street and contact.city:
                return contact, " / ".join(
                    p for p in (contact.street, f"{contact.postal_code} {contact.city}") if p
                )
        return "address_unusable", None

    def _rendered(
        self,
        claim: Claim,
        context: MessageContext,
        now: datetime,
        *,
        contact,
        to: str,
        picked: dict | None = None,
    ) -> Rendered | None:
        """The stored rendering, or a new one stored with the move to ``sending``."""
        message = claim.message
        channel = message.channel
        if message.template_id is not None or is_personal(message):
            if not claim.update(now=now, kind="sending", status=MessageStatus.SENDING,
                                attempts=message.attempts + 1, data_end_at=None,
                                lease_until=now + self.lease):  # fmt: skip
                raise LeaseLost
            return Rendered(
                subject=message.subject, text=message.body_text, html=message.body_html,
                template_version_id=message.template_id, key=message.template_key, language=message.language,
                tone=message.tone, channel=channel,
            )  # fmt: skip
        try:
            rendered = template_render(
                key=message.template_key,
                language=message.language or message.debtor.language,
                tone=message.tone or "neutral",
                channel=channel,
                context=context,
                picked=picked,
            )
        except (TemplateNotFound, TemplateInvalid, ToneRefused, ContextIncomplete) as exc:
            self._wait(claim, code=exc.code, detail=exc.message)
            return None
        fields = {
            "template_id": rendered.template_version_id, "language": rendered.language, "tone": rendered.tone,
            "subject": rendered.subject[:300], "body_text": rendered.text, "body_html": rendered.html,
            "recipient": to[:300], "contact_id": getattr(contact, "pk", None),
        }  # fmt: skip
        if channel == MessageChannel.EMAIL:
            fields["message_id"] = message_id_make()
        if not claim.update(now=now, kind="sending", status=MessageStatus.SENDING, attempts=message.attempts + 1,
                            data_end_at=None, lease_until=now + self.lease,
                            event={"template": rendered.template_version_id}, **fields):  # fmt: skip
            raise LeaseLost
        return rendered

    def _data_end(self, claim: Claim) -> Callable[[], None]:
        def mark() -> None:
            now = self.now()
            if not claim.update(
                now=now, kind="data_end", from_statuses=(MessageStatus.SENDING,), data_end_at=now
            ):
                raise LeaseLost

        return mark

    def _hand_over(
        self, claim: Claim, rendered: Rendered, context: MessageContext, to: str
    ) -> tuple[str, str]:
        message = claim.message
        if message.channel == MessageChannel.EMAIL:
            personal = is_personal(message)
            email = email_build(
                rendered=rendered, context=context, to=to, message_id=message.message_id,
                attachments=None if not personal or context.items else [],
            )  # fmt: skip
            if personal:
                email.extra_headers.pop("Auto-Submitted", None)  # a person wrote it: replies are welcome
            if verp.enabled():
                # Bounces come back to an address that names this message; From stays the creditor's.
                email.extra_headers.setdefault("From", email.from_email)
                email.from_email = verp.bounce_address(message_pk=message.pk)
            self.mail.send(email, on_data_end=self._data_end(claim))
            return "smtp", message.message_id
        if message.channel == MessageChannel.SMS:
            if self._sms is None:
                self._sms = sms_provider()
            text = sms_clean(rendered.text)
            sender = getattr(settings, "TACT_SMS_SENDER", "") or "".join(
                c for c in context.creditor["name"] if c.isalnum())[:11]  # fmt: skip
            self._data_end(claim)()
            receipt = self._sms.send(to=to, text=text, sender=sender, reference=message.key)
            return receipt.provider, receipt.provider_id
        if message.channel == MessageChannel.LETTER:
            pdf = letter_pdf(rendered=rendered, context=context)
            name = letter_name(message=message, day=context.today)
            if default_storage.exists(name):
                default_storage.delete(name)  # a rerun after a crash writes the same letter again
            stored = default_storage.save(name, ContentFile(pdf))
            claim.update(now=self.now(), kind="document", document=stored)
            return "print_batch", stored
        if message.channel == MessageChannel.PHONE:
            script = call_script(rendered=rendered)
            return "call_list", script.title[:200]
        raise AddressUnusable(channel=message.channel, detail="tact cannot send on this channel")

    # --- outcomes ---------------------------------------------------------------------------

    def _action_sent(self, message: Message, now: datetime) -> None:
        if message.action_id is None:
            return
        if Action.objects.filter(pk=message.action_id, status__in=READY).update(status=ActionStatus.SENT,
                                                                                 updated_at=now):  # fmt: skip
            _charges_book(Action.objects.get(pk=message.action_id))

    def _sent(self, claim: Claim, now: datetime, *, provider: str, provider_id: str) -> None:
        with transaction.atomic():
            if not claim.update(now=now, kind="sent", status=MessageStatus.SENT, sent_at=now, lease_until=None,
                                provider=provider, provider_id=provider_id[:200], held_reason="",
                                last_error="", last_error_code=""):  # fmt: skip
                raise LeaseLost
            self._action_sent(claim.message, now)
        self.report.sent += 1

    def _cancel(self, claim: Claim, now: datetime, *, reason: str) -> None:
        claim.update(now=now, kind="cancelled", event={"reason": reason}, status=MessageStatus.CANCELLED,
                     lease_until=None, held_reason=reason)  # fmt: skip
        self.report.cancelled += 1

    def _wait(self, claim: Claim, *, code: str, detail: str) -> None:
        now = self.now()
        claim.update(now=now, kind="waiting", event={"code": code, "detail": detail[:500]},
                     **claim.release(status=MessageStatus.QUEUED, next_attempt_at=now + RENDER_RETRY,
                                     last_error=detail, last_error_code=code[:60]))  # fmt: skip
        self.report.waiting += 1
        self.report.error(claim.message, code, detail)

    def _retry(self, claim: Claim, now: datetime, failure: Failure) -> None:
        attempts = claim.message.attempts
        claim.update(now=now, kind="retry", event={"code": failure.code, "detail": failure.detail[:500],
                                                   "attempt": attempts},
                     **claim.release(status=MessageStatus.QUEUED, next_attempt_at=now + backoff(attempts),
                                     last_error=failure.detail, last_error_code=failure.code[:60]))  # fmt: skip
        self.report.retried += 1
        self.report.error(claim.message, failure.code, failure.detail)

    def _permanent(self, claim: Claim, now: datetime, failure: Failure) -> None:
        """Fail this message; queue the stage's next channel, or hold the debtor unreachable."""
        message = claim.message
        with transaction.atomic():
            if not claim.update(now=now, kind="failed", event={"code": failure.code, "detail": failure.detail[:500]},
                                status=MessageStatus.FAILED, lease_until=None, last_error=failure.detail,
                                last_error_code=failure.code[:60]):  # fmt: skip
                raise LeaseLost
            if failure.address_refused:
                self._address_bounced(message, failure)
            if is_personal(message):
                personal_hold_end(message=message, now=now)
            following = self._fallback(message, now, failure)
        self.report.failed += 1
        self.report.error(message, failure.code, failure.detail)
        if following:
            self.report.fallbacks += 1
        elif message.action_id is not None:
            self.report.unreachable += 1

    def _address_bounced(self, message: Message, failure: Failure) -> None:
        """The receiving server refused the address for good: mark it as a bounce would, so no
        later message tries it again."""
        if message.channel != MessageChannel.EMAIL or message.contact_id is None:
            return
        from tact.ledger.services import contact_update

        contact = Contact.objects.filter(pk=message.contact_id).first()
        if contact is not None and contact.email_status != ContactStatus.BOUNCED:
            contact_update(contact=contact, by="outbox", email_status=ContactStatus.BOUNCED)
            event_add(message=message, kind="contact_bounced", now=self.now(), contact=contact.pk,
                      why=failure.detail[:300])  # fmt: skip

    def _fallback(self, message: Message, now: datetime, failure: Failure) -> Message | None:
        if message.action_id is None:
            return None
        action = message.action
        rules = rules_for(creditor_id=message.creditor_id)
        tried = set(Message.objects.filter(action_id=action.pk).values_list("channel", flat=True))
        order = channel_order(chosen=action.channel, wanted=message.fallbacks or [],
                              preferred=message.debtor.preferred_channel, rules=rules)  # fmt: skip
        following = next((c for c in order if c not in tried), None)
        if following is None:
            from tact.dunning.services import hold_place

            hold_place(
                debtor=message.debtor,
                reason=HoldReason.UNREACHABLE,
                starts_on=now.astimezone(_zone(message.creditor)).date(),
                note=f"every channel failed ({', '.join(order)}); last: {failure.detail[:200]}",
            )
            return None
        created = Message.objects.create(
            creditor_id=message.creditor_id, debtor_id=message.debtor_id, action_id=action.pk,
            key=f"action:{action.pk}:{following}", channel=following, fallbacks=message.fallbacks,
            fallback_of=message, template_key=message.template_key, tone=message.tone,
            language=message.debtor.language, next_attempt_at=now, queued_at=now,
        )  # fmt: skip
        event_add(message=created, kind="queued", now=now, status_to=MessageStatus.QUEUED,
                  fallback_of=message.pk, why=failure.code)  # fmt: skip
        return created


def outbox_context(
    *, message: Message, now: datetime, batch: ContextBatch | None = None
) -> MessageContext | None:
    """The facts for ``message`` as of ``now``: its action's items still open (None when
    none is), the action's stage and charges; the QR code's image only for a letter."""
    creditor = message.creditor
    today = now.astimezone(_zone(creditor)).date()
    action = message.action
    if is_personal(message):
        # Written and rendered already; the items it listed are attached as they are.
        queued = MessageEvent.objects.filter(message_id=message.pk, kind="queued").first()
        ids = (queued.detail if queued else {}).get("items") or []
        return message_context(
            creditor=creditor, debtor=message.debtor, items=list(Invoice.objects.filter(pk__in=ids)),
            action_facts={"stage": message.template_key}, today=today, qr_code=False, batch=batch,
            message_id=message.pk,
        )  # fmt: skip
    if action is not None:
        ids = [item["id"] for item in action.items]
        items = list(Invoice.objects.filter(pk__in=ids).exclude(open_amount=0))
        facts = action_facts(action)
    else:
        items = list(Invoice.objects.filter(debtor_id=message.debtor_id).exclude(open_amount=0))
        facts = {"stage": message.template_key, "tone": message.tone}
    if not items:
        return None
    return message_context(
        creditor=creditor, debtor=message.debtor, items=items, action_facts=facts, today=today,
        qr_code=message.channel == MessageChannel.LETTER, batch=batch, message_id=message.pk,
    )  # fmt: skip


def _zone(creditor: Creditor):
    from zoneinfo import ZoneInfo

    return ZoneInfo(creditor.timezone)


def letter_name(*, message: Message, day) -> str:
    """Where a letter's PDF is stored: one name per message, so a rerun overwrites it."""
    return f"letters/{message.creditor_id}/{day:%Y-%m-%d}/{message.key.replace(':', '-')}.pdf"


def outbox_send_now(
    *,
    message_id: int,
    now: Callable[[], datetime] = clock.now,
    lease: timedelta = LEASE,
    mail_options: dict[str, Any] | None = None,
) -> Message:
    """Try one queued message at once (a person's e-mail, sent while they wait) and return it
    as it ended: sent, queued again after a transient error (the sender retries it with the
    rest), or failed. A message another sender holds is left to that sender."""
    worker = worker_name()
    mail = MailSession(**(mail_options or {}))
    sender = Sender(worker=worker, now=now, lease=lease, mail=mail)
    with all_creditors():
        at = now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=at)
        claimed = Message.objects.filter(free, pk=message_id, status=MessageStatus.QUEUED).update(
            claimed_by=worker, lease_until=at + lease, updated_at=at
        )
        try:
            if claimed:
                sender.batch([message_id])
        finally:
            mail.close()
        return Message.objects.get(pk=message_id)


def outbox_send(
    *,
    creditor_id: int | None = None,
    limit: int | None = None,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    worker: str | None = None,
    now: Callable[[], datetime] = clock.now,
    queue: bool = True,
    mail_options: dict[str, Any] | None = None,
    mail: MailSession | None = None,
) -> SendReport:
    """Queue ready actions (``queue``), then send due messages until none is left or
    ``limit`` messages were handled. Safe to run in several processes at once.
    ``mail``: the session to hand e-mails to (default: the configured backend)."""
    worker = worker or worker_name()
    mail = mail or MailSession(**(mail_options or {}))
    sender = Sender(worker=worker, now=now, lease=lease, mail=mail)
    handled = 0
    with all_creditors():
        if queue:
            sender.report.queued = outbox_queue(now=now(), creditor_id=creditor_id)
            sender.report.queued += plan_reminders_queue(now=now(), creditor_id=creditor_id)
        try:
            while limit is None or handled < limit:
                size = batch if limit is None else min(batch, limit - handled)
                ids = outbox_claim(worker=worker, now=now(), limit=size, lease=lease, creditor_id=creditor_id)
                if not ids:
                    break
                sender.batch(ids)
                handled += len(ids)
        finally:
            mail.close()
    return sender.report
