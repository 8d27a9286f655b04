"""Forms of the messaging pages: the template editor, the call outcome, a personal e-mail.

They parse input and change nothing; the rules (which outcome needs which date, what a
template may say) live in the messaging services, whose errors the views put on the fields.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.core.templatetags.tact_format import ldate, money
from tact.ledger.models import Contact, Invoice
from tact.messaging.models import MessageChannel, MessageStatus, Tone
from tact.messaging.services import CallOutcome
from tact.tenancy.models import LANGUAGES

# The tone check's rules as the editor names and explains them, in the page's language.
FINDING_TEXTS = {
    "collection_agency": (
        _("Threatens a collection agency or bailiff"),
        _(
            "Offer help first. A collection agency or bailiff may be named only in the final notice or the handover."
        ),
    ),
    "court": (
        _("Threatens court proceedings"),
        _("Court proceedings may be named only in the final notice or the handover."),
    ),
    "credit_bureau": (
        _("Threatens a credit-bureau entry"),
        _(
            "A credit-bureau entry (SCHUFA, BKR, …) may be named only in the final notice or the handover; in "
            "Germany only together with the note that disputing the claim prevents it."
        ),
    ),
    "last_warning": (
        _("“Last warning” wording"),
        _("It puts the reader under pressure. Say plainly what happens next, and only in the final notice."),
    ),
    "criminal": (
        _("Threatens criminal steps"),
        _(
            "A criminal complaint, the police or “fraud” never belong in a reminder; in Germany this can be coercion."
        ),
    ),
    "all_caps": (_("Capital letters"), _("A word in capital letters reads as shouting.")),
    "exclamation": (_("Exclamation mark"), _("An exclamation mark reads as pressure or alarm.")),
}


def finding_rows(findings) -> list[dict[str, str]]:
    """The tone findings with a translated name and reason, and the sentence as found."""
    rows = []
    for f in findings:
        label, why = FINDING_TEXTS.get(f.rule, (f.rule, f.explanation))
        rows.append({"rule": f.rule, "label": str(label), "why": str(why), "sentence": f.sentence})
    return rows


class TemplateFilterForm(forms.Form):
    key = forms.ChoiceField(label=_("Stage text"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *MessageChannel.choices]
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *LANGUAGES]
    )
    tone = forms.ChoiceField(label=_("Tone"), required=False, choices=[("", _("All tones")), *Tone.choices])
    only_own = forms.BooleanField(label=_("Only our own texts"), required=False)

    def __init__(self, *args, keys: Iterable[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", _("All stage texts")), *((k, k) for k in keys)]

    def value(self, name: str):
        """The valid value of a field, or empty: a bad filter counts as not given."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""


class TemplateNewForm(forms.Form):
    """Which text to write: a combination tact ships no text for (a firm SMS, say)."""

    key = forms.ChoiceField(label=_("Stage text"))
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices)

    def __init__(self, *args, keys: Iterable[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(k, k) for k in keys]
        self.auto_id = "new_%s"


class TemplateDraftForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true", "class": "code-input"}),
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=200,
        help_text=_("A short note for the history, such as “softer opening”."),
    )
    # Any id parses; the view looks it up in the creditor's scope (another's answers 404).
    debtor = forms.IntegerField(label=_("Preview for"), required=False, min_value=1, widget=forms.Select)

    def __init__(self, *args, debtors: Iterable[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["debtor"].widget.choices = [("", _("the sample debtor")), *debtors]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Invoice) -> str:
        return f"{obj.number} · {money(obj.open_amount, obj.currency)} · {_('due')} {ldate(obj.due_on)}"


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        return " · ".join(p for p in (obj.name, obj.phone or obj.email) if p) or str(obj.pk)


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect)
    contact = ContactChoiceField(
        label=_("Spoke with"), required=False, queryset=Contact.objects.none(), empty_label="—"
    )
    note = forms.CharField(
        label=_("Notes from the call"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    promise_on = forms.DateField(label=_("Promised payment date"), required=False, widget=_date_input())
    promise_amount = forms.DecimalField(
        label=_("Promised amount"), required=False, max_digits=18, decimal_places=2, min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )  # fmt: skip
    disputed_items = ItemChoiceField(
        label=_("Disputed items"),
        required=False,
        queryset=Invoice.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    dispute_reason = forms.CharField(label=_("What is disputed"), required=False, max_length=500)
    call_back_on = forms.DateField(label=_("Call back on"), required=False, widget=_date_input())
    hardship_until = forms.DateField(
        label=_("Pause until"), required=False, widget=_date_input(),
        help_text=_("Empty: 30 days, then the case is looked at again."),
    )  # fmt: skip

    def __init__(self, *args, contacts, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
        self.fields["disputed_items"].queryset = items


class PersonalEmailForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("To"), queryset=Contact.objects.none(), empty_label=None)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12}))
    include_items = forms.BooleanField(
        label=_("Add the open items and how to pay"), required=False, initial=True
    )

    def __init__(self, *args, contacts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
        self.fields["contact"].label_from_instance = lambda c: f"{c.name} <{c.email}>" if c.name else c.email


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Any status")),
            ("attention", _("Needs attention")),
            *MessageStatus.choices,
        ]
        self.fields["channel"].choices = [("", _("Any channel")), *MessageChannel.choices]
        self.fields["q"].widget.attrs["placeholder"] = _("Debtor, recipient or subject")

    def value(self, name: str) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""
