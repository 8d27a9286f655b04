"""Bank statements, their lines, the matches tact proposes and the payer accounts it learned.

A line (``BankTransaction``) is booked at most once: its ``fingerprint`` (the bank's own
reference where it gives one, else a checksum of the line's facts) is unique per creditor,
so the same file or the same lines in another file (a camt.054 notification, then the
camt.053 statement) create nothing new.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.core.models import AmountField, SavedLayout, currency_field


class StatementFormat(models.TextChoices):
    CAMT053 = "camt053", "camt.053"
    CAMT054 = "camt054", "camt.054"
    MT940 = "mt940", "MT940"
    CODA = "coda", "CODA"
    CSV = "csv", "CSV"


class Statement(models.Model):
    """One account statement (or notification) read from a file."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    file_format = models.CharField(max_length=10, choices=StatementFormat.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    account_iban = models.CharField(max_length=34, blank=True)
    currency = currency_field()
    bank_statement_id = models.CharField(max_length=100, blank=True)
    opening_balance = AmountField(null=True, blank=True)
    closing_balance = AmountField(null=True, blank=True)
    from_on = models.DateField(null=True, blank=True)
    to_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creditor", "-created_at"], name="statement_recent")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_file_format_display()})"


class LineStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("Unmatched")
    SUGGESTED = "suggested", _("Suggested")
    MATCHED = "matched", _("Matched")
    IGNORED = "ignored", _("Ignored")


class BankTransaction(models.Model):
    """A line of a statement: money in (positive) or out (negative) on the creditor's account."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="transactions")
    fingerprint = models.CharField(max_length=64)
    booked_on = models.DateField()
    value_on = models.DateField()
    amount = AmountField()
    currency = currency_field()
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    counterparty_bic = models.CharField(max_length=11, blank=True)
    remittance = models.TextField(blank=True)
    structured_reference = models.CharField(max_length=35, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    mandate_id = models.CharField(max_length=35, blank=True)
    bank_reference = models.CharField(max_length=100, blank=True)
    bank_code = models.CharField(max_length=40, blank=True)
    # A returned direct debit or a chargeback: money the creditor had received goes back.
    is_return = models.BooleanField(default=False)
    return_reason = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.UNMATCHED)
    debtor = models.ForeignKey(
        "ledger.Debtor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    payment = models.ForeignKey(
        "ledger.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # How the line was booked or why not: a stable code, the confidence and the facts used.
    rule = models.CharField(max_length=30, blank=True)
    confidence = models.PositiveSmallIntegerField(default=0)
    facts = models.JSONField(default=dict, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["booked_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "fingerprint"], name="banktx_fingerprint_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="banktx_not_zero"),
        ]
        indexes = [
            models.Index(fields=["creditor", "status", "booked_on"], name="banktx_status"),
            models.Index(
                fields=["creditor", "end_to_end_id"], condition=~Q(end_to_end_id=""), name="banktx_e2e"
            ),
            # Deleting a payment checks the lines that point to it: without this index each
            # deleted payment scanned every bank line (64,000 payments of a benchmark run took
            # minutes to remove).
            models.Index(fields=["payment"], condition=Q(payment__isnull=False), name="banktx_payment"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.booked_on}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Suggestion(models.Model):
    """A match tact is not sure enough of to book: a person accepts, rejects or splits it."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    transaction = models.ForeignKey(BankTransaction, on_delete=models.CASCADE, related_name="suggestions")
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=30)
    confidence = models.PositiveSmallIntegerField()
    # [{"invoice": id, "number": "RE-1", "amount": "100.00"}], in the order to apply; empty:
    # apply in the legal order to the debtor's open items.
    allocations = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=100), name="suggestion_confidence_percent"),
        ]
        indexes = [
            models.Index(fields=["creditor", "status"], condition=Q(status="open"), name="suggestion_open"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.confidence}% for {self.transaction_id}"


class PayerAccount(models.Model):
    """An IBAN a debtor pays from, learned from confirmed matches."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    iban = models.CharField(max_length=34)
    name = models.CharField(max_length=140, blank=True)
    confirmations = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "iban", "debtor"], name="payer_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.iban} → {self.debtor_id}"


class CsvMapping(SavedLayout):
    """A creditor's saved layout of its bank's CSV export
    (options: {"delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y"}; the encoding is
    detected, as for every statement)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="bank_csv_mapping_name_unique"),
            models.UniqueConstraint(
                fields=["creditor"], condition=Q(is_default=True), name="bank_csv_mapping_one_default"
            ),
        ]
