"""``{% contact_panel debtor %}``: on the debtor page, the ways to reach the debtor in person —
log a phone call (with the cycle's open phone tasks) and write a personal e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

from tact.audit.models import AuditEvent
from tact.core import clock
from tact.dunning.models import Action, ActionStatus
from tact.messaging.rendering import phone_display
from tact.tenancy.models import may

register = template.Library()

# A phone action stays a task for a person after the outbox put it on the call list (sent),
# until a call is recorded for it; after two weeks a newer step has taken its place.
TASK_STATUSES = (
    ActionStatus.PLANNED,
    ActionStatus.AWAITING_APPROVAL,
    ActionStatus.APPROVED,
    ActionStatus.SENT,
)
TASK_DAYS = 14


@register.inclusion_tag("workbench/messaging/_contact_panel.html", takes_context=True)
def contact_panel(context, debtor) -> dict[str, Any]:
    request = context["request"]
    since = clock.today(request.creditor.timezone) - timedelta(days=TASK_DAYS)
    actions = Action.objects.filter(
        debtor=debtor, channel="phone", status__in=TASK_STATUSES, run_on__gte=since
    )
    tasks = list(actions.order_by("-run_on")[:5])
    if tasks:  # most debtors have none: one query then
        calls = AuditEvent.objects.filter(
            action="call_logged",
            subject_type="ledger.debtor",
            subject_id=str(debtor.pk),
            created_at__date__gte=since,
        ).values_list("after", flat=True)
        answered = {after.get("action") for after in calls if after}
        tasks = [a for a in tasks if a.pk not in answered]
    overview = context.get("o")
    return {
        "debtor": debtor,
        "tasks": tasks,
        "may_edit": may(request.membership.role, "write"),
        "has_email": any(c.email for c in overview.contacts) if overview is not None else True,
    }


@register.filter
def phone(number: str) -> str:
    """+49301234567 as "+49 30 1234567", as the messages print it."""
    return phone_display(number)
