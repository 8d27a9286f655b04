"""Forms of the bank pages: the statement upload, the bulk accept, a split across items and
the layouts of the bank's CSV export (a sample file, then a column per field)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from tact.banking.conf import max_bytes
from tact.banking.errors import InvalidCsvMapping
from tact.banking.models import CsvMapping
from tact.banking.selectors import CSV_DATE_FORMATS, CSV_FIELDS, Sample

from .forms import DECIMAL_CHOICES


def _size_checked(upload):
    """A statement or sample file within the size limit of statements."""
    if upload.size > max_bytes():
        raise forms.ValidationError(
            _("The file has %(size)s bytes; at most %(limit)s are accepted.")
            % {"size": upload.size, "limit": max_bytes()}
        )
    return upload


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
            return
        default = next((m for m in mappings if m.is_default), None)
        self.fields["layout"].initial = default.name if default else ""
        self.fields["layout"].help_text = _("The default layout is preselected.") if default else ""

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])

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


# -- CSV layouts --------------------------------------------------------------------------

FIELD_LABELS = {
    "booked_on": _("Booking date"),
    "value_on": _("Value date"),
    "amount": _("Amount"),
    "credit": _("Credit (money in)"),
    "debit": _("Debit (money out)"),
    "currency": _("Currency"),
    "counterparty_name": _("Payer or payee"),
    "counterparty_iban": _("Their IBAN"),
    "counterparty_bic": _("Their BIC"),
    "remittance": _("Remittance text"),
    "structured_reference": _("Structured reference"),
    "end_to_end_id": _("End-to-end ID"),
    "bank_reference": _("Bank reference"),
    "account_iban": _("Own account (IBAN)"),
}
MAIN_FIELDS = ("booked_on", "amount", "credit", "debit")
PAYER_FIELDS = ("counterparty_name", "counterparty_iban", "remittance", "structured_reference")
TAB = "tab"  # the form's value for a tab: an option value of a tab character is easily lost
DELIMITER_CHOICES = [
    ("", _("Tell from the file")),
    (";", _("Semicolon ;")),
    (",", _("Comma ,")),
    (TAB, _("Tab")),
    ("|", _("Vertical bar |")),
]
OPTION_FIELDS = ("delimiter", "decimal", "date_format")
SAMPLE_SALT = "tact.workbench.bank-csv-sample"


def date_format_choices(extra: str = "") -> list[tuple[str, str]]:
    """The parser's date formats, each shown as the last day of a year written in it."""
    formats = list(CSV_DATE_FORMATS) + ([extra] if extra and extra not in CSV_DATE_FORMATS else [])
    return [("", _("Tell from the values"))] + [(f, date(2025, 12, 31).strftime(f)) for f in formats]


def sample_token(*, filename: str, sample: Sample) -> str:
    """The sample shown, signed, so that the form saved after it offers the same columns (and
    shows the same lines again) without the file being stored."""
    return signing.dumps({"filename": filename, "sample": asdict(sample)}, salt=SAMPLE_SALT, compress=True)


def sample_of_token(token: str) -> tuple[str, Sample] | None:
    try:
        data = signing.loads(token, salt=SAMPLE_SALT)
        return data["filename"], Sample(**data["sample"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


class CsvSampleForm(forms.Form):
    file = forms.FileField(
        label=_("Sample file"),
        help_text=_("A CSV export of your bank. tact shows its first lines; nothing is imported."),
    )

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])


