"""Writes of the saved layouts of a creditor's bank CSV exports (``CsvMapping``).

A layout names, for each of tact's fields, the header of the file's column that holds it,
and the file's conventions where the values cannot tell them (delimiter, decimal mark, date
format). The command line saves one by name (``tact bank mapping save``), the layouts
screen creates, edits and deletes them; both through these services.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from ..errors import InvalidCsvMapping
from ..models import CsvMapping
from ..parsers.csvfile import FIELDS

DELIMITERS = (";", ",", "\t", "|")  # those the parser sniffs
DECIMALS = (",", ".")
OPTIONS = ("delimiter", "decimal", "date_format")
NAME_MAX = 100


def csv_mapping_for(*, name: str | None) -> CsvMapping | None:
    if name:
        return CsvMapping.objects.filter(name=name).first()
    return CsvMapping.objects.filter(is_default=True).first()


@transaction.atomic
def csv_mapping_save(
    *,
    creditor: Creditor,
    name: str,
    columns: dict[str, str],
    options: dict[str, str],
    is_default: bool,
    by: Any,
    mapping: CsvMapping | None = None,
    replace: bool = True,
) -> CsvMapping:
    """Save a named layout of the creditor's bank CSV exports, e.g. columns
    ``{"booked_on": "Buchung", "amount": "Summe"}`` and options ``{"decimal": ","}``.

    ``mapping`` is the layout edited (its name may change). Without it the layout named
    ``name`` is created, or replaced when ``replace`` (the command line); a new layout on the
    screen passes ``replace=False``, so that it cannot overwrite another by its name. Blank
    headers and options are left out: the parser then recognises or tells them itself.

    Raises InvalidCsvMapping with every problem found: no name, a name taken, no booking
    date, neither an amount nor credit and debit, an unknown field or option, a delimiter,
    decimal mark or date format the parser cannot use.
    """
    name = name.strip()
    columns = {key: header.strip() for key, header in columns.items() if header and header.strip()}
    options = {key: value for key, value in options.items() if value != ""}
    problems = (
        _name_problems(name=name, mapping=mapping, replace=replace)
        + _column_problems(columns)
        + _option_problems(options)
    )
    if problems:
        raise InvalidCsvMapping(problems=problems)
    if is_default:
        others = CsvMapping.objects.filter(is_default=True).exclude(name=name)
        if mapping is not None:
            others = others.exclude(pk=mapping.pk)
        others.update(is_default=False)
    saved = {"columns": columns, "options": options, "is_default": is_default}
    if mapping is not None:
        mapping = CsvMapping.objects.select_for_update().get(pk=mapping.pk)
        before = _described(mapping)
        mapping.name = name
        for key, value in saved.items():
            setattr(mapping, key, value)
        mapping.save(update_fields=["name", *saved])
    else:
        old = CsvMapping.objects.select_for_update().filter(name=name).first()
        before = _described(old) if old is not None else None
        mapping, _ = CsvMapping.objects.update_or_create(creditor=creditor, name=name, defaults=saved)
    audit_record(creditor=creditor, actor=by, action="bank_csv_mapping_saved", subject=mapping,
                 before=before, after=_described(mapping))  # fmt: skip
    return mapping


@transaction.atomic
def csv_mapping_delete(*, mapping: CsvMapping, by: Any) -> None:
    """Delete a saved CSV layout. Statements imported with it keep their lines; a file of
    that layout is then read by its headers, or with the default layout."""
    audit_record(creditor=mapping.creditor, actor=by, action="bank_csv_mapping_deleted", subject=mapping,
                 before=_described(mapping))  # fmt: skip
    mapping.delete()


def _described(mapping: CsvMapping) -> dict[str, Any]:
    return {"name": mapping.name, "columns": mapping.columns, "options": mapping.options,
            "is_default": mapping.is_default}  # fmt: skip


def _problem(field: str, reason: str, problem: str) -> dict[str, str]:
    return {"field": field, "reason": reason, "problem": problem}


def _name_problems(*, name: str, mapping: CsvMapping | None, replace: bool) -> list[dict[str, str]]:
    if not name:
        return [_problem("name", "required", "a mapping needs a name.")]
    if len(name) > NAME_MAX:
        return [_problem("name", "too_long", f"at most {NAME_MAX} characters, not {len(name)}.")]
    if mapping is None and replace:
        return []
    others = CsvMapping.objects.filter(name=name)
    if mapping is not None:
        others = others.exclude(pk=mapping.pk)
    if others.exists():
        return [_problem("name", "taken", f"a layout named {name!r} exists already.")]
    return []


def _column_problems(columns: dict[str, str]) -> list[dict[str, str]]:
    problems = [
        _problem(key, "unknown_field", f"unknown field; fields: {', '.join(FIELDS)}.")
        for key in sorted(set(columns) - set(FIELDS))
    ]
    if "booked_on" not in columns:
        problems.append(_problem("booked_on", "required", "a mapping names the column of the booking date."))
    if "amount" not in columns:
        pair = {"credit", "debit"} & columns.keys()
        if not pair:
            problems.append(_problem("amount", "required",
                                     "a mapping names the amount column, or the credit and debit columns."))  # fmt: skip
        elif len(pair) == 1:
            missing = "debit" if "credit" in pair else "credit"
            problems.append(
                _problem(missing, "pair", f"credit and debit come together: {missing} is missing.")
            )
    return problems


def _option_problems(options: dict[str, str]) -> list[dict[str, str]]:
    problems = []
    for key, value in options.items():
        if key not in OPTIONS:
            problems.append(
                _problem(key, "unknown_option", f"unknown option; options: {', '.join(OPTIONS)}.")
            )
        elif key == "delimiter" and value not in DELIMITERS:
            problems.append(_problem(key, "invalid", f"{value!r} is not one of ; , tab |."))
        elif key == "decimal" and value not in DECIMALS:
            problems.append(_problem(key, "invalid", f"{value!r} is neither a comma nor a point."))
        elif key == "date_format" and not _reads_back(value):
            problems.append(
                _problem(key, "invalid", f"{value!r} does not read back a date it wrote (like %d.%m.%Y).")
            )
    return problems


def _reads_back(date_format: str) -> bool:
    """A date written with the format reads back as the same date (``%d`` alone does not)."""
    probe = date(2025, 12, 31)
    try:
        return datetime.strptime(probe.strftime(date_format), date_format).date() == probe  # noqa: DTZ007
    except ValueError:
        return False
