from collections.abc import Iterable

from django.db.models import QuerySet

from .models import AuditEvent


def audit_events_for(*, subject_type: str, subject_ids: Iterable[str] | QuerySet) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=subject_ids).select_related(
        "actor"
    )
