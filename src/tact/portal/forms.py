"""The portal's forms: they parse and say what is wrong in the debtor's language; the
rules themselves live in the services (arrangements, ledger, payments)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.arrangements.models import DisputeReason
from tact.core.templatetags.tact_format import ldate, money
from tact.ledger.errors import InvalidLedgerField
from tact.ledger.models import Channel
from tact.ledger.services import normalize_phone
from tact.tenancy.models import LANGUAGES

from .models import CancellationReason, MediationReason, SecondFactor
from .uploads import Checked, UploadRefused, upload_check

UPLOAD_ERRORS = {
    "too_large": _("The file is too large. The limit is %(limit)s MB."),
    "type": _("Please upload a PDF, PNG or JPEG file."),
    "empty": _("The file is empty."),
}
# The channels a debtor may choose for messages (a phone call is the creditor's choice).
CHANNEL_CHOICES = [
    (Channel.EMAIL.value, _("E-mail")),
    (Channel.LETTER.value, _("Letter")),
    (Channel.SMS.value, _("SMS")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.number} · {money(obj.open_amount, obj.currency)}"


class SecondFactorForm(forms.Form):
    answer = forms.CharField(max_length=64, strip=True)

    def __init__(self, *args, factor: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        if factor == SecondFactor.POSTAL_CODE:
            field.label = _("Postcode of your address")
            field.widget.attrs.update(autocomplete="postal-code")
        else:
            field.label = _("Your customer number")
            field.help_text = _("You find it on your invoice or in our message.")
        field.widget.attrs.update(autocapitalize="characters", spellcheck="false")


class UploadField(forms.FileField):
    """An optional PDF/PNG/JPEG up to ``max_bytes``, its type checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.max_bytes = 5 * 1024 * 1024
        self.widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if not file:
            return None
        try:
            return upload_check(file, max_bytes=self.max_bytes)
        except UploadRefused as exc:
            raise forms.ValidationError(
                UPLOAD_ERRORS[exc.reason] % {"limit": f"{self.max_bytes / 1024 / 1024:g}"}, code=exc.reason
            ) from None


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=_("I will pay by"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14)

    def __init__(self, *args, today: date, max_days: int, balance: Decimal, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.latest, self.balance = today, today + timedelta(days=max_days), balance
        self.currency = currency
        self.fields["promised_on"].widget.attrs.update(min=today.isoformat(), max=self.latest.isoformat())
        self.fields["amount"].widget.attrs.update(inputmode="decimal")

    def clean_promised_on(self):
        day = self.cleaned_data["promised_on"]
        if day < self.today:
            raise forms.ValidationError(_("Please choose today or a later day."))
        if day > self.latest:
            raise forms.ValidationError(
                _("Please choose a day until %(day)s at the latest.") % {"day": ldate(self.latest)}
            )
        return day

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.balance:
            raise forms.ValidationError(
                _("That is more than you owe (%(balance)s).")
                % {"balance": money(self.balance, self.currency)}
            )
        return amount


class DisputeForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, label=_("Invoice"), empty_label=None)
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=DisputeReason.choices)
    text = forms.CharField(
        label=_("Please describe it"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    document = UploadField(label=_("Document (optional)"), help_text=_("PDF, PNG or JPEG"))

    def __init__(self, *args, items, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda obj: obj.number
        self.fields["document"].max_bytes = max_bytes
        self.fields["document"].help_text = _("PDF, PNG or JPEG, at most %(limit)s MB") % {
            "limit": f"{max_bytes / 1024 / 1024:g}"
        }


class CancellationForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=None, label=_("Invoice (optional)"), required=False, empty_label=_("No particular invoice")
    )
    reason = forms.ChoiceField(label=_("Why do you want to cancel?"), choices=CancellationReason.choices)
    text = forms.CharField(
        label=_("Please describe your request"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda obj: obj.number


class MediationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why do you ask for mediation?"), choices=MediationReason.choices)
    text = forms.CharField(
        label=_("Please describe your situation"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )


class PaidClaimForm(forms.Form):
    items = ItemChoice(queryset=None, label=_("Which invoices did you pay?"), required=False)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    note = forms.CharField(
        label=_("Anything we should know (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    document = UploadField(label=_("Proof of payment (optional)"))

    def __init__(self, *args, items, today: date, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["items"].queryset = items
        self.fields["paid_on"].widget.attrs["max"] = today.isoformat()
        self.fields["document"].max_bytes = max_bytes
        self.fields["document"].help_text = _("PDF, PNG or JPEG, at most %(limit)s MB") % {
            "limit": f"{max_bytes / 1024 / 1024:g}"
        }

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > self.today:
            raise forms.ValidationError(_("Please give a day that has passed."))
        return day


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label=_("How should we write to you?"), choices=CHANNEL_CHOICES)
    language = forms.ChoiceField(label=_("Language of our messages"), choices=LANGUAGES)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=30)
    street = forms.CharField(label=_("Street and number"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postcode"), required=False, max_length=20)
    city = forms.CharField(label=_("City"), required=False, max_length=100)

    def __init__(self, *args, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["street"].widget.attrs["autocomplete"] = "street-address"
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"], region=self.region)
        except InvalidLedgerField:
            raise forms.ValidationError(_("Please enter a valid phone number.")) from None

    def clean(self):
        data = super().clean()
        if data.get("preferred_channel") == Channel.EMAIL and not data.get("email"):
            self.add_error("email", _("Please give an e-mail address to receive e-mails."))
        if data.get("preferred_channel") == Channel.SMS and not data.get("phone"):
            self.add_error("phone", _("Please give a mobile number to receive SMS."))
        return data


class ContactForm(forms.Form):
    TOPICS = [
        ("question", _("A question about an invoice")),
        ("arrangement", _("I need more time or a payment plan")),
        ("other", _("Something else")),
    ]
    topic = forms.ChoiceField(label=_("Topic"), choices=TOPICS)
    text = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    reply_to = forms.EmailField(label=_("E-mail for our answer (optional)"), required=False)


class PayOnlineForm(forms.Form):
    items = ItemChoice(queryset=None, label=_("Invoices to pay"))
    amount = forms.DecimalField(
        label=_("Amount to pay now"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14, required=False,
        help_text=_("Leave empty to pay the chosen invoices in full."),
    )  # fmt: skip

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        data = super().clean()
        chosen = data.get("items")
        if chosen:
            total = sum((i.open_amount for i in chosen), Decimal("0"))
            amount = data.get("amount") or total
            if amount > total:
                currency = chosen[0].currency
                self.add_error(
                    "amount",
                    _("That is more than the chosen invoices (%(total)s).")
                    % {"total": money(total, currency)},
                )
            data["amount"] = amount
        return data


__all__ = [
    "CancellationForm",
    "MediationForm",
    "Checked",
    "ContactForm",
    "DisputeForm",
    "PaidClaimForm",
    "PayOnlineForm",
    "PreferencesForm",
    "PromiseForm",
    "SecondFactorForm",
]
