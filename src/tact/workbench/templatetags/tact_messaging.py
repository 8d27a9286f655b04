"""``{% contact_panel debtor %}``: on the debtor page, the ways to reach the debtor in person —
log a phone call (with the cycle's open phone tasks) and write a personal e-mail."""

from __future__ import annotations

from typing import Any

from django import template

from tact.dunning.models import Action, ActionStatus
from tact.messaging.rendering import phone_display
from tact.tenancy.models import may

register = template.Library()

OPEN_TASKS = (ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL, ActionStatus.APPROVED)


@register.inclusion_tag("workbench/messaging/_contact_panel.html", takes_context=True)
def contact_panel(context, debtor) -> dict[str, Any]:
    request = context["request"]
    tasks = Action.objects.filter(debtor=debtor, channel="phone", status__in=OPEN_TASKS).order_by("-run_on")[
        :5
    ]
    return {
        "debtor": debtor,
        "tasks": list(tasks),
        "may_edit": may(request.membership.role, "write"),
        "has_email": any(c.email for c in context.get("o").contacts) if context.get("o") else True,
    }


@register.filter
def phone(number: str) -> str:
    """+49301234567 as "+49 30 1234567", as the messages print it."""
    return phone_display(number)
