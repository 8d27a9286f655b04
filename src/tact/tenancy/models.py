"""Creditors (tenants), their members and API tokens."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

COUNTRIES = [
    ("DE", _("Germany")),
    ("NL", _("Netherlands")),
    ("BE", _("Belgium")),
    ("AT", _("Austria")),
]
LANGUAGES = [("de", _("German")), ("nl", _("Dutch")), ("en", _("English")), ("fr", _("French"))]
COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f6f5c."))


class Creditor(models.Model):
    """The company that uses tact and owns the receivables: the tenant."""

    slug = models.SlugField(max_length=50, unique=True)
    legal_name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=COUNTRIES)
    currency = models.CharField(max_length=3, default="EUR")
    language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    timezone = models.CharField(max_length=64, default="Europe/Berlin")
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    vat_id = models.CharField(max_length=20, blank=True)
    sender_email = models.EmailField(blank=True)
    logo = models.FileField(upload_to="logos/", blank=True)
    primary_color = models.CharField(max_length=7, default="#1f6f5c", validators=[COLOR])
    accent_color = models.CharField(max_length=7, default="#e8f3ef", validators=[COLOR])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CREDIT_MANAGER = "credit_manager", _("Credit manager")
    AGENT = "agent", _("Agent")
    READ_ONLY = "read_only", _("Read-only")


# Approving dunning actions, running the cycle and editing policies: not for agents and
# read-only members.
DUNNING_DECISIONS = {"approve", "run_cycle", "manage_policies"}

# What each role may do; views and API endpoints ask `may(role, action)`.
PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {"read", "write", "import", "manage_users", "manage_tokens", "manage_settings"}
    | DUNNING_DECISIONS,
    Role.CREDIT_MANAGER: {"read", "write", "import", "manage_tokens"} | DUNNING_DECISIONS,
    Role.AGENT: {"read", "write"},
    Role.READ_ONLY: {"read"},
}


def may(role: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, set())


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "creditor"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.creditor.slug} ({self.role})"


class ApiToken(models.Model):
    """A creditor's API token. Only a SHA-256 of the secret is stored; the prefix identifies it."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CREDIT_MANAGER)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
