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
from .base import ParsedLine, ParsedStatement, Unreadable, decode_text

__all__ = ["ParsedLine", "ParsedStatement", "statements_read", "format_detect"]


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
    if not data.strip():
        raise StatementUnreadable(filename=filename, problem="the file is empty.")
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise StatementUnreadable(
            filename=filename, problem=f"{len(data):,} bytes are more than the limit of {limit:,} bytes."
        )
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
        raise StatementUnreadable(filename=filename, problem=str(exc)) from exc
    if not any(s.lines for s in statements) and kind == "csv":
        raise StatementUnreadable(filename=filename, problem="the CSV file holds no bank lines.")
    return statements
