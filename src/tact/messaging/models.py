"""Message templates (versioned, per creditor or shipped) and the creditor's sender profile."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tact.tenancy.models import LANGUAGES


class Tone(models.TextChoices):
    FRIENDLY = "friendly", _("Friendly")
    NEUTRAL = "neutral", _("Neutral")
    FIRM = "firm", _("Firm")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")


class ShippedManager(models.Manager):
    """The templates tact ships (no creditor). Unscoped, and it can never return a tenant's row."""

    def get_queryset(self):
        return super().get_queryset().filter(creditor__isnull=True)


class MessageTemplate(models.Model):
    """One version of the text for a stage key, language, tone and channel.

    A row with no creditor is a shipped default; a creditor's own row overrides it. An edit
    writes a new row with the next ``version`` and moves ``is_current`` to it, so every
    message ever rendered can name the exact text it used (its ``id``).
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=64)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    tone = models.CharField(max_length=10, choices=Tone.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")
    shipped = ShippedManager()

    class Meta:
        ordering = ["key", "channel", "language", "tone", "-version"]
        # NULL creditors are distinct in unique indexes on both engines, so shipped rows get
        # their own partial constraints.
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "key", "language", "tone", "channel", "version"],
                condition=Q(creditor__isnull=False),
                name="msgtemplate_version_unique",
            ),
            models.UniqueConstraint(
                fields=["key", "language", "tone", "channel", "version"],
                condition=Q(creditor__isnull=True),
                name="msgtemplate_shipped_version_unique",
            ),
            models.UniqueConstraint(
                fields=["creditor", "key", "language", "tone", "channel"],
                condition=Q(creditor__isnull=False, is_current=True),
                name="msgtemplate_one_current",
            ),
            models.UniqueConstraint(
                fields=["key", "language", "tone", "channel"],
                condition=Q(creditor__isnull=True, is_current=True),
                name="msgtemplate_shipped_one_current",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="msgtemplate_version_positive"),
        ]
        indexes = [
            models.Index(
                fields=["key", "channel", "language"], condition=Q(is_current=True), name="msgtemplate_lookup"
            )
        ]

    def __str__(self) -> str:
        owner = "shipped" if self.creditor_id is None else f"creditor {self.creditor_id}"
        return f"{self.key}/{self.channel}/{self.language}/{self.tone} v{self.version} ({owner})"


class SenderProfile(models.Model):
    """How a creditor signs and can be reached in messages; one per creditor, optional.

    Without one, messages sign with the creditor's legal name and sender e-mail.
    """

    creditor = models.OneToOneField("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    signature_name = models.CharField(max_length=120, blank=True)
    # {"de": "Debitorenmanagement", "en": "Credit management", ...}; any language as fallback.
    signature_role = models.JSONField(default=dict, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.CharField(max_length=200, blank=True)
    # Register entry for the letter footer: "Amtsgericht Köln HRB 12345", "KvK 12345678".
    registration = models.CharField(max_length=120, blank=True)
    # Belgian enterprise number (KBO/BCE), mandatory content of a consumer reminder in BE.
    enterprise_number = models.CharField(max_length=20, blank=True)
    managing_directors = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    def __str__(self) -> str:
        return f"sender profile of creditor {self.creditor_id}"


# --- the outbox ---------------------------------------------------------------------------


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    """One message to one debtor on one channel: a row of the outbox.

    ``key`` is the idempotency key (``action:<action id>:<channel>`` for the daily cycle's
    messages), unique per creditor: queueing the same action twice adds nothing. Statuses
    move queued → sending → sent → delivered | bounced, or → failed (permanent error, or
    retries used up; the next channel's message then takes over) or → cancelled (nothing
    left to dun when it was its turn). Every move appends a ``MessageEvent``.

    A sender owns a row while ``claimed_by`` names it and ``lease_until`` lies ahead; every
    write of a sender is guarded by its claim, so a sender whose lease was taken over
    writes nothing. ``data_end_at`` is set, under that guard, just before the last byte
    that hands the message over (the SMTP end-of-data dot, the SMS request): a message
    found in ``sending`` with an expired lease and no ``data_end_at`` was never handed over
    and is sent again; one with it is in doubt (README, "Reliability").
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "ledger.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    action = models.ForeignKey(
        "dunning.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    key = models.CharField(max_length=120)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    # The channels still to try after this one, in order (the stage's wanted channels).
    fallbacks = models.JSONField(default=list, blank=True)
    fallback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    template_key = models.CharField(max_length=60, blank=True)
    tone = models.CharField(max_length=10, choices=Tone.choices, blank=True)
    language = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    data_end_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=40, blank=True)  # the contact rule that holds it back
    last_error = models.TextField(blank=True)
    last_error_code = models.CharField(max_length=60, blank=True)
    # What was sent, fixed when it was first rendered (a retry sends the same words).
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recipient = models.CharField(max_length=300, blank=True)  # e-mail address, E.164 number, postal lines
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    document = models.CharField(max_length=300, blank=True)  # storage name of the letter PDF
    message_id = models.CharField(max_length=200, blank=True)  # our RFC 5322 Message-ID (e-mail)
    in_reply_to = models.CharField(max_length=200, blank=True)  # the Message-ID this one answers
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # a person's one-off message; empty for the cycle's
    provider = models.CharField(max_length=30, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="message_key_unique"),
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="message_message_id_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_known"),
        ]
        indexes = [
            # The sender's claim: due rows of the open statuses, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="message_due",
            ),
            models.Index(fields=["creditor", "debtor", "sent_at"], name="message_debtor_sent"),
            models.Index(fields=["action"], condition=Q(action__isnull=False), name="message_action"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key} ({self.status})"


