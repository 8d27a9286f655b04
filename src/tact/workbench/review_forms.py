"""Forms of the review pages: disputes and portal requests, and the creditor's FAQ."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.core.templatetags.tact_format import money
from tact.portal.models import SubmissionKind, SubmissionOutcome
from tact.tenancy.models import LANGUAGES


class ReviewFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False,
        choices=[("", _("All")), ("open", _("Open")), ("in_review", _("In review")), ("resolved", _("Resolved"))],
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Kind"), required=False,
        choices=[("", _("Disputes and requests")), ("dispute", _("Disputes")), ("request", _("Portal requests"))],
    )  # fmt: skip

    def values(self) -> tuple[str, str]:
        """(state, kind); an unknown value counts as not given."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["state"], self.cleaned_data["kind"]


class DisputeDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("credit_note", _("The debtor is right: credit note")),
                 ("rejected", _("The claim stands: reject with an explanation"))],
    )  # fmt: skip
    credit_note_number = forms.CharField(label=_("Credit note number"), required=False, max_length=60)
    credit_amount = forms.DecimalField(
        label=_("Credit amount"), required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    explanation = forms.CharField(
        label=_("Explanation to the debtor"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent by e-mail in your words, with greeting and closing in the debtor's language."),
    )  # fmt: skip


class SubmissionDecisionForm(forms.Form):
    """The decision on a request; a cancellation adds the credit note a grant books, a
    mediation the mediator a grant hands the case to."""

    outcome = forms.ChoiceField(
        label=_("Decision"), choices=SubmissionOutcome.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Answer to the debtor"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent by e-mail when given; required when you decline."),
    )  # fmt: skip
    credit_item = forms.ModelChoiceField(queryset=None, label=_("Invoice"), required=False, empty_label=None)
    credit_note_number = forms.CharField(
        label=_("Credit note number"), required=False, max_length=60,
        help_text=_("When granted, the credit note is booked and set against the invoice."),
    )  # fmt: skip
    credit_amount = forms.DecimalField(
        label=_("Credit amount"), required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    mediator = forms.CharField(
        label=_("Mediator"), required=False, max_length=200,
        help_text=_("When granted, the case is handed to this mediator and reminders pause until you end the hold."),
    )  # fmt: skip

    def __init__(self, *args, kind: str, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == SubmissionKind.CANCELLATION:
            self.fields["credit_item"].queryset = items
            self.fields["credit_item"].label_from_instance = lambda i: (
                f"{i.number} · {money(i.open_amount, i.currency)}"
            )
            del self.fields["mediator"]
        else:
            for name in ("credit_item", "credit_note_number", "credit_amount"):
                del self.fields[name]
            if kind != SubmissionKind.MEDIATION:
                del self.fields["mediator"]


class FaqEntryForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"), max_length=50,
        help_text=_("A short name; the same topic in another language is the same question translated."),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, initial=0)
    question = forms.CharField(label=_("Question"), max_length=300)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
