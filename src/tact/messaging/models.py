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