class MessageEvent(models.Model):
    """Append-only history of a message: each status move, hold-back, retry and error."""

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)  # queued, claimed, sending, sent, retry, held, failed, ...
    status_from = models.CharField(max_length=10, blank=True)
    status_to = models.CharField(max_length=10, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["message_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} {self.status_from}→{self.status_to}"


class ContactRules(models.Model):
    """A creditor's contact rules (issue 5, item 5). Without a row the defaults apply.

    Quiet hours are local time in the debtor's time zone: ``timezones`` maps a country
    to a zone name and overrides ``COUNTRY_TIMEZONES``. Quiet hours may wrap midnight
    (20:00–08:00). Letters go to the print batch at any hour and day; the weekly cap
    counts every channel.
    """

    creditor = models.OneToOneField("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    quiet_start = models.TimeField(default="20:00")
    quiet_end = models.TimeField(default="08:00")
    max_per_week = models.PositiveSmallIntegerField(default=3)
    skip_sundays_and_holidays = models.BooleanField(default=True)
    sms_needs_consent = models.BooleanField(default=True)
    preferred_first = models.BooleanField(default=True)
    timezones = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(creditor="creditor")

    def __str__(self) -> str:
        return f"contact rules of creditor {self.creditor_id}"


class ConsentStatus(models.TextChoices):
    OPTED_IN = "opted_in", _("Consented")
    OPTED_OUT = "opted_out", _("Opted out")


class ChannelConsent(models.Model):
    """A debtor's (or one contact's) consent to or opt-out from a channel.

    Kept in messaging because the ledger knows nothing of channels' rules. The latest row
    per debtor, contact and channel counts; a row without contact covers every contact.
    """

    creditor = models.ForeignKey(
        "tenancy.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("ledger.Debtor", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "ledger.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    source = models.CharField(max_length=60, blank=True)  # "portal", "reply STOP", "agent"
    recorded_at = models.DateTimeField()

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["debtor_id", "channel", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.channel} {self.status}"


# Inbound mail lives in its own module; imported here so Django registers it with the app.
from .inbound.models import InboundMessage  # noqa: E402, F401
