"""Writes to the ledger. Every change is audited; open amounts move only with allocations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError

from tact.audit.services import Change, audit_bulk, audit_record
from tact.core.bulk import insert_rows
from tact.core.money import quantize
from tact.tenancy.models import COUNTRIES, LANGUAGES, Creditor

from .allocation import Applied as Applied  # re-exported: other apps import services only
from .allocation import allocations_apply
from .allocation import payments_allocate as payments_allocate
from .charges import ChargeRequest as ChargeRequest
from .charges import charge_add as charge_add
from .charges import charges_add as charges_add
from .errors import (
    AllocationExceedsOpenAmount,
    AllocationExceedsPayment,
    CurrencyMismatch,
    DebtorHasItems,
    DebtorNumberTaken,
    InvalidLedgerField,
    InvoiceNumberTaken,
)
from .models import (
    CHARGE_KINDS,
    AcquisitionChannel,
    Allocation,
    Channel,
    Contact,
    ContactRole,
    Debtor,
    DebtorKind,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    PaymentSource,
)

ZERO = Decimal("0")
DEBTOR_FIELDS = (
    "number",
    "kind",
    "name",
    "country",
    "language",
    "vat_id",
    "acquisition_channel",
    "preferred_channel",
    "preferred_payment_method",
    "credit_limit_amount",
    "currency",
    "tags",
)
CONTACT_FIELDS = (
    "name",
    "role",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "is_preferred",
    "email_status",
    "phone_status",
)
INVOICE_FIELDS = (
    "number",
    "kind",
    "issued_on",
    "due_on",
    "currency",
    "gross_amount",
    "net_amount",
    "vat_amount",
    "order_reference",
)


def _snapshot(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _apply(obj: Any, data: dict[str, Any], *, fields: Sequence[str], action: str, by: Any) -> Any:
    """Set ``data`` on ``obj``; save and audit only what really changed."""
    before = _snapshot(obj, fields)
    for key, value in data.items():
        setattr(obj, key, value)
    before, after = _changed(before, _snapshot(obj, fields))
    if after:
        obj.save()
        audit_record(creditor=obj.creditor, actor=by, action=action, subject=obj, before=before, after=after)
    return obj


def _choice(value: str, choices: Any, field: str) -> str:
    allowed = [c for c, _ in choices]
    if value not in allowed:
        raise InvalidLedgerField(field=field, problem=f"{value!r} is not one of {', '.join(allowed)}.")
    return value


def normalize_phone(value: str, *, region: str | None, field: str = "phone") -> str:
    """A phone number in E.164, read in the given country when it has no +prefix."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidLedgerField(field=field, problem=f"{value!r} is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidLedgerField(field=field, problem=f"{value!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str, field: str = "email") -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise InvalidLedgerField(field=field, problem=f"{value!r} is not an e-mail address.") from exc
    return value


def _clean_debtor(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "number" in out:
        out["number"] = str(out["number"]).strip()
        if not out["number"]:
            raise InvalidLedgerField(field="number", problem="the debtor number is required.")
    if "name" in out:
        out["name"] = str(out["name"]).strip()
        if not out["name"]:
            raise InvalidLedgerField(field="name", problem="the name is required.")
    if "kind" in out:
        _choice(out["kind"], DebtorKind.choices, "kind")
    if "country" in out:
        out["country"] = str(out["country"]).upper()
        _choice(out["country"], COUNTRIES, "country")
    if "language" in out:
        _choice(out["language"], LANGUAGES, "language")
    if out.get("vat_id"):
        try:
            out["vat_id"] = vatin.validate(out["vat_id"])
        except StdnumError as exc:
            raise InvalidLedgerField(
                field="vat_id", problem=f"{out['vat_id']!r} is not a valid VAT id."
            ) from exc
    if out.get("acquisition_channel"):
        _choice(out["acquisition_channel"], AcquisitionChannel.choices, "acquisition_channel")
    if "preferred_channel" in out:
        _choice(out["preferred_channel"], Channel.choices, "preferred_channel")
    if "preferred_payment_method" in out:
        _choice(out["preferred_payment_method"], PaymentMethod.choices, "preferred_payment_method")
    if out.get("credit_limit_amount") is not None and out["credit_limit_amount"] < 0:
        raise InvalidLedgerField(field="credit_limit_amount", problem="a credit limit cannot be negative.")
    if "tags" in out:
        tags = out["tags"] or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidLedgerField(field="tags", problem="tags are a list of words.")
        out["tags"] = sorted({t.strip() for t in tags if t.strip()})
    return out


@transaction.atomic
def debtor_create(*, creditor: Creditor, by: Any, **fields: Any) -> Debtor:
    """Create a debtor. Defaults come from the creditor (country, language, currency).

    Raises InvalidLedgerField naming the field, or DebtorNumberTaken.
    """
    fields.setdefault("country", creditor.country)
    fields.setdefault("language", creditor.language)
    fields.setdefault("currency", creditor.currency)
    data = _clean_debtor(fields)
    if Debtor.objects.filter(number=data.get("number", "")).exists():
        raise DebtorNumberTaken(number=data["number"])
    debtor = Debtor.objects.create(creditor=creditor, **data)
    audit_record(
        creditor=creditor,
        actor=by,
        action="debtor_created",
        subject=debtor,
        after=_snapshot(debtor, DEBTOR_FIELDS),
    )
    return debtor


@transaction.atomic
def debtor_update(*, debtor: Debtor, by: Any, **changes: Any) -> Debtor:
    data = _clean_debtor(changes)
    if "number" in data and data["number"] != debtor.number:
        if Debtor.objects.filter(number=data["number"]).exclude(pk=debtor.pk).exists():
            raise DebtorNumberTaken(number=data["number"])
    return _apply(debtor, data, fields=DEBTOR_FIELDS, action="debtor_updated", by=by)


@transaction.atomic
def debtor_delete(*, debtor: Debtor, by: Any) -> None:
    count = debtor.invoices.count() + debtor.payments.count()
    if count:
        raise DebtorHasItems(number=debtor.number, count=count)
    audit_record(
        creditor=debtor.creditor,
        actor=by,
        action="debtor_deleted",
        subject=debtor,
        before=_snapshot(debtor, DEBTOR_FIELDS),
    )
    debtor.delete()


def _clean_contact(data: dict[str, Any], *, region: str | None) -> dict[str, Any]:
    out = dict(data)
    if "email" in out:
        out["email"] = _email(out["email"])
    if "phone" in out:
        out["phone"] = normalize_phone(out["phone"], region=out.get("country") or region)
    if "role" in out:
        _choice(out["role"], ContactRole.choices, "role")
    if out.get("country"):
        out["country"] = out["country"].upper()
        _choice(out["country"], COUNTRIES, "country")
    return out


@transaction.atomic
def contact_create(*, debtor: Debtor, by: Any, **fields: Any) -> Contact:
    data = _clean_contact(fields, region=debtor.country)
    if not (data.get("name") or data.get("email") or data.get("phone")):
        raise InvalidLedgerField(field="name", problem="a contact needs a name, an e-mail or a phone number.")
    if data.get("is_preferred") or not debtor.contacts.exists():
        Contact.objects.filter(debtor=debtor, is_preferred=True).update(is_preferred=False)
        data["is_preferred"] = True
    contact = Contact.objects.create(creditor=debtor.creditor, debtor=debtor, **data)
    audit_record(
        creditor=debtor.creditor,
        actor=by,
        action="contact_created",
        subject=contact,
        after=_snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: Any, **changes: Any) -> Contact:
    data = _clean_contact(changes, region=contact.debtor.country)
    if data.get("is_preferred"):
        Contact.objects.filter(debtor=contact.debtor, is_preferred=True).exclude(pk=contact.pk).update(
            is_preferred=False
        )
    return _apply(contact, data, fields=CONTACT_FIELDS, action="contact_updated", by=by)


@transaction.atomic
def contact_delete(*, contact: Contact, by: Any) -> None:
    audit_record(
        creditor=contact.creditor,
        actor=by,
        action="contact_deleted",
        subject=contact,
        before=_snapshot(contact, CONTACT_FIELDS),
    )
    contact.delete()


def _check_invoice(*, kind: str, issued_on: date, due_on: date, gross_amount: Decimal, currency: str) -> None:
    _choice(kind, InvoiceKind.choices, "kind")
    if kind in CHARGE_KINDS:
        raise InvalidLedgerField(
            field="kind", problem=f"{kind} items are booked by tact on an invoice (charges), not entered."
        )
    if due_on < issued_on:
        raise InvalidLedgerField(
            field="due_on", problem=f"the due date {due_on} lies before the issue date {issued_on}."
        )
    if kind == InvoiceKind.INVOICE and gross_amount < 0:
        raise InvalidLedgerField(
            field="gross_amount", problem="an invoice has a positive amount; use kind credit_note."
        )
    if kind == InvoiceKind.CREDIT_NOTE and gross_amount > 0:
        raise InvalidLedgerField(field="gross_amount", problem="a credit note has a negative amount.")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InvalidLedgerField(field="currency", problem=f"{currency!r} is not an ISO 4217 code like EUR.")


@transaction.atomic
def invoice_create(
    *,
    creditor: Creditor,
    debtor: Debtor,
    number: str,
    issued_on: date,
    due_on: date,
    gross_amount: Decimal,
    currency: str | None = None,
    kind: str = InvoiceKind.INVOICE,
    net_amount: Decimal | None = None,
    vat_amount: Decimal | None = None,
    open_amount: Decimal | None = None,
    order_reference: str = "",
    source: str = PaymentSource.MANUAL,
    by: Any,
) -> Invoice:
    """Book an open item. An open amount below the gross amount is recorded as a payment
    received outside tact (source given), so the item's history stays true.

    Example: gross 1190.00 EUR, open 190.00 → an external payment of 1000.00 EUR allocated to it.
    """
    number = number.strip()
    if not number:
        raise InvalidLedgerField(field="number", problem="the invoice number is required.")
    currency = currency or debtor.currency
    _check_invoice(
        kind=kind, issued_on=issued_on, due_on=due_on, gross_amount=gross_amount, currency=currency
    )
    if open_amount is not None and not _within(open_amount, gross_amount):
        raise InvalidLedgerField(
            field="open_amount",
            problem=f"the open amount {open_amount} must lie between 0 and the amount {gross_amount}.",
        )
    if Invoice.objects.filter(number=number).exists():
        raise InvoiceNumberTaken(number=number)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                creditor=creditor,
                debtor=debtor,
                number=number,
                kind=kind,
                issued_on=issued_on,
                due_on=due_on,
                currency=currency,
                gross_amount=gross_amount,
                net_amount=net_amount,
                vat_amount=vat_amount,
                open_amount=gross_amount,
                order_reference=order_reference,
            )
    except IntegrityError as exc:
        raise InvoiceNumberTaken(number=number) from exc
    audit_record(
        creditor=creditor,
        actor=by,
        action="invoice_created",
        subject=invoice,
        after=_snapshot(invoice, INVOICE_FIELDS),
    )
    if open_amount is not None and open_amount != gross_amount:
        invoice_set_open_amount(
            invoice=invoice, open_amount=open_amount, value_on=issued_on, source=source, by=by
        )
        invoice.refresh_from_db()
    return invoice


def _within(open_amount: Decimal, gross: Decimal) -> bool:
    return ZERO <= open_amount <= gross if gross >= 0 else gross <= open_amount <= ZERO


@transaction.atomic
def invoice_update(*, invoice: Invoice, by: Any, **changes: Any) -> Invoice:
    """Change an item's facts. A new gross amount keeps what was paid: open = gross − allocated."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    before = _snapshot(invoice, INVOICE_FIELDS)
    for key in changes:
        if key not in INVOICE_FIELDS:
            raise InvalidLedgerField(field=key, problem="cannot be changed here.")
    if "number" in changes:
        changes["number"] = str(changes["number"]).strip()
        if not changes["number"]:
            raise InvalidLedgerField(field="number", problem="the invoice number is required.")
    if "number" in changes and changes["number"] != invoice.number:
        if Invoice.objects.filter(number=changes["number"]).exclude(pk=invoice.pk).exists():
            raise InvoiceNumberTaken(number=changes["number"])
    for key, value in changes.items():
        setattr(invoice, key, value)
    _check_invoice(
        kind=invoice.kind,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        gross_amount=invoice.gross_amount,
        currency=invoice.currency,
    )
    allocated = (
        invoice.gross_amount - invoice.open_amount
        if "gross_amount" not in changes
        else before["gross_amount"] - invoice.open_amount
    )
    if "gross_amount" in changes:
        new_open = invoice.gross_amount - allocated
        if not _within(new_open, invoice.gross_amount):
            raise InvalidLedgerField(
                field="gross_amount",
                problem=f"{allocated} {invoice.currency} is paid already; the amount cannot go below that.",
            )
        invoice.open_amount = new_open
        invoice.settled_on = invoice.settled_on if new_open == 0 else None
    before, after = _changed(before, _snapshot(invoice, INVOICE_FIELDS))
    if after:
        invoice.save()
        audit_record(
            creditor=invoice.creditor,
            actor=by,
            action="invoice_updated",
            subject=invoice,
            before=before,
            after=after,
        )
    return invoice


@transaction.atomic
def invoice_set_open_amount(
    *,
    invoice: Invoice,
    open_amount: Decimal,
    value_on: date,
    source: str,
    by: Any,
    reference: str = "",
) -> Payment | None:
    """Bring an item to the open amount another system reports.

    Lower than now: a payment received outside tact, allocated to the item. Higher than now
    (a reversed payment): a negative correction. Either way the allocations explain the open amount.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not _within(open_amount, invoice.gross_amount):
        raise InvalidLedgerField(
            field="open_amount",
            problem=f"the open amount {open_amount} must lie between 0 and the amount {invoice.gross_amount}.",
        )
    difference = invoice.open_amount - open_amount
    if difference == 0:
        return None
    payment = Payment.objects.create(
        creditor=invoice.creditor,
        debtor=invoice.debtor,
        amount=difference,
        currency=invoice.currency,
        value_on=value_on,
        method=PaymentMethod.OTHER,
        source=source,
        reference=reference or f"External payment on {invoice.number}",
    )
    _allocate(payment=payment, pairs=[(invoice, difference)], today=value_on)
    audit_record(
        creditor=invoice.creditor,
        actor=by,
        action="open_amount_changed",
        subject=invoice,
        before={"open_amount": invoice.open_amount},
        after={"open_amount": open_amount},
        facts={"payment": payment.pk},
    )
    return payment


def _allocate(*, payment: Payment, pairs: Sequence[tuple[Invoice, Decimal]], today: date) -> list[Allocation]:
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(creditor=payment.creditor, payment=payment, invoice=inv, amount=amount)
            for inv, amount in pairs
        ]
    )
    for invoice, amount in pairs:
        Invoice.objects.filter(pk=invoice.pk).update(open_amount=F("open_amount") - amount)
    closed = [inv.pk for inv, _ in pairs]
    Invoice.objects.filter(pk__in=closed, open_amount=0, settled_on__isnull=True).update(settled_on=today)
    Invoice.objects.filter(pk__in=closed).exclude(open_amount=0).update(settled_on=None)
    return allocations


