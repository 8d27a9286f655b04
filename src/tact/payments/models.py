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


class AccountProvider(models.TextChoices):
    # The offline test provider is the installation's only (demo): its checkout page pays
    # without money, so no creditor can choose it for real debtors.
    STRIPE = "stripe", "Stripe"
    MOLLIE = "mollie", "Mollie"
    PAYPAL = "paypal", "PayPal"


class AccountEnvironment(models.TextChoices):
    TEST = "test", _("Test (sandbox)")
    LIVE = "live", _("Live")


class ProviderAccount(models.Model):
    """A creditor's own account at a payment provider: its money goes to the creditor,
    and its webhook secret verifies only its own deliveries (its own URL, ``public_id``).

    Secrets (``*_sealed``) are Fernet-encrypted (``vault``); the pages show only their
    ``*_last4``. A creditor without an active account uses the installation's provider
    (``TACT_PAYMENT_PROVIDER`` and its settings). A disabled account offers no new
    checkouts, but its webhook still verifies the deliveries of checkouts begun with it:
    that money moved.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="payment_accounts", db_index=False
    )
    public_id = models.CharField(max_length=40, unique=True)  # in the webhook URL; never the row id
    provider = models.CharField(max_length=20, choices=AccountProvider.choices)
    environment = models.CharField(max_length=10, choices=AccountEnvironment.choices, default="test")
    api_key_sealed = models.TextField(blank=True)  # Stripe secret key, Mollie API key
    api_key_last4 = models.CharField(max_length=4, blank=True)
    webhook_secret_sealed = models.TextField(blank=True)  # Stripe whsec_…, Mollie next-gen signing secret
    webhook_secret_last4 = models.CharField(max_length=4, blank=True)
    client_id = models.CharField(max_length=200, blank=True)  # PayPal: public, not a secret
    client_secret_sealed = models.TextField(blank=True)
    client_secret_last4 = models.CharField(max_length=4, blank=True)
    webhook_id = models.CharField(max_length=100, blank=True)  # PayPal: public, not a secret
    methods = models.JSONField(default=list, blank=True)  # the provider's method names; empty: its default
    is_active = models.BooleanField(default=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_problem = models.CharField(max_length=300, blank=True)  # the last check's refusal, if any
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["provider", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "provider"], name="provider_account_once"),
            models.UniqueConstraint(
                fields=["creditor"], condition=Q(is_active=True), name="provider_account_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.public_id} ({'active' if self.is_active else 'disabled'})"


class Checkout(models.Model):
    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="payment_checkouts", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=40, unique=True)  # in URLs; never the row id
    provider = models.CharField(max_length=20)
    # The creditor's own account it was begun with; null: the installation's provider.
    account = models.ForeignKey(
        ProviderAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="checkouts"
    )
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
    # The account whose URL and secret it came through; null: the installation's. Event ids
    # are unique per account, so one creditor's deliveries cannot pre-empt another's.
    account = models.ForeignKey(
        ProviderAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=60)
    checkout = models.ForeignKey(Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=30)  # paid, failed, cancelled, ignored, unknown_checkout, ...
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], condition=Q(account__isnull=True), name="webhook_event_once"
            ),
            models.UniqueConstraint(
                fields=["account", "event_id"],
                condition=Q(account__isnull=False),
                name="webhook_event_once_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.kind} → {self.outcome}"
