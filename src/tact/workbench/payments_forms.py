"""The form of a creditor's own payment provider account. Secrets are write-only: the
widgets never render a stored value, and a blank secret keeps the stored one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.payments.accounts import METHODS
from tact.payments.models import AccountEnvironment, AccountProvider

METHOD_CHOICES = sorted({m for methods in METHODS.values() for m in methods})


def _secret(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=500,
        strip=True,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class ProviderAccountForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=AccountProvider.choices)
    environment = forms.ChoiceField(label=_("Environment"), choices=AccountEnvironment.choices)
    api_key = _secret(
        _("API key"), _("Stripe: the secret key (sk_…). Mollie: the API key (test_… or live_…).")
    )
    webhook_secret = _secret(
        _("Webhook signing secret"), _("Stripe: whsec_… of the endpoint below. Mollie: optional.")
    )
    client_id = forms.CharField(label=_("PayPal client id"), required=False, max_length=200)
    client_secret = _secret(_("PayPal client secret"))
    webhook_id = forms.CharField(label=_("PayPal webhook id"), required=False, max_length=100)
    methods = forms.MultipleChoiceField(
        label=_("Payment methods"),
        required=False,
        choices=[(m, m) for m in METHOD_CHOICES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the provider's default."),
    )

    def changes(self) -> dict:
        """The service's arguments: blank secrets and ids as None (keep what is stored)."""
        data = self.cleaned_data
        blank_none = {
            k: (data[k] or None)
            for k in ("api_key", "webhook_secret", "client_secret", "client_id", "webhook_id")
        }
        return {
            "provider": data["provider"],
            "environment": data["environment"],
            "methods": data["methods"],
            **blank_none,
        }
