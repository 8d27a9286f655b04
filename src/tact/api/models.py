"""What the API keeps for itself: the responses of POST requests sent with an Idempotency-Key."""

from django.db import models
from django_scopes import ScopedManager


class IdempotencyKey(models.Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for repeats.

    A row exists only once its request finished (it is written in the request's own
    transaction), so a client never sees a half-done key; a concurrent second request with
    the same key waits on the unique constraint until the first one commits, then replays.
    """

    creditor = models.ForeignKey("tenancy.Creditor", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path, query and body: the same key with another request is refused.
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(creditor="creditor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="api_idempotency_key_unique"),
        ]
        indexes = [models.Index(fields=["creditor", "created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
