"""What a debtor does in the portal. Each action goes through the owning app's service
(arrangements, dunning holds, the ledger, payments) in one transaction and is audited on
the debtor, so it appears on the staff timeline (actor "portal").

Every function takes the ``Access`` the view resolved and runs inside its creditor's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import translation

from tact.arrangements.models import Dispute, Promise, Source
from tact.arrangements.services import dispute_open, promise_record
from tact.audit.services import audit_record
from tact.dunning.models import HoldReason
from tact.dunning.services import hold_place
from tact.ledger.models import Contact, Invoice
from tact.ledger.services import contact_create, contact_update, debtor_update
from tact.messaging.confirmations import confirmation_key, confirmation_language, confirmation_queue
from tact.payments.services import CheckoutStarted, checkout_start

from .access import Access
from .confirmations import confirmation_link_text, confirmation_text
from .models import Submission, SubmissionKind
from .uploads import Checked

ACTOR = "portal"


def portal_event(*, access: Access, action: str, facts: dict[str, Any] | None = None) -> None:
    """Audit a portal event on the debtor (``portal_opened``, ``portal_verified``, …)."""
    audit_record(
        creditor=access.creditor, actor=ACTOR, action=action, subject=access.debtor,
        after={"link": access.link.link_id, "message": access.link.message_id, **(facts or {})},
    )  # fmt: skip


def portal_confirm(*, access: Access, kind: str, facts: dict[str, Any], key: str, today: date) -> None:
    """Queue the message that confirms a portal action on the debtor's channel (e-mail,
    letter or SMS), in its language, in the action's transaction (the outbox sends it after
    the commit). A debtor no channel reaches has the page's confirmation alone."""
    language = confirmation_language(debtor=access.debtor, creditor=access.creditor)
    with translation.override(language):
        subject, text = confirmation_text(kind, facts)
        link_text = confirmation_link_text(kind)
    confirmation_queue(
        creditor=access.creditor, debtor=access.debtor, key=f"{kind}:{key}", subject=subject, text=text,
        today=today, link_text=link_text,
    )  # fmt: skip


def _day(on: date | None) -> str:
    return on.isoformat() if on else ""


@transaction.atomic
def portal_promise_make(*, access: Access, amount: Decimal, promised_on: date, today: date) -> Promise:
    """The debtor promises ``amount`` by ``promised_on`` (within the creditor's limit): a
    promise hold keeps the cycle quiet through the promised day plus the grace days.

    Example: 300.00 EUR by 2025-12-10 on 2025-12-01 with 3 grace days → a promise hold from
    2025-12-01 through 2025-12-13. Raises ArrangementInvalid naming the field.
    """
    config = access.config
    hold = hold_place(
        debtor=access.debtor, reason=HoldReason.PROMISE, starts_on=today,
        ends_on=max(promised_on, today) + timedelta(days=config.promise_grace_days),
        note=f"portal: promised {amount} {access.debtor.currency} by {promised_on.isoformat()}", by=ACTOR,
    )  # fmt: skip
    promise = promise_record(
        debtor=access.debtor, amount=amount, promised_on=promised_on, today=today,
        max_days=config.promise_max_days, grace_days=config.promise_grace_days, source=Source.PORTAL,
        hold_id=hold.pk, by=ACTOR,
    )  # fmt: skip
    portal_event(
        access=access, action="portal_promise_made",
        facts={"amount": promise.amount, "currency": promise.currency, "promised_on": promised_on},
    )  # fmt: skip
    portal_confirm(
        access=access, kind="promise", key=str(promise.pk), today=today,
        facts={"amount": str(promise.amount), "currency": promise.currency, "promised_on": _day(promised_on)},
    )  # fmt: skip
    return promise


