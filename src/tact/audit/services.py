"""Recording audit events. Every service that changes data calls one of these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditEvent

BATCH = 5000


def subject_key(subject: models.Model) -> tuple[str, str]:
    return f"{subject._meta.app_label}.{subject._meta.model_name}", str(subject.pk)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_label": "system"}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor[:100]}
    return {"actor": actor, "actor_label": getattr(actor, "get_username", lambda: "")()[:100]}


def audit_record(
    *,
    creditor,
    actor: Any,
    action: str,
    subject: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    facts: dict | None = None,
) -> AuditEvent:
    """Write one audit event. ``actor`` is a user, a label such as "api:ab12cd" or None (system)."""
    subject_type, subject_id = subject_key(subject)
    return AuditEvent.objects.create(
        creditor=creditor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=jsonable(before),
        after=jsonable(after),
        facts=jsonable(facts or {}),
        **_actor_fields(actor),
    )


@dataclass(frozen=True)
class Change:
    subject_type: str
    subject_id: str
    before: dict | None
    after: dict | None


def audit_bulk(
    *, creditor, actor: Any, action: str, changes: Iterable[Change], facts: dict | None = None
) -> int:
    """Write many audit events in batches (imports); returns how many were written."""
    actor_fields = _actor_fields(actor)
    shared_facts = jsonable(facts or {})
    written = 0
    batch: list[AuditEvent] = []
    for change in changes:
        batch.append(
            AuditEvent(
                creditor=creditor,
                action=action,
                subject_type=change.subject_type,
                subject_id=change.subject_id,
                before=jsonable(change.before),
                after=jsonable(change.after),
                facts=shared_facts,
                **actor_fields,
            )
        )
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
        written += len(batch)
    return written
