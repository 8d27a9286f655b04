"""Phone calls: the script an agent reads, and what the agent records afterwards.

An outcome feeds the holds of the daily cycle, so that no standard letter crosses what was
said on the phone:

==============  =====================================================================
outcome         hold
==============  =====================================================================
reached         *recent personal contact* for 7 days
not_reached     none (the call is recorded; the next step stays as planned)
promise         *promise to pay* until the promised date plus ``PROMISE_GRACE_DAYS``
dispute         *dispute* on each disputed item, until a person ends it
call_back       *manual pause* until the agreed day
hardship        *hardship* until the given day, else ``HARDSHIP_DAYS``
==============  =====================================================================

Promises and payment plans as arrangements of their own come with the arrangements app;
until then the promise's amount and date are in the hold's note and on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from tact.audit.services import audit_record
from tact.core.errors import ValidationFailed
from tact.core.money import quantize
from tact.dunning.models import Action, Hold, HoldReason
from tact.dunning.services import hold_place
from tact.ledger.models import Contact, Debtor, Invoice
from tact.ledger.selectors import open_items_of
from tact.tenancy.models import Creditor

from .channels.phone import OUTCOMES, CallScript, call_script
from .context import message_context
from .errors import TemplateNotFound

PROMISE_GRACE_DAYS = 3  # a transfer made on the promised day reaches the account a day or two later
HARDSHIP_DAYS = 30  # a hardship hold without an end is looked at again after a month
MAX_AHEAD_DAYS = 366  # a promise or call-back further out is a payment plan, not a call note
SCRIPT_KEY = "personal_contact"  # the phone text tact ships; a stage without its own uses it


class CallOutcome(TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    CALL_BACK = "call_back", _("Call back")
    HARDSHIP = "hardship", _("Hardship")


class CallInvalid(ValidationFailed):
    """An outcome that cannot be recorded; ``field`` names the input to fix."""

    code = "messaging_call_invalid"
    template = "{field}: {problem}"

    def __init__(self, *, field: str, problem: str) -> None:
        super().__init__(field=field, problem=problem)
        self.field = field


@dataclass(frozen=True)
class CallRecord:
    debtor: Debtor
    outcome: str
    holds: tuple[Hold, ...]


def call_script_for(
    *, creditor: Creditor, debtor: Debtor, today: date, action: Action | None = None
) -> CallScript:
    """The call script for ``debtor``: the phone text of the action's stage (else the shipped
    personal-contact text) in the debtor's language, about the action's items (else the
    overdue items, else all open ones).

    Raises TemplateNotFound, TemplateInvalid, ToneRefused, ContextIncomplete.
    """
    from .services import template_render  # services re-exports this module

    items = list(open_items_of(debtor=debtor))
    if action is not None:
        wanted = {int(i["id"]) for i in action.items if "id" in i}
        items = [i for i in items if i.pk in wanted] or items
    else:
        items = [i for i in items if i.due_on < today and i.kind == "invoice"] or items
    key = action.template_key if action is not None else SCRIPT_KEY
    facts: dict[str, Any] = {"stage": key}
    if action is not None:
        facts.update(
            stage_is_final=bool(action.explanation.get("stage", {}).get("is_final_notice")),
            stage_is_handover=bool(action.explanation.get("stage", {}).get("proposes_handover")),
        )
    ctx = message_context(creditor=creditor, debtor=debtor, items=items, action_facts=facts, today=today)
    tone = action.tone if action is not None else "friendly"
    try:
        rendered = template_render(key=key, language=debtor.language, tone=tone, channel="phone", context=ctx)
    except TemplateNotFound:
        if key == SCRIPT_KEY:
            raise
        rendered = template_render(
            key=SCRIPT_KEY, language=debtor.language, tone=tone, channel="phone", context=ctx
        )
    return call_script(rendered=rendered)


def _ahead(day: date | None, *, today: date, field: str, required: bool) -> date | None:
    if day is None:
        if required:
            raise CallInvalid(field=field, problem="a date is needed for this outcome")
        return None
    if day < today:
        raise CallInvalid(
            field=field, problem=f"{day.isoformat()} lies in the past (today is {today.isoformat()})"
        )
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise CallInvalid(
            field=field, problem=f"{day.isoformat()} is more than a year ahead; agree a payment plan"
        )
    return day


@transaction.atomic
def call_outcome_record(
    *,
    debtor: Debtor,
    outcome: str,
    today: date,
    by: Any,
    note: str = "",
    contact: Contact | None = None,
    action: Action | None = None,
    promise_on: date | None = None,
    promise_amount: Decimal | None = None,
    disputed_items: list[Invoice] | None = None,
    dispute_reason: str = "",
    call_back_on: date | None = None,
    hardship_until: date | None = None,
) -> CallRecord:
    """Record a phone call with ``debtor`` and place the hold its outcome calls for (see the
    module's table); the call goes on the debtor's timeline.

    Example: a promise of 500.00 EUR by 2025-12-15, recorded on 2025-12-01, puts a promise
    hold from 2025-12-01 through 2025-12-18 whose note names the amount and the date.

    Raises CallInvalid naming the field: an unknown outcome, a promise without a date or
    with an amount not above zero or above the open balance, a dispute without items or
    reason, a date in the past.
    """
    if outcome not in OUTCOMES:
        raise CallInvalid(field="outcome", problem=f"{outcome!r} is not one of {', '.join(OUTCOMES)}")
    if contact is not None and contact.debtor_id != debtor.pk:
        raise CallInvalid(field="contact", problem="the contact belongs to another debtor")
    if action is not None and action.debtor_id != debtor.pk:
        raise CallInvalid(field="action", problem="the action is for another debtor")
    note = note.strip()
    facts: dict[str, Any] = {"outcome": outcome, "note": note}
    if contact is not None:
        facts["contact"] = contact.name or contact.phone
    if action is not None:
        facts["action"] = action.pk
    holds: list[Hold] = []

    def hold(reason: str, *, ends_on: date | None, hold_note: str, invoice: Invoice | None = None) -> None:
        holds.append(
            hold_place(
                debtor=debtor,
                reason=reason,
                starts_on=today,
                ends_on=ends_on,
                invoice=invoice,
                note=hold_note,
                by=by,
            )  # fmt: skip
        )

    # Hold notes are data, written in one language (codes and dates), like the audit log.
    if outcome == CallOutcome.REACHED:
        hold(
            HoldReason.RECENT_CONTACT, ends_on=None, hold_note=f"phone call: {note}" if note else "phone call"
        )
    elif outcome == CallOutcome.PROMISE:
        day = _ahead(promise_on, today=today, field="promise_on", required=True)
        assert day is not None
        # The debtor's balance in their own currency: amounts of two currencies never add up.
        in_currency = open_items_of(debtor=debtor).filter(currency=debtor.currency)
        open_total = sum((i.open_amount for i in in_currency), Decimal("0"))
        if promise_amount is None or promise_amount <= 0:
            raise CallInvalid(field="promise_amount", problem="give the promised amount, above zero")
        amount = quantize(promise_amount, debtor.currency)
        if amount > open_total:
            raise CallInvalid(
                field="promise_amount",
                problem=f"{amount} {debtor.currency} is more than the open balance "
                f"{quantize(open_total, debtor.currency)} {debtor.currency}",
            )
        facts.update(promise_on=day.isoformat(), promise_amount=str(amount), currency=debtor.currency)
        hold(
            HoldReason.PROMISE,
            ends_on=day + timedelta(days=PROMISE_GRACE_DAYS),
            hold_note=f"promised {amount} {debtor.currency} by {day.isoformat()}"
            + (f"; {note}" if note else ""),
        )
    elif outcome == CallOutcome.DISPUTE:
        items = list(disputed_items or [])
        if not items:
            raise CallInvalid(field="disputed_items", problem="choose the items the debtor disputes")
        if not dispute_reason.strip():
            raise CallInvalid(field="dispute_reason", problem="say what the debtor disputes")
        for item in items:
            if item.debtor_id != debtor.pk:
                raise CallInvalid(
                    field="disputed_items", problem=f"item {item.number} belongs to another debtor"
                )
        facts.update(items=[i.number for i in items], reason=dispute_reason.strip())
        for item in items:
            hold(HoldReason.DISPUTE, ends_on=None, hold_note=dispute_reason.strip(), invoice=item)
    elif outcome == CallOutcome.CALL_BACK:
        day = _ahead(call_back_on, today=today, field="call_back_on", required=True)
        facts["call_back_on"] = day.isoformat() if day else None
        hold(HoldReason.MANUAL, ends_on=day, hold_note=f"call back on {day}" + (f"; {note}" if note else ""))
    elif outcome == CallOutcome.HARDSHIP:
        day = _ahead(hardship_until, today=today, field="hardship_until", required=False)
        day = day or today + timedelta(days=HARDSHIP_DAYS)
        facts["hardship_until"] = day.isoformat()
        hold(HoldReason.HARDSHIP, ends_on=day, hold_note=note)
    facts["holds"] = [
        {"reason": h.reason, "ends_on": h.ends_on.isoformat() if h.ends_on else None} for h in holds
    ]
    audit_record(creditor=debtor.creditor, actor=by, action="call_logged", subject=debtor, after=facts)
    return CallRecord(debtor=debtor, outcome=outcome, holds=tuple(holds))
