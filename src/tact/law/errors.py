"""The law app's domain errors. Each names the input it refuses (``field``) so a command
can name the flag and an API the field."""

from __future__ import annotations

from tact.core.errors import ValidationFailed


class LawInputError(ValidationFailed):
    """An argument the law functions cannot work with (unknown country, date out of table…)."""

    code = "law_invalid_input"
    template = "{field}: {detail}"

    def __init__(self, *, field: str, detail: str, **facts: object) -> None:
        super().__init__(field=field, detail=detail, **facts)
        self.field = field
        self.detail = detail


class UnknownCountry(LawInputError):
    code = "law_unknown_country"


class UnknownKind(LawInputError):
    code = "law_unknown_kind"


class BadPeriod(LawInputError):
    code = "law_bad_period"


class NegativePrincipal(LawInputError):
    code = "law_negative_principal"


class NoRateForDate(LawInputError):
    """The rate table has no row for a day of the period (before the first row, or a gap)."""

    code = "law_no_rate"


class UnsupportedCurrency(LawInputError):
    code = "law_unsupported_currency"


class RateFileInvalid(ValidationFailed):
    """A rate file with bad rows. ``errors`` lists each as line, column, value and message;
    nothing of the file was imported."""

    code = "law_rate_file_invalid"

    def __init__(self, *, file: str, errors: list[dict[str, object]]) -> None:
        first = errors[0]
        message = (
            f"{file}: {len(errors)} bad row(s), nothing imported; first: line {first['line']}, "
            f"column {first['column']!r}: {first['message']}"
        )
        super().__init__(message, file=file, errors=errors)
        self.errors = errors
