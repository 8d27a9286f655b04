"""The facts a message is written from, gathered once per debtor and action.

``message_context`` reads the ledger (the debtor, their preferred contact, the items given,
their recent payments), the law app (what must be said, what may be charged) and the
creditor's sender profile. The result is language-neutral: amounts are Decimals, dates are
dates. ``tact.messaging.rendering`` turns it into the plain, documented dictionary a
template sees, in the language the template is written in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import holidays
import segno
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from tact.core.money import quantize, to_decimal
from tact.law.selectors import fees_allowed_from, fees_for, notices_for
from tact.ledger.models import Contact, Debtor, Invoice, Payment
from tact.tenancy.models import Creditor

from . import links
from .models import SenderProfile
from .references import StructuredReference, structured_reference

ZERO = Decimal("0")
DEFAULT_DEADLINE_DAYS = 10
# Stage keys whose messages may speak of the next, outside step (tone rules relax there),
# as in the shipped presets (dunning.presets: is_final_notice, proposes_handover). An
# action passes its own stage flags in its facts, which win.
FINAL_KEYS = frozenset({"final_notice", "costs_notice"})
HANDOVER_KEYS = frozenset({"handover_notice"})
EPC_QR_MASK = 0
EPC_QR_MAX_VERSION = 13  # EPC069-12
PAYMENT_HISTORY = 12  # the last N payments decide the "usual" method


@dataclass(frozen=True, slots=True)
class ItemFact:
    invoice_id: int
    number: str
    kind: str  # invoice | credit_note
    issued_on: date
    due_on: date
    open_amount: Decimal
    gross_amount: Decimal
    currency: str
    days_overdue: int  # 0 while not yet due
    order_reference: str
    pdf_name: str  # storage name of the invoice PDF, "" if none


@dataclass(frozen=True, slots=True)
class ChargeFact:
    kind: str  # interest | collection_costs | flat_compensation | dunning_fee
    amount: Decimal
    currency: str
    basis: str  # the legal basis as the law app states it


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    street: str
    postal_code: str
    city: str
    country: str

    def lines(self, *, sender_country: str) -> list[str]:
        """Postal lines; the country line only for mail abroad (as DIN 5008 and the post ask)."""
        out = [self.name, self.street, f"{self.postal_code} {self.city}".strip()]
        if self.country and self.country != sender_country:
            out.append(COUNTRY_NAMES.get(self.country, self.country))
        return [line for line in out if line.strip()]

    @property
    def is_postal(self) -> bool:
        return bool(self.name and self.street and self.city)


# The destination country's name as the post wants it on the last line (in capitals is the
# UPU custom; we print the English or French name, which every post accepts).
COUNTRY_NAMES = {"DE": "GERMANY", "NL": "NETHERLANDS", "BE": "BELGIUM", "AT": "AUSTRIA"}


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    method: str  # the debtor's usual method (ledger PaymentMethod value)
    reference: StructuredReference
    portal_url: str
    pay_url: str
    short_url: str
    epc_payload: str  # "" when no QR code can be made (no IBAN, not EUR, nothing to pay)
    qr_png_data_uri: str  # the QR code, one pixel per module, "" without one


@dataclass(frozen=True)
class MessageContext:
    today: date
    creditor_id: int
    creditor: dict[str, Any]
    debtor_id: int
    debtor: dict[str, Any]
    contact: dict[str, str]
    address: Address
    items: tuple[ItemFact, ...]
    charges: tuple[ChargeFact, ...]
    currency: str
    open_total: Decimal
    overdue_total: Decimal
    charges_total: Decimal
    total_due: Decimal
    law: dict[str, Any]
    payment: PaymentFacts
    stage: dict[str, Any]
    reply_token: str
    facts: dict[str, Any] = field(default_factory=dict)  # the action's facts, as given
    message_id: int | None = None  # the message its links name; None in a preview


@cache
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_holiday(country: str, day: date) -> bool:
    return day in _holidays(country)


@dataclass(frozen=True, slots=True)
class ContextBatch:
    """What ``message_context`` reads for a set of debtors, read at once: the sender profile,
    each debtor's first contact (preferred first) and usual payment method."""

    profile: SenderProfile | None
    contacts: dict[int, Contact]
    methods: dict[int, str]


