"""Forms of the workbench: they parse and validate input; they change nothing."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tact.ledger.models import DebtorKind
from tact.tenancy.models import COUNTRIES

from .selectors import DEFAULT_SORT, SORTS, DebtorFilter

SORT_CHOICES = [(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS]


class DebtorFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Name, number, e-mail or invoice number"), "autocomplete": "off"}
        ),
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All countries")), *COUNTRIES]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *DebtorKind.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    overdue = forms.BooleanField(label=_("Only with overdue items"), required=False)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def to_filter(self) -> DebtorFilter:
        """The filter of the valid fields; an invalid field counts as not given."""
        if not self.is_bound:
            return DebtorFilter()
        self.is_valid()  # fields with errors drop out of cleaned_data
        data = self.cleaned_data
        return DebtorFilter(
            q=data.get("q", ""),
            country=data.get("country", ""),
            kind=data.get("kind", ""),
            overdue=bool(data.get("overdue")),
            tag=data.get("tag", ""),
            sort=data.get("sort") or DEFAULT_SORT,
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file"),
        help_text=_("CSV, XLSX, or an e-invoice (XRechnung, ZUGFeRD/Factur-X, UBL)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xml,.pdf"}),
    )
    full = forms.BooleanField(
        label=_("This is the full open-items list"),
        help_text=_("Items missing from the file are then marked as settled."),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TACT_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the largest file accepted is %(limit)s MB."),
                params={"size": upload.size // (1024 * 1024), "limit": limit // (1024 * 1024)},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class CreditorSwitchForm(forms.Form):
    creditor = forms.IntegerField(min_value=1)