@dataclass(frozen=True)
class AllocationRequest:
    invoice: Invoice
    amount: Decimal


@transaction.atomic
def payment_record(
    *,
    creditor: Creditor,
    amount: Decimal,
    currency: str,
    value_on: date,
    debtor: Debtor | None = None,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    payer_name: str = "",
    payer_iban: str = "",
    source: str = PaymentSource.MANUAL,
    external_id: str = "",
    allocations: Sequence[AllocationRequest] = (),
    in_legal_order: bool = False,
    named: Sequence[Invoice] = (),
    by: Any,
) -> Payment:
    """Record money received and apply it to items.

    Each allocation may not exceed its item's open amount, and together they may not exceed
    the payment. Example: 500.00 EUR, allocated 300.00 to RE-1 (open 300.00) and 200.00 to
    RE-2 (open 1190.00) → RE-1 settled, RE-2 open 990.00.

    ``in_legal_order`` (instead of ``allocations``): apply the payment to the debtor's open
    items as the law orders it (``allocation.py``): costs, interest, principal, the invoices
    in ``named`` (what the debtor's reference names) first. Example (DE): 100.00 EUR against
    RE-1 (1,000.00) with its flat compensation 40.00 and interest 12.34 → 40.00, 12.34, 47.66.
    Raises InvalidLedgerField, CurrencyMismatch, AllocationExceedsOpenAmount, AllocationExceedsPayment.
    """
    if amount == 0:
        raise InvalidLedgerField(field="amount", problem="a payment cannot be zero.")
    _choice(method, PaymentMethod.choices, "method")
    _choice(source, PaymentSource.choices, "source")
    if in_legal_order and allocations:
        raise InvalidLedgerField(
            field="allocations", problem="give allocations or apply in the legal order, not both."
        )
    if named and not in_legal_order:
        raise InvalidLedgerField(field="named", problem="named items are for applying in the legal order.")
    if in_legal_order and debtor is None and named:
        debtor = named[0].debtor
    if in_legal_order and debtor is None:
        raise InvalidLedgerField(field="debtor", problem="the payer must be known to apply its payment.")
    if external_id:
        existing = Payment.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing
    invoices = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update()
        .filter(pk__in=[a.invoice.pk for a in allocations])
        .order_by("pk")
    }
    pairs: list[tuple[Invoice, Decimal]] = []
    total = ZERO
    requested: dict[int, Decimal] = {}
    for request in allocations:
        requested[request.invoice.pk] = requested.get(request.invoice.pk, ZERO) + request.amount
    for invoice_pk, amount_for_item in requested.items():
        request = AllocationRequest(invoice=invoices[invoice_pk], amount=amount_for_item)
        invoice = invoices[request.invoice.pk]
        if invoice.currency != currency:
            raise CurrencyMismatch(
                what="The payment",
                currency=currency,
                invoice=invoice.number,
                invoice_currency=invoice.currency,
            )
        if debtor is not None and invoice.debtor_id != debtor.pk:
            raise InvalidLedgerField(
                field="allocations", problem=f"item {invoice.number} belongs to another debtor."
            )
        if not _within(invoice.open_amount - request.amount, invoice.gross_amount) or request.amount == 0:
            raise AllocationExceedsOpenAmount(
                amount=quantize(request.amount, currency),
                currency=currency,
                open_amount=quantize(invoice.open_amount, currency),
                invoice=invoice.number,
            )
        pairs.append((invoice, request.amount))
        total += request.amount
    if abs(total) > abs(amount):
        raise AllocationExceedsPayment(
            allocated=quantize(total, currency),
            amount=quantize(amount, currency),
            currency=currency,
        )
    if debtor is None and pairs:
        debtor = pairs[0][0].debtor
    payment = Payment.objects.create(
        creditor=creditor,
        debtor=debtor,
        amount=amount,
        currency=currency,
        value_on=value_on,
        method=method,
        reference=reference,
        payer_name=payer_name,
        payer_iban=payer_iban,
        source=source,
        external_id=external_id,
        created_by=by if getattr(by, "pk", None) else None,
    )
    _allocate(payment=payment, pairs=pairs, today=value_on)
    applied = {inv.number: amt for inv, amt in pairs}
    rule = None
    if in_legal_order:
        (result,) = allocations_apply(payments=[payment], named={payment.pk: named})
        applied, rule = dict(result.allocations), result.rule
    audit_record(
        creditor=creditor,
        actor=by,
        action="payment_recorded",
        subject=payment,
        after={"amount": amount, "currency": currency, "value_on": value_on, "allocations": applied},
        facts={"order": rule} if rule else None,
    )
    return payment


