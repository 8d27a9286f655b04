"""Arrangements with a debtor: promises to pay and disputes (payment plans come later).

The dunning hold that keeps the cycle quiet meanwhile is placed by the caller through
``tact.dunning.services.hold_place`` (dunning sits above this app) and named here by its id.
"""

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
