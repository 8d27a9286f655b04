"""Receiving inbound mail: store it once, find whose it is, and act.

``inbound_receive`` is the one entry point (IMAP polling, ``tact inbox receive``, a webhook):

- a **bounce** (permanent failure in a DSN) marks our message ``bounced``, the contact's
  e-mail ``bounced`` (ledger service) and queues the stage's next channel (the outbox's
  fallback); when no channel is left the outbox holds the debtor *unreachable* and the mail
  waits for a person to find the right contact;
- a **delay** or **delivery** report is appended to the message's history;
- a **complaint** (ARF) records an e-mail opt-out for that contact and waits for a person;
- a **reply** from a person holds the debtor (*recent personal contact*, 7 days), cancels
  automatic messages still waiting in the outbox, is tagged with an intent and waits for a
  person: no automated standard message follows a personal reply;
- an **automatic reply** (out of office) is attached to the debtor and changes nothing;
- mail nobody can match is kept for a person to assign (``inbound_assign``).

The same bytes received twice are stored and acted on once (``checksum``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from tact.audit.services import audit_record
from tact.core import clock
from tact.core.jobs import all_creditors, creditor_scope
from tact.dunning.models import Hold, HoldReason
from tact.dunning.services import hold_place
from tact.ledger.models import Contact, ContactStatus, Debtor
from tact.ledger.services import contact_update
from tact.tenancy.models import Creditor

from .. import verp
from ..models import ChannelConsent, ConsentStatus, Message, MessageChannel, MessageStatus
from ..outbox import event_add
from ..personal import personal_hold_end
from .errors import InboundNotFound
from .intent import intent_classify
from .matching import referenced_ids, reply_tokens, report_ids
from .models import InboundKind, InboundMessage, PersonReason
from .parsing import ParsedMail, clean_text, mail_parse, max_bytes
from .quotes import reply_text
from .reports import COMPLAINED, DeliveryReport, report_read

ACTOR = "inbound"  # the audit label of what tact does on its own when mail arrives
TRUNCATED_KEEP = 64 * 1024
REPLY_HOLD_DAYS = 7


@dataclass
class Match:
    creditor: Creditor | None = None
    debtor: Debtor | None = None
    message: Message | None = None
    by: str = ""


@dataclass
class Received:
    inbound: InboundMessage
    created: bool
    actions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        row = self.inbound
        return {
            "id": row.pk,
            "created": self.created,
            "kind": row.kind,
            "creditor": row.creditor.slug if row.creditor_id else None,
            "debtor": row.debtor.number if row.debtor_id else None,
            "message": row.message_id,
            "matched_by": row.matched_by,
            "intent": row.intent,
            "intent_confidence": row.intent_confidence,
            "needs_person": row.needs_person,
            "person_reason": row.person_reason,
            "actions": row.actions,
            "problems": row.problems,
        }


# -- finding whose it is --------------------------------------------------------------------


def _message_by_ids(ids: list[str]) -> tuple[Message | None, str]:
    """Our message with one of ``ids`` (best first) in any creditor's outbox."""
    if not ids:
        return None, ""
    with all_creditors():
        found = {
            m.message_id: m
            for m in Message.objects.filter(message_id__in=ids).select_related(
                "creditor", "debtor", "contact"
            )
        }
    for message_id in ids:
        if message_id in found:
            return found[message_id], message_id
    return None, ""


def _message_by_bounce_address(mail: ParsedMail) -> Message | None:
    """The message whose own envelope sender (``verp``) the report was delivered to."""
    pk = verp.bounce_message_pk(mail.recipients)
    if pk is None:
        return None
    with all_creditors():
        return Message.objects.filter(pk=pk).select_related("creditor", "debtor", "contact").first()