@dataclass(frozen=True)
class PaymentDraft:
    """A payment to record in bulk (``payments_record_bulk``): a bank line matched to a debtor
    (by id: a statement's thousands of debtors need not be read to be paid)."""

    debtor_id: int
    amount: Decimal
    currency: str
    value_on: date
    method: str = PaymentMethod.TRANSFER
    reference: str = ""
    payer_name: str = ""
    payer_iban: str = ""
    external_id: str = ""


PAYMENT_BULK_FIELDS = ["creditor_id", "debtor_id", "amount", "currency", "value_on", "method", "reference",
                       "payer_name", "payer_iban", "source", "external_id", "created_by_id"]  # fmt: skip


@transaction.atomic
def payments_record_bulk(
    *,
    creditor: Creditor,
    drafts: Sequence[PaymentDraft],
    source: str,
    by: Any,
    audit_subject: Any = None,
    audit_facts: dict | None = None,
) -> list[Payment]:
    """Record many payments received at once (a bank statement's matched lines), without
    allocating them: ``payments_allocate`` applies them in the legal order afterwards.

    A draft whose ``external_id`` is recorded already (same source) is not recorded again;
    the existing payment is returned in its place. One audit event per new payment; or, with
    ``audit_subject`` (the statement the payments come from, which keeps each line's payment),
    one event for the batch with their count and total: 100,000 events of a statement cost
    more than the statement's own rows. Rows go in by COPY (``insert_rows``).
    Raises InvalidLedgerField for a zero amount.
    """
    _choice(source, PaymentSource.choices, "source")
    for index, draft in enumerate(drafts):
        if draft.amount == 0:
            raise InvalidLedgerField(field=f"payments.{index}.amount", problem="a payment cannot be zero.")
    existing = _payments_by_external_id(source=source, keys=[d.external_id for d in drafts if d.external_id])
    user_id = by.pk if getattr(by, "pk", None) else None
    todo = [d for d in drafts if not d.external_id or d.external_id not in existing]
    rows = [
        (creditor.pk, d.debtor_id, d.amount, d.currency, d.value_on, d.method, d.reference[:140],
         d.payer_name[:140], d.payer_iban[:34], source, d.external_id, user_id)
        for d in todo
    ]  # fmt: skip
    ids = insert_rows(Payment, PAYMENT_BULK_FIELDS, rows)
    created = []
    # Instances as a query gives them (positional values by attname): the keyword path of
    # Model.__init__ cost more than the COPY of the rows for a statement of 100,000 lines.
    names = [f.attname for f in Payment._meta.concrete_fields]
    for pk, row in zip(ids, rows, strict=True):
        values = dict(zip(PAYMENT_BULK_FIELDS, row, strict=True), id=pk)
        payment = Payment.from_db(connection.alias, names, [values.get(n) for n in names])
        payment.creditor = creditor
        created.append(payment)
    if audit_subject is not None:
        if created:
            audit_record(creditor=creditor, actor=by, action="payments_recorded", subject=audit_subject,
                         after={"payments": len(created), "total": sum((p.amount for p in created), ZERO)},
                         facts={"source": source, **(audit_facts or {})})  # fmt: skip
    else:
        audit_bulk(
            creditor=creditor,
            actor=by,
            action="payment_recorded",
            changes=[
                Change(
                    "ledger.payment",
                    str(p.pk),
                    None,
                    {
                        "amount": p.amount,
                        "currency": p.currency,
                        "value_on": p.value_on,
                        "debtor": p.debtor_id,
                    },
                )
                for p in created
            ],
        )
    fresh = iter(created)
    return [
        existing[d.external_id] if d.external_id and d.external_id in existing else next(fresh)
        for d in drafts
    ]


