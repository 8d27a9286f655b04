"""Flag parsing shared by the dunning commands: one clear line and exit code 2 for bad input."""

from __future__ import annotations

import re
from datetime import date

from tact.core.jobs import all_creditors
from tact.tenancy.models import Creditor

from ...errors import CreditorNotFound, CycleInputInvalid

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(value: str | None, *, flag: str = "--date") -> date:
    if not value:
        raise CycleInputInvalid(field=flag, problem="is required, as YYYY-MM-DD")
    if not ISO_DAY.match(value):
        raise CycleInputInvalid(field=flag, problem=f"{value!r} is not a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CycleInputInvalid(field=flag, problem=f"{value!r} is not a date in the calendar") from exc


def creditors_for(slug: str | None) -> list[Creditor]:
    """The creditor named by --creditor, or every creditor when none is named."""
    with all_creditors():
        if slug is None:
            return list(Creditor.objects.order_by("slug"))
        creditor = Creditor.objects.filter(slug=slug.strip().lower()).first()
    if creditor is None:
        raise CreditorNotFound(slug=slug)
    return [creditor]
