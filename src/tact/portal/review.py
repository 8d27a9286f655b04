"""Staff work on what debtors sent through the portal: disputes and submissions (cancellation
and mediation requests, "already paid", contact messages) as tasks with a service-level day.

Reads (``review_list``, ``review_dispute``, …) and writes (``dispute_take``, ``dispute_decide``,
``submission_take``, ``submission_resolve``). The dispute's state lives in arrangements and
changes only through its services; the hold that kept dunning quiet is ended here (dunning
sits above arrangements), and the answer to the debtor goes through the outbox as a
personal e-mail (a letter or an SMS for a debtor without an e-mail address) — queued in the
decision's transaction, sent after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from tact.arrangements.models import Dispute, DisputeStatus
from tact.arrangements.services import credit_note_against, dispute_resolve, dispute_review_start
from tact.audit.selectors import audit_events_for
from tact.audit.services import audit_record
from tact.core.money import quantize
from tact.core.templatetags.tact_format import ldate
from tact.dunning.models import Hold, HoldReason
from tact.dunning.services import hold_end, hold_place
from tact.ledger.models import Debtor, Invoice, InvoiceKind
from tact.messaging.confirmations import (
    confirmation_contact,
    confirmation_key,
    confirmation_language,
    confirmation_queue,
)
from tact.messaging.models import Message, MessageChannel
from tact.messaging.personal import personal_email_send, personal_email_start
from tact.messaging.rendering import tone_enforce
from tact.tenancy.models import Creditor

from .access import portal_settings_for
from .models import Submission, SubmissionKind, SubmissionOutcome, SubmissionStatus

# The three states a person filters by; a dispute's "rejected" is one way of being resolved.
STATES = ("open", "in_review", "resolved")
DISPUTE_STATE = {
    DisputeStatus.OPEN: "open",
    DisputeStatus.IN_REVIEW: "in_review",
    DisputeStatus.RESOLVED: "resolved",
    DisputeStatus.REJECTED: "resolved",
}
LIST_LIMIT = 200
ANSWER_KEY = "portal_answer"  # a person's answer that went as a letter or an SMS


class ReviewInvalid(ValueError):
    """A decision that cannot be taken; ``field`` names what to fix."""

    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class ReviewRow:
    kind: str  # "dispute" or the submission's kind
    pk: int
    debtor: Debtor
    subject: str  # the item's number, or the request's reason
    state: str  # one of STATES
    status_label: str
    received_at: datetime
    due_on: date | None
    overdue: bool
    has_document: bool


def _received_on(at: datetime, creditor: Creditor) -> date:
    return at.astimezone(ZoneInfo(creditor.timezone)).date()


def dispute_due_on(*, dispute: Dispute, creditor: Creditor, review_days: int) -> date:
    """The service-level day of a dispute: received day plus the creditor's review days."""
    return _received_on(dispute.created_at, creditor) + timedelta(days=review_days)


def review_list(*, creditor: Creditor, today: date, state: str = "", kind: str = "") -> list[ReviewRow]:
    """Disputes (``kind="dispute"``) and portal submissions (``kind="request"``), or both,
    in ``state`` (or any); the earliest service-level day first. In scope."""
    review_days = portal_settings_for(creditor=creditor).review_days
    rows: list[ReviewRow] = []
    if kind in ("", "dispute"):
        disputes = Dispute.objects.select_related("debtor", "invoice")
        if state:
            disputes = disputes.filter(status__in=[s for s, v in DISPUTE_STATE.items() if v == state])
        for d in disputes.order_by("created_at", "id")[:LIST_LIMIT]:
            due = dispute_due_on(dispute=d, creditor=creditor, review_days=review_days)
            rows.append(ReviewRow(
                kind="dispute", pk=d.pk, debtor=d.debtor, subject=d.invoice.number, state=DISPUTE_STATE[d.status],
                status_label=d.get_status_display(), received_at=d.created_at, due_on=due,
                overdue=DISPUTE_STATE[d.status] != "resolved" and due < today, has_document=bool(d.document),
            ))  # fmt: skip
    if kind in ("", "request"):
        submissions = Submission.objects.select_related("debtor")
        if state:
            submissions = submissions.filter(status=state)
        for s in submissions.order_by("created_at", "id")[:LIST_LIMIT]:
            rows.append(ReviewRow(
                kind=s.kind, pk=s.pk, debtor=s.debtor, subject=submission_subject(s), state=s.status,
                status_label=s.get_status_display(), received_at=s.created_at, due_on=s.due_on,
                overdue=s.status != SubmissionStatus.RESOLVED and s.due_on is not None and s.due_on < today,
                has_document=bool(s.document),
            ))  # fmt: skip
    far = date.max
    rows.sort(key=lambda r: (r.state == "resolved", r.due_on or far, r.received_at))
    return rows


