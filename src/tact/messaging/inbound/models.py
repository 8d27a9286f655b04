"""Inbound mail as tact keeps it: the raw bytes, what was read from them, whom they belong to,
and whether a person still has to look.

Delivery events (a bounce, a delay, a complaint, a delivery report) about one of our
messages are appended to that message's history as ``MessageEvent`` rows (kinds ``bounced``,
``delayed``, ``complained``, ``delivered``) whose ``detail`` names this row (``inbound``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class InboundKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Bounce")
    DELAYED = "delayed", _("Delivery delayed")
    DELIVERED = "delivered", _("Delivery report")
    COMPLAINT = "complaint", _("Spam complaint")


class InboundIntent(models.TextChoices):
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    ALREADY_PAID = "already_paid", _("Already paid")
    HARDSHIP = "hardship", _("Hardship")
    QUESTION = "question", _("Question")
    OTHER = "other", _("Other")


class PersonReason(models.TextChoices):
    """Why the inbound message waits for a person (the workbench's inbox lists them)."""

    REPLY = "reply", _("A debtor replied")
    UNMATCHED = "unmatched", _("Not matched to a debtor")
    FIND_CONTACT = "find_contact", _("Every channel failed: find the right contact")
    COMPLAINT = "complaint", _("The recipient reported our e-mail as spam")


class UnassignedManager(models.Manager):
    """Mail nobody could attribute to a creditor. Unscoped, and never returns a tenant's row."""

    def get_queryset(self):
        return super().get_queryset().filter(creditor__isnull=True)


class InboundMessage(models.Model):
    """One received e-mail. ``creditor`` is empty while nobody knows whose it is (a stranger's
    mail to the reply domain); such rows are listed by ``unassigned`` for the staff."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey(
        "ledger.Debtor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the message of ours it answers or reports on
    kind = models.CharField(max_length=12, choices=InboundKind.choices)
    source = models.CharField(max_length=80)  # "imap:INBOX", "file", "webhook:<provider>"
    checksum = models.CharField(max_length=64)  # sha256 of the raw bytes: a mail is stored once
    raw = models.BinaryField()  # as received; over the size limit only its first 64 KiB
    size = models.PositiveIntegerField()
    is_truncated = models.BooleanField(default=False)
    header_message_id = models.CharField(max_length=300, blank=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    from_address = models.CharField(max_length=300, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the mail's Date header
    received_at = models.DateTimeField()
    text = models.TextField(blank=True)  # the body as plain text
    reply_text = models.TextField(blank=True)  # without quotes and signature
    # in_reply_to | references | reply_token | report | recipient | person
    matched_by = models.CharField(max_length=20, blank=True)
    intent = models.CharField(max_length=15, choices=InboundIntent.choices, blank=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    intent_detail = models.JSONField(default=dict, blank=True)  # method, rules, scores
    report = models.JSONField(default=dict, blank=True)  # the delivery report's fields
    actions = models.JSONField(default=list, blank=True)  # what tact did: ["hold:recent_contact", …]
    problems = models.JSONField(default=list, blank=True)  # what was odd about the mail
    needs_person = models.BooleanField(default=False)
    person_reason = models.CharField(max_length=15, choices=PersonReason.choices, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(creditor="creditor")
    unassigned = UnassignedManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["checksum"], name="inbound_checksum_unique"),
            models.CheckConstraint(
                condition=Q(needs_person=False) | ~Q(person_reason=""), name="inbound_person_has_reason"
            ),
        ]
        indexes = [
            models.Index(
                fields=["creditor", "-received_at"], condition=Q(needs_person=True), name="inbound_awaiting"
            ),
            models.Index(fields=["creditor", "debtor", "-received_at"], name="inbound_debtor"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.from_address or '?'}: {self.subject[:60]}"