def context_batch(*, creditor: Creditor, debtors: Iterable[Debtor]) -> ContextBatch:
    """Read what the messages to ``debtors`` need, in three queries however many there are.

    The usual method is that of most of the debtor's last ``PAYMENT_HISTORY`` payments
    (ties: the more recent), else the one on file.
    """
    debtors = list(debtors)
    ids = [d.pk for d in debtors]
    contacts: dict[int, Contact] = {}
    for contact in Contact.objects.filter(debtor_id__in=ids).order_by("debtor_id", "-is_preferred", "id"):
        contacts.setdefault(contact.debtor_id, contact)
    payments = Payment.objects.filter(debtor_id__in=ids, amount__gt=0).exclude(method="other")
    latest_first = [F("value_on").desc(), F("id").desc()]
    if len(ids) == 1:  # the sender's case: a plain LIMIT costs less than a window to build
        rows = [
            (ids[0], m)
            for m in payments.order_by(*latest_first).values_list("method", flat=True)[:PAYMENT_HISTORY]
        ]
    else:
        rows = (
            payments.annotate(rank=Window(RowNumber(), partition_by=[F("debtor_id")], order_by=latest_first))
            .filter(rank__lte=PAYMENT_HISTORY)
            .order_by("debtor_id", "rank")
            .values_list("debtor_id", "method")
        )
    recent: dict[int, list[str]] = {}
    for debtor_id, method in rows:
        recent.setdefault(debtor_id, []).append(method)
    methods = {
        d.pk: Counter(recent[d.pk]).most_common(1)[0][0]
        if d.pk in recent
        else (d.preferred_payment_method or "transfer")
        for d in debtors
    }
    profile = SenderProfile.objects.filter(creditor=creditor).first()
    return ContextBatch(profile=profile, contacts=contacts, methods=methods)


def _item(invoice: Invoice, today: date) -> ItemFact:
    overdue = (today - invoice.due_on).days if invoice.kind == "invoice" else 0
    return ItemFact(
        invoice_id=invoice.pk,
        number=invoice.number,
        kind=invoice.kind,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        open_amount=invoice.open_amount,
        gross_amount=invoice.gross_amount,
        currency=invoice.currency,
        days_overdue=max(overdue, 0),
        order_reference=invoice.order_reference,
        pdf_name=invoice.pdf.name if invoice.pdf else "",
    )


def _charges(facts: dict[str, Any], currency: str) -> tuple[ChargeFact, ...]:
    """Charges the action adds: ``facts["charges"]`` = [{"kind", "amount", "basis"}, …]."""
    out = []
    for raw in facts.get("charges") or ():
        amount = to_decimal(raw["amount"])
        if amount == 0:
            continue
        out.append(
            ChargeFact(
                kind=str(raw["kind"]),
                amount=amount,
                currency=str(raw.get("currency") or currency),
                basis=str(raw.get("basis") or raw.get("rule") or ""),
            )
        )
    return tuple(out)


def epc_payload(*, name: str, iban: str, bic: str, amount: Decimal, reference: str) -> str:
    """The EPC069-12 (version 002, UTF-8) payload of a SEPA credit-transfer QR code.

    Lines: BCD, 002, 1 (UTF-8), SCT, BIC, name, IBAN, EUR amount, purpose (empty), structured
    reference; nothing after the last element used.
    >>> epc_payload(name="Acme", iban="DE89370400440532013000", bic="", amount=Decimal("10.50"),
    ...             reference="RF18539007547034").splitlines()[7]
    'EUR10.5'
    """
    value = quantize(amount, "EUR")
    text = f"EUR{value:.2f}".rstrip("0").rstrip(".")
    return "\n".join(["BCD", "002", "1", "SCT", bic, name, iban, text, "", reference])


def _epc_payload_only(
    *, creditor: Creditor, total: Decimal, currency: str, reference: StructuredReference
) -> str:
    iban = creditor.iban.replace(" ", "").upper()
    amount = quantize(total, currency) if currency == "EUR" else ZERO
    if not iban or currency != "EUR" or not Decimal("0.01") <= amount <= Decimal("999999999.99"):
        return ""
    bic = creditor.bic.replace(" ", "").upper()
    return epc_payload(
        name=creditor.legal_name[:70], iban=iban, bic=bic, amount=amount, reference=reference.compact
    )


