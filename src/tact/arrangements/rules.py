"""Saving a creditor's plan rules (the page in the workbench, or a shell)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from .errors import ArrangementInvalid
from .models import PlanRules
from .sepa import creditor_id_check

FIELDS = (
    "min_instalment_amount", "max_months", "max_amount", "first_due_max_days", "reminder_days_before",
    "missed_reminder_after_days", "default_after_days", "review_hold_days", "sepa_creditor_id",
)  # fmt: skip


@transaction.atomic
def plan_rules_save(*, creditor: Creditor, by: Any, **values: Any) -> PlanRules:
    """Create or change the creditor's plan rules; audited with before and after.
    Raises ArrangementInvalid naming the field (amounts above zero, at least one month, a
    valid SEPA creditor identifier when one is given)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ArrangementInvalid(
            field=sorted(unknown)[0], reason="field_unknown", problem="is not a plan rule"
        )
    for name in ("min_instalment_amount", "max_amount"):
        if name in values and Decimal(values[name]) <= 0:
            raise ArrangementInvalid(
                field=name, reason="amount_not_positive", problem="give an amount above zero"
            )
    if values.get("max_months") is not None and values["max_months"] < 2:
        raise ArrangementInvalid(
            field="max_months", reason="too_few_months", problem="a plan has at least 2 months"
        )
    if values.get("sepa_creditor_id"):
        values["sepa_creditor_id"] = creditor_id_check(values["sepa_creditor_id"])
    rules, _created = PlanRules.objects.select_for_update().get_or_create(creditor=creditor)
    before = {f: getattr(rules, f) for f in FIELDS}
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    after = {f: getattr(rules, f) for f in FIELDS}
    changed = {f for f in FIELDS if before[f] != after[f]}
    if changed:
        audit_record(
            creditor=creditor, actor=by, action="plan_rules_changed", subject=rules,
            before={f: before[f] for f in changed}, after={f: after[f] for f in changed},
        )  # fmt: skip
    return rules
