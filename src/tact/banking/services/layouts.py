"""Writes of the saved layouts of a creditor's bank CSV exports (``CsvMapping``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from ..errors import InvalidSplit
from ..models import CsvMapping


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
) -> CsvMapping:
    """Save (or replace) a named layout of the creditor's bank CSV exports."""
    from ..parsers.csvfile import FIELDS

    name = name.strip()
    if not name:
        raise InvalidSplit(problem="name: a mapping needs a name.")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise InvalidSplit(
            problem=f"columns: unknown field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}."
        )
    if "booked_on" not in columns or not (
        {"amount"} <= columns.keys() or {"credit", "debit"} <= columns.keys()
    ):
        raise InvalidSplit(problem="columns: a mapping names booked_on and amount (or credit and debit).")
    if is_default:
        CsvMapping.objects.filter(is_default=True).exclude(name=name).update(is_default=False)
    mapping, _ = CsvMapping.objects.update_or_create(
        creditor=creditor,
        name=name,
        defaults={"columns": columns, "options": options, "is_default": is_default},
    )
    audit_record(creditor=creditor, actor=by, action="bank_csv_mapping_saved", subject=mapping,
                 after={"columns": columns, "options": options, "is_default": is_default})  # fmt: skip
    return mapping
