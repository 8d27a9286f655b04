"""SWIFT MT940 statements, read with the ``mt-940`` library.

German banks structure the ``:86:`` field (DFÜ-Abkommen, Anlage 3): a three-digit business
transaction code (GVC), then subfields ``?00`` posting text, ``?10`` primanota, ``?20``–``?29``
and ``?60``–``?63`` the remittance information (with SEPA keys such as ``EREF+``, ``MREF+``,
``SVWZ+``), ``?30`` the payer's BIC, ``?31`` its IBAN, ``?32``/``?33`` its name, ``?34`` the
return reason. The subfields are read here rather than by the library's post-processor, which
runs ``?31`` into the name on some files. An ``:86:`` without ``?`` subfields is free text.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal

import mt940
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from .base import ParsedLine, ParsedStatement, Unreadable, iban_clean

# GVCs of returned direct debits (Rücklastschrift) and of reversed credits.
RETURN_GVCS = {"108", "109", "159", "160", "161", "162", "163", "164", "165", "194"}
SEPA_KEYS = ("EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "COAM+", "OAMT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+",
             "BIC+")  # fmt: skip
# The library logs every field its patterns do not match at level error, with the file's
# content; a bad file is reported once, by our message, instead.
logging.getLogger("mt940").setLevel(logging.CRITICAL)
_SUBFIELD = re.compile(r"\?(\d\d)")
_KEYS = re.compile(r"(" + "|".join(re.escape(k) for k in SEPA_KEYS) + ")")


def detect(text: str) -> bool:
    head = text.lstrip()[:4000]
    return (head.startswith(":20:") or head.startswith("{1:") or "\n:20:" in head) and ":61:" in text + ":61:"


def _subfields(details: str) -> tuple[str, dict[str, str]]:
    """The GVC and the ``?nn`` subfields of a German :86: (joined where a field repeats)."""
    details = details.replace("\r", "").replace("\n", "")
    if not re.match(r"^\d{3}\?", details):
        return "", {}
    gvc = details[:3]
    fields: dict[str, str] = {}
    parts = _SUBFIELD.split(details[3:])
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        fields[key] = fields.get(key, "") + value
    return gvc, fields


def _sepa(remittance: str) -> dict[str, str]:
    """SEPA keys in the remittance subfields: {"EREF+": "...", "SVWZ+": "..."}."""
    parts = _KEYS.split(remittance)
    if len(parts) == 1:
        return {}
    found = {"": parts[0]}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        found[key] = (found.get(key, "") + value).strip()
    return found


def _account(identification: str) -> str:
    """The statement's account as an IBAN: given as one, or German ``BLZ/Konto``."""
    value = (identification or "").replace(" ", "").upper()
    bank, slash, number = value.partition("/")
    if slash and bank.isdigit() and len(bank) == 8 and number.isdigit():
        try:
            return str(IBAN.generate("DE", bank_code=bank, account_code=number).compact)
        except SchwiftyException:
            return value
    return iban_clean(value.split("/")[0] if value.startswith(("DE", "AT", "NL", "BE")) else value)


def parse(text: str) -> list[ParsedStatement]:
    try:
        blocks = mt940.parse_statements(text, processors={"post_transaction_details": []})
    except (
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        ArithmeticError,
        RuntimeError,
    ) as exc:
        raise Unreadable(f"the MT940 data cannot be read ({exc}).") from exc
    statements = [_statement(block, index) for index, block in enumerate(blocks, 1)]
    if not statements:
        raise Unreadable("no MT940 statement (:20: … :61: … :62F:) was found.")
    return statements


def _balance(block, key: str) -> tuple[Decimal | None, str, date | None]:
    balance = block.data.get(key)
    if balance is None:
        return None, "", None
    amount = balance.amount
    when = balance.date
    return Decimal(str(amount.amount)), amount.currency or "", date(when.year, when.month, when.day)


def _statement(block, index: int) -> ParsedStatement:
    what = f"statement {index}"
    account = _account(block.data.get("account_identification", ""))
    if not account:
        raise Unreadable(f"{what} names no account (:25:).")
    opening, currency, from_on = _balance(block, "final_opening_balance")
    closing, closing_currency, to_on = _balance(block, "final_closing_balance")
    if opening is None or closing is None:
        raise Unreadable(
            f"{what} lacks its opening (:60F:) or closing (:62F:) balance; the file may be cut off."
        )
    statement = ParsedStatement(
        file_format="mt940",
        account_iban=account,
        currency=currency or closing_currency,
        bank_statement_id="/".join(
            str(block.data.get(k) or "") for k in ("statement_number", "sequence_number")
        ).strip("/"),
        opening_balance=opening,
        closing_balance=closing,
        from_on=from_on,
        to_on=to_on,
    )
    for number, transaction in enumerate(block, 1):
        statement.lines.append(_line(transaction.data, statement.currency, f"{what}, :61: {number}"))
    return statement


def _line(data: dict, currency: str, what: str) -> ParsedLine:
    amount_obj = data.get("amount")
    when = data.get("date")
    if amount_obj is None or when is None:
        raise Unreadable(f"{what} has no amount or date.")
    amount = Decimal(str(amount_obj.amount))
    if amount == 0:
        raise Unreadable(f"{what} has the amount zero.")
    status = data.get("status") or ""
    value_on = date(when.year, when.month, when.day)
    entry = data.get("entry_date") or when
    booked_on = date(entry.year, entry.month, entry.day)
    gvc, fields = _subfields(data.get("transaction_details") or "")
    if fields:
        remittance_raw = "".join(fields.get(f"{n}", "") for n in [*range(20, 30), *range(60, 64)])
        sepa = _sepa(remittance_raw)
        remittance = sepa.get("SVWZ+") or (sepa.get("", "") if sepa else remittance_raw)
        if sepa and not sepa.get("SVWZ+"):
            remittance = " ".join(v for k, v in sepa.items() if k in ("", "ABWA+") and v)
        name = (fields.get("32", "") + fields.get("33", "")).strip()
        iban = fields.get("31", "").strip()
        bic = fields.get("30", "").strip()
        reason = fields.get("34", "").strip()
        end_to_end = sepa.get("EREF+", "")
        mandate = sepa.get("MREF+", "")
    else:
        remittance = " ".join((data.get("transaction_details") or "").split())
        name = iban = bic = reason = end_to_end = mandate = ""
    is_return = status.startswith("R") or (amount < 0 and (gvc in RETURN_GVCS or bool(reason)))
    return ParsedLine(
        booked_on=booked_on,
        value_on=value_on,
        amount=amount,
        currency=currency or getattr(amount_obj, "currency", "") or "",
        counterparty_name=name[:140],
        counterparty_iban=iban_clean(iban) if iban and not iban.isdigit() else "",
        counterparty_bic=bic[:11] if re.fullmatch(r"[A-Z0-9]{8}(?:[A-Z0-9]{3})?", bic) else "",
        remittance=" ".join(remittance.split())[:2000],
        end_to_end_id="" if end_to_end.upper() == "NOTPROVIDED" else end_to_end[:35],
        mandate_id=mandate[:35],
        bank_reference=(data.get("bank_reference") or data.get("customer_reference") or "")[:100],
        bank_code=f"{data.get('id') or ''}/{gvc}".strip("/")[:40],
        is_return=is_return,
        return_reason=reason[:10],
    )
