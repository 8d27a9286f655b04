"""Forms of the workbench: they parse and validate input; they change nothing."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from tact.ledger.imports.columns import FIELDS, Field
from tact.ledger.models import ColumnMapping, DebtorKind
from tact.tenancy.errors import InvalidCreditorField
from tact.tenancy.models import COUNTRIES, LANGUAGES, PERMISSIONS, Creditor, Role
from tact.tenancy.services import (
    LOGO_MAX_BYTES,
    SETTINGS_FIELDS,
    normalize_bic,
    normalize_iban,
    normalize_vat_id,
)

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


# -- import: column layouts -------------------------------------------------------------

AUTOMATIC = "auto"


class ImportLayoutField(forms.ChoiceField):
    """Automatic recognition, or one of the creditor's saved layouts (by id)."""

    def __init__(self, *, mappings: list[ColumnMapping], **kwargs):
        choices = [(AUTOMATIC, _("Recognise the columns automatically"))]
        choices += [(str(m.pk), m.name) for m in mappings]
        super().__init__(choices=choices, **kwargs)


class ImportStartForm(ImportUploadForm):
    """The upload with the column layout to read it with; the default layout is preselected."""

    def __init__(self, *args, mappings: list[ColumnMapping], **kwargs):
        super().__init__(*args, **kwargs)
        self.mappings = {str(m.pk): m for m in mappings}
        self.fields["layout"] = ImportLayoutField(
            mappings=mappings,
            label=_("Column layout"),
            required=False,
            help_text=_("Saved layouts name the columns of files whose headers are not recognised."),
        )
        default = next((m for m in mappings if m.is_default), None)
        self.fields["layout"].initial = str(default.pk) if default else AUTOMATIC
        self.order_fields(["file", "layout", "full"])

    def chosen_mapping(self) -> ColumnMapping | None:
        """The saved layout chosen, or None for automatic recognition."""
        return self.mappings.get(self.cleaned_data.get("layout") or AUTOMATIC)


DECIMAL_CHOICES = [
    ("", _("Tell from the values")),
    (",", _("Comma: 1.234,56")),
    (".", _("Point: 1,234.56")),
]
DATE_ORDER_CHOICES = [
    ("", _("Tell from the values")),
    ("dmy", _("Day first: 31.12.2025")),
    ("mdy", _("Month first: 12/31/2025")),
]


# The labels of the import's fields, listed for makemessages: `field_label` translates them
# at run time (a test keeps this list equal to the labels in FIELDS).
FIELD_LABELS = (
    gettext_noop("invoice number"), gettext_noop("debtor number"), gettext_noop("debtor name"),
    gettext_noop("issue date"), gettext_noop("due date"), gettext_noop("amount"),
    gettext_noop("open amount"), gettext_noop("currency"), gettext_noop("net amount"),
    gettext_noop("VAT amount"), gettext_noop("order reference"), gettext_noop("VAT id"),
    gettext_noop("e-mail"), gettext_noop("phone"), gettext_noop("country"), gettext_noop("language"),
    gettext_noop("kind (B2B/B2C)"), gettext_noop("contact name"), gettext_noop("street"),
    gettext_noop("postal code"), gettext_noop("city"),
)  # fmt: skip


def field_label(field: Field) -> str:
    """Our field's label from the import's column list, in the user's language."""
    return capfirst(gettext(field.label))


class ColumnMappingForm(forms.Form):
    """Which header of the file holds which of our fields, with the file's conventions.

    One select per field, the required ones first; each offers the file's headers.
    """

    name = forms.CharField(label=_("Name of the layout"), max_length=100)
    decimal = forms.ChoiceField(label=_("Decimal separator"), choices=DECIMAL_CHOICES, required=False)
    date_order = forms.ChoiceField(label=_("Date order"), choices=DATE_ORDER_CHOICES, required=False)
    is_default = forms.BooleanField(
        label=_("Use this layout for every upload"),
        help_text=_("It becomes the preselected column layout."),
        required=False,
    )

    PREFIX = "col_"

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", _("— not in the file —"))]
        options = [(h, h) for h in headers]
        self.column_fields = []
        for f in sorted(FIELDS, key=lambda f: not f.required):
            key = self.PREFIX + f.name
            self.fields[key] = forms.ChoiceField(
                label=field_label(f), choices=blank + options, required=f.required
            )
            self.column_fields.append(key)
        for name in self.AMOUNTS:
            self.fields[self.PREFIX + name].help_text = _("The amount, the open amount, or both.")
        self.order_fields(self.column_fields + ["decimal", "date_order", "name", "is_default"])

    # Not required each, but one of the two must be there; the form shows them with the required.
    AMOUNTS = ("amount", "open_amount")

    def _main(self, key: str) -> bool:
        return self.fields[key].required or key.removeprefix(self.PREFIX) in self.AMOUNTS

    @property
    def main_columns(self):
        return [self[k] for k in self.column_fields if self._main(k)]

    @property
    def other_columns(self):
        return [self[k] for k in self.column_fields if not self._main(k)]

    @property
    def other_columns_have_errors(self) -> bool:
        return any(self[k].errors for k in self.column_fields if not self._main(k))

    def clean(self):
        data = super().clean()
        if not data.get(self.PREFIX + "amount") and not data.get(self.PREFIX + "open_amount"):
            self.add_error(
                self.PREFIX + "amount", _("Choose the column of the amount or of the open amount.")
            )
        return data

    def columns(self) -> dict[str, str]:
        """Our field -> the header chosen; fields left out are recognised as usual."""
        return {
            key.removeprefix(self.PREFIX): self.cleaned_data[key]
            for key in self.column_fields
            if self.cleaned_data.get(key)
        }

    def options(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ("decimal", "date_order") if self.cleaned_data.get(k)}