def _message_by_recipient(report: DeliveryReport, creditor: Creditor | None) -> Message | None:
    """A report that does not quote our Message-ID: our latest e-mail to the failed address,
    when that address identifies one debtor (in ``creditor``'s mailbox, else anywhere)."""
    addresses = [r.recipient for r in report.recipients if r.recipient][:5]
    if not addresses:
        return None
    with all_creditors():
        query = Message.objects.filter(
            reduce(or_, (Q(recipient__iexact=a) for a in addresses)), channel=MessageChannel.EMAIL,
            status__in=(MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED),
        ).select_related("creditor", "debtor", "contact")  # fmt: skip
        if creditor is not None:
            query = query.filter(creditor=creditor)
        candidates = list(query.order_by("-sent_at", "-id")[:20])
    if len({(m.creditor_id, m.debtor_id) for m in candidates}) != 1:
        return None  # nobody, or an address several debtors share: a person decides
    return candidates[0]


def _debtor_by_token(mail: ParsedMail) -> Debtor | None:
    for token in reply_tokens(mail):
        with all_creditors():
            debtor = (
                Debtor.objects.filter(pk=token.debtor_id, creditor_id=token.creditor_id)
                .select_related("creditor")
                .first()
            )
        if debtor is not None:
            return debtor
    return None


def _match(mail: ParsedMail, report: DeliveryReport | None, creditor: Creditor | None) -> Match:
    if report is not None:
        message, _ = _message_by_ids(report_ids(report, mail))
        by = "report"
        if message is None:
            message, by = _message_by_bounce_address(mail), "bounce_address"
        if message is None:
            message, by = _message_by_recipient(report, creditor), "recipient"
        if message is not None:
            found = Match(message.creditor, message.debtor, message, by)
        else:
            debtor = _debtor_by_token(mail)
            found = Match(debtor.creditor, debtor, None, "reply_token") if debtor else Match()
    else:
        message, message_id = _message_by_ids(referenced_ids(mail))
        if message is not None:
            by = "in_reply_to" if message_id in mail.in_reply_to else "references"
            found = Match(message.creditor, message.debtor, message, by)
        else:
            debtor = _debtor_by_token(mail)
            found = Match(debtor.creditor, debtor, None, "reply_token") if debtor else Match()
    if creditor is not None and found.creditor is not None and found.creditor.pk != creditor.pk:
        # A mailbox of one creditor: another creditor's mail is not matched into it.
        found = Match()
    if found.creditor is None and creditor is not None:
        found.creditor = creditor
    return found


# -- acting -----------------------------------------------------------------------------------


def message_fallback(*, message: Message, now: datetime, code: str, detail: str) -> Message | None:
    """Hook: queue the next channel of ``message``'s stage after it failed for good; None
    when no channel is left (the outbox then holds the debtor *unreachable*).

    The outbox owns this rule. Until it offers a public ``sending.message_fallback``
    (TODO(issue 5): expose it), this calls the sender's own method, which needs no sender
    state, so a bounce and a refused address fall back the same way.
    """
    from .. import sending

    public = getattr(sending, "message_fallback", None)
    if public is not None:
        return public(message=message, now=now, code=code, detail=detail)
    failure = sending.Failure(transient=False, code=code, detail=detail)
    return sending.Sender._fallback(None, message, now, failure)  # type: ignore[arg-type]


def _today(creditor: Creditor, now: datetime):
    return now.astimezone(ZoneInfo(creditor.timezone)).date()


def _contact_of(*, message: Message | None, debtor: Debtor | None, address: str) -> Contact | None:
    if message is not None and message.contact_id is not None:
        contact = Contact.objects.filter(pk=message.contact_id).first()
        if contact is not None and (not address or contact.email.lower() == address.lower()):
            return contact
    if debtor is not None and address:
        return (
            Contact.objects.filter(debtor=debtor, email__iexact=address)
            .order_by("-is_preferred", "id")
            .first()
        )
    return None


