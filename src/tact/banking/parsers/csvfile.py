"""Bank CSV exports: known German, Dutch, Belgian and English headers, or a saved mapping.

A mapping names, for each of tact's fields, the file's column header
(``{"booked_on": "Buchungstag", "amount": "Betrag", "remittance": "Verwendungszweck"}``) and
the file's conventions (``{"delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y"}``).
Without one, the headers are recognised by name; the delimiter is sniffed and the decimal
mark and date order are decided once for the whole file, never row by row.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .base import LayoutUnknown, ParsedLine, ParsedStatement, Unreadable, amount_parse, iban_clean

FIELDS = ("booked_on", "value_on", "amount", "credit", "debit", "currency", "counterparty_name",
          "counterparty_iban", "counterparty_bic", "remittance", "structured_reference", "end_to_end_id",
          "bank_reference", "account_iban")  # fmt: skip
HEADERS: dict[str, tuple[str, ...]] = {
    "booked_on": ("buchungstag", "buchungsdatum", "datum", "boekdatum", "datum boeking", "date", "booking date",
                  "date comptable", "uitvoeringsdatum", "transaction date"),
    "value_on": ("valuta", "valutadatum", "wertstellung", "rentedatum", "valutadatum", "value date",
                 "date valeur"),
    "amount": ("betrag", "umsatz", "bedrag", "amount", "montant", "betrag (eur)", "bedrag (eur)"),
    "credit": ("haben", "gutschrift", "credit", "bij"),
    "debit": ("soll", "lastschrift", "debit", "af"),
    "currency": ("währung", "waehrung", "valuta code", "munt", "currency", "devise", "devies"),
    "counterparty_name": ("auftraggeber/empfänger", "auftraggeber / empfänger", "beguenstigter/zahlungspflichtiger",
                          "begünstigter/zahlungspflichtiger", "name", "naam", "naam tegenpartij",
                          "zahlungspflichtiger", "auftraggeber", "tegenpartij", "counterparty", "nom",
                          "naam / omschrijving", "name zahlungsbeteiligter"),
    "counterparty_iban": ("iban", "kontonummer/iban", "iban zahlungsbeteiligter", "tegenrekening",
                          "tegenrekening iban", "rekening tegenpartij", "counterparty iban", "compte contrepartie"),
    "counterparty_bic": ("bic", "bic (swift-code)", "bic zahlungsbeteiligter", "bic tegenpartij"),
    "remittance": ("verwendungszweck", "omschrijving", "mededelingen", "mededeling", "communication",
                   "description", "remittance", "betreff", "beschreibung"),
    "structured_reference": ("strukturierte referenz", "gestructureerde mededeling", "structured reference",
                             "betalingskenmerk"),
    "end_to_end_id": ("end-to-end-referenz", "end-to-end-id", "eref", "end to end id"),
    "bank_reference": ("buchungsreferenz", "referenz", "transaction id", "transactie-id", "volgnummer",
                       "reference"),
    "account_iban": ("auftragskonto", "eigenes konto", "rekening", "account", "rekeningnummer",
                     "iban auftragskonto", "rekening iban"),
}  # fmt: skip
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d", "%m/%d/%Y")
MAX_ROWS = 200_000
HEADER_WITHIN = 30  # the table's header is among the first rows (account facts may stand above it)
SAMPLE_ROWS = 5
SAMPLE_CELL = 200  # a sample's cells are shown, not read: a long text is cut


def _norm(header: str) -> str:
    return " ".join(header.strip().strip('"').lower().split())


def _columns(headers: list[str], mapping: Mapping[str, str] | None) -> dict[str, int]:
    found: dict[str, int] = {}
    position = {_norm(h): i for i, h in enumerate(headers)}
    if mapping:
        for our, theirs in mapping.items():
            if our not in FIELDS:
                raise LayoutUnknown(
                    f"the mapping names an unknown field {our!r}; fields: {', '.join(FIELDS)}."
                )
            index = position.get(_norm(theirs))
            if index is None:
                raise LayoutUnknown(f"the mapping's column {theirs!r} ({our}) is not in the file's header.")
            found[our] = index
        return found
    for our, names in HEADERS.items():
        for name in names:
            if name in position and position[name] not in found.values():
                found[our] = position[name]
                break
    return found


def _date_format(values: list[str], given: str | None) -> str:
    if given:
        return given
    for fmt in DATE_FORMATS:
        try:
            for value in values:
                datetime.strptime(value, fmt)  # noqa: DTZ007 - a date, not a point in time
        except ValueError:
            continue
        return fmt
    sample = values[0] if values else ""
    raise LayoutUnknown(
        f"the dates (like {sample!r}) are in no known format; save a mapping with date_format."
    )


def _decimal_mark(values: list[str], given: str | None) -> str:
    if given:
        return given
    comma = dot = 0
    for value in values:
        last = max(value.rfind(","), value.rfind("."))
        if last >= 0 and len(value) - last - 1 in (1, 2):
            comma += value[last] == ","
            dot += value[last] == "."
    return "," if comma >= dot else "."


def _delimiter(text: str, given: str | None) -> str:
    if given:
        return given
    head = text[:4096].split("\n", 1)[0]
    counts = {d: head.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise Unreadable("no column delimiter (; , tab or |) in the first line; this is not a CSV export.")
    return best


def parse(text: str, *, mapping: Mapping[str, str] | None = None, options: Mapping[str, str] | None = None,
          account_iban: str = "", currency: str = "EUR") -> list[ParsedStatement]:  # fmt: skip
    options = options or {}
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text, options.get("delimiter"))
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise Unreadable(f"the CSV cannot be read ({exc}).") from exc
    # Some banks put account facts above the table: the header is the first row naming a date and an amount.
    start = next((i for i, row in enumerate(rows[:HEADER_WITHIN]) if _has_table_header(row, mapping)), None)
    if start is None:
        raise LayoutUnknown(
            "no header with a booking date and an amount was found; save a column mapping for this layout."
        )
    for row in rows[:start]:  # "Auftragskonto;DE89 3704 …" above the table names the account
        if len(row) >= 2 and _norm(row[0]).rstrip(":") in HEADERS["account_iban"] and iban_clean(row[1]):
            account_iban = iban_clean(row[1])
    headers, body = rows[start], [r for r in rows[start + 1 :] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise Unreadable(f"{len(body)} rows are more than {MAX_ROWS} in one file.")
    columns = _columns(headers, mapping)
    if "booked_on" not in columns or not (
        {"amount"} <= columns.keys() or {"credit", "debit"} <= columns.keys()
    ):
        raise LayoutUnknown("the file needs a booking date and an amount column; save a column mapping.")

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(body, start + 2):
        if len(row) <= max(columns.values()):
            raise Unreadable(
                f"line {number} has {len(row)} columns, the header {len(headers)}; the file may be cut off."
            )
    date_format = _date_format([cell(r, "booked_on") for r in body], options.get("date_format"))
    money = [cell(r, k) for r in body for k in ("amount", "credit", "debit") if cell(r, k)]
    decimal = _decimal_mark(money, options.get("decimal"))
    statement = ParsedStatement(file_format="csv", account_iban=account_iban, currency=currency)
    for number, row in enumerate(body, start + 2):
        statement.lines.append(_line(row, cell, number=number, date_format=date_format, decimal=decimal,
                                     currency=currency))  # fmt: skip
        own = iban_clean(cell(row, "account_iban"))
        if own:
            if statement.account_iban and statement.account_iban != own and number > start + 2:
                raise Unreadable(
                    f"line {number}: another account ({own}) than the lines before; one account per file."
                )
            statement.account_iban = own
    statement.lines = [line for line in statement.lines if line.amount != 0]
    if statement.lines:
        statement.from_on = min(line.booked_on for line in statement.lines)
        statement.to_on = max(line.booked_on for line in statement.lines)
        statement.currency = statement.lines[0].currency
    return [statement]


def _has_table_header(row: list[str], mapping: Mapping[str, str] | None) -> bool:
    names = {_norm(c) for c in row}
    if mapping:
        return _norm(mapping.get("booked_on", "")) in names
    dates = set(HEADERS["booked_on"])
    amounts = set(HEADERS["amount"]) | set(HEADERS["credit"])
    return bool(names & dates) and bool(names & amounts)


def _line(row, cell, *, number: int, date_format: str, decimal: str, currency: str) -> ParsedLine:
    where = f"line {number}"

    def day(key: str) -> date | None:
        value = cell(row, key)
        if not value:
            return None
        try:
            return datetime.strptime(value, date_format).date()  # noqa: DTZ007 - a date
        except ValueError as exc:
            raise Unreadable(f"{where}: {value!r} is not a date like {date_format}.") from exc

    if cell(row, "amount"):
        amount = amount_parse(cell(row, "amount"), decimal=decimal)
    else:
        credit = cell(row, "credit")
        debit = cell(row, "debit")
        amount = (amount_parse(credit, decimal=decimal) if credit else Decimal(0)) - (
            abs(amount_parse(debit, decimal=decimal)) if debit else Decimal(0)
        )
    booked_on = day("booked_on")
    if booked_on is None:
        raise Unreadable(f"{where} has no booking date.")
    line_currency = cell(row, "currency").upper() or currency
    if not re.fullmatch(r"[A-Z]{3}", line_currency):
        raise Unreadable(f"{where}: {line_currency!r} is not a currency code.")
    return ParsedLine(
        booked_on=booked_on,
        value_on=day("value_on") or booked_on,
        amount=amount,
        currency=line_currency,
        counterparty_name=cell(row, "counterparty_name")[:140],
        counterparty_iban=iban_clean(cell(row, "counterparty_iban")),
        counterparty_bic=cell(row, "counterparty_bic")[:11],
        remittance=" ".join(cell(row, "remittance").split())[:2000],
        structured_reference=cell(row, "structured_reference")[:35],
        end_to_end_id=cell(row, "end_to_end_id")[:35],
        bank_reference=cell(row, "bank_reference")[:100],
    )


@dataclass(frozen=True)
class Sample:
    """The head of a CSV export as the layout screen shows it, and what tact makes of it."""

    delimiter: str
    line: int  # the header's line in the file, from 1
    headers: list[str]
    rows: list[list[str]]  # the first lines below the header (blank lines left out)
    recognised: dict[str, str]  # our field -> the header that holds it, by name or by ``columns``
    decimal: str  # the decimal mark of the amounts, "" when the sample shows none
    date_format: str  # the first of DATE_FORMATS that reads a date column, "" when none does


def sample(text: str, *, columns: Mapping[str, str] | None = None, rows: int = SAMPLE_ROWS) -> Sample:
    """Read the header and the first ``rows`` lines of a CSV export, delimiter sniffed as ``parse``
    does. The header is the row a saved layout's ``columns`` name (editing a layout), else the
    first row of known headers, else the first of the widest rows: the lines above a table
    (account, period) have fewer cells than the table. Raises Unreadable."""
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text, None)
    try:
        head = list(
            itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), HEADER_WITHIN + rows)
        )
    except csv.Error as exc:
        raise Unreadable(f"the CSV cannot be read ({exc}).") from exc
    top = head[:HEADER_WITHIN]
    start = next((i for i, row in enumerate(top) if columns and _has_table_header(row, columns)), None)
    by_layout = start is not None
    if start is None:
        start = next((i for i, row in enumerate(top) if _has_table_header(row, None)), None)
    if start is None:
        widest = max(_filled(row) for row in top)
        if widest < 2:
            raise Unreadable("no line has two or more columns; this is not a CSV export.")
        start = next(i for i, row in enumerate(top) if _filled(row) == widest)
    headers = [cell.strip() for cell in head[start]]
    body = [
        [cell.strip()[:SAMPLE_CELL] for cell in row]
        for row in head[start + 1 :]
        if any(c.strip() for c in row)
    ]
    body = body[:rows]
    if by_layout:
        named = {_norm(h): h for h in headers if h}
        recognised = {our: named[_norm(theirs)] for our, theirs in (columns or {}).items()
                      if our in FIELDS and _norm(theirs) in named}  # fmt: skip
    else:
        recognised = {our: headers[index] for our, index in _columns(headers, None).items()}
    index = {h: i for i, h in enumerate(headers)}

    def values(header: str) -> list[str]:
        return [row[index[header]] for row in body if index[header] < len(row) and row[index[header]]]

    if "booked_on" in recognised:
        date_format = _date_format_guess(values(recognised["booked_on"]))
    else:
        date_format = next((f for f in (_date_format_guess(values(h)) for h in headers if h) if f), "")
    money = [v for key in ("amount", "credit", "debit") if key in recognised for v in values(recognised[key])]
    if not money:  # no amount column known: any cell written like an amount, dates aside
        money = [v for row in body for v in row if _AMOUNT.fullmatch(v) and not _is_date(v, date_format)]
    marked = [v for v in money if _AMOUNT_MARK.search(v)]
    return Sample(delimiter=delimiter, line=start + 1, headers=headers, rows=body, recognised=recognised,
                  decimal=_decimal_mark(marked, None) if marked else "", date_format=date_format)  # fmt: skip


_AMOUNT = re.compile(r"[+-]?[\d.,' ]*\d-?")
_AMOUNT_MARK = re.compile(r"[.,]\d{1,2}-?$")


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _date_format_guess(values: list[str]) -> str:
    try:
        return _date_format(values, None) if values else ""
    except Unreadable:
        return ""


def _is_date(value: str, date_format: str) -> bool:
    if not date_format:
        return False
    try:
        datetime.strptime(value, date_format)  # noqa: DTZ007 - a date
    except ValueError:
        return False
    return True