def epc_qr(
    *, creditor: Creditor, total: Decimal, currency: str, reference: StructuredReference
) -> tuple[str, str]:
    """(EPC payload, PNG data URI of its QR code), or empty strings when none can be made.

    The image has one pixel per module, a transparent background and no quiet zone, as the
    SVG path before it: a letter scales it up without smoothing (``image-rendering:
    pixelated``), which prints as sharp as the vector drawing and costs the PDF renderer a
    fraction of what parsing and drawing a path of hundreds of runs did.
    """
    iban = creditor.iban.replace(" ", "").upper()
    amount = quantize(total, currency) if currency == "EUR" else ZERO
    if not iban or currency != "EUR" or not Decimal("0.01") <= amount <= Decimal("999999999.99"):
        return "", ""
    name = creditor.legal_name[:70]
    bic = creditor.bic.replace(" ", "").upper()
    payload = epc_payload(name=name, iban=iban, bic=bic, amount=amount, reference=reference.compact)
    # As segno's EPC helper makes it (the same bytes, level M, no boost), but with a fixed
    # mask: trying all eight and scoring each was four fifths of the code's cost. Any mask
    # is a valid QR code; scanners read it alike (a test decodes it).
    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False, mask=EPC_QR_MASK)
    if qr.version > EPC_QR_MAX_VERSION:
        raise ValueError(f"EPC QR code needs version {qr.version}, the standard allows {EPC_QR_MAX_VERSION}")
    return payload, qr.png_data_uri(scale=1, border=0, light=None)


def _creditor_facts(creditor: Creditor, profile: SenderProfile | None) -> dict[str, Any]:
    return {
        "name": creditor.legal_name,
        "street": creditor.street,
        "postal_code": creditor.postal_code,
        "city": creditor.city,
        "country": creditor.country,
        "language": creditor.language,
        "email": (profile.email if profile and profile.email else creditor.sender_email),
        "phone": profile.phone if profile else "",
        "website": profile.website if profile else "",
        "iban": creditor.iban.replace(" ", "").upper(),
        "bic": creditor.bic.replace(" ", "").upper(),
        "vat_id": creditor.vat_id,
        "registration": profile.registration if profile else "",
        "enterprise_number": profile.enterprise_number if profile else "",
        "managing_directors": profile.managing_directors if profile else "",
        "signature_name": profile.signature_name if profile else "",
        "signature_role": dict(profile.signature_role) if profile else {},
        "primary_color": creditor.primary_color,
        "accent_color": creditor.accent_color,
    }


def law_facts(*, debtor: Debtor, principal: Decimal, currency: str, today: date) -> dict[str, Any]:
    kind = "b2c" if debtor.kind == "consumer" else "b2b"
    notices = notices_for(debtor.country, kind)
    facts: dict[str, Any] = {
        "country": debtor.country,
        "kind": kind,
        "is_consumer": kind == "b2c",
        "rule": notices["rule"],
        "first_reminder_free": notices["first_reminder_free"],
        "mandatory_content": list(notices["mandatory_content"]),
        "waiting_days": (notices["fee_waiting_period"] or {}).get("days"),
        "safe_wording": dict(notices["safe_wording"]),
        "collection_costs": None,
        "flat_compensation": None,
        "fees_rule": "",
        "fees_allowed_from": None,
    }
    if currency == "EUR" and principal > 0:
        fees = fees_for(country=debtor.country, kind=kind, principal=principal, currency=currency)
        facts.update(
            collection_costs=fees.collection_costs,
            flat_compensation=fees.flat_compensation,
            fees_rule=fees.rule,
        )
    if facts["waiting_days"]:
        # Paper is the slower channel: a date that holds for a letter holds for an e-mail too.
        facts["fees_allowed_from"] = fees_allowed_from(
            country=debtor.country,
            kind=kind,
            sent_on=today,
            channel="paper",
            is_holiday=lambda day: is_holiday(debtor.country, day),
        )
    return facts


def deadline_for(*, today: date, days: int, law: dict[str, Any]) -> date:
    deadline = today + timedelta(days=days)
    if law["fees_allowed_from"]:
        # Never ask for payment before the legal waiting period has run out.
        deadline = max(deadline, law["fees_allowed_from"])
    return deadline