@transaction.atomic
def portal_dispute_open(
    *, access: Access, invoice: Invoice, reason: str, text: str, upload: Checked | None, today: date
) -> Dispute:
    """The debtor disputes one open invoice: a dispute hold on that item until a person
    ends it. Raises ArrangementInvalid naming the field."""
    hold = hold_place(
        debtor=access.debtor, reason=HoldReason.DISPUTE, starts_on=today, invoice=invoice,
        note=f"portal: {reason}", by=ACTOR,
    )  # fmt: skip
    dispute = dispute_open(
        invoice=invoice, reason=reason, text=text, source=Source.PORTAL, hold_id=hold.pk, by=ACTOR,
        document=upload.file if upload else None, document_name=upload.original_name if upload else "",
        document_type=upload.content_type if upload else "",
    )  # fmt: skip
    portal_event(
        access=access, action="portal_dispute_opened",
        facts={"item": invoice.number, "reason": reason, "text": text[:500], "document": bool(upload)},
    )  # fmt: skip
    portal_confirm(
        access=access, kind="dispute", key=str(dispute.pk), facts={"number": invoice.number}, today=today
    )
    return dispute


@transaction.atomic
def portal_paid_claim(
    *,
    access: Access,
    items: Sequence[Invoice],
    paid_on: date,
    amount: Decimal,
    note: str,
    upload: Checked | None,
    today: date,
) -> Submission:
    """The debtor says it has paid: a short manual pause (the creditor's
    ``paid_claim_hold_days``) on the items named, or on the debtor, while a person looks
    for the money."""
    ends_on = today + timedelta(days=access.config.paid_claim_hold_days)
    for item in items or [None]:
        hold_place(
            debtor=access.debtor, reason=HoldReason.MANUAL, starts_on=today, ends_on=ends_on, invoice=item,
            note=f"portal: says paid {amount} on {paid_on.isoformat()}", by=ACTOR,
        )  # fmt: skip
    facts = {"items": [i.number for i in items], "paid_on": paid_on.isoformat(), "amount": str(amount),
             "currency": access.debtor.currency, "note": note[:2000], "paused_until": ends_on.isoformat()}  # fmt: skip
    submission = _submission(
        access=access, kind=SubmissionKind.PAID_CLAIM, facts=facts, upload=upload, due_on=ends_on
    )
    portal_event(access=access, action="portal_paid_claimed", facts={**facts, "document": bool(upload)})
    portal_confirm(access=access, kind="paid", key=str(submission.pk), facts={}, today=today)
    return submission


def _submission(
    *,
    access: Access,
    kind: str,
    facts: dict[str, Any],
    upload: Checked | None,
    due_on: date | None = None,
    hold_id: int | None = None,
) -> Submission:
    submission = Submission(
        creditor_id=access.creditor.pk,
        debtor=access.debtor,
        kind=kind,
        facts=facts,
        due_on=due_on,
        hold_id=hold_id,
    )
    if upload is not None:
        submission.document_name = upload.original_name
        submission.document_type = upload.content_type
        submission.document.save(f"proof.{upload.extension}", upload.file, save=False)
    submission.save()
    return submission


@transaction.atomic
def portal_message_send(*, access: Access, topic: str, text: str, reply_to: str, today: date) -> Submission:
    """The contact form: a message for a person, on the timeline."""
    facts = {"topic": topic, "text": text[:5000], "reply_to": reply_to}
    submission = _submission(
        access=access, kind=SubmissionKind.CONTACT, facts=facts, upload=None,
        due_on=today + timedelta(days=access.config.review_days),
    )  # fmt: skip
    portal_event(access=access, action="portal_message_received", facts={"topic": topic, "text": text[:500]})
    portal_confirm(access=access, kind="contact", key=str(submission.pk), facts={}, today=today)
    return submission


@transaction.atomic
def portal_cancellation_request(
    *, access: Access, invoice: Invoice | None, reason: str, text: str, today: date
) -> Submission:
    """The debtor asks to cancel (an order, a contract, the invoice named): a task for a
    person, answered within the creditor's service-level days. Meanwhile a manual pause on
    the item (or the debtor) until that day, so no reminder crosses the request.

    Example: on 2025-12-01 with 14 review days → due 2025-12-15, paused through 2025-12-15.
    """
    return _request(
        access=access, kind=SubmissionKind.CANCELLATION, invoice=invoice, reason=reason, text=text, today=today,
        action="portal_cancellation_requested",
    )  # fmt: skip