# -- API tokens -------------------------------------------------------------------------


def roles_grantable_by(role: str) -> list[tuple[str, str]]:
    """The roles a member may give a token: none allowing more than the member's own."""
    own = PERMISSIONS.get(role, set())
    return [(value, label) for value, label in Role.choices if PERMISSIONS[value] <= own]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, like “ERP export” or “Shop”."),
    )
    role = forms.ChoiceField(label=_("Role"), help_text=_("What requests with this token may do."))

    def __init__(self, *args, granted_by: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = roles_grantable_by(granted_by)
        self.fields["role"].choices = choices
        values = [value for value, _label in choices]
        self.fields["role"].initial = Role.CREDIT_MANAGER if Role.CREDIT_MANAGER in values else values[-1]


# -- creditor settings ------------------------------------------------------------------

# What the page says when the service refuses a value; the service's own text is English.
FIELD_ERRORS = {
    "legal_name": _("Enter the legal name."),
    "language": _("Choose one of the languages offered."),
    "iban": _("This is not a valid IBAN. Check the country code, the length and the check digits."),
    "bic": _("This is not a valid BIC: 8 or 11 characters, like COBADEFFXXX."),
    "vat_id": _("This is not a valid EU VAT id, like DE136695976."),
    "sender_email": _("Enter a valid e-mail address."),
    "primary_color": _("Use a colour like #1f6f5c."),
    "accent_color": _("Use a colour like #1f6f5c."),
}
TOO_LONG = _("This is too long.")
LOGO_TOO_LARGE = _("The logo has %(size)s kB; at most %(limit)s kB are accepted.")
LOGO_NOT_AN_IMAGE = _("The logo must be a PNG or JPEG image.")


def settings_error(exc: InvalidCreditorField) -> tuple[str | None, str]:
    """The form field and the message, in the user's language, for a refused setting."""
    field = exc.facts.get("field")
    reason = exc.facts.get("reason")
    if field == "logo":
        if reason == "too_large":
            limit, size = exc.facts["limit"], exc.facts["size"]
            return field, LOGO_TOO_LARGE % {"size": -(-size // 1024), "limit": limit // 1024}
        return field, str(LOGO_NOT_AN_IMAGE)
    if reason == "too_long":
        return field, str(TOO_LONG)
    if field in FIELD_ERRORS:
        return field, str(FIELD_ERRORS[field])
    return None, exc.message


class CreditorSettingsForm(forms.Form):
    """The creditor's own settings. Values are checked here field by field, so that every
    wrong one is named at once, with the same helpers the service checks them with."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGES,
        help_text=_("The language of new debtors whose language is not known."),
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(
        label=_("BIC"), max_length=11, required=False, help_text=_("Left empty, it is taken from the IBAN.")
    )
    vat_id = forms.CharField(label=_("VAT id"), max_length=20, required=False)
    sender_email = forms.EmailField(
        label=_("Sender e-mail"),
        required=False,
        help_text=_("The address messages to debtors are sent from."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 kB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color", "data-preview": "--primary"}),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color", "data-preview": "--accent"}),
    )

    @classmethod
    def initial_of(cls, creditor: Creditor) -> dict[str, str]:
        initial = {name: getattr(creditor, name) for name in SETTINGS_FIELDS}
        if creditor.iban:
            # Shown in groups of four, as on a bank statement; stored compact.
            initial["iban"] = " ".join(creditor.iban[i : i + 4] for i in range(0, len(creditor.iban), 4))
        return initial

    def _checked(self, name: str, check) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return value
        try:
            return check(value)
        except InvalidCreditorField as exc:
            raise forms.ValidationError(settings_error(exc)[1]) from exc

    def clean_iban(self) -> str:
        return self._checked("iban", normalize_iban)

    def clean_bic(self) -> str:
        return self._checked("bic", normalize_bic)

    def clean_vat_id(self) -> str:
        return self._checked("vat_id", normalize_vat_id)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and upload.size > LOGO_MAX_BYTES:
            # Refused before it is read into memory; the service checks the bytes.
            raise forms.ValidationError(
                LOGO_TOO_LARGE, params={"size": -(-upload.size // 1024), "limit": LOGO_MAX_BYTES // 1024}
            )
        return upload

    def changes(self) -> dict:
        """The keyword arguments of `creditor_update`."""
        data = {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}
        upload = self.cleaned_data.get("logo")
        if upload:
            data["logo"] = upload.read()
        data["remove_logo"] = bool(self.cleaned_data.get("remove_logo")) and not upload
        return data
