"""Reading statement files: the format is told from the content, not the file name.

``statements_read`` returns the statements in the file or raises ``StatementUnreadable``
naming the file and what is wrong with it. Any bytes end in one of the two, never in
another exception (tested with hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..conf import max_bytes
from ..errors import StatementUnreadable
from . import camt, coda, csvfile, mt940
from .base import LayoutUnknown, ParsedLine, ParsedStatement, Unreadable, decode_text
from .csvfile import Sample

__all__ = ["ParsedLine", "ParsedStatement", "Sample", "csv_sample_read", "statements_read", "format_detect"]
FORMAT_NAMES = {"camt": "camt.053/054", "mt940": "MT940", "coda": "CODA"}


def format_detect(data: bytes) -> str:
    """'camt', 'mt940', 'coda' or 'csv' (the fallback for text)."""
    if camt.detect(data):
        return "camt"
    text = decode_text(data[:8192])
    if coda.detect(text):
        return "coda"
    if mt940.detect(text):
        return "mt940"
    return "csv"


def statements_read(
    data: bytes,
    *,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    account_iban: str = "",
    currency: str = "EUR",
    limit: int | None = None,
) -> list[ParsedStatement]:
    """The statements in ``data``. CSV files carry no account: ``account_iban`` and
    ``currency`` (the creditor's) stand in unless the file has an account column.
    ``limit``: the largest file read, in bytes (default: the TACT_BANK_MAX_BYTES setting)."""
    _size_check(data, filename=filename, limit=limit)
    try:
        kind = format_detect(data)
        if kind == "camt":
            statements = camt.parse(data)
        else:
            text = decode_text(data)
            if kind == "coda":
                statements = coda.parse(text)
            elif kind == "mt940":
                statements = mt940.parse(text)
            else:
                statements = csvfile.parse(
                    text, mapping=mapping, options=options, account_iban=account_iban, currency=currency
                )
    except Unreadable as exc:
        raise _unreadable(exc, filename=filename) from exc
    if not any(s.lines for s in statements) and kind == "csv":
        raise StatementUnreadable(filename=filename, problem="the CSV file holds no bank lines.")
    return statements


def csv_sample_read(
    data: bytes, *, filename: str, columns: Mapping[str, str] | None = None, limit: int | None = None
) -> Sample:
    """The header and first lines of a CSV export, for saving its layout: the same size limit,
    encoding detection and delimiter as ``statements_read``. ``columns``: the layout edited
    (its header is looked for first). Raises StatementUnreadable, for a camt, MT940 or CODA
    file too (tact reads those without a layout)."""
    _size_check(data, filename=filename, limit=limit)
    try:
        kind = format_detect(data)
        if kind != "csv":
            raise Unreadable(f"this is a {FORMAT_NAMES[kind]} statement; tact reads it without a CSV layout.")
        return csvfile.sample(decode_text(data), columns=columns)
    except Unreadable as exc:
        raise _unreadable(exc, filename=filename) from exc


def _size_check(data: bytes, *, filename: str, limit: int | None) -> None:
    if not data.strip():
        raise StatementUnreadable(filename=filename, problem="the file is empty.")
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise StatementUnreadable(
            filename=filename, problem=f"{len(data):,} bytes are more than the limit of {limit:,} bytes."
        )


def _unreadable(exc: Unreadable, *, filename: str) -> StatementUnreadable:
    """The file's error; ``reason`` tells a CSV that a saved layout would read ("csv_layout")."""
    reason = "csv_layout" if isinstance(exc, LayoutUnknown) else "unreadable"
    return StatementUnreadable(filename=filename, problem=str(exc), reason=reason)
