"""Forms of the bank pages: the statement upload, the bulk accept and a split across items."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tact.banking.conf import max_bytes


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("camt.053 or camt.054 (XML), MT940, CODA or your bank's CSV export."),
    )
    layout = forms.ChoiceField(label=_("CSV layout"), required=False)

    def __init__(self, *args, mappings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = [("", _("Recognise the columns"))] + [
            (m.name, m.name) for m in mappings
        ]
        self._mappings = {m.name: m for m in mappings}
        if not mappings:
            del self.fields["layout"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file has %(size)s bytes; at most %(limit)s are accepted.")
                % {"size": upload.size, "limit": max_bytes()}
            )
        return upload

    def chosen_mapping(self):
        return self._mappings.get(self.cleaned_data.get("layout") or "")


class BulkAcceptForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in values if str(v).isdigit()]


class SplitForm(forms.Form):
    """A line booked by hand: the debtor (by number) and an amount per open item."""

    debtor_number = forms.CharField(label=_("Debtor number"), max_length=64)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.DecimalField(
                label=item.number, required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14
            )

    def parts(self):
        return [
            (item, self.cleaned_data[f"item_{item.pk}"])
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}")
        ]