def message_context(
    *,
    creditor: Creditor,
    debtor: Debtor,
    items: Iterable[Invoice],
    action_facts: dict[str, Any] | None,
    today: date,
    qr_code: bool = True,
    batch: ContextBatch | None = None,
    message_id: int | None = None,
) -> MessageContext:
    """Gather the facts for messages to ``debtor`` about ``items`` (the action's open items).

    ``qr_code=False`` leaves out the QR code's image (only letters print one; drawing it
    is most of this function's time); the EPC payload is there either way.

    ``action_facts`` (all optional): ``stage`` (key), ``tone``, ``stage_is_final``,
    ``stage_is_handover``, ``deadline_days`` (days to pay, default 10), ``charges``
    ([{"kind", "amount", "basis"}] the stage adds, e.g. interest from the law app).
    Reads: the preferred contact, the debtor's last payments, the sender profile (3 queries),
    or nothing when ``batch`` (``context_batch``, read once for many debtors) is given.
    ``message_id``: the message being written (its row id), so that its portal, payment
    and SMS links name it and the portal knows which message a visitor followed; None only
    where no message exists (previews, the portal's own page).

    Example: two items of 1,190.00 and 238.00 EUR give ``total_due`` 1,428.00 EUR, an RF
    reference on the debtor's id and an EPC QR code for that amount.
    """
    facts = dict(action_facts or {})
    item_facts = tuple(sorted((_item(i, today) for i in items), key=lambda f: (f.due_on, f.number)))
    currency = item_facts[0].currency if item_facts else debtor.currency
    open_total = sum((i.open_amount for i in item_facts), ZERO)
    overdue_total = sum((i.open_amount for i in item_facts if i.days_overdue > 0), ZERO)
    charges = _charges(facts, currency)
    charges_total = sum((c.amount for c in charges if c.currency == currency), ZERO)
    total_due = open_total + charges_total

    batch = batch or context_batch(creditor=creditor, debtors=[debtor])
    profile = batch.profile
    contact = batch.contacts.get(debtor.pk)
    contact_name = (contact.name if contact else "") or (debtor.name if debtor.kind == "consumer" else "")
    address = Address(
        name=debtor.name,
        street=contact.street if contact else "",
        postal_code=contact.postal_code if contact else "",
        city=contact.city if contact else "",
        country=(contact.country if contact and contact.country else debtor.country),
    )
    deadline_days = int(facts.get("deadline_days") or DEFAULT_DEADLINE_DAYS)
    law = law_facts(
        debtor=debtor,
        principal=overdue_total or open_total,
        currency=currency,
        today=today,
    )
    reference = structured_reference(country=debtor.country, debtor_id=debtor.pk)
    if qr_code:
        payload, png = epc_qr(creditor=creditor, total=total_due, currency=currency, reference=reference)
    else:
        payload, png = _epc_payload_only(creditor=creditor, total=total_due, currency=currency,
                                         reference=reference), ""  # fmt: skip
    key = str(facts.get("stage") or "")
    urls = links.message_links(debtor_id=debtor.pk, message_id=message_id)
    return MessageContext(
        today=today,
        creditor_id=creditor.pk,
        creditor=_creditor_facts(creditor, profile),
        debtor_id=debtor.pk,
        debtor={
            "name": debtor.name,
            "number": debtor.number,
            "kind": debtor.kind,
            "country": debtor.country,
            "language": debtor.language,
            "vat_id": debtor.vat_id,
        },
        contact={
            "name": contact_name,
            "email": contact.email if contact else "",
            "phone": contact.phone if contact else "",
        },
        address=address,
        items=item_facts,
        charges=charges,
        currency=currency,
        open_total=open_total,
        overdue_total=overdue_total,
        charges_total=charges_total,
        total_due=total_due,
        law=law,
        payment=PaymentFacts(
            method=batch.methods[debtor.pk],
            reference=reference,
            portal_url=urls.portal,
            pay_url=urls.pay,
            short_url=urls.short,
            epc_payload=payload,
            qr_png_data_uri=png,
        ),
        stage={
            "key": key,
            "is_final": bool(facts.get("stage_is_final", key in FINAL_KEYS)),
            "is_handover": bool(facts.get("stage_is_handover", key in HANDOVER_KEYS)),
            "deadline_on": deadline_for(today=today, days=deadline_days, law=law),
            "deadline_days": deadline_days,
        },
        reply_token=links.reply_token_make(creditor_id=creditor.pk, debtor_id=debtor.pk),
        facts=facts,
        message_id=message_id,
    )
