"""The ``Idempotency-Key`` header on POST: do the work once, answer repeats from memory.

The key's row is inserted in the same transaction as the work. A second request with the
same key waits on the unique constraint until the first commits (PostgreSQL blocks the
insert; SQLite's immediate transactions serialize writers), then finds the stored response
and replays it. A failed request (5xx) rolls its key back, so the client may retry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from tact.core import clock
from tact.tenancy.models import Creditor

from .models import IdempotencyKey
from .problems import on_too_big, problem

IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as a UUID or any client token
KEY_TTL = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
    if record.location:
        response["Location"] = record.location
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(request: HttpRequest, *, creditor: Creditor, call: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``call`` once per (creditor, key); must run inside the creditor's scope."""
    key = request.META[IDEMPOTENCY_HEADER].strip()
    if not KEY_RE.match(key):
        return problem(
            status=422,
            code="invalid_idempotency_key",
            detail="The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
            errors=[
                {"in": "header", "field": "Idempotency-Key", "message": "1 to 255 visible ASCII characters."}
            ],
        )
    try:
        request_hash = fingerprint(request)
    except RequestDataTooBig:
        return on_too_big(request, RequestDataTooBig())
    # Purged lazily: keys older than a day are forgotten when the creditor next uses one.
    IdempotencyKey.objects.filter(created_at__lt=clock.now() - KEY_TTL).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    creditor=creditor,
                    key=key,
                    request_hash=request_hash,
                    method=request.method or "",
                    path=request.path[:500],
                    status_code=0,
                    content_type="",
                )
        except IntegrityError:
            earlier = IdempotencyKey.objects.filter(key=key).first()
            if earlier is None:  # purged in between: rare; the client may simply retry
                return problem(status=409, code="idempotency_key_busy", detail="Retry the request.")
            if earlier.request_hash != request_hash:
                return problem(
                    status=422,
                    code="idempotency_key_reused",
                    detail="This Idempotency-Key was used with another request; use a new key.",
                    facts={"key": key, "first_path": earlier.path},
                )
            return _replay(earlier)
        response = call()
        if response.status_code >= 500 or response.streaming:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")[:100]
        record.body = response.content.decode("utf-8")
        record.location = response.get("Location", "")[:500]
        record.save(update_fields=["status_code", "content_type", "body", "location"])
        return response