def submission_subject(submission: Submission) -> str:
    """A line naming what the submission is about (the item, the reason or the topic)."""
    from .models import CancellationReason, MediationReason

    facts = submission.facts or {}
    labels = {**dict(CancellationReason.choices), **dict(MediationReason.choices)}
    parts = [facts.get("item") or ", ".join(facts.get("items") or [])]
    if facts.get("reason"):
        parts.append(str(labels.get(facts["reason"], facts["reason"])))
    if facts.get("topic"):
        parts.append(facts["topic"])
    return " · ".join(p for p in parts if p)


def review_dispute(*, dispute_id: int) -> Dispute:
    dispute = Dispute.objects.select_related("debtor", "invoice").filter(pk=dispute_id).first()
    if dispute is None:
        raise Http404("no such dispute")
    return dispute


def review_submission(*, submission_id: int) -> Submission:
    submission = Submission.objects.select_related("debtor", "resolved_by").filter(pk=submission_id).first()
    if submission is None:
        raise Http404("no such submission")
    return submission


def submission_items(*, submission: Submission):
    """The debtor's open invoices a granted cancellation may credit (none for other kinds)."""
    if submission.kind != SubmissionKind.CANCELLATION:
        return Invoice.objects.none()
    return Invoice.objects.filter(
        debtor=submission.debtor, kind=InvoiceKind.INVOICE, open_amount__gt=0
    ).order_by("due_on", "id")


HISTORY_FACTS = ("outcome", "credit_note", "amount", "currency", "explanation")


def dispute_history(*, dispute: Dispute) -> list[dict[str, Any]]:
    """What happened to the dispute, oldest first: when, what, who, and for a decision the
    outcome, the credit note and the explanation (blank where none)."""
    events = audit_events_for(subject_type="arrangements.dispute", subject_ids=[str(dispute.pk)])
    return [
        {"at": e.created_at, "action": e.action, "actor": e.actor or e.actor_label,
         **{k: (e.after or {}).get(k) or "" for k in HISTORY_FACTS}}
        for e in events.order_by("created_at", "id")
    ]  # fmt: skip


# -- writes ---------------------------------------------------------------------------------


def dispute_take(*, dispute: Dispute, by: Any) -> Dispute:
    return dispute_review_start(dispute=dispute, by=by)


@dataclass(frozen=True)
class Decided:
    subject: Dispute | Submission
    message: Message | None  # the e-mail to the debtor, queued; None when none went


def _answer_queue(
    *, creditor: Creditor, debtor: Debtor, subject: str, text: str, by: Any, today: date
) -> Message | None:
    """The person's answer as a personal e-mail (greeting and closing in the debtor's
    language), queued. A debtor without a usable e-mail address gets it as a letter or an
    SMS (its preferred of the two), checked for tone as every message is; None when no
    channel reaches it."""
    contact = confirmation_contact(debtor=debtor)
    if contact is None:
        tone_enforce(
            subject=subject, text=text, language=confirmation_language(debtor=debtor, creditor=creditor),
            is_final=False, is_handover=False, ignore=frozenset(), where="answer",
        )  # fmt: skip
        return confirmation_queue(
            creditor=creditor, debtor=debtor, key=confirmation_key(), subject=subject, text=text, today=today,
            template_key=ANSWER_KEY, channels=(MessageChannel.LETTER, MessageChannel.SMS),
        )  # fmt: skip
    draft = personal_email_start(creditor=creditor, debtor=debtor, by=by, today=today)
    head, _sep, tail = draft["body"].partition("\n\n\n\n")
    body = f"{head}\n\n{text.strip()}\n\n{tail}" if tail else f"{text.strip()}\n\n{head}"
    sent = personal_email_send(
        creditor=creditor, debtor=debtor, contact=contact, subject=subject, body=body, include_items=False,
        by=by, today=today, send_now=False,
    )  # fmt: skip
    return sent.message