def _message_move(
    message: Message, *, now: datetime, kind: str, status_to: str | None, **detail: Any
) -> bool:
    """Append a delivery event; move the status when it still is one of the earlier ones.
    True when the status moved."""
    status_from = message.status
    moved = False
    if status_to and status_to != status_from:
        earlier = {
            MessageStatus.BOUNCED: (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED),
            MessageStatus.DELIVERED: (MessageStatus.SENDING, MessageStatus.SENT),
        }[status_to]
        fields: dict[str, Any] = {"status": status_to, "updated_at": now}
        if status_to == MessageStatus.DELIVERED:
            fields["delivered_at"] = now
        if Message.objects.filter(pk=message.pk, status__in=earlier).update(**fields):
            message.status, moved = status_to, True
        else:
            status_to = status_from
    event_add(message=message, kind=kind, now=now, status_from=status_from, status_to=status_to or status_from,
              **detail)  # fmt: skip
    return moved


def _on_report(row: InboundMessage, report: DeliveryReport, match: Match, now: datetime) -> None:
    message, debtor = match.message, match.debtor
    for recipient in report.recipients:
        detail = {"inbound": row.pk, "recipient": recipient.recipient, "status": recipient.status,
                  "permanent": recipient.is_permanent, "diagnostic": recipient.diagnostic[:500]}  # fmt: skip
        if recipient.action == COMPLAINED:
            if message is not None:
                _message_move(message, now=now, kind="complained", status_to=None, **detail)
            contact = _contact_of(message=message, debtor=debtor, address=recipient.recipient)
            if debtor is not None:
                ChannelConsent.objects.create(
                    creditor_id=debtor.creditor_id, debtor=debtor, contact=contact, channel=MessageChannel.EMAIL,
                    status=ConsentStatus.OPTED_OUT, source=f"complaint ({report.feedback_type or 'abuse'})",
                    recorded_at=now,
                )  # fmt: skip
                row.actions.append("email_opted_out")
            row.needs_person, row.person_reason = True, PersonReason.COMPLAINT
        elif recipient.action == "failed":
            bounced = message is not None and _message_move(
                message, now=now, kind="bounced", status_to=MessageStatus.BOUNCED, **detail
            )
            if not recipient.is_permanent:
                continue
            contact = _contact_of(message=message, debtor=debtor, address=recipient.recipient)
            if contact is not None and contact.email_status != ContactStatus.BOUNCED:
                contact_update(contact=contact, by=ACTOR, email_status=ContactStatus.BOUNCED)
                row.actions.append(f"contact_bounced:{contact.pk}")
            if bounced and message.action_id is None:
                # A person's own e-mail never arrived: the hold it placed ends.
                personal_hold_end(message=message, now=now)
            if message is not None and (not bounced or Message.objects.filter(fallback_of=message).exists()):
                # Reported before, or the outbox already moved on from it: nothing more to do.
                continue
            if message is not None and message.action_id is not None:
                following = message_fallback(
                    message=message, now=now, code=f"dsn_{recipient.status or 'failed'}",
                    detail=recipient.diagnostic or f"bounced: {recipient.recipient}",
                )  # fmt: skip
                if following is not None:
                    row.actions.append(f"fallback:{following.channel}")
                    continue
                row.actions.append("hold:unreachable")
            # Nothing left to try (or a person's own e-mail bounced): a person finds the contact.
            row.needs_person, row.person_reason = True, PersonReason.FIND_CONTACT
        elif message is not None and recipient.action == "delayed":
            _message_move(message, now=now, kind="delayed", status_to=None, **detail)
        elif message is not None and recipient.action in ("delivered", "relayed", "expanded"):
            _message_move(message, now=now, kind="delivered", status_to=MessageStatus.DELIVERED, **detail)


def _automatic_cancel(*, debtor: Debtor, now: datetime, inbound_id: int) -> int:
    """Cancel the debtor's automatic messages that no sender holds yet (a claimed one is
    already on its way and finishes)."""
    waiting = Message.objects.filter(
        Q(claimed_by="") | Q(lease_until__lt=now),
        debtor=debtor,
        status=MessageStatus.QUEUED,
        action__isnull=False,
    )
    ids = list(waiting.values_list("pk", flat=True))
    cancelled = 0
    for message in Message.objects.filter(pk__in=ids):
        moved = (
            Message.objects.filter(Q(claimed_by="") | Q(lease_until__lt=now), pk=message.pk, status=MessageStatus.QUEUED)
            .update(status=MessageStatus.CANCELLED, held_reason=HoldReason.RECENT_CONTACT, updated_at=now)
        )  # fmt: skip
        if moved:
            event_add(message=message, kind="cancelled", now=now, status_from=MessageStatus.QUEUED,
                      status_to=MessageStatus.CANCELLED, reason="recent_contact", inbound=inbound_id)  # fmt: skip
            cancelled += 1
    return cancelled


