"""Arrangements with a debtor: promises to pay, payment plans (with an optional SEPA Direct
Debit mandate) and disputes.

The dunning hold that keeps the cycle quiet meanwhile is placed by the caller through
``tact.dunning.services.hold_place`` (dunning sits above this app) and named here by its id.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.core.models import AmountField, currency_field

from .storage import PrivateStorage


def private_storage() -> PrivateStorage:
    """Evidence the debtor uploads: outside the web root, served only by a view."""
    return PrivateStorage("arrangements")


class Source(models.TextChoices):
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone call")
    STAFF = "staff", _("Staff")


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class Promise(models.Model):
    """The debtor's commitment to pay ``amount`` by ``promised_on``."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    amount = AmountField()
    currency = currency_field()
    promised_on = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=0)
    # The business day it was made, and promised_on + grace_days: the debtor's payments valued
    # between the two kept the promise when they reach its amount (set-based daily check).
    made_on = models.DateField(null=True, blank=True)
    pay_by = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    hold_id = models.BigIntegerField(null=True, blank=True)  # dunning.Hold; no FK (dunning is above)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.promised_on}"


class DisputeReason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Goods or service not received")
    DEFECTIVE = "defective", _("Goods defective or service poor")
    WRONG_AMOUNT = "wrong_amount", _("Amount or price is wrong")
    RETURNED = "returned", _("Goods returned or order cancelled")
    NOT_ORDERED = "not_ordered", _("I did not order this")
    OTHER = "other", _("Another reason")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_REVIEW = "in_review", _("In review")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """The debtor contests an item; the item is held while a person looks at it."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=DisputeReason.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    hold_id = models.BigIntegerField(null=True, blank=True)
    document = models.FileField(storage=private_storage, upload_to="disputes/%Y/%m/", blank=True)
    document_name = models.CharField(max_length=200, blank=True)  # as the debtor named it
    document_type = models.CharField(max_length=40, blank=True)  # checked by content
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} on {self.invoice_id}"


class PlanRules(models.Model):
    """A creditor's rules for payment plans. Without a row, the field defaults apply.

    A plan the debtor proposes is approved at once when it keeps every rule; otherwise a
    person decides. ``default_after_days``: days after a missed instalment's due date
    before the plan defaults and dunning resumes (a friendly reminder goes out
    ``missed_reminder_after_days`` after the miss). ``sepa_creditor_id`` (Gläubiger-ID)
    is needed only for the direct-debit export.
    """

    creditor = models.OneToOneField("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    min_instalment_amount = AmountField(default=Decimal("25"))
    max_months = models.PositiveSmallIntegerField(default=12)
    max_amount = AmountField(default=Decimal("5000"))
    first_due_max_days = models.PositiveSmallIntegerField(default=30)
    reminder_days_before = models.PositiveSmallIntegerField(default=3)
    missed_reminder_after_days = models.PositiveSmallIntegerField(default=2)
    default_after_days = models.PositiveSmallIntegerField(default=14)
    review_hold_days = models.PositiveSmallIntegerField(default=10)
    sepa_creditor_id = models.CharField(max_length=35, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        verbose_name_plural = "plan rules"

    def __str__(self) -> str:
        return f"plan rules of creditor {self.creditor_id}"


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting a decision")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DEFAULTED = "defaulted", _("Defaulted")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentPlan(models.Model):
    """Instalments agreed for one or more open items of a debtor, in its currency.

    ``review_reasons`` lists the rules a proposal broke (stable codes), so a person sees
    why it was not approved at once. ``paid_amount`` is what allocations to the plan's
    items since ``starts_on`` add up to, as the daily check last saw it.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    currency = currency_field()
    total_amount = AmountField()
    paid_amount = AmountField(default=Decimal("0"))
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    source = models.CharField(max_length=10, choices=Source.choices)
    starts_on = models.DateField()
    review_reasons = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total_amount__gt=0), name="plan_total_positive")]
        indexes = [models.Index(fields=["creditor", "status"], name="plan_status")]

    def __str__(self) -> str:
        return f"plan {self.pk}: {self.total_amount} {self.currency} ({self.status})"


class PlanItem(models.Model):
    """An item the plan covers, with the hold (dunning, named by id) that keeps it quiet."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    open_amount = AmountField()  # when the plan was made
    hold_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "invoice"], name="plan_item_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id} in plan {self.plan_id}"


class InstalmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    MISSED = "missed", _("Missed")


class Instalment(models.Model):
    """One part of a plan, due on ``due_on``. The reminder dates record that the friendly
    reminder before it (``reminded_on``) and after a miss (``missed_reminded_on``) were
    planned, once each."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = AmountField()
    status = models.CharField(max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.OPEN)
    paid_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    missed_reminded_on = models.DateField(null=True, blank=True)
    debit_exported_on = models.DateField(null=True, blank=True)  # in a pain.008 file for that day

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [models.Index(fields=["creditor", "status", "due_on"], name="instalment_due")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} on {self.due_on}"


class SepaMandate(models.Model):
    """A SEPA Direct Debit (CORE, recurring) mandate the debtor signed in the portal for
    one plan. The IBAN is stored in its compact form, validated with schwifty."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    plan = models.OneToOneField(PaymentPlan, on_delete=models.CASCADE, related_name="mandate")
    reference = models.CharField(max_length=35)
    signed_on = models.DateField()
    debtor_name = models.CharField(max_length=70)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "reference"], name="mandate_reference_unique")
        ]

    def __str__(self) -> str:
        return self.reference
