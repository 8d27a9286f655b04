"""What a ledger file parser hands to the import pipeline.

A parser turns a file (CSV, XLSX, e-invoice) into a stream of `ImportRow`s — one open item
with its debtor, values already typed — or, for a row that cannot be read, the list of
`RowError`s that name its line, its column as written in the file, the value and what was
expected. The pipeline (`pipeline.py`) never sees raw strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # line number in the file; the header is line 1
    column: str  # the column's header as written in the file ("" when the whole row is wrong)
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(slots=True)
class ImportRow:
    line: int
    invoice_number: str
    debtor_number: str
    debtor_name: str
    issued_on: date
    due_on: date
    amount: Decimal  # gross amount; negative for a credit note
    currency: str
    open_amount: Decimal | None = None  # None: the file does not say, take the gross amount
    kind: str | None = None  # "business" / "consumer"; None: the file does not say
    country: str | None = None  # ISO 3166 alpha-2, upper case
    language: str | None = None  # de / nl / en / fr
    email: str = ""
    phone: str = ""  # E.164
    vat_id: str = ""
    net_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    order_reference: str = ""
    contact_name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    # Which column of the file each field came from, to name it in a later error
    # (say, a row whose debtor conflicts with an earlier line).
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    """A file opened for import: its format, its recognised columns and its rows.

    ``rows()`` may be called once; it streams. ``file_errors`` holds problems that make the
    whole file unreadable (no header, unknown format, missing required column); when it is
    not empty, ``rows()`` yields nothing.
    """

    file_format: str  # "csv", "xlsx", "zugferd", "xrechnung-ubl", "xrechnung-cii"
    headers: list[str]
    columns: dict[str, str]  # our field -> the header as written in the file
    file_errors: list[RowError]
    _rows: Iterator[ImportRow | list[RowError]] | None = None

    def rows(self) -> Iterator[ImportRow | list[RowError]]:
        if self.file_errors or self._rows is None:
            return iter(())
        rows, self._rows = self._rows, None
        return rows
