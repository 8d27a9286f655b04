"""Belgian CODA (Febelfin "gecodeerde berichtgeving"), version 2: fixed records of 128 characters.

Records read: 0 header, 1 old balance (account and currency), 2.1/2.2/2.3 movements (amount,
dates, communication — structured type 101 is the OGM/VCS —, the counterparty's BIC, IBAN
and name, the R-transaction type and ISO return reason), 8 new balance, 9 trailer.
Information records (3) and free messages (4) carry nothing tact books and are skipped.
Amounts have three implied decimals; a sign digit 0 is credit, 1 debit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .base import ParsedLine, ParsedStatement, Unreadable, iban_clean

RECORD = 128
# Type of R-transaction in record 2.2: 1 reject, 2 return, 3 refund, 4 reversal, 5 cancellation.
RETURN_TYPES = {"1", "2", "3", "4"}


def detect(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    return first.startswith("00000") and len(first) == RECORD


def _date(value: str, what: str) -> date | None:
    if value in ("000000", "      "):
        return None
    if not value.isdigit():
        raise Unreadable(f"{what}: {value!r} is not a date (DDMMYY).")
    day, month, year = int(value[:2]), int(value[2:4]), 2000 + int(value[4:])
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise Unreadable(f"{what}: {value!r} is not a date (DDMMYY).") from exc


def _amount(sign: str, digits: str, what: str) -> Decimal:
    if sign not in ("0", "1") or not digits.isdigit():
        raise Unreadable(f"{what}: {sign}{digits!r} is not a CODA amount.")
    value = Decimal(digits).scaleb(-3)
    return -value if sign == "1" else value


def _account(structure: str, zone: str) -> tuple[str, str]:
    """(account, currency) from an old/new balance record's account zone (positions 6–42)."""
    if structure == "0":
        return zone[:12].strip(), zone[13:16].strip()
    if structure == "2":
        return iban_clean(zone[:31]), zone[34:37].strip()
    if structure in ("1", "3"):
        return iban_clean(zone[:34]), zone[34:37].strip()
    raise Unreadable(f"record 1: account structure {structure!r} is not 0, 1, 2 or 3.")


@dataclass
class _Movement:
    sequence: str
    amount: Decimal
    value_on: date | None
    booked_on: date | None
    bank_reference: str
    code: str
    structured: bool
    communication: str
    name: str = ""
    iban: str = ""
    bic: str = ""
    r_type: str = ""
    r_reason: str = ""
    rest: list[str] = field(default_factory=list)


def parse(text: str) -> list[ParsedStatement]:
    records = [line.rstrip("\r") for line in text.lstrip("\ufeff").split("\n") if line.strip()]
    statements: list[ParsedStatement] = []
    current: ParsedStatement | None = None
    movements: list[_Movement] = []
    for number, record in enumerate(records, 1):
        what = f"record {number}"
        if len(record) != RECORD:
            raise Unreadable(
                f"{what} is {len(record)} characters long, not {RECORD}; the file may be cut off."
            )
        kind = record[0]
        if kind == "0":
            if current is not None:
                raise Unreadable(f"{what}: a new header before the trailer (9) of the last statement.")
            current, movements = None, []
            current = ParsedStatement(file_format="coda", account_iban="", currency="")
        elif current is None:
            raise Unreadable(f"{what}: data before the header record (0).")
        elif kind == "1":
            current.account_iban, current.currency = _account(record[1], record[5:42])
            current.opening_balance = _amount(record[42], record[43:58], what)
            current.from_on = _date(record[58:64], what)
            current.bank_statement_id = record[125:128].strip() or record[2:5].strip()
        elif kind == "2":
            _movement(record, movements, what)
        elif kind == "8":
            current.closing_balance = _amount(record[41], record[42:57], what)
            current.to_on = _date(record[57:63], what)
        elif kind == "9":
            if not current.account_iban:
                raise Unreadable(f"{what}: the statement has no old balance record (1) naming its account.")
            if current.closing_balance is None:
                raise Unreadable(f"{what}: the statement has no new balance record (8).")
            current.lines = [_line(m, current) for m in movements if m.amount != 0]
            statements.append(current)
            current = None
        elif kind in ("3", "4"):
            continue
        else:
            raise Unreadable(f"{what}: record type {kind!r} is not a CODA record.")
    if current is not None:
        raise Unreadable("the last statement has no trailer record (9); the file is cut off.")
    if not statements:
        raise Unreadable("no CODA statement was found.")
    return statements


def _movement(record: str, movements: list[_Movement], what: str) -> None:
    article = record[1]
    sequence = record[2:6]
    if article == "1":
        detail = record[6:10]
        structured = record[61] == "1"
        # A detail (detail number > 0) of a globalised movement repeats money already counted
        # in its total (globalisation code > 0 on the total); book the total only.
        if detail != "0000" and movements and movements[-1].sequence == sequence:
            return
        movements.append(
            _Movement(
                sequence=sequence,
                amount=_amount(record[31], record[32:47], what),
                value_on=_date(record[47:53], what),
                booked_on=_date(record[115:121], what),
                bank_reference=record[10:31].strip(),
                code=record[53:61].strip(),
                structured=structured,
                communication=record[62:115],
            )
        )
        return
    if not movements or movements[-1].sequence != sequence:
        return  # a continuation of a detail that was skipped
    movement = movements[-1]
    if article == "2":
        movement.rest.append(record[10:63])
        movement.bic = record[98:109].strip()
        movement.r_type = record[112].strip()
        movement.r_reason = record[113:117].strip()
    elif article == "3":
        zone = record[10:47].strip()
        movement.iban = iban_clean(zone.split(" ")[0]) if zone else ""
        movement.name = record[47:82].strip()
        movement.rest.append(record[82:125])
    else:
        raise Unreadable(f"{what}: movement article {article!r} is not 1, 2 or 3.")


def _line(movement: _Movement, statement: ParsedStatement) -> ParsedLine:
    structured = ""
    communication = movement.communication
    if movement.structured and communication[:3] == "101":
        structured = communication[3:15]
        remittance = " ".join("".join(movement.rest).split())
    else:
        remittance = " ".join((communication + "".join(movement.rest)).split())
    booked_on = movement.booked_on or movement.value_on or statement.to_on
    value_on = movement.value_on or booked_on
    if booked_on is None or value_on is None:
        raise Unreadable(f"movement {movement.sequence} has no date.")
    is_return = movement.r_type in RETURN_TYPES and movement.amount < 0
    return ParsedLine(
        booked_on=booked_on,
        value_on=value_on,
        amount=movement.amount,
        currency=statement.currency,
        counterparty_name=movement.name[:140],
        counterparty_iban=movement.iban,
        counterparty_bic=movement.bic[:11],
        remittance=remittance[:2000],
        structured_reference=structured,
        bank_reference=movement.bank_reference[:100],
        bank_code=movement.code[:40],
        is_return=is_return,
        return_reason=movement.r_reason[:10],
    )