class CsvLayoutForm(forms.Form):
    """A CSV layout: for each of our fields the file's column, and the file's conventions.

    With a sample each field offers the sample's columns; without one (editing a layout)
    each is the header's name, typed. What must be named is for ``csv_mapping_save`` to say.
    """

    PREFIX = "col_"

    sample = forms.CharField(widget=forms.HiddenInput, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITER_CHOICES, required=False)
    decimal = forms.ChoiceField(label=_("Decimal separator"), choices=DECIMAL_CHOICES, required=False)
    date_format = forms.ChoiceField(label=_("Date format"), required=False)
    name = forms.CharField(label=_("Name of the layout"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Use by default"),
        help_text=_("CSV statements are read with this layout unless another is chosen."),
        required=False,
    )

    def __init__(self, *args, headers: list[str] | None, mapping: CsvMapping | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if headers is not None:
            named = list(dict.fromkeys(h for h in headers if h))  # blank and repeated ones left out
            choices = [("", _("— not in the file —"))] + [(h, h) for h in named]
        for key in CSV_FIELDS:
            label = FIELD_LABELS[key]
            if headers is None:
                field = forms.CharField(label=label, required=False, max_length=200)
            else:
                field = forms.ChoiceField(label=label, required=False, choices=choices)
            self.fields[self.PREFIX + key] = field
        self.fields[self.PREFIX + "amount"].help_text = _(
            "Or, when the file has one for each: credit and debit."
        )
        # A layout saved on the command line may read its dates in a format of its own: kept.
        kept = (mapping.options or {}).get("date_format", "") if mapping is not None else ""
        self.fields["date_format"].choices = date_format_choices(kept)

    def _group(self, keys) -> list[forms.BoundField]:
        return [self[self.PREFIX + k] for k in keys]

    @property
    def main_columns(self):
        return self._group(MAIN_FIELDS)

    @property
    def payer_columns(self):
        return self._group(PAYER_FIELDS)

    @property
    def other_columns(self):
        return self._group(k for k in CSV_FIELDS if k not in MAIN_FIELDS + PAYER_FIELDS)

    @property
    def other_columns_open(self) -> bool:
        """Open when one of them has an error or a column (or is typed for an edited layout)."""
        return any(field.errors or field.value() for field in self.other_columns)

    def columns(self) -> dict[str, str]:
        """Our field -> the header chosen; fields not in the file left out."""
        return {key: self.cleaned_data[self.PREFIX + key] for key in CSV_FIELDS
                if self.cleaned_data.get(self.PREFIX + key)}  # fmt: skip

    def options(self) -> dict[str, str]:
        chosen = {key: self.cleaned_data[key] for key in OPTION_FIELDS if self.cleaned_data.get(key)}
        if chosen.get("delimiter") == TAB:
            chosen["delimiter"] = "\t"
        return chosen

    def add_mapping_errors(self, exc: InvalidCsvMapping) -> None:
        """Each problem the service found, under the field it names, in the user's language."""
        for problem in exc.facts["problems"]:
            field, reason = problem["field"], problem["reason"]
            key = self.PREFIX + field if field in CSV_FIELDS else field
            self.add_error(
                key if key in self.fields else None, _mapping_error(field, reason, problem["problem"])
            )


def _mapping_error(field: str, reason: str, problem: str) -> str:
    if field == "name":
        return str({"required": _("Give the layout a name."), "taken": _("Another layout has this name."),
                    "too_long": _("The name is too long.")}.get(reason, problem))  # fmt: skip
    if field == "booked_on" and reason == "required":
        return str(_("Choose the column of the booking date."))
    if field == "amount" and reason == "required":
        return str(_("Choose the column of the amount, or those of credit and debit."))
    if reason == "pair":
        return str(_("Credit and debit go together: choose both, or the amount alone."))
    if reason == "invalid":
        return str(_("tact cannot read a file with this setting."))
    return problem


def layout_initial(*, mapping: CsvMapping | None, sample: Sample | None, filename: str = "",
                   has_default: bool = False) -> dict[str, object]:  # fmt: skip
    """What the form shows first: the layout's names and conventions, the sample's columns
    where they hold our fields, the conventions the sample suggests where the layout sets none."""
    initial: dict[str, object] = {}
    if mapping is not None:
        initial.update({CsvLayoutForm.PREFIX + k: v for k, v in mapping.columns.items()})
        initial.update({k: mapping.options.get(k, "") for k in OPTION_FIELDS})
        initial.update(name=mapping.name, is_default=mapping.is_default)
    else:
        initial.update(name=Path(filename).stem[:100], is_default=not has_default)
    if sample is not None:
        initial.update({CsvLayoutForm.PREFIX + k: sample.recognised.get(k, "") for k in CSV_FIELDS})
        guessed = {
            "delimiter": sample.delimiter,
            "decimal": sample.decimal,
            "date_format": sample.date_format,
        }
        for key, value in guessed.items():
            initial[key] = initial.get(key) or value
    if initial.get("delimiter") == "\t":
        initial["delimiter"] = TAB
    return initial


@dataclass(frozen=True)
class LayoutRow:
    """A saved layout as the layouts page lists it."""

    mapping: CsvMapping
    columns: list[tuple[str, str]]  # (our field's label, their header), in our fields' order
    conventions: list[str]


def layout_row(mapping: CsvMapping) -> LayoutRow:
    columns = [(str(FIELD_LABELS[k]), mapping.columns[k]) for k in CSV_FIELDS if mapping.columns.get(k)]
    options = mapping.options or {}
    delimiter = options.get("delimiter", "")
    names = dict(DELIMITER_CHOICES)
    conventions = []
    if delimiter:
        shown = names.get(TAB if delimiter == "\t" else delimiter, delimiter)
        conventions.append(_("Delimiter: %(value)s") % {"value": shown})
    if options.get("decimal"):
        conventions.append(_("Decimal separator: %(value)s") % {"value": options["decimal"]})
    if options.get("date_format"):
        example = dict(date_format_choices(options["date_format"]))[options["date_format"]]
        conventions.append(_("Dates like %(value)s") % {"value": example})
    return LayoutRow(mapping=mapping, columns=columns, conventions=[str(c) for c in conventions])
