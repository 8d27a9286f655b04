"""The receivables ledger: debtors, contacts, open items, payments and their allocations.

Invariant (kept by `services.allocation_*` and the import, checked by
`selectors.ledger_inconsistencies`): an item's ``open_amount`` equals its ``gross_amount``
minus the sum of its allocations.

Interest, collection costs and flat compensation that tact charges are items of their own
(kinds in ``CHARGE_KINDS``, linked to the invoice they arise from by ``parent``), never an
edit of a sent invoice. They are owed and paid like any item, but the dunning cycle does
not dun them on their own, charge interest on them or give them a flat compensation of
their own (it plans ``kind = 'invoice'`` only).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.core.models import AmountField, SavedLayout, currency_field
from tact.tenancy.models import COUNTRIES, LANGUAGES


class DebtorKind(models.TextChoices):
    BUSINESS = "business", _("Business")
    CONSUMER = "consumer", _("Consumer")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("Portal")
    EINVOICE = "einvoice", _("E-invoice")
    PHONE = "phone", _("Phone")


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")
    CARD = "card", _("Card")
    PAYPAL = "paypal", _("PayPal")
    IDEAL = "ideal", _("iDEAL")
    BANCONTACT = "bancontact", _("Bancontact")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class AcquisitionChannel(models.TextChoices):
    DIRECT = "direct", _("Direct sales")
    WEB_SHOP = "web_shop", _("Web shop")
    FIELD_SALES = "field_sales", _("Field sales")
    MARKETPLACE = "marketplace", _("Marketplace")
    PARTNER = "partner", _("Partner / reseller")
    TENDER = "tender", _("Tender")
    OTHER = "other", _("Other")


class Debtor(models.Model):
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="debtors", db_index=False
    )
    number = models.CharField(_("debtor number"), max_length=64)
    kind = models.CharField(max_length=10, choices=DebtorKind.choices, default=DebtorKind.BUSINESS)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=COUNTRIES)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    vat_id = models.CharField(max_length=20, blank=True)
    acquisition_channel = models.CharField(max_length=20, choices=AcquisitionChannel.choices, blank=True)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    preferred_payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    credit_limit_amount = AmountField(null=True, blank=True)
    currency = currency_field()
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="debtor_number_unique"),
            models.CheckConstraint(
                condition=Q(credit_limit_amount__gte=0), name="debtor_credit_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["creditor", "name"], name="debtor_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class ContactRole(models.TextChoices):
    BILLING = "billing", _("Accounts payable")
    OWNER = "owner", _("Owner / managing director")
    PURCHASING = "purchasing", _("Purchasing")
    PRIVATE = "private", _("Private person")
    OTHER = "other", _("Other")


class ContactStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet used")
    VALID = "valid", _("Valid")
    BOUNCED = "bounced", _("Bounced")


class Contact(models.Model):
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.BILLING)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164, like +4930123456"))
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, choices=COUNTRIES, blank=True)
    is_preferred = models.BooleanField(default=False)
    email_status = models.CharField(
        max_length=10, choices=ContactStatus.choices, default=ContactStatus.UNKNOWN
    )
    phone_status = models.CharField(
        max_length=10, choices=ContactStatus.choices, default=ContactStatus.UNKNOWN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-is_preferred", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor"],
                condition=Q(is_preferred=True),
                name="contact_one_preferred_per_debtor",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    # Charges: claims tact books on an invoice (services.charges_add), positive, with a parent.
    INTEREST = "interest", _("Interest")
    FEE = "fee", _("Collection costs")
    FLAT_COMPENSATION = "flat_compensation", _("Flat compensation")


CHARGE_KINDS = (InvoiceKind.INTEREST.value, InvoiceKind.FEE.value, InvoiceKind.FLAT_COMPENSATION.value)


class Invoice(models.Model):
    """An open item: an invoice (positive), a credit note (negative amounts) or a charge
    (interest, collection costs, flat compensation: positive, with the invoice it arises
    from as ``parent``)."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="invoices", db_index=False
    )
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    number = models.CharField(_("invoice number"), max_length=64)
    kind = models.CharField(max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    issued_on = models.DateField()
    due_on = models.DateField()
    currency = currency_field()
    gross_amount = AmountField()
    net_amount = AmountField(null=True, blank=True)
    vat_amount = AmountField(null=True, blank=True)
    open_amount = AmountField()
    order_reference = models.CharField(max_length=100, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    settled_on = models.DateField(null=True, blank=True)
    # Charges only: the invoice the charge arises from (indexed below for charges only, so
    # the millions of plain invoices pay nothing for it on insert).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="charges", db_index=False
    )
    # Charges only: what booked it, once ("action:118"); blank for a charge booked by hand.
    # (db_default: the import's and the benchmarks' raw inserts leave it out.)
    charge_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="invoice_number_unique"),
            # The open amount lies between zero and the gross amount, on the gross amount's side.
            models.CheckConstraint(
                condition=(
                    Q(gross_amount__gte=0, open_amount__gte=0, open_amount__lte=F("gross_amount"))
                    | Q(gross_amount__lt=0, open_amount__lte=0, open_amount__gte=F("gross_amount"))
                ),
                name="invoice_open_within_gross",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_not_before_issue"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", gross_amount__gte=0)
                | Q(kind="credit_note", gross_amount__lte=0)
                | Q(kind__in=CHARGE_KINDS, gross_amount__gt=0),
                name="invoice_sign_matches_kind",
            ),
            # A charge always arises from an invoice; nothing else has a parent.
            models.CheckConstraint(
                condition=Q(kind__in=CHARGE_KINDS, parent__isnull=False)
                | (~Q(kind__in=CHARGE_KINDS) & Q(parent__isnull=True, charge_key="")),
                name="invoice_charge_has_parent",
            ),
            # A booking (an action's message) charges each kind on an invoice once.
            models.UniqueConstraint(
                fields=["parent", "kind", "charge_key"],
                condition=~Q(charge_key=""),
                name="invoice_charge_once",
            ),
        ]
        indexes = [
            # Serves the debtor FK too (its own index would be a seventh to maintain on every insert).
            models.Index(fields=["debtor", "due_on"], name="invoice_debtor_due"),
            models.Index(fields=["creditor", "due_on"], condition=~Q(open_amount=0), name="invoice_open_due"),
            # Open and overdue totals per debtor (the debtor list) read only this index on PostgreSQL.
            models.Index(
                fields=["debtor"],
                include=["open_amount", "due_on"],
                condition=~Q(open_amount=0),
                name="invoice_open_by_debtor",
            ),  # fmt: skip
            models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="invoice_charge_parent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.open_amount != 0

    @property
    def is_charge(self) -> bool:
        return self.kind in CHARGE_KINDS


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Ledger import")
    API = "api", _("API")
    BANK = "bank", _("Bank statement")
    PROVIDER = "provider", _("Payment provider")
    PORTAL = "portal", _("Portal")


class Payment(models.Model):
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="payments", db_index=False
    )
    debtor = models.ForeignKey(
        Debtor, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = AmountField()
    currency = currency_field()
    value_on = models.DateField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    reference = models.CharField(max_length=140, blank=True)
    payer_name = models.CharField(max_length=140, blank=True)
    payer_iban = models.CharField(max_length=34, blank=True)
    source = models.CharField(max_length=10, choices=PaymentSource.choices, default=PaymentSource.MANUAL)
    # The sender's own id for the payment (bank transaction id, provider event); makes a
    # second delivery of the same payment a no-op.
    external_id = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-value_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "source", "external_id"],
                condition=~Q(external_id=""),
                name="payment_external_id_unique",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="payment_not_zero"),
        ]
        indexes = [models.Index(fields=["creditor", "debtor", "value_on"], name="payment_debtor_value")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.value_on}"


class Allocation(models.Model):
    """The part of a payment applied to one item."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = AmountField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount} of {self.payment_id} to {self.invoice_id}"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    DISCARDED = "discarded", _("Discarded")


class ImportRun(models.Model):
    """One ledger file given to tact: what it held and what it changed."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=20)
    stored_file = models.CharField(max_length=500, blank=True)  # path under var/, outside the web root
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    is_full = models.BooleanField(default=False)
    report = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creditor", "-created_at"], name="importrun_recent")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class ColumnMapping(SavedLayout):
    """A creditor's saved column layout for ledger files their ERP exports
    (options: {"date_order": "dmy", "decimal": ","})."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="mapping_name_unique"),
            models.UniqueConstraint(
                fields=["creditor"], condition=Q(is_default=True), name="mapping_one_default"
            ),
        ]
