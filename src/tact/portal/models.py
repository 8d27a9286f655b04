"""The debtor portal: a creditor's portal settings, revoked links, and what debtors send.

Links themselves are not stored: a link is a signed token (``tact.messaging.links``); a
revocation names one link (``link_id``) or every link of a debtor issued before a moment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.arrangements.storage import PrivateStorage
from tact.tenancy.models import LANGUAGES


def private_storage() -> PrivateStorage:
    """Files debtors upload: outside the web root, served only by a view."""
    return PrivateStorage("portal")


class SecondFactor(models.TextChoices):
    POSTAL_CODE = "postal_code", _("Postcode")
    DEBTOR_NUMBER = "debtor_number", _("Customer number")


class PortalSettings(models.Model):
    """A creditor's portal rules. Without a row, the field defaults apply."""

    creditor = models.OneToOneField("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    second_factor = models.CharField(
        max_length=20, choices=SecondFactor.choices, default=SecondFactor.POSTAL_CODE
    )
    # Consumers always confirm; business debtors too when this is set.
    second_factor_for_business = models.BooleanField(default=False)
    promise_max_days = models.PositiveSmallIntegerField(default=30)
    promise_grace_days = models.PositiveSmallIntegerField(default=3)
    paid_claim_hold_days = models.PositiveSmallIntegerField(default=14)
    upload_max_bytes = models.PositiveIntegerField(default=5 * 1024 * 1024)
    online_payment = models.BooleanField(default=True)
    # The service level: a person answers a dispute or a request within these days.
    review_days = models.PositiveSmallIntegerField(default=14)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    def __str__(self) -> str:
        return f"portal settings of creditor {self.creditor_id}"


class LinkRevocation(models.Model):
    """A revoked link (``link_id`` set), or all of a debtor's links issued before
    ``created_at`` (``link_id`` blank)."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    link_id = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "link_id"], condition=~Q(link_id=""), name="link_revoked_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.link_id or 'all'} revoked"


class SubmissionKind(models.TextChoices):
    PAID_CLAIM = "paid_claim", _("Says already paid")
    CONTACT = "contact", _("Message from the portal")
    CANCELLATION = "cancellation", _("Cancellation request")
    MEDIATION = "mediation", _("Mediation request")


class CancellationReason(models.TextChoices):
    WITHDRAWAL = "withdrawal", _("I withdraw from the contract (right of withdrawal)")
    ORDER_CANCELLED = "order_cancelled", _("I cancelled the order")
    CONTRACT_ENDED = "contract_ended", _("The contract has ended")
    OTHER = "other", _("Another reason")


class MediationReason(models.TextChoices):
    CANNOT_PAY = "cannot_pay", _("I cannot pay at the moment")
    DISAGREEMENT = "disagreement", _("We disagree about the claim")
    CIRCUMSTANCES = "circumstances", _("My personal circumstances have changed")
    OTHER = "other", _("Another reason")


class SubmissionStatus(models.TextChoices):
    """A submission is a task for a person: open, being looked at, decided."""

    OPEN = "open", _("Open")
    IN_REVIEW = "in_review", _("In review")
    RESOLVED = "resolved", _("Resolved")


class SubmissionOutcome(models.TextChoices):
    GRANTED = "granted", _("Granted")
    DECLINED = "declined", _("Declined")
    ANSWERED = "answered", _("Answered")


class Submission(models.Model):
    """Something a debtor sent through the portal for a person to read."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SubmissionKind.choices)
    facts = models.JSONField(default=dict)
    document = models.FileField(storage=private_storage, upload_to="%Y/%m/", blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The task a person works on: its state, the service-level day, the decision.
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.OPEN)
    due_on = models.DateField(null=True, blank=True)
    hold_id = models.BigIntegerField(null=True, blank=True)  # dunning.Hold; no FK (dunning is below)
    outcome = models.CharField(max_length=10, choices=SubmissionOutcome.choices, blank=True)
    answer = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creditor", "status", "due_on"], name="submission_task")]

    def __str__(self) -> str:
        return f"{self.kind} from {self.debtor_id}"


class FaqEntry(models.Model):
    """One question of a creditor's FAQ in one language. The entries of a ``topic`` are the
    same question in several languages; the portal shows the debtor's, else the creditor's,
    else English, else any."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    topic = models.SlugField(max_length=50)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    question = models.CharField(max_length=300)
    answer = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["position", "topic", "language"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "topic", "language"], name="faq_topic_language_once")
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.language})"
