"""Online payments: a checkout at a payment provider, and the provider's webhook events.

A checkout is what the debtor started in the portal (amount, items); the provider's
events tell how it ended. Each event is processed once: its id is unique per provider.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.core.models import AmountField, currency_field


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Checkout(models.Model):
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="payment_checkouts", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=40, unique=True)  # in URLs; never the row id
    provider = models.CharField(max_length=20)
    provider_ref = models.CharField(max_length=100, blank=True)  # the provider's id of the checkout
    amount = AmountField()
    currency = currency_field()
    invoice_ids = models.JSONField(default=list)  # the items the debtor chose to pay
    status = models.CharField(max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    return_url = models.CharField(max_length=500)
    payment_id = models.BigIntegerField(null=True, blank=True)  # ledger.Payment, once paid
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="checkout_amount_positive"),
            models.UniqueConstraint(
                fields=["provider", "provider_ref"], condition=~Q(provider_ref=""), name="checkout_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.public_id} ({self.status})"


class WebhookEvent(models.Model):
    """One event a provider delivered, kept once. Not a tenant's row until it names a
    checkout: a provider's delivery comes before we know whose it is."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=60)
    checkout = models.ForeignKey(Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=30)  # paid, failed, cancelled, ignored, unknown_checkout, ...
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.kind} → {self.outcome}"