def _in_debtors_language(debtor: Debtor, creditor: Creditor):
    return translation.override(confirmation_language(debtor=debtor, creditor=creditor))


@transaction.atomic
def dispute_decide(
    *,
    dispute: Dispute,
    outcome: str,
    by: Any,
    today: date,
    explanation: str = "",
    credit_note_number: str = "",
    credit_amount: Decimal | None = None,
) -> Decided:
    """Decide a dispute: a credit note set against the item, or a rejection whose
    explanation goes to the debtor on its channel (e-mail, else a letter or an SMS). Either
    way the dispute's hold ends: after a rejection the claim stands and dunning starts over
    from the first due stage (the ``resolved`` outcome of the hold); after a credit note the
    rest goes on where it was.

    Raises ArrangementInvalid naming the field; ToneRefused when the explanation is not
    polite enough to send.
    """
    decided = dispute_resolve(
        dispute=dispute, outcome=outcome, by=by, today=today, explanation=explanation,
        credit_note_number=credit_note_number, credit_amount=credit_amount,
    )  # fmt: skip
    if decided.hold_id is not None:
        hold = Hold.objects.filter(pk=decided.hold_id).first()
        if hold is not None:
            hold_end(hold=hold, today=today, by=by, outcome="resolved" if outcome == "rejected" else "")
    message = None
    creditor, debtor = decided.creditor, decided.debtor
    if outcome == "rejected":
        with _in_debtors_language(debtor, creditor):
            subject = _("Your objection to invoice %(number)s") % {"number": decided.invoice.number}
        message = _answer_queue(
            creditor=creditor, debtor=debtor, subject=subject, text=explanation, by=by, today=today
        )
    audit_record(
        creditor=creditor, actor=by, action="dispute_decided", subject=debtor,
        after={"item": decided.invoice.number, "outcome": outcome, "credit_note": credit_note_number or None,
               "explanation": explanation.strip()[:500], "answered": message is not None},
    )  # fmt: skip
    return Decided(subject=decided, message=message)


