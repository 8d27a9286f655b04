"""From the cells of one table row (CSV or XLSX) to an `ImportRow` or its `RowError`s.

Two passes over a file share this module: `Evidence` collects, in the first, what the
values prove about the file's conventions (decimal separator, day or month first);
`decide_conventions` settles them once for the whole file; `RowBuilder` turns each row
into typed values in the second pass under those conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter

from .columns import FIELDS_BY_NAME
from .rows import ImportRow, RowError
from .values import (
    AMOUNT_EXAMPLE,
    DECIMAL_COMMA_COUNTRIES,
    MONTH_FIRST_COUNTRIES,
    BadValue,
    as_date,
    date_evidence,
    decimal_evidence,
    float_to_decimal,
    parse_amount,
    parse_country,
    parse_currency,
    parse_date,
    parse_email,
    parse_kind,
    parse_language,
    parse_phone,
    parse_vat_id,
)

AMOUNT_FIELDS = ("amount", "open_amount", "net_amount", "vat_amount")
DATE_FIELDS = ("issued_on", "due_on")
# Column widths of the ledger models: longer text would fail at the database.
MAX_LENGTH = {
    "invoice_number": 64,
    "debtor_number": 64,
    "debtor_name": 200,
    "order_reference": 100,
    "contact_name": 200,
    "street": 200,
    "postal_code": 20,
    "city": 100,
}
CACHE_LIMIT = 100_000  # distinct values remembered per column (dates, countries, phones…)


# Amounts are compared by shape for the evidence: "12.345,67" and "98.765,43" prove the
# same, so each shape is judged once. Zero stays apart: a leading 0 proves a decimal.
_SHAPE = str.maketrans("123456789", "111111111")


class Evidence:
    """What the values of a file prove, counted: ``{",": 3, ".": 0}`` and day/month order."""

    def __init__(self) -> None:
        self.decimal = {",": 0, ".": 0}
        self.order = {"dmy": 0, "mdy": 0}
        self._shapes: dict[str, str | None] = {}
        self._dates: dict[str, str | None] = {}

    def add_amount(self, text: str) -> None:
        if "," in text or "." in text:
            shape = text.translate(_SHAPE)
            try:
                proof = self._shapes[shape]
            except KeyError:
                proof = decimal_evidence(shape)
                if len(self._shapes) < CACHE_LIMIT:
                    self._shapes[shape] = proof
            if proof is not None:
                self.decimal[proof] += 1

    def add_date(self, text: str) -> None:
        if len(text) >= 6 and text[4:5] != "-":  # skips ISO 2025-12-31 cheaply
            try:
                proof = self._dates[text]
            except KeyError:
                proof = date_evidence(text)
                if len(self._dates) < CACHE_LIMIT:
                    self._dates[text] = proof
            if proof is not None:
                self.order[proof] += 1


def decide_conventions(
    evidence: Evidence, *, creditor_country: str, options: dict | None = None
) -> dict[str, str]:
    """The file's conventions: forced by ``options``, else what most values prove, else the
    creditor's country. ``{"decimal": ",", "decimal_from": "values", "date_order": "dmy",
    "date_order_from": "country"}``."""
    options = options or {}
    country = (creditor_country or "").upper()
    result: dict[str, str] = {}
    forced = options.get("decimal")
    if forced in (",", "."):
        result["decimal"], result["decimal_from"] = forced, "option"
    elif evidence.decimal[","] != evidence.decimal["."]:
        result["decimal"] = "," if evidence.decimal[","] > evidence.decimal["."] else "."
        result["decimal_from"] = "values"
    else:
        result["decimal"] = "," if country in DECIMAL_COMMA_COUNTRIES else "."
        result["decimal_from"] = "country"
    forced = options.get("date_order")
    if forced in ("dmy", "mdy"):
        result["date_order"], result["date_order_from"] = forced, "option"
    elif evidence.order["dmy"] != evidence.order["mdy"]:
        result["date_order"] = "dmy" if evidence.order["dmy"] > evidence.order["mdy"] else "mdy"
        result["date_order_from"] = "values"
    else:
        result["date_order"] = "mdy" if country in MONTH_FIRST_COUNTRIES else "dmy"
        result["date_order_from"] = "country"
    return result


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees (floats without binary noise)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        try:
            return str(float_to_decimal(value))
        except BadValue:
            return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# Fields that describe the debtor: they repeat on every invoice of the same debtor, so a
# debtor's cells are parsed once and the outcome is remembered (phone numbers are slow).
DEBTOR_FIELDS = (
    "debtor_number",
    "debtor_name",
    "kind",
    "country",
    "language",
    "email",
    "phone",
    "vat_id",
    "contact_name",
    "street",
    "postal_code",
    "city",
)
_DEBTOR_DEFAULTS = ("", "", None, None, None, "", "", "", "", "", "", "")
_ENUMS = {
    "kind": parse_kind,
    "country": parse_country,
    "language": parse_language,
    "email": parse_email,
    "vat_id": parse_vat_id,
}


class RowBuilder:
    """Builds an `ImportRow` from one row's cells; one instance per file.

    ``index`` maps our fields to column positions and ``headers`` to the header as written;
    cells are ``str`` (CSV) or spreadsheet values (``datetime``, ``float``, ``int``, ``None``;
    ``typed=True``). Repeating values (a debtor's data, dates, currencies) are parsed once.
    """

    def __init__(
        self,
        *,
        index: dict[str, int],
        headers: dict[str, str],
        conventions: dict[str, str],
        creditor_country: str,
        default_currency: str,
        width: int,
        typed: bool = False,
    ) -> None:
        self.index = index
        self.headers = headers
        self.width = width
        self.typed = typed
        self.decimal = conventions["decimal"]
        self.order = conventions["date_order"]
        self.region = (creditor_country or "").upper() or "DE"
        self.default_currency = default_currency
        self.amount_example = AMOUNT_EXAMPLE[self.decimal]
        self.date_example = _example(self.order)
        self.columns = dict(headers)  # one dict shared by every row of the file; read-only
        self.position = {name: i for name, i in index.items()}
        self.debtor_names = tuple(n for n in DEBTOR_FIELDS if n in index)
        # debtor_number and debtor_name are required: the key is always a tuple.
        self.debtor_key = itemgetter(*(index[n] for n in self.debtor_names))
        self.debtor_cache: dict[tuple, tuple] = {}
        self.caches: dict[str, dict] = {"issued_on": {}, "due_on": {}, "currency": {}}
        self.issued_cache, self.due_cache = self.caches["issued_on"], self.caches["due_on"]
        self.currency_cache = self.caches["currency"]
        self.at = {name: index.get(name, -1) for name in FIELDS_BY_NAME}
        self.amount_at = tuple(
            (slot, index[name], name) for slot, name in enumerate(AMOUNT_FIELDS) if name in index
        )

    # ------------------------------------------------------------------ the row

    def build(self, cells: Sequence, line: int) -> ImportRow | list[RowError]:
        at = self.at
        bad: list[tuple[str, object, str]] = []
        if self.typed:
            # Booleans become text: True == 1 would mix them with numbers in the caches.
            cells = [
                (
                    ""
                    if c is None
                    else c.strip()
                    if c.__class__ is str
                    else ("TRUE" if c else "FALSE")
                    if c.__class__ is bool
                    else c
                )
                for c in cells
            ]
        if len(cells) != self.width:
            cells = self._fit(cells, bad)

        debtor_key = self.debtor_key(cells)
        debtor = self.debtor_cache.get(debtor_key)
        if debtor is None:
            debtor = self._debtor(debtor_key)
            if len(self.debtor_cache) < CACHE_LIMIT:
                self.debtor_cache[debtor_key] = debtor
        values, problems = debtor
        if problems:
            bad.extend(problems)

        raw = cells[at["invoice_number"]]
        invoice_number = raw.strip() if raw.__class__ is str else cell_text(raw)
        if len(invoice_number) > 64 or "\x00" in invoice_number:
            self._text(raw, "invoice_number", bad)
        elif not invoice_number:
            bad.append(("invoice_number", "", "missing invoice number: expected a value in every row"))
        i = at["order_reference"]
        order_reference = self._text(cells[i], "order_reference", bad) if i >= 0 else ""

        currency = self.default_currency
        i = at["currency"]
        if i >= 0:
            raw = cells[i]
            if raw.__class__ is str:
                raw = raw.strip()
            if raw:
                hit = self.currency_cache.get(raw)
                if hit is None:
                    try:
                        hit = parse_currency(cell_text(raw))
                    except BadValue as exc:
                        hit = exc
                    self.currency_cache[raw] = hit
                if hit.__class__ is str:
                    currency = hit
                else:
                    bad.append(("currency", raw, hit.message))
                    currency = None

        amounts: list[Decimal | None] = [None, None, None, None]
        decimal = self.decimal
        for slot, i, name in self.amount_at:
            raw = cells[i]
            if raw.__class__ is str:
                if raw:
                    try:
                        amounts[slot] = parse_amount(raw, decimal, currency)
                    except BadValue as exc:
                        if raw.strip():  # a blank cell is no amount, not a bad one
                            bad.append((name, raw, exc.message))
            elif raw is not None and raw != "":
                amounts[slot] = self._amount(raw, name, currency, bad)
        amount, open_amount, net_amount, vat_amount = amounts
        if at["amount"] >= 0:
            if amount is None and not _names(bad, "amount"):
                bad.append(("amount", "", f"missing amount: expected a number like {self.amount_example}"))
        elif open_amount is not None:
            amount = open_amount  # only an open amount is given: the item is open in full
        elif not _names(bad, "open_amount"):
            bad.append(
                ("open_amount", "", f"missing open amount: expected a number like {self.amount_example}")
            )
        if amount is not None and open_amount is not None:
            if amount >= _ZERO and not _ZERO <= open_amount <= amount:
                bad.append(
                    (
                        "open_amount",
                        cells[at["open_amount"]],
                        f"open amount outside the invoice: expected a value from 0 to {self._show(amount)}",
                    )
                )
            elif amount < _ZERO and not amount <= open_amount <= _ZERO:
                bad.append(
                    (
                        "open_amount",
                        cells[at["open_amount"]],
                        "open amount outside the credit note: expected a value from "
                        f"{self._show(amount)} to 0",
                    )
                )

        # Dates repeat: the remembered ones are a dict lookup; _date handles the rest.
        issued_on = self.issued_cache.get(cells[at["issued_on"]])
        if issued_on.__class__ is not date:
            issued_on = self._date(cells, at["issued_on"], "issued_on", bad)
        due_on = self.due_cache.get(cells[at["due_on"]])
        if due_on.__class__ is not date:
            due_on = self._date(cells, at["due_on"], "due_on", bad)
        if issued_on is not None and due_on is not None and due_on < issued_on:
            bad.append(
                (
                    "due_on",
                    cells[at["due_on"]],
                    f"due date before the issue date {issued_on.isoformat()}: "
                    "expected a due date on or after the issue date",
                )
            )

        if bad:
            return self._errors(bad, line)
        return ImportRow(
            line,
            invoice_number,
            values[0],
            values[1],
            issued_on,
            due_on,
            amount,
            currency,
            open_amount,
            values[2],
            values[3],
            values[4],
            values[5],
            values[6],
            values[7],
            net_amount,
            vat_amount,
            order_reference,
            values[8],
            values[9],
            values[10],
            values[11],
            self.columns,
        )

    # ------------------------------------------------------------------ helpers

    def _show(self, amount: Decimal) -> str:
        """An amount as this file writes it: 1234,56 in a decimal-comma file."""
        text = str(amount)
        return text.replace(".", ",") if self.decimal == "," else text

    def _fit(self, cells: Sequence, bad: list) -> list:
        """Pad a short row; name the first surplus value of a long one."""
        cells = list(cells)
        if len(cells) < self.width:
            return cells + [""] * (self.width - len(cells))
        extra = [c for c in cells[self.width :] if _raw(c).strip()]
        if extra:
            bad.append(
                (
                    "",
                    extra[0],
                    f"this line has {len(cells)} fields but the header has {self.width}: "
                    "is a separator inside a value that should be quoted?",
                )
            )
        return cells[: self.width]

    def _text(self, raw: object, name: str, bad: list) -> str:
        value = raw.strip() if raw.__class__ is str else cell_text(raw)
        limit = MAX_LENGTH[name]
        if len(value) > limit:
            bad.append((name, raw, f"too long: expected at most {limit} characters"))
        elif "\x00" in value:
            bad.append((name, raw, "contains a NUL character: expected plain text"))
        return value

    def _amount(self, raw: object, name: str, currency: str | None, bad: list) -> Decimal | None:
        try:
            if raw.__class__ is str:
                raw = raw.strip()
                if not raw:
                    return None
                return parse_amount(raw, self.decimal, currency)
            if raw is None or raw == "":
                return None
            return self._typed_amount(raw)
        except BadValue as exc:
            bad.append((name, raw, exc.message))
            return None

    def _typed_amount(self, raw: object) -> Decimal:
        if isinstance(raw, bool):
            raise BadValue(f"not an amount: expected a number like {self.amount_example}")
        if isinstance(raw, int):
            value = Decimal(raw)
        elif isinstance(raw, float):
            value = float_to_decimal(raw, self.decimal)
        elif isinstance(raw, Decimal):
            value = raw
        else:
            raise BadValue(f"not an amount: expected a number like {self.amount_example}")
        if abs(value) >= _AMOUNT_LIMIT:
            raise BadValue("amount too large: expected at most 14 digits")
        return value

    def _date(self, cells: Sequence, i: int, name: str, bad: list) -> date | None:
        if i < 0:
            return None
        raw = cells[i]
        if raw.__class__ is str:
            raw = raw.strip()
        if raw == "" or raw is None:
            label = FIELDS_BY_NAME[name].label
            bad.append((name, "", f"missing {label}: expected a day like {self.date_example}"))
            return None
        cache = self.caches[name]
        hit = cache.get(raw)
        if hit is None:
            try:
                if raw.__class__ is str:
                    hit = parse_date(raw, self.order)
                elif isinstance(raw, timedelta | time):
                    raise BadValue(f"not a date: expected a day like {self.date_example}")
                else:
                    hit = as_date(raw, self.order)
            except BadValue as exc:
                hit = exc
            if len(cache) < CACHE_LIMIT:
                cache[raw] = hit
        if hit.__class__ is date:
            return hit
        bad.append((name, raw, hit.message))
        return None

    def _debtor(self, raws: tuple) -> tuple[tuple, tuple]:
        """A debtor's fields parsed from its cells: (values in DEBTOR_FIELDS order, problems)."""
        values = list(_DEBTOR_DEFAULTS)
        problems: list[tuple[str, object, str]] = []
        given = dict(zip(self.debtor_names, raws, strict=True))
        for slot, name in enumerate(DEBTOR_FIELDS):
            if name not in given:
                continue
            raw = given[name]
            if name in MAX_LENGTH:
                values[slot] = self._text(raw, name, problems)
                continue
            value = raw.strip() if raw.__class__ is str else cell_text(raw)
            if not value:
                continue
            if name == "phone":
                key: object = (value, values[3] or self.region)
                parse = _phone
            else:
                key, parse = value, _ENUMS[name]
            cache = self.caches.setdefault(name, {})
            hit = cache.get(key)
            if hit is None:
                try:
                    hit = parse(key)
                except BadValue as exc:
                    hit = exc
                if len(cache) < CACHE_LIMIT:
                    cache[key] = hit
            if isinstance(hit, BadValue):
                problems.append((name, raw, hit.message))
            else:
                values[slot] = hit
        for slot, name in ((0, "debtor_number"), (1, "debtor_name")):
            if name in given and not values[slot]:
                label = FIELDS_BY_NAME[name].label
                problems.append((name, "", f"missing {label}: expected a value in every row"))
        return tuple(values), tuple(problems)

    def _errors(self, bad: list, line: int) -> list[RowError]:
        """The row's problems as `RowError`s, in the order of the file's columns."""
        position = self.position
        bad.sort(key=lambda p: position.get(p[0], -1))
        headers = self.headers
        return [RowError(line, headers.get(name, ""), _raw(raw), message) for name, raw, message in bad]


_AMOUNT_LIMIT = Decimal(10) ** 14
_ZERO = Decimal(0)


def _phone(key: tuple[str, str]) -> str:
    return parse_phone(*key)


def _names(bad: list, name: str) -> bool:
    return any(p[0] == name for p in bad)


def _raw(value: object) -> str:
    if isinstance(value, str):
        return value
    return cell_text(value)


def _example(order: str) -> str:
    return "12/31/2025" if order == "mdy" else "31.12.2025"
