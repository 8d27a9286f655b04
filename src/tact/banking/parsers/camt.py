"""ISO 20022 camt.053 (account statement) and camt.054 (debit/credit notification).

Versions .001.02 to .001.08 (and later ones of the same shape) are read by element names
without their namespace: the parts tact needs kept their names and places, except where a
version moved them (``Sts`` became ``Sts/Cd``, ``BIC`` became ``BICFI``, a party's name moved
under ``Pty`` in .001.08), which is handled where it happens.

The XML parser resolves no entities, loads no DTD, reaches no network and refuses huge
trees; a document with a DOCTYPE is refused outright.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from .base import ParsedLine, ParsedStatement, Unreadable, amount_parse, iban_clean

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d\d)$")
CONTAINERS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
# Bank transaction codes of returned or reversed collections and of card chargebacks.
RETURN_SUBFAMILIES = {"UPDD", "RRTN", "RPCR", "CHRG_BACK", "CHBK", "ARET"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def detect(data: bytes) -> str | None:
    """'camt.053' or 'camt.054' when the bytes look like such a document, else None."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    match = re.search(rb"urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d\d", data[:4096])
    return match.group(1).decode() if match else "xml"


def _strip(root: etree._Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _first(element: etree._Element | None, *paths: str) -> str:
    for path in paths:
        value = _text(element, path)
        if value:
            return value
    return ""


def _date(element: etree._Element | None, what: str) -> date | None:
    """A date from ``<Dt>`` or the date part of ``<DtTm>``."""
    value = _first(element, "Dt", "DtTm")
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Unreadable(f"{what} {value!r} is not a date.") from exc


def _amount(element: etree._Element | None, what: str) -> tuple[Decimal, str]:
    if element is None or not (element.text or "").strip():
        raise Unreadable(f"{what} has no amount.")
    currency = (element.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise Unreadable(f"{what} has no currency (attribute Ccy).")
    return amount_parse(element.text, decimal="."), currency


def _signed(amount: Decimal, indicator: str, what: str) -> Decimal:
    if indicator == "CRDT":
        return amount
    if indicator == "DBIT":
        return -amount
    raise Unreadable(f"{what}: CdtDbtInd {indicator!r} is neither CRDT nor DBIT.")


def parse(data: bytes) -> list[ParsedStatement]:
    try:
        root = etree.fromstring(data, parser=_parser())  # noqa: S320 - hardened parser above
    except etree.XMLSyntaxError as exc:
        raise Unreadable(f"the XML is broken or cut off ({exc.msg}).") from exc
    if root is None:
        raise Unreadable("the XML document is empty.")
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise Unreadable("XML with a DOCTYPE is refused (entities are not expanded).")
    match = NAMESPACE.match(etree.QName(root).namespace or "")
    if not match:
        raise Unreadable("this XML is not a camt.053 or camt.054 document (ISO 20022 namespace).")
    message = match.group(1)
    _strip(root)
    container, record = CONTAINERS[message]
    body = root.find(container)
    if body is None:
        raise Unreadable(f"the {message} document has no {container} element.")
    statements = [_statement(el, message, index) for index, el in enumerate(body.findall(record), 1)]
    if not statements:
        raise Unreadable(f"the {message} document holds no {record} element.")
    return statements


def _statement(element: etree._Element, message: str, index: int) -> ParsedStatement:
    what = f"statement {index}"
    account = element.find("Acct")
    iban = iban_clean(_first(account, "Id/IBAN", "Id/Othr/Id"))
    if not iban:
        raise Unreadable(f"{what} names no account (Acct/Id).")
    currency = _text(account, "Ccy").upper()
    statement = ParsedStatement(
        file_format="camt053" if message == "camt.053" else "camt054",
        account_iban=iban,
        currency=currency,
        bank_statement_id=_text(element, "Id"),
    )
    for balance in element.findall("Bal"):
        code = _first(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount, ccy = _amount(balance.find("Amt"), f"{what}, balance {code}")
        signed = _signed(amount, _text(balance, "CdtDbtInd"), f"{what}, balance {code}")
        statement.currency = statement.currency or ccy
        if code in ("OPBD", "PRCD") and statement.opening_balance is None:
            statement.opening_balance = signed
            statement.from_on = _date(balance.find("Dt"), f"{what}, balance date")
        elif code in ("CLBD",):
            statement.closing_balance = signed
            statement.to_on = _date(balance.find("Dt"), f"{what}, balance date")
    period = element.find("FrToDt")
    if period is not None:
        statement.from_on = _date_value(_text(period, "FrDtTm"), what) or statement.from_on
        statement.to_on = _date_value(_text(period, "ToDtTm"), what) or statement.to_on
    for number, entry in enumerate(element.findall("Ntry"), 1):
        statement.lines.extend(_entry(entry, f"{what}, entry {number}"))
    if not statement.currency and statement.lines:
        statement.currency = statement.lines[0].currency
    return statement


def _date_value(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Unreadable(f"{what}: {value!r} is not a date.") from exc


def _entry(entry: etree._Element, what: str) -> list[ParsedLine]:
    status = _first(entry, "Sts/Cd", "Sts")
    if status and status not in ("BOOK",):
        return []  # pending or information only: not money on the account yet
    amount, currency = _amount(entry.find("Amt"), what)
    indicator = _text(entry, "CdtDbtInd")
    signed = _signed(amount, indicator, what)
    booked_on = _date(entry.find("BookgDt"), f"{what}, booking date")
    value_on = _date(entry.find("ValDt"), f"{what}, value date") or booked_on
    if booked_on is None:
        booked_on = value_on
    if booked_on is None or value_on is None:
        raise Unreadable(f"{what} has no booking date.")
    reversal = _text(entry, "RvslInd").lower() == "true"
    family = "/".join(
        part
        for part in (
            _text(entry, "BkTxCd/Domn/Cd"),
            _text(entry, "BkTxCd/Domn/Fmly/Cd"),
            _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
        )
        if part
    )
    proprietary = _text(entry, "BkTxCd/Prtry/Cd")
    bank_code = family or proprietary
    entry_ref = _first(entry, "AcctSvcrRef", "NtryRef")
    details = entry.findall("NtryDtls/TxDtls")
    lines: list[ParsedLine] = []
    for position, tx in enumerate(details or [None], 1):
        line_amount = signed
        if tx is not None and len(details) > 1:
            own = tx.find("Amt") if tx.find("Amt") is not None else tx.find("AmtDtls/TxAmt/Amt")
            if own is None:
                # A batch without amounts per transaction: one line for the whole entry.
                return [_line(entry, None, signed, currency, booked_on, value_on, bank_code, entry_ref,
                              reversal)]  # fmt: skip
            part, _ccy = _amount(own, f"{what}, transaction {position}")
            line_amount = _signed(part, _text(tx, "CdtDbtInd") or indicator, what)
        reference = entry_ref if len(details) <= 1 else f"{entry_ref}/{position}"
        lines.append(
            _line(entry, tx, line_amount, currency, booked_on, value_on, bank_code, reference, reversal)
        )
    return lines


def _line(
    entry: etree._Element,
    tx: etree._Element | None,
    amount: Decimal,
    currency: str,
    booked_on: date,
    value_on: date,
    bank_code: str,
    entry_ref: str,
    reversal: bool,
) -> ParsedLine:
    credit = amount > 0
    return_reason = _first(tx, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry")
    tx_family = _text(tx, "BkTxCd/Domn/Fmly/SubFmlyCd") if tx is not None else ""
    subfamily = tx_family or (bank_code.rsplit("/", 1)[-1] if "/" in bank_code else "")
    is_return = bool(return_reason) or (not credit and (reversal or subfamily in RETURN_SUBFAMILIES))
    # The payer of money in is the debtor; for a return, the debtor of the original collection.
    role = "Dbtr" if credit or is_return else "Cdtr"
    party = None
    if tx is not None:
        party = tx.find(f"RltdPties/{role}")
        if party is None and is_return:
            party = tx.find("RltdPties/Cdtr")
    name = _first(party, "Pty/Nm", "Nm")
    ultimate = _first(tx, f"RltdPties/Ultmt{role}/Pty/Nm", f"RltdPties/Ultmt{role}/Nm")
    account = _first(tx, f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id")
    bic = _first(tx, f"RltdAgts/{role}Agt/FinInstnId/BICFI", f"RltdAgts/{role}Agt/FinInstnId/BIC")
    texts = [el.text.strip() for el in (tx.findall("RmtInf/Ustrd") if tx is not None else []) if el.text]
    if not texts:
        texts = [_text(entry, "AddtlNtryInf")] if _text(entry, "AddtlNtryInf") else []
    structured = ""
    if tx is not None:
        for strd in tx.findall("RmtInf/Strd"):
            structured = structured or _text(strd, "CdtrRefInf/Ref")
            texts.extend(el.text.strip() for el in strd.findall("AddtlRmtInf") if el.text)
            invoice_ref = _text(strd, "RfrdDocInf/Nb")
            if invoice_ref:
                texts.append(invoice_ref)
    reference = _first(tx, "Refs/AcctSvcrRef", "Refs/TxId") or entry_ref
    return ParsedLine(
        booked_on=booked_on,
        value_on=value_on,
        amount=amount,
        currency=currency,
        counterparty_name=(name or ultimate)[:140],
        counterparty_iban=iban_clean(account),
        counterparty_bic=bic[:11],
        remittance=" ".join(texts)[:2000],
        structured_reference=structured[:35],
        end_to_end_id=_end_to_end(tx),
        mandate_id=_text(tx, "Refs/MndtId")[:35],
        bank_reference=reference[:100],
        bank_code=bank_code[:40],
        is_return=is_return,
        return_reason=return_reason[:10],
    )


def _end_to_end(tx: etree._Element | None) -> str:
    value = _text(tx, "Refs/EndToEndId")
    return "" if value.upper() == "NOTPROVIDED" else value[:35]