def _on_reply(row: InboundMessage, match: Match, now: datetime) -> None:
    debtor = match.debtor
    tagged = intent_classify(row.reply_text or row.subject)
    row.intent, row.intent_confidence, row.intent_detail = tagged.intent, tagged.confidence, tagged.as_dict()
    row.needs_person, row.person_reason = True, PersonReason.REPLY
    if debtor is None:
        return
    today = _today(debtor.creditor, now)
    covered = Hold.objects.filter(
        debtor=debtor, invoice__isnull=True, reason=HoldReason.RECENT_CONTACT, ended_at__isnull=True,
        starts_on__lte=today, ends_on__gte=today + timedelta(days=REPLY_HOLD_DAYS),
    ).exists()  # fmt: skip
    if not covered:
        hold_place(
            debtor=debtor,
            reason=HoldReason.RECENT_CONTACT,
            starts_on=today,
            ends_on=today + timedelta(days=REPLY_HOLD_DAYS),
            note=clean_text(f"E-mail reply ({tagged.intent}): {row.subject}", limit=300),
            by=ACTOR,
        )
        row.actions.append("hold:recent_contact")
    cancelled = _automatic_cancel(debtor=debtor, now=now, inbound_id=row.pk)
    if cancelled:
        row.actions.append(f"cancelled_messages:{cancelled}")


def _kind(mail: ParsedMail, report: DeliveryReport | None) -> str:
    if report is None:
        return InboundKind.AUTO_REPLY if mail.is_auto_reply else InboundKind.REPLY
    actions = {r.action for r in report.recipients}
    if COMPLAINED in actions:
        return InboundKind.COMPLAINT
    if "failed" in actions:
        return InboundKind.BOUNCE
    if "delayed" in actions:
        return InboundKind.DELAYED
    return InboundKind.DELIVERED


def _report_dict(report: DeliveryReport | None) -> dict[str, Any]:
    if report is None:
        return {}
    return {
        "kind": report.kind,
        "original_message_id": report.original_message_id,
        "reporting_mta": report.reporting_mta,
        "feedback_type": report.feedback_type,
        "heuristic": report.is_heuristic,
        "recipients": [
            {"recipient": r.recipient, "action": r.action, "status": r.status, "permanent": r.is_permanent,
             "diagnostic": r.diagnostic[:500]}
            for r in report.recipients
        ],
    }  # fmt: skip


def _existing(checksum: str) -> InboundMessage | None:
    with all_creditors():
        return InboundMessage.objects.filter(checksum=checksum).select_related("creditor", "debtor").first()


