"""The form of a creditor's plan rules; the rules themselves are checked by
``arrangements.rules.plan_rules_save``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.arrangements.models import PlanRules


class PlanRulesForm(forms.ModelForm):
    class Meta:
        model = PlanRules
        fields = [
            "min_instalment_amount", "max_months", "max_amount", "first_due_max_days", "reminder_days_before",
            "missed_reminder_after_days", "default_after_days", "review_hold_days", "sepa_creditor_id",
        ]  # fmt: skip
        labels = {
            "min_instalment_amount": _("Minimum instalment"),
            "max_months": _("Maximum months"),
            "max_amount": _("Maximum amount"),
            "first_due_max_days": _("First instalment within (days)"),
            "reminder_days_before": _("Reminder before an instalment (days)"),
            "missed_reminder_after_days": _("Reminder after a missed instalment (days)"),
            "default_after_days": _("Plan defaults after a missed instalment (days)"),
            "review_hold_days": _("Items held while a person decides (days)"),
            "sepa_creditor_id": _("SEPA creditor identifier"),
        }
