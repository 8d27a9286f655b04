"""The audit log: who did what to which record, when, with the values before and after."""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class AuditEvent(models.Model):
    creditor = models.ForeignKey("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when it was not a person: "api:<token prefix>", "import", "system".
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=50)  # stable snake_case code, never renamed
    subject_type = models.CharField(max_length=50)  # "ledger.invoice"
    subject_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["creditor", "subject_type", "subject_id"], name="audit_subject"),
            models.Index(fields=["creditor", "-created_at"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"