@transaction.atomic
def portal_mediation_request(*, access: Access, reason: str, text: str, today: date) -> Submission:
    """The debtor asks for mediation: a task for a person (who may hand the case to a
    mediator), answered within the service-level days, with dunning paused until then."""
    return _request(
        access=access, kind=SubmissionKind.MEDIATION, invoice=None, reason=reason, text=text, today=today,
        action="portal_mediation_requested",
    )  # fmt: skip


def _request(
    *, access: Access, kind: str, invoice: Invoice | None, reason: str, text: str, today: date, action: str
) -> Submission:
    due_on = today + timedelta(days=access.config.review_days)
    hold = hold_place(
        debtor=access.debtor, reason=HoldReason.MANUAL, starts_on=today, ends_on=due_on, invoice=invoice,
        note=f"portal: {kind} request ({reason})", by=ACTOR,
    )  # fmt: skip
    number = invoice.number if invoice else ""
    facts = {
        "reason": reason,
        "text": text.strip()[:5000],
        "item": number,
        "item_id": invoice.pk if invoice else None,
    }
    submission = _submission(
        access=access, kind=kind, facts=facts, upload=None, due_on=due_on, hold_id=hold.pk
    )
    portal_event(
        access=access, action=action,
        facts={"reason": reason, "item": number, "text": text.strip()[:500], "due_on": due_on},
    )  # fmt: skip
    portal_confirm(
        access=access, kind=kind, key=str(submission.pk), facts={"number": number, "due_on": _day(due_on)},
        today=today,
    )  # fmt: skip
    return submission


PREFERENCE_FIELDS = ("preferred_channel", "language")
CONTACT_FIELDS = ("email", "phone", "street", "postal_code", "city")


@transaction.atomic
def portal_preferences_change(*, access: Access, data: dict[str, Any], today: date) -> list[str]:
    """Change the preferred channel, the language and the preferred contact's details
    through the ledger's services (which audit each change). Returns the changed fields."""
    debtor = access.debtor
    before = {f: getattr(debtor, f) for f in PREFERENCE_FIELDS}
    debtor_update(debtor=debtor, by=ACTOR, **{f: data[f] for f in PREFERENCE_FIELDS if f in data})
    changed = [f for f in PREFERENCE_FIELDS if before[f] != getattr(debtor, f)]
    contact = Contact.objects.filter(debtor=debtor).order_by("-is_preferred", "id").first()
    wanted = {f: data[f] for f in CONTACT_FIELDS if f in data}
    if contact is None and any(wanted.values()):
        contact_create(debtor=debtor, by=ACTOR, name=debtor.name, is_preferred=True, **wanted)
        changed += [f for f, v in wanted.items() if v]
    elif contact is not None:
        old = {f: getattr(contact, f) for f in CONTACT_FIELDS}
        contact_update(contact=contact, by=ACTOR, **wanted)
        changed += [f for f in CONTACT_FIELDS if old[f] != getattr(contact, f)]
    if changed:
        portal_event(access=access, action="portal_preferences_changed", facts={"fields": changed})
        # To the address as it is now: a changed e-mail address hears of the change itself.
        portal_confirm(
            access=access, kind="preferences", key=confirmation_key(), facts={"changed": True}, today=today
        )
    return changed


def portal_checkout_start(
    *,
    access: Access,
    items: Sequence[Invoice],
    amount: Decimal,
    provider: str,
    return_url: Callable[[str], str],
) -> CheckoutStarted:
    """Online payment of the chosen items (partial allowed) at the provider."""
    return checkout_start(
        debtor=access.debtor, items=items, amount=amount, provider=provider, return_url=return_url, by=ACTOR
    )


def portal_opened(*, access: Access, now: datetime) -> None:
    portal_event(access=access, action="portal_opened", facts={"at": now.isoformat()})
