"""The timeline of a debtor or an item: everything that happened, newest first.

The timeline is built from providers. A provider is a function
``provider(*, subject, creditor, limit) -> Iterable[TimelineEntry]`` that answers for the subjects it
knows (a `Debtor` or an `Invoice`) and returns nothing for others. Later capabilities
(messages, calls, promises, disputes) add their own with `@timeline_provider`; because
imports point from the faces down, those providers live in the workbench and read their
app's selectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tact.audit.models import AuditEvent
from tact.audit.selectors import audit_events_for
from tact.ledger.models import Allocation, Contact, Debtor, Invoice, InvoiceKind, Payment
from tact.messaging import selectors as msg_selectors
from tact.messaging.inbound.selectors import inbound_of_debtor
from tact.messaging.models import Message
from tact.tenancy.models import Creditor

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # stable code of the source, such as "audit"; styles the entry
    title: str
    detail: str = ""
    actor: str = ""
    url: str = ""
    all_day: bool = False  # a business date (issued, paid) rather than a moment


Provider = Callable[..., Iterable[TimelineEntry]]
PROVIDERS: list[Provider] = []


def timeline_provider(provider: Provider) -> Provider:
    """Register a provider (usable as a decorator)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def timeline_for(
    *, subject: Debtor | Invoice, creditor: Creditor, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The newest ``limit`` entries of every provider, merged, newest first."""
    entries: list[TimelineEntry] = []
    for provider in PROVIDERS:
        entries.extend(provider(subject=subject, creditor=creditor, limit=limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


# -- audit events -----------------------------------------------------------------------

# Titles of the audit actions the ledger writes; an unknown code still shows, humanised.
ACTION_TITLES = {
    "debtor_created": gettext_lazy("Debtor created"),
    "debtor_updated": gettext_lazy("Debtor changed"),
    "debtor_deleted": gettext_lazy("Debtor deleted"),
    "contact_created": gettext_lazy("Contact added"),
    "contact_updated": gettext_lazy("Contact changed"),
    "contact_deleted": gettext_lazy("Contact removed"),
    "invoice_created": gettext_lazy("Item %(number)s recorded"),
    "invoice_updated": gettext_lazy("Item %(number)s changed"),
    "open_amount_changed": gettext_lazy("Open amount of %(number)s changed"),
    "payment_recorded": gettext_lazy("Payment recorded"),
    "call_logged": gettext_lazy("Phone call"),
    "personal_email_sent": gettext_lazy("Personal e-mail sent"),
    # The debtor on the portal, and money paid online.
    "portal_opened": gettext_lazy("Opened the portal"),
    "portal_verified": gettext_lazy("Confirmed identity on the portal"),
    "portal_verify_failed": gettext_lazy("Wrong answer to the portal's security question"),
    "portal_locked": gettext_lazy("Portal locked after wrong answers"),
    "portal_link_refused": gettext_lazy("An expired or revoked portal link was used"),
    "portal_link_revoked": gettext_lazy("Portal links revoked"),
    "portal_promise_made": gettext_lazy("Promised to pay (portal)"),
    "portal_dispute_opened": gettext_lazy("Disputed an item (portal)"),
    "portal_paid_claimed": gettext_lazy("Says it has paid (portal)"),
    "portal_message_received": gettext_lazy("Wrote through the portal"),
    "portal_cancellation_requested": gettext_lazy("Asked to cancel (portal)"),
    "portal_mediation_requested": gettext_lazy("Asked for mediation (portal)"),
    "dispute_decided": gettext_lazy("Dispute decided"),
    "request_decided": gettext_lazy("Portal request decided"),
    "portal_preferences_changed": gettext_lazy("Changed preferences on the portal"),
    "portal_item_downloaded": gettext_lazy("Downloaded an invoice (portal)"),
    "portal_statement_downloaded": gettext_lazy("Downloaded the account statement (portal)"),
    "online_payment_started": gettext_lazy("Started an online payment"),
    "online_payment_received": gettext_lazy("Paid online"),
    # Payment plans and promises (arrangements; the daily check writes the last ones).
    "portal_plan_proposed": gettext_lazy("Proposed a payment plan (portal)"),
    "portal_mandate_signed": gettext_lazy("Signed a direct-debit mandate (portal)"),
    "plan_proposed": gettext_lazy("Payment plan awaits a decision"),
    "plan_approved": gettext_lazy("Payment plan agreed"),
    "plan_declined": gettext_lazy("Payment plan declined"),
    "plan_cancelled": gettext_lazy("Payment plan cancelled"),
    "plan_completed": gettext_lazy("Payment plan paid"),
    "plan_defaulted": gettext_lazy("Payment plan defaulted: dunning resumes"),
    "plan_reminder_before": gettext_lazy("Reminder of an instalment planned"),
    "plan_reminder_missed": gettext_lazy("Reminder of a missed instalment planned"),
    "sepa_mandate_signed": gettext_lazy("Direct-debit mandate signed"),
    "sepa_mandate_revoked": gettext_lazy("Direct-debit mandate revoked"),
    "mediation_handed_over": gettext_lazy("Handed over to a mediator"),
    "promise_kept": gettext_lazy("Promise to pay kept"),
    "promise_broken": gettext_lazy("Promise to pay broken"),
}
IMPORT_TITLES = {
    ("ledger.debtor", True): gettext_lazy("Debtor created by import"),
    ("ledger.debtor", False): gettext_lazy("Debtor changed by import"),
    ("ledger.contact", True): gettext_lazy("Contact added by import"),
    ("ledger.contact", False): gettext_lazy("Contact changed by import"),
    ("ledger.invoice", True): gettext_lazy("Item %(number)s created by import"),
    ("ledger.invoice", False): gettext_lazy("Item %(number)s changed by import"),
    ("ledger.payment", True): gettext_lazy("Payment recorded by import"),
    ("ledger.payment", False): gettext_lazy("Payment changed by import"),
}
DETAIL_FIELDS = 4
# Labels of the fields an audit event names most often; others fall back to the model.
FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "number": gettext_lazy("Number"),
    "kind": gettext_lazy("Kind"),
    "country": gettext_lazy("Country"),
    "language": gettext_lazy("Language"),
    "vat_id": gettext_lazy("VAT ID"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "tags": gettext_lazy("Tags"),
    "credit_limit_amount": gettext_lazy("Credit limit"),
    "preferred_channel": gettext_lazy("Preferred channel"),
    "issued_on": gettext_lazy("Issued"),
    "due_on": gettext_lazy("Due"),
    "settled_on": gettext_lazy("Settled"),
    "value_on": gettext_lazy("Value date"),
    "amount": gettext_lazy("Amount"),
    "gross_amount": gettext_lazy("Gross"),
    "open_amount": gettext_lazy("Open"),
    "currency": gettext_lazy("Currency"),
    "order_reference": gettext_lazy("Order reference"),
}


def _ids(qs: QuerySet) -> QuerySet:
    """The primary keys of ``qs`` as text, the type of ``AuditEvent.subject_id`` (a subquery)."""
    return qs.annotate(sid=Cast("pk", CharField())).values("sid")


def _field_label(subject_type: str, name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        model = apps.get_model(subject_type)
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except (LookupError, ValueError, FieldDoesNotExist):
        return name.replace("_", " ").capitalize()


def _value(name: str, value: Any, currency: str) -> str:
    from tact.core.templatetags.tact_format import ldate, money, number

    if value is None or value == "":
        return "—"
    try:
        if name.endswith("amount"):
            amount = Decimal(str(value))
            return money(amount, currency) if currency else number(amount)
        if name.endswith("_on"):
            return ldate(date.fromisoformat(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _portal_detail(action: str, after: dict[str, Any], currency: str) -> str:
    """What the debtor did on the portal, in a line (portal.services writes the facts)."""
    from tact.core.templatetags.tact_format import ldate, money

    def amount() -> str:
        return (
            money(Decimal(str(after["amount"])), after.get("currency") or currency)
            if after.get("amount")
            else ""
        )

    def day(name: str) -> str:
        return ldate(date.fromisoformat(str(after[name])[:10])) if after.get(name) else ""

    if action == "portal_promise_made":
        return _("%(amount)s by %(day)s") % {"amount": amount(), "day": day("promised_on")}
    if action == "portal_dispute_opened":
        parts = [f"{after.get('item', '')}: {after.get('reason', '')}", after.get("text", "")]
        if after.get("document"):
            parts.append(str(_("with a document")))
        return " · ".join(p for p in parts if p)
    if action == "portal_paid_claimed":
        parts = [_("%(amount)s on %(day)s") % {"amount": amount(), "day": day("paid_on")},
                 ", ".join(after.get("items") or []), after.get("note", "")]  # fmt: skip
        if after.get("document"):
            parts.append(str(_("with proof")))
        return " · ".join(p for p in parts if p)
    if action == "portal_message_received":
        return " · ".join(p for p in (after.get("topic", ""), after.get("text", "")) if p)
    if action in ("portal_cancellation_requested", "portal_mediation_requested"):
        parts = [after.get("item", ""), after.get("reason", ""), after.get("text", "")]
        if after.get("due_on"):
            parts.append(_("answer by %(day)s") % {"day": day("due_on")})
        return " · ".join(p for p in parts if p)
    if action == "portal_preferences_changed":
        return ", ".join(str(f).replace("_", " ") for f in after.get("fields") or [])
    if action in ("online_payment_started", "online_payment_received"):
        return " · ".join(
            p for p in (amount(), ", ".join(after.get("items") or []), after.get("provider", "")) if p
        )
    if action == "portal_item_downloaded":
        return str(after.get("item", ""))
    if action == "portal_plan_proposed":
        total = (
            money(Decimal(str(after["total"])), after.get("currency") or currency)
            if after.get("total")
            else ""
        )
        line = _("%(total)s in %(count)s instalments from %(day)s") % {
            "total": total, "count": after.get("instalments", ""), "day": day("first_due_on")}  # fmt: skip
        status = _("agreed at once") if after.get("status") == "active" else _("awaits a decision")
        return " · ".join(p for p in (line, status, ", ".join(after.get("items") or [])) if p)
    return ""


def _call_detail(after: dict[str, Any], currency: str) -> str:
    """A recorded call: the outcome and what was agreed (messaging.calls writes the facts)."""
    from tact.core.templatetags.tact_format import ldate, money
    from tact.messaging.services import CallOutcome

    def day(name: str) -> str:
        return ldate(date.fromisoformat(after[name]))

    outcome = after.get("outcome", "")
    parts = [str(CallOutcome(outcome).label) if outcome in CallOutcome.values else outcome]
    if after.get("promise_on"):
        amount = money(Decimal(after["promise_amount"]), after.get("currency") or currency)
        parts.append(_("%(amount)s by %(day)s") % {"amount": amount, "day": day("promise_on")})
    if after.get("items"):
        parts.append(", ".join(after["items"]) + (f": {after['reason']}" if after.get("reason") else ""))
    if after.get("call_back_on"):
        parts.append(_("call back on %(day)s") % {"day": day("call_back_on")})
    if after.get("hardship_until"):
        parts.append(_("paused until %(day)s") % {"day": day("hardship_until")})
    parts += [p for p in (after.get("contact"), after.get("note")) if p]
    return " · ".join(parts)


def _detail(event: AuditEvent, currency: str) -> str:
    before, after = event.before or {}, event.after or {}
    if event.action == "call_logged":
        return _call_detail(after, currency)
    if event.action == "personal_email_sent":
        return " · ".join(str(after.get(k, "")) for k in ("to", "subject"))
    if event.action in ("dispute_decided", "request_decided"):
        parts = [after.get("item") or after.get("kind", ""), after.get("outcome", ""), after.get("credit_note") or "",
                 after.get("mediator") or "", after.get("explanation") or after.get("answer") or ""]  # fmt: skip
        return " · ".join(str(p) for p in parts if p)
    if event.action in ("sepa_mandate_revoked", "mediation_handed_over"):
        return " · ".join(str(after[k]) for k in ("reference", "mediator", "note") if after.get(k))
    if event.action.startswith(("portal_", "online_payment_")):
        return _portal_detail(event.action, after, currency)
    currency = str(after.get("currency") or before.get("currency") or currency)
    label = partial(_field_label, event.subject_type)
    parts = []
    if before:
        for name in list(after)[:DETAIL_FIELDS]:
            old, new = _value(name, before.get(name), currency), _value(name, after.get(name), currency)
            parts.append(f"{label(name)}: {old} → {new}")
    else:
        for name in ("amount", "gross_amount", "open_amount", "due_on", "value_on", "email", "name"):
            if name in after and len(parts) < DETAIL_FIELDS:
                parts.append(f"{label(name)}: {_value(name, after[name], currency)}")
    return "; ".join(parts)


def _title(event: AuditEvent, numbers: dict[str, str]) -> str:
    number = numbers.get(event.subject_id, "")
    if event.action == "imported_change":
        template = IMPORT_TITLES.get((event.subject_type, not event.before))
        if template is not None:
            return str(template) % {"number": number}
    template = ACTION_TITLES.get(event.action)
    if template is None:
        return event.action.replace("_", " ").capitalize()
    return str(template) % {"number": number}


def _actor(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return {"system": _("system"), "import": _("import")}.get(event.actor_label, event.actor_label)


def _entries(events: list[AuditEvent], currency: str) -> list[TimelineEntry]:
    invoice_ids = [e.subject_id for e in events if e.subject_type == "ledger.invoice"]
    numbers = {
        str(pk): number
        for pk, number in Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "number")
    }
    return [
        TimelineEntry(
            at=e.created_at,
            kind="audit",
            title=_title(e, numbers),
            detail=_detail(e, currency),
            actor=_actor(e),
            url=(
                reverse("workbench:invoice", args=[e.subject_id])
                if e.subject_type == "ledger.invoice" and e.subject_id in numbers
                else ""
            ),
        )
        for e in events
    ]


# Audit actions another provider shows with more to say (the message itself, its status).
SHOWN_ELSEWHERE = ("personal_email_sent",)


@timeline_provider
def audit_timeline(*, subject: Debtor | Invoice, creditor: Creditor, limit: int) -> Iterable[TimelineEntry]:
    """Audit events of the debtor, its contacts, items and payments (or of one item and its payments)."""
    if isinstance(subject, Debtor):
        groups = [
            ("ledger.debtor", [str(subject.pk)]),
            ("ledger.contact", _ids(Contact.objects.filter(debtor=subject))),
            ("ledger.invoice", _ids(Invoice.objects.filter(debtor=subject))),
            ("ledger.payment", _ids(Payment.objects.filter(debtor=subject))),
        ]
    elif isinstance(subject, Invoice):
        groups = [
            ("ledger.invoice", [str(subject.pk)]),
            ("ledger.payment", _ids(Payment.objects.filter(allocations__invoice=subject))),
        ]
    else:
        return []
    events: list[AuditEvent] = []
    for subject_type, ids in groups:
        events.extend(
            audit_events_for(subject_type=subject_type, subject_ids=ids)
            .exclude(action__in=SHOWN_ELSEWHERE)
            .order_by("-created_at", "-id")[:limit]
        )
    return _entries(events, creditor.currency)


# -- ledger facts -----------------------------------------------------------------------


def _day(on: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(on, time.min, tzinfo=tz)


def _issued(item: Invoice, tz: ZoneInfo) -> TimelineEntry:
    from tact.core.templatetags.tact_format import ldate, money

    title = (
        _("Credit note %(number)s issued")
        if item.kind == InvoiceKind.CREDIT_NOTE
        else _("Invoice %(number)s issued")
    )
    return TimelineEntry(
        at=_day(item.issued_on, tz),
        kind="issued",
        title=title % {"number": item.number},
        detail=_("%(amount)s, due %(due)s")
        % {"amount": money(item.gross_amount, item.currency), "due": ldate(item.due_on)},
        url=reverse("workbench:invoice", args=[item.pk]),
        all_day=True,
    )


def _received(payment: Payment, tz: ZoneInfo, *, applied: Decimal | None = None) -> TimelineEntry:
    from tact.core.templatetags.tact_format import money

    amount = money(payment.amount, payment.currency)
    if applied is not None and applied != payment.amount:
        amount = _("%(applied)s of %(amount)s") % {
            "applied": money(applied, payment.currency),
            "amount": amount,
        }
    return TimelineEntry(
        at=_day(payment.value_on, tz),
        kind="payment",
        title=_("Payment received"),
        detail=" · ".join(p for p in (amount, payment.get_method_display(), payment.reference) if p),
        all_day=True,
    )


@timeline_provider
def ledger_timeline(*, subject: Debtor | Invoice, creditor: Creditor, limit: int) -> Iterable[TimelineEntry]:
    """Business dates from the ledger itself: items issued and money received."""
    tz = ZoneInfo(creditor.timezone)
    if isinstance(subject, Debtor):
        items = Invoice.objects.filter(debtor=subject).order_by("-issued_on", "-id")[:limit]
        payments = Payment.objects.filter(debtor=subject).order_by("-value_on", "-id")[:limit]
        return [_issued(i, tz) for i in items] + [_received(p, tz) for p in payments]
    if isinstance(subject, Invoice):
        allocations = Allocation.objects.filter(invoice=subject).select_related("payment")[:limit]
        return [_issued(subject, tz)] + [_received(a.payment, tz, applied=a.amount) for a in allocations]
    return []


# -- inbound mail: replies and delivery reports ------------------------------------------

INBOUND_TITLES = {
    "reply": gettext_lazy("Reply received"),
    "auto_reply": gettext_lazy("Automatic reply received"),
    "bounce": gettext_lazy("E-mail bounced"),
    "delayed": gettext_lazy("E-mail delivery delayed"),
    "delivered": gettext_lazy("E-mail delivered"),
    "complaint": gettext_lazy("E-mail reported as spam"),
}


@timeline_provider
def inbound_timeline(*, subject: Debtor | Invoice, creditor: Creditor, limit: int) -> Iterable[TimelineEntry]:
    """Replies and delivery reports that reached tact by e-mail, with the reply's new text."""
    if not isinstance(subject, Debtor):
        return []
    entries = []
    for row in inbound_of_debtor(debtor=subject, limit=limit):
        title = str(INBOUND_TITLES.get(row.kind, row.kind))
        if row.intent:
            title = f"{title}: {row.get_intent_display()}"
        reports = [
            f"{r['recipient']} ({r['status'] or r['action']})" for r in row.report.get("recipients", [])
        ]
        detail = "; ".join(reports) if reports else (row.reply_text or row.subject)[:300]
        entries.append(TimelineEntry(at=row.received_at, kind="inbound", title=title, detail=detail,
                                     actor=row.from_name or row.from_address))  # fmt: skip
    return entries


# -- the outbox: every message of the debtor (or naming the item) -------------------------

MESSAGE_TITLES = {
    "queued": gettext_lazy("%(channel)s queued"),
    "sending": gettext_lazy("%(channel)s being sent"),
    "sent": gettext_lazy("%(channel)s sent"),
    "delivered": gettext_lazy("%(channel)s delivered"),
    "bounced": gettext_lazy("%(channel)s bounced"),
    "failed": gettext_lazy("%(channel)s failed"),
    "cancelled": gettext_lazy("%(channel)s cancelled"),
}
CHANNEL_NAMES = {
    "email": gettext_lazy("E-mail"),
    "letter": gettext_lazy("Letter"),
    "sms": gettext_lazy("SMS"),
    "phone": gettext_lazy("Phone task"),
    "portal": gettext_lazy("Portal notice"),
}


def _message_entry(message: Message) -> TimelineEntry:
    channel = str(CHANNEL_NAMES.get(message.channel, message.channel))
    if message.created_by_id is not None and message.channel == "email":
        channel = str(_("Personal e-mail"))
    title = str(MESSAGE_TITLES.get(message.status, "%(channel)s")) % {"channel": channel}
    parts = [message.recipient, message.subject or message.template_key]
    if message.status in ("failed", "bounced", "queued") and message.last_error:
        parts.append(message.last_error[:200])
    actor = ""
    if message.created_by is not None:
        actor = message.created_by.get_full_name() or message.created_by.get_username()
    return TimelineEntry(
        at=message.sent_at or message.queued_at,
        kind="message",
        title=title,
        detail=" · ".join(p for p in parts if p),
        actor=actor,
        url=reverse("workbench:message", args=[message.pk]),
    )


@timeline_provider
def message_timeline(*, subject: Debtor | Invoice, creditor: Creditor, limit: int) -> Iterable[TimelineEntry]:
    """The outbox's messages: each with its channel, status, recipient and a link to its words."""
    if isinstance(subject, Debtor):
        rows = msg_selectors.messages_of_debtor(debtor_id=subject.pk, limit=limit)
    elif isinstance(subject, Invoice):
        rows = msg_selectors.messages_of_item(debtor_id=subject.debtor_id, invoice_id=subject.pk, limit=limit)
    else:
        return []
    return [_message_entry(m) for m in rows]