def inbound_receive(
    raw: bytes, *, source: str, creditor: Creditor | None = None, now: datetime | None = None
) -> Received:
    """Store ``raw`` (any bytes: a reply, a bounce, garbage), match it and act (module doc).

    ``creditor`` names the creditor whose mailbox it came from: unmatched mail is theirs to
    assign, and another creditor's mail is not matched. Receiving the same bytes again
    returns the stored row (``created`` False) and does nothing.

    Example: a DSN for our reminder to jana@sommer.example → ``kind`` "bounce", ``actions``
    ["contact_bounced:17", "fallback:letter"].
    """
    raw = bytes(raw)
    checksum = hashlib.sha256(raw).hexdigest()
    existing = _existing(checksum)
    if existing is not None:
        return Received(existing, created=False, actions=list(existing.actions))
    now = now or clock.now()
    mail = mail_parse(raw)
    report = report_read(mail)
    match = _match(mail, report, creditor)
    kind = _kind(mail, report)
    row = InboundMessage(
        creditor=match.creditor, debtor=match.debtor, message=match.message, kind=kind,
        source=clean_text(source, limit=80), checksum=checksum,
        raw=raw[: min(TRUNCATED_KEEP, max_bytes())] if mail.too_large else raw, size=len(raw), is_truncated=mail.too_large,
        header_message_id=mail.message_id[:300], in_reply_to=(mail.in_reply_to[0] if mail.in_reply_to else "")[:300],
        from_address=mail.from_address[:300], from_name=mail.from_name[:200], subject=mail.subject[:1000],
        sent_at=mail.sent_at, received_at=now, text=mail.text,
        reply_text=reply_text(mail.text) if kind in (InboundKind.REPLY, InboundKind.AUTO_REPLY) else "",
        matched_by=match.by, report=_report_dict(report), problems=list(mail.problems), actions=[],
    )  # fmt: skip
    scope = creditor_scope(match.creditor) if match.creditor is not None else all_creditors()
    try:
        with scope, transaction.atomic():
            row.save()
            if report is not None:
                _on_report(row, report, match, now)
            elif kind == InboundKind.REPLY:
                _on_reply(row, match, now)
            if match.debtor is None and kind != InboundKind.AUTO_REPLY and not row.needs_person:
                row.needs_person, row.person_reason = True, PersonReason.UNMATCHED
            if match.debtor is None and kind == InboundKind.REPLY:
                row.person_reason = PersonReason.UNMATCHED
            row.save()
            if match.creditor is not None:
                audit_record(
                    creditor=match.creditor, actor=ACTOR, action=f"inbound_{kind}_received", subject=row,
                    after={"from": row.from_address, "subject": row.subject[:200], "intent": row.intent,
                           "debtor": match.debtor.number if match.debtor else None, "actions": row.actions},
                )  # fmt: skip
    except IntegrityError:
        # The same mail arrived through another path at the same moment; that one acted.
        existing = _existing(checksum)
        if existing is None:
            raise
        return Received(existing, created=False, actions=list(existing.actions))
    return Received(row, created=True, actions=list(row.actions))


@transaction.atomic
def inbound_assign(*, inbound: InboundMessage, debtor: Debtor, by: Any) -> InboundMessage:
    """A person says whose an unmatched reply is: it is attached to ``debtor`` and acted on
    as a reply (hold, cancelled automatic messages, intent).

    Raises InboundNotFound when the row belongs to another creditor.
    """
    if inbound.creditor_id is not None and inbound.creditor_id != debtor.creditor_id:
        raise InboundNotFound(kind="inbound message", id=inbound.pk)
    inbound = (
        InboundMessage.objects.select_for_update().get(pk=inbound.pk) if inbound.creditor_id else inbound
    )
    before = {"debtor": None, "person_reason": inbound.person_reason}
    inbound.creditor_id, inbound.debtor = debtor.creditor_id, debtor
    inbound.matched_by = "person"
    if inbound.kind == InboundKind.REPLY:
        _on_reply(inbound, Match(debtor.creditor, debtor, None, "person"), clock.now())
    inbound.save()
    audit_record(creditor=debtor.creditor, actor=by, action="inbound_assigned", subject=inbound, before=before,
                 after={"debtor": debtor.number, "actions": inbound.actions})  # fmt: skip
    return inbound


@transaction.atomic
def inbound_handle(*, inbound: InboundMessage, by: Any, now: datetime | None = None) -> InboundMessage:
    """A person has dealt with the mail: it leaves the list of mail awaiting a person."""
    inbound = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
    if not inbound.needs_person:
        return inbound
    inbound.needs_person = False
    inbound.handled_at = now or clock.now()
    inbound.handled_by = by if getattr(by, "pk", None) else None
    inbound.save(update_fields=["needs_person", "handled_at", "handled_by"])
    audit_record(creditor=inbound.creditor, actor=by, action="inbound_handled", subject=inbound,
                 after={"reason": inbound.person_reason})  # fmt: skip
    return inbound
