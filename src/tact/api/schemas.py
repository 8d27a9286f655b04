"""Shapes of the API's requests and responses (their field types live in `fields`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema, model_validator

from tact.ledger.models import (
    AcquisitionChannel,
    Channel,
    ContactRole,
    ContactStatus,
    DebtorKind,
    InvoiceKind,
    PaymentMethod,
    PaymentSource,
)

from .fields import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    NO_NUL,
    Amount,
    AmountOut,
    Country,
    Currency,
    Id,
    Language,
    MoneyOut,
    Name,
    Number,
    StrictIn,
    Tag,
    Text20,
    Text30,
    Text34,
    Text40,
    Text64,
    Text100,
    Text140,
    Text200,
    Text254,
    Text500,
    display_amount,
    optional,
)


class Problem(Schema):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:tact:problem:invalid_field"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, machine-readable error code.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="For invalid input: each wrong field and what is wrong with it."
    )
    facts: dict[str, Any] | None = Field(None, description="For domain errors: the facts that caused it.")


# -- debtors -------------------------------------------------------------------------------


class DebtorOut(MoneyOut):
    money_fields = ("credit_limit_amount", "open_amount", "overdue_amount")

    id: int
    number: str
    kind: DebtorKind
    name: str
    country: Country
    language: Language
    vat_id: str
    acquisition_channel: AcquisitionChannel | Literal[""]
    preferred_channel: Channel
    preferred_payment_method: PaymentMethod
    credit_limit_amount: AmountOut | None
    currency: str
    tags: list[str]
    open_amount: AmountOut = Field(description="Sum of the open amounts of the debtor's items.")
    overdue_amount: AmountOut = Field(description="Sum of the open amounts past their due date.")
    open_count: int = Field(description="Number of open items.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_open_amount(obj: Any) -> Decimal:
        return obj.open_total

    @staticmethod
    def resolve_overdue_amount(obj: Any) -> Decimal:
        return obj.overdue_total


class DebtorCreate(StrictIn):
    number: Number
    name: Name
    kind: DebtorKind = DebtorKind.BUSINESS
    country: Country = optional(description="Defaults to the creditor's country.")
    language: Language = optional(description="Defaults to the creditor's language.")
    vat_id: Text30 = ""
    acquisition_channel: AcquisitionChannel | Literal[""] = ""
    preferred_channel: Channel = Channel.EMAIL
    preferred_payment_method: PaymentMethod = PaymentMethod.TRANSFER
    credit_limit_amount: Amount | None = None
    currency: Currency = optional(description="Defaults to the creditor's currency.")
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class DebtorPatch(StrictIn):
    number: Number = optional()
    name: Name = optional()
    kind: DebtorKind = optional()
    country: Country = optional()
    language: Language = optional()
    vat_id: Text30 = optional()
    acquisition_channel: AcquisitionChannel | Literal[""] = optional()
    preferred_channel: Channel = optional()
    preferred_payment_method: PaymentMethod = optional()
    credit_limit_amount: Amount | None = optional()
    currency: Currency = optional()
    tags: list[Tag] = optional(max_length=50)


# -- contacts ------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    debtor_id: int
    debtor_number: str
    name: str
    role: ContactRole
    email: str
    phone: str
    street: str
    postal_code: str
    city: str
    country: Country | Literal[""]
    is_preferred: bool
    email_status: ContactStatus
    phone_status: ContactStatus
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_debtor_number(obj: Any) -> str:
        return obj.debtor.number


class ContactCreate(StrictIn):
    name: Text200 = ""
    role: ContactRole = ContactRole.BILLING
    email: Text254 = ""
    phone: Text40 = Field("", description="Any common notation; stored in E.164 (+4930123456).")
    street: Text200 = ""
    postal_code: Text20 = ""
    city: Text100 = ""
    country: Country | Literal[""] = ""
    is_preferred: bool = False


class ContactPatch(StrictIn):
    name: Text200 = optional()
    role: ContactRole = optional()
    email: Text254 = optional()
    phone: Text40 = optional()
    street: Text200 = optional()
    postal_code: Text20 = optional()
    city: Text100 = optional()
    country: Country | Literal[""] = optional()
    is_preferred: bool = optional()


# -- invoices ------------------------------------------------------------------------------


class InvoiceOut(MoneyOut):
    money_fields = ("gross_amount", "net_amount", "vat_amount", "open_amount")

    id: int
    number: str
    kind: InvoiceKind
    debtor_id: int
    debtor_number: str
    issued_on: date
    due_on: date
    currency: str
    gross_amount: AmountOut = Field(description="Gross amount; negative for a credit note.")
    net_amount: AmountOut | None
    vat_amount: AmountOut | None
    open_amount: AmountOut
    order_reference: str
    status: Literal["open", "settled"]
    is_overdue: bool
    settled_on: date | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_debtor_number(obj: Any) -> str:
        return obj.debtor.number

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return "open" if obj.open_amount != 0 else "settled"

    @staticmethod
    def resolve_is_overdue(obj: Any, context: Any) -> bool:
        today = context["request"].tact_today
        return obj.open_amount > 0 and obj.due_on < today


class InvoiceCreate(StrictIn):
    debtor_id: Id = optional(description="The debtor's id; or give debtor_number.")
    debtor_number: Number = optional(description="The debtor's number; or give debtor_id.")
    number: Number
    kind: InvoiceKind = InvoiceKind.INVOICE
    issued_on: date
    due_on: date
    currency: Currency = optional(description="Defaults to the debtor's currency.")
    gross_amount: Amount = Field(description="Negative for a credit note.")
    net_amount: Amount | None = None
    vat_amount: Amount | None = None
    open_amount: Amount = optional(
        description="When lower than the gross amount, the difference is booked as paid outside tact."
    )
    order_reference: Text100 = ""


class InvoicePatch(StrictIn):
    number: Number = optional()
    kind: InvoiceKind = optional()
    issued_on: date = optional()
    due_on: date = optional()
    currency: Currency = optional()
    gross_amount: Amount = optional()
    net_amount: Amount | None = optional()
    vat_amount: Amount | None = optional()
    order_reference: Text100 = optional()
    open_amount: Amount = optional(
        description="The open amount another system reports; the difference is booked as a payment."
    )


# -- payments ------------------------------------------------------------------------------


class AllocationOut(Schema):
    invoice_id: int
    invoice_number: str
    amount: AmountOut

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return obj.invoice.number


class PaymentOut(MoneyOut):
    money_fields = ("amount",)

    id: int
    debtor_id: int | None
    debtor_number: str | None
    amount: AmountOut
    currency: str
    value_on: date
    method: PaymentMethod
    reference: str
    payer_name: str
    payer_iban: str
    source: PaymentSource
    external_id: str
    allocations: list[AllocationOut]
    created_at: datetime

    @staticmethod
    def resolve_debtor_number(obj: Any) -> str | None:
        return obj.debtor.number if obj.debtor_id else None

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocations.all())

    @model_validator(mode="after")
    def _display_allocations(self) -> PaymentOut:
        for allocation in self.allocations:
            allocation.amount = display_amount(allocation.amount, self.currency)
        return self


class AllocationIn(StrictIn):
    invoice_id: Id = optional(description="The item's id; or give invoice_number.")
    invoice_number: Number = optional(description="The item's number; or give invoice_id.")
    amount: Amount


class PaymentCreate(StrictIn):
    debtor_id: Id = optional()
    debtor_number: Number = optional()
    amount: Amount
    currency: Currency = optional(description="Defaults to the debtor's (else the creditor's) currency.")
    value_on: date
    method: PaymentMethod = PaymentMethod.TRANSFER
    reference: Text140 = ""
    payer_name: Text140 = ""
    payer_iban: Text34 = ""
    external_id: Text100 = Field(
        "", description="Your own id of the payment; sending it again returns the payment already recorded."
    )
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=1000)
    allocate: Literal["given", "legal_order", "none"] | None = Field(
        None,
        description=(
            "How the money is applied: `given` (the `allocations`), `legal_order` (to the debtor's open items "
            "as the law orders it: costs, interest, principal, oldest first, the items in `named_invoices` "
            "first), or `none` (recorded, applied later). Default: `given` when allocations are sent, else "
            "`legal_order` when the debtor is known, else `none`."
        ),
    )
    named_invoices: list[Number] = Field(
        default_factory=list,
        max_length=100,
        description="Invoice numbers the payer named (the transfer's purpose); with `legal_order` they go first.",
    )


# -- bulk upsert ---------------------------------------------------------------------------

BULK_ROW_FIELDS = (
    "invoice_number", "debtor_number", "debtor_name", "issue_date", "due_date", "amount", "open_amount",
    "currency", "kind", "country", "language", "email", "phone", "vat_id", "net_amount", "vat_amount",
    "order_reference", "contact_name", "street", "postal_code", "city",
)  # fmt: skip
MAX_BULK_ROWS = 10_000
_BULK_ROW_SCHEMA = {
    "type": "object",
    "description": (
        "One open item with its debtor, validated and merged as a row of a ledger file: "
        'dates as 2025-12-31, amounts as strings like "1190.00".'
    ),
    "properties": {name: {"type": "string", "pattern": NO_NUL, "maxLength": 200} for name in BULK_ROW_FIELDS},
    "required": ["invoice_number", "debtor_number", "debtor_name", "issue_date", "due_date", "amount"],
    "additionalProperties": False,
}
# The rows pass to the import as they are, so that their errors come back as the file
# import reports them (row, column, value, message) rather than as schema errors.
BulkRow = Annotated[dict[str, Any], WithJsonSchema(_BULK_ROW_SCHEMA)]


class BulkUpsert(StrictIn):
    rows: list[BulkRow] = Field(max_length=MAX_BULK_ROWS)
    dry_run: bool = False


class Counts(Schema):
    debtors: int
    invoices: int


class BulkReport(Schema):
    model_config = ConfigDict(extra="allow")

    created: Counts
    updated: Counts
    unchanged: int
    settled: int = 0
    payments_recorded: int = 0
    rows: int = 0
    dry_run: bool
    applied: bool
    error_count: int = 0
    errors: list[dict[str, Any]]


# -- pages ---------------------------------------------------------------------------------


class DebtorPage(Schema):
    items: list[DebtorOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


# -- list filters --------------------------------------------------------------------------


class PageParams(Schema):
    cursor: Text500 | None = Field(None, description="The next_cursor of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class DebtorFilters(PageParams):
    country: Country | None = None
    kind: DebtorKind | None = None
    number: Text64 | None = None
    q: Text100 | None = Field(None, description="Part of the name or number.")
    has_overdue: bool | None = Field(
        None, description="Only debtors with (true) or without (false) overdue items."
    )


class ContactFilters(PageParams):
    debtor_id: Id | None = None
    debtor_number: Text64 | None = None
    email: Text254 | None = None


class InvoiceFilters(PageParams):
    debtor_id: Id | None = None
    debtor_number: Text64 | None = None
    number: Text64 | None = None
    kind: InvoiceKind | None = None
    status: Literal["open", "settled"] | None = None
    overdue: bool | None = Field(None, description="Open and past the due date (true), or not (false).")
    due_after: date | None = Field(None, description="Due on or after this date.")
    due_before: date | None = Field(None, description="Due on or before this date.")


class PaymentFilters(PageParams):
    debtor_id: Id | None = None
    debtor_number: Text64 | None = None
    value_on_from: date | None = Field(None, description="Value date on or after this date.")
    value_on_to: date | None = Field(None, description="Value date on or before this date.")
    source: PaymentSource | None = None