def _payments_by_external_id(*, source: str, keys: Sequence[str]) -> dict[str, Payment]:
    """The payments of ``source`` recorded under these external ids: one query on PostgreSQL
    (the keys as one array literal, not 100,000 parameters), batches of 1000 elsewhere."""
    found: dict[str, Payment] = {}
    if not keys:
        return found
    if connection.vendor == "postgresql":
        literal = "{" + ",".join('"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys) + "}"
        query = Payment.objects.filter(
            RawSQL("external_id = ANY(%s::text[])", [literal], output_field=BooleanField()), source=source
        )
        return {p.external_id: p for p in query}
    for start in range(0, len(keys), 1000):
        for payment in Payment.objects.filter(source=source, external_id__in=keys[start : start + 1000]):
            found[payment.external_id] = payment
    return found


@transaction.atomic
def payment_reverse(
    *,
    payment: Payment,
    amount: Decimal,
    value_on: date,
    reason: str,
    first: Sequence[Invoice] = (),
    source: str = PaymentSource.BANK,
    external_id: str = "",
    reference: str = "",
    by: Any,
) -> Payment:
    """Money received comes back (a returned direct debit, a chargeback): record it as a
    negative payment whose negative allocations reopen the items the payment had settled.

    ``amount`` (positive) is what went back; at most the payment's amount. The items in
    ``first`` are reopened first, then the payment's other items, newest allocation first;
    what the allocations do not cover (a payment that was partly a credit) is taken off the
    credit. ``reason`` is a stable code (an ISO return reason such as ``MD06``, or
    ``chargeback``) kept in the audit event.
    Example: 89.25 EUR returned of a payment that settled RE-17 (89.25) → RE-17 open 89.25 again.
    Raises InvalidLedgerField when the amount is not positive or more than the payment.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if amount <= 0:
        raise InvalidLedgerField(field="amount", problem=f"a returned amount is positive, not {amount}.")
    if amount > payment.amount:
        raise InvalidLedgerField(
            field="amount",
            problem=f"{amount} {payment.currency} is more than the payment of {payment.amount} {payment.currency}.",
        )
    if external_id:
        existing = Payment.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing
    net: dict[int, Decimal] = {}
    last: dict[int, int] = {}
    for allocation in Allocation.objects.filter(payment=payment).order_by("pk"):
        net[allocation.invoice_id] = net.get(allocation.invoice_id, ZERO) + allocation.amount
        last[allocation.invoice_id] = allocation.pk
    # Reversals of this payment recorded earlier already reopened part of it.
    for allocation in Allocation.objects.filter(
        payment__debtor_id=payment.debtor_id, payment__reference=f"reversal:{payment.pk}"
    ):
        if allocation.invoice_id in net:
            net[allocation.invoice_id] += allocation.amount
    preferred = [i.pk for i in first]
    order = sorted(
        (pk for pk, value in net.items() if value > 0),
        key=lambda pk: (pk not in preferred, preferred.index(pk) if pk in preferred else 0, -last[pk]),
    )
    invoices = {
        inv.pk: inv for inv in Invoice.objects.select_for_update().filter(pk__in=order).order_by("pk")
    }
    left = amount
    pairs: list[tuple[Invoice, Decimal]] = []
    for pk in order:
        if left <= 0:
            break
        part = min(net[pk], left, invoices[pk].gross_amount - invoices[pk].open_amount)
        if part > 0:
            pairs.append((invoices[pk], -part))
            left -= part
    reversal = Payment.objects.create(
        creditor=payment.creditor,
        debtor=payment.debtor,
        amount=-amount,
        currency=payment.currency,
        value_on=value_on,
        method=payment.method,
        reference=f"reversal:{payment.pk}",
        payer_name=payment.payer_name,
        payer_iban=payment.payer_iban,
        source=source,
        external_id=external_id,
        created_by=by if getattr(by, "pk", None) else None,
    )
    _allocate(payment=reversal, pairs=pairs, today=value_on)
    audit_record(
        creditor=payment.creditor,
        actor=by,
        action="payment_reversed",
        subject=reversal,
        after={
            "amount": -amount,
            "currency": payment.currency,
            "value_on": value_on,
            "reopened": {inv.number: -part for inv, part in pairs},
        },
        facts={"reason": reason, "payment": payment.pk, "reference": reference, "from_credit": left},
    )
    return reversal
