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


# (path of the parent, tag) -> path of the child ("" for what is not an element): the walk
# below meets the same few dozen of them a million times in a large statement.
_PATHS: dict[tuple[str, object], str] = {}


def _path(prefix: str, tag: object) -> str:
    path = prefix + tag.rpartition("}")[2] if isinstance(tag, str) else ""
    if len(_PATHS) < 8192:
        _PATHS[(prefix, tag)] = path
    return path


class Flat:
    """The leaves under an element by path of local names ("RmtInf/Ustrd" → its texts, in
    document order), read in one walk: a hundred thousand entries cost one pass each, not
    one ``find`` per field. The currency (attribute ``Ccy``) is kept for amounts, the
    leaves named ``…Amt``."""

    __slots__ = ("ccy", "texts")

    def __init__(self, element: etree._Element | None, *, skip: tuple[str, ...] = ()) -> None:
        self.texts: dict[str, list[str]] = {}
        self.ccy: dict[str, str] = {}
        if element is not None:
            self._walk(element, "", skip)

    def _walk(self, element: etree._Element, prefix: str, skip: tuple[str, ...]) -> None:
        texts, paths = self.texts, _PATHS
        for child in element:
            path = paths.get((prefix, child.tag))
            if path is None:
                path = _path(prefix, child.tag)
            if not path or (skip and path in skip):
                continue
            if len(child):
                self._walk(child, path + "/", skip)
                continue
            text = child.text
            text = text.strip() if text else ""
            found = texts.get(path)
            if found is None:
                texts[path] = [text]
            else:
                found.append(text)
            if path.endswith("Amt"):
                currency = child.get("Ccy")
                if currency is not None:
                    self.ccy.setdefault(path, currency)

    def text(self, *paths: str) -> str:
        for path in paths:
            for value in self.texts.get(path, ()):
                if value:
                    return value
        return ""

    def all(self, path: str) -> list[str]:
        return [v for v in self.texts.get(path, ()) if v]

    def has(self, path: str) -> bool:
        return path in self.texts

    def date(self, prefix: str, what: str) -> date | None:
        value = self.text(f"{prefix}/Dt", f"{prefix}/DtTm")
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise Unreadable(f"{what} {value!r} is not a date.") from exc

    def amount(self, path: str, what: str) -> tuple[Decimal, str]:
        value = self.text(path)
        if not value:
            raise Unreadable(f"{what} has no amount.")
        currency = self.ccy.get(path, "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise Unreadable(f"{what} has no currency (attribute Ccy).")
        return amount_parse(value, decimal="."), currency


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """The child elements named ``name`` in any namespace (lxml filters them in C)."""
    return list(element.iterchildren("{*}" + name))


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
    container, record = CONTAINERS[message]
    bodies = _children(root, container)
    if not bodies:
        raise Unreadable(f"the {message} document has no {container} element.")
    records = _children(bodies[0], record)
    statements = [_statement(el, message, index) for index, el in enumerate(records, 1)]
    if not statements:
        raise Unreadable(f"the {message} document holds no {record} element.")
    return statements


def _statement(element: etree._Element, message: str, index: int) -> ParsedStatement:
    what = f"statement {index}"
    account = Flat(next(iter(_children(element, "Acct")), None))
    iban = iban_clean(account.text("Id/IBAN", "Id/Othr/Id"))
    if not iban:
        raise Unreadable(f"{what} names no account (Acct/Id).")
    statement = ParsedStatement(
        file_format="camt053" if message == "camt.053" else "camt054",
        account_iban=iban,
        currency=account.text("Ccy").upper(),
        bank_statement_id=Flat(element, skip=("Acct", "Bal", "Ntry", "FrToDt", "TxsSummry")).text("Id"),
    )
    for balance_element in _children(element, "Bal"):
        balance = Flat(balance_element)
        code = balance.text("Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount, ccy = balance.amount("Amt", f"{what}, balance {code}")
        signed = _signed(amount, balance.text("CdtDbtInd"), f"{what}, balance {code}")
        statement.currency = statement.currency or ccy
        if code in ("OPBD", "PRCD") and statement.opening_balance is None:
            statement.opening_balance = signed
            statement.from_on = balance.date("Dt", f"{what}, balance date")
        elif code == "CLBD":
            statement.closing_balance = signed
            statement.to_on = balance.date("Dt", f"{what}, balance date")
    for period_element in _children(element, "FrToDt"):
        period = Flat(period_element)
        statement.from_on = _date_value(period.text("FrDtTm"), what) or statement.from_on
        statement.to_on = _date_value(period.text("ToDtTm"), what) or statement.to_on
    for number, entry in enumerate(_children(element, "Ntry"), 1):
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


def _entry(element: etree._Element, what: str) -> list[ParsedLine]:
    entry = Flat(element, skip=("NtryDtls",))
    status = entry.text("Sts/Cd", "Sts")
    if status and status != "BOOK":
        return []  # pending or information only: not money on the account yet
    amount, currency = entry.amount("Amt", what)
    indicator = entry.text("CdtDbtInd")
    signed = _signed(amount, indicator, what)
    booked_on = entry.date("BookgDt", f"{what}, booking date")
    value_on = entry.date("ValDt", f"{what}, value date") or booked_on
    booked_on = booked_on or value_on
    if booked_on is None or value_on is None:
        raise Unreadable(f"{what} has no booking date.")
    reversal = entry.text("RvslInd").lower() == "true"
    family = "/".join(
        part
        for part in (entry.text("BkTxCd/Domn/Cd"), entry.text("BkTxCd/Domn/Fmly/Cd"),
                     entry.text("BkTxCd/Domn/Fmly/SubFmlyCd"))
        if part
    )  # fmt: skip
    bank_code = family or entry.text("BkTxCd/Prtry/Cd")
    entry_ref = entry.text("AcctSvcrRef", "NtryRef")
    details = [Flat(tx) for dtls in _children(element, "NtryDtls") for tx in _children(dtls, "TxDtls")]
    lines: list[ParsedLine] = []
    for position, tx in enumerate(details or [None], 1):
        line_amount = signed
        if tx is not None and len(details) > 1:
            path = "Amt" if tx.has("Amt") else "AmtDtls/TxAmt/Amt" if tx.has("AmtDtls/TxAmt/Amt") else ""
            if not path:
                # A batch without amounts per transaction: one line for the whole entry.
                return [_line(entry, None, signed, currency, booked_on, value_on, bank_code, entry_ref,
                              reversal)]  # fmt: skip
            part, _ccy = tx.amount(path, f"{what}, transaction {position}")
            line_amount = _signed(part, tx.text("CdtDbtInd") or indicator, what)
        reference = entry_ref if len(details) <= 1 else f"{entry_ref}/{position}"
        lines.append(
            _line(entry, tx, line_amount, currency, booked_on, value_on, bank_code, reference, reversal)
        )
    return lines


# The paths of a party's facts, by role (written once, not per line).
_ROLE_PATHS = {
    role: {
        "name": (f"RltdPties/{role}/Pty/Nm", f"RltdPties/{role}/Nm"),
        "ultimate": (f"RltdPties/Ultmt{role}/Pty/Nm", f"RltdPties/Ultmt{role}/Nm"),
        "account": (f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id"),
        "bic": (f"RltdAgts/{role}Agt/FinInstnId/BICFI", f"RltdAgts/{role}Agt/FinInstnId/BIC"),
    }
    for role in ("Dbtr", "Cdtr")
}


def _line(
    entry: Flat,
    tx: Flat | None,
    amount: Decimal,
    currency: str,
    booked_on: date,
    value_on: date,
    bank_code: str,
    entry_ref: str,
    reversal: bool,
) -> ParsedLine:
    tx = tx or Flat(None)
    credit = amount > 0
    return_reason = tx.text("RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry")
    subfamily = tx.text("BkTxCd/Domn/Fmly/SubFmlyCd") or (
        bank_code.rsplit("/", 1)[-1] if "/" in bank_code else ""
    )
    is_return = bool(return_reason) or (not credit and (reversal or subfamily in RETURN_SUBFAMILIES))
    # The payer of money in is the debtor; for a return, the debtor of the original collection.
    paths = _ROLE_PATHS["Dbtr" if credit or is_return else "Cdtr"]
    name = tx.text(*paths["name"])
    if not name and is_return:
        name = tx.text(*_ROLE_PATHS["Cdtr"]["name"])
    ultimate = tx.text(*paths["ultimate"])
    account = tx.text(*paths["account"])
    bic = tx.text(*paths["bic"])
    texts = tx.all("RmtInf/Ustrd") or entry.all("AddtlNtryInf")[:1]
    texts += tx.all("RmtInf/Strd/AddtlRmtInf") + tx.all("RmtInf/Strd/RfrdDocInf/Nb")
    structured = tx.text("RmtInf/Strd/CdtrRefInf/Ref")
    end_to_end = tx.text("Refs/EndToEndId")
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
        end_to_end_id="" if end_to_end.upper() == "NOTPROVIDED" else end_to_end[:35],
        mandate_id=tx.text("Refs/MndtId")[:35],
        bank_reference=(tx.text("Refs/AcctSvcrRef", "Refs/TxId") or entry_ref)[:100],
        bank_code=bank_code[:40],
        is_return=is_return,
        return_reason=return_reason[:10],
    )
