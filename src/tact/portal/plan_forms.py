"""The portal's forms for payment plans: they parse and speak the debtor's language; the
creditor's rules are checked by ``arrangements.plans`` (outside them, a person decides)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.core.templatetags.tact_format import ldate

from .forms import DATE, ItemChoice

MAX_INSTALMENTS = 24  # what the page offers; the creditor's rules decide what is approved at once


class PlanForm(forms.Form):
    items = ItemChoice(queryset=None, label=_("Which invoices should the plan cover?"))
    count = forms.TypedChoiceField(label=_("Number of monthly instalments"), coerce=int)
    first_due_on = forms.DateField(label=_("First instalment on"), widget=DATE)

    def __init__(self, *args, items, today: date, latest_first: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.latest_first = today, latest_first
        self.fields["items"].queryset = items
        self.fields["count"].choices = [(n, str(n)) for n in range(2, MAX_INSTALMENTS + 1)]
        self.fields["first_due_on"].widget.attrs.update(min=today.isoformat(), max=latest_first.isoformat())
        self.fields["first_due_on"].help_text = _("At the latest on %(day)s.") % {"day": ldate(latest_first)}

    def clean_first_due_on(self):
        day = self.cleaned_data["first_due_on"]
        if day < self.today:
            raise forms.ValidationError(_("Please choose today or a later day."))
        if day > self.latest_first:
            raise forms.ValidationError(
                _("Please choose a day until %(day)s at the latest.") % {"day": ldate(self.latest_first)}
            )
        return day


class MandateForm(forms.Form):
    account_holder = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    consent = forms.BooleanField(
        label=_("I authorise the creditor to collect the instalments of this plan from my account by SEPA "
                "Direct Debit, and instruct my bank to pay them. I can ask my bank for a refund within "
                "eight weeks of a debit, on the terms of my bank.")
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iban"].widget.attrs.update(
            autocomplete="off", spellcheck="false", autocapitalize="characters"
        )
        self.fields["account_holder"].widget.attrs.update(autocomplete="name")