@transaction.atomic
def submission_take(*, submission: Submission, by: Any) -> Submission:
    """A person takes the task: open → in review (again: no change)."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status == SubmissionStatus.RESOLVED:
        raise ReviewInvalid(field="status", problem="the request is resolved already")
    if submission.status == SubmissionStatus.OPEN:
        submission.status = SubmissionStatus.IN_REVIEW
        submission.save(update_fields=["status"])
        audit_record(
            creditor=submission.creditor, actor=by, action="submission_review_started", subject=submission,
            after={"kind": submission.kind, "status": submission.status},
        )  # fmt: skip
    return submission


def _grant_carry_out(
    *,
    submission: Submission,
    by: Any,
    today: date,
    credit_item: Invoice | None,
    credit_note_number: str,
    credit_amount: Decimal | None,
    mediator: str,
) -> dict[str, Any]:
    """Carry out a granted cancellation (a credit note set against the item) or mediation
    (the case handed to the mediator: a handed-over hold on the debtor naming them).
    Returns the facts to keep on the submission."""
    debtor = submission.debtor
    if submission.kind == SubmissionKind.CANCELLATION:
        item_id = (submission.facts or {}).get("item_id")
        item = credit_item or (Invoice.objects.filter(pk=item_id).first() if item_id else None)
        if item is None or item.debtor_id != debtor.pk or item.kind != InvoiceKind.INVOICE:
            raise ReviewInvalid(
                field="credit_item", problem="choose the debtor's invoice the credit note is set against"
            )
        note = credit_note_against(
            invoice=item, number=credit_note_number, amount=credit_amount, today=today, by=by
        )
        return {"credit_note": note.number, "credited_item": item.number, "currency": note.currency,
                "credit_amount": str(quantize(-note.gross_amount, note.currency))}  # fmt: skip
    if submission.kind == SubmissionKind.MEDIATION:
        mediator = " ".join(mediator.split())[:200]
        if not mediator:
            raise ReviewInvalid(field="mediator", problem="name the mediator the case is handed to")
        hold = hold_place(
            debtor=debtor,
            reason=HoldReason.HANDED_OVER,
            starts_on=today,
            note=f"mediation: {mediator}",
            by=by,
        )
        audit_record(
            creditor=submission.creditor, actor=by, action="mediation_handed_over", subject=debtor,
            after={"mediator": mediator, "hold": hold.pk, "request": submission.pk},
        )  # fmt: skip
        return {"mediator": mediator, "handover_hold": hold.pk}
    return {}


@transaction.atomic
def submission_resolve(
    *,
    submission: Submission,
    outcome: str,
    answer: str,
    by: Any,
    today: date,
    now: datetime,
    credit_item: Invoice | None = None,
    credit_note_number: str = "",
    credit_amount: Decimal | None = None,
    mediator: str = "",
) -> Decided:
    """Close the task with an outcome (granted, declined, answered). The pause it put on
    dunning ends; ``answer``, when given, goes to the debtor on its channel (e-mail, else a
    letter or an SMS) and is kept.

    Granted, the request is carried out: a cancellation by a credit note ``credit_note_number``
    of ``credit_amount`` set against the item it named (or ``credit_item``), booked through
    the ledger as a dispute's is; a mediation by handing the case to ``mediator`` — a
    handed-over hold on the debtor, so no reminder crosses the mediator's work, until a
    person ends it. Example: RE-1 open 238.00, cancellation granted with GS-3 of 238.00 →
    RE-1 closed. Raises ReviewInvalid or ArrangementInvalid naming the field."""
    submission = Submission.objects.select_for_update().select_related("debtor").get(pk=submission.pk)
    if submission.status == SubmissionStatus.RESOLVED:
        raise ReviewInvalid(field="status", problem="the request is resolved already")
    if outcome not in SubmissionOutcome.values:
        raise ReviewInvalid(
            field="outcome", problem=f"{outcome!r} is not one of {', '.join(SubmissionOutcome.values)}"
        )
    answer = answer.strip()
    if outcome == SubmissionOutcome.DECLINED and not answer:
        raise ReviewInvalid(field="answer", problem="say why the request is declined")
    carried = {}
    if outcome == SubmissionOutcome.GRANTED:
        carried = _grant_carry_out(
            submission=submission, by=by, today=today, credit_item=credit_item,
            credit_note_number=credit_note_number, credit_amount=credit_amount, mediator=mediator,
        )  # fmt: skip
    submission.status, submission.outcome, submission.answer = SubmissionStatus.RESOLVED, outcome, answer
    submission.resolved_at, submission.resolved_by = now, by if getattr(by, "pk", None) else None
    submission.facts = {**(submission.facts or {}), **carried}
    submission.save(update_fields=["status", "outcome", "answer", "resolved_at", "resolved_by", "facts"])
    if submission.hold_id is not None:
        hold = Hold.objects.filter(pk=submission.hold_id).first()
        if hold is not None:
            hold_end(hold=hold, today=today, by=by)
    message = None
    creditor, debtor = submission.creditor, submission.debtor
    if answer:
        with _in_debtors_language(debtor, creditor):
            day = ldate(_received_on(submission.created_at, creditor))
            subject = _("Our answer to your request of %(day)s") % {"day": day}
        message = _answer_queue(
            creditor=creditor, debtor=debtor, subject=subject, text=answer, by=by, today=today
        )
    audit_record(
        creditor=creditor, actor=by, action="request_decided", subject=debtor,
        after={"kind": submission.kind, "outcome": outcome, "answer": answer[:500], "answered": message is not None,
               **{k: v for k, v in carried.items() if k != "handover_hold"}},
    )  # fmt: skip
    return Decided(subject=submission, message=message)
