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
import sys
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from lxml import etree

from .base import ParsedLine, ParsedStatement, Unreadable, amount_parse, iban_clean

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d\d)$")
CONTAINERS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
# Bank transaction codes of returned or reversed collections and of card chargebacks.
RETURN_SUBFAMILIES = {"UPDD", "RRTN", "RPCR", "CHRG_BACK", "CHBK", "ARET"}
CURRENCY = re.compile(r"[A-Z]{3}")


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


class Questions:
    """Several ``Flat.text`` questions (each a tuple of paths, the first non-empty text wins)
    asked at once with ``Flat.texts``. Which paths an element of a given shape has is found
    once per shape; the entries of that shape then read only the texts that are there."""

    __slots__ = ("paths",)

    def __init__(self, *paths: tuple[str, ...]) -> None:
        self.paths = paths


# Where the leaves of one shape of element are, by path (indexes in its ``els``), and the
# answers found so far to the Questions asked of that shape (slot, indexes).
Layout = dict[str, tuple[int, ...]]
Answers = dict[Questions, list[tuple[int, tuple[int, ...]]]]


class Flat:
    """The leaves under an element by path of local names ("RmtInf/Ustrd" → their texts, in
    document order), found in one walk rather than one ``find`` per field: ``els`` holds the
    elements, ``paths`` the indexes in ``els`` of each path's leaves. An element with children
    (an entity reference counts) is no leaf. Texts are read and stripped when asked for, as
    is the currency (attribute ``Ccy``) of amounts, the leaves named ``…Amt``."""

    __slots__ = ("els", "paths", "answers")

    def __init__(self, els: list[etree._Element], paths: Layout, answers: Answers) -> None:
        self.els = els
        self.paths = paths
        self.answers = answers

    @classmethod
    def of(cls, element: etree._Element | None, *, skip: tuple[str, ...] = ()) -> Flat:
        """The leaves under ``element`` except those under a path in ``skip``. Entries are
        read by ``_entry_flats``, which walks once per shape of entry, not once per entry."""
        leaves: list[etree._Element] = []
        paths: dict[str, list[int]] = {}
        if element is not None:
            _walk(element, "", skip, leaves, paths)
        return cls(leaves, {path: tuple(found) for path, found in paths.items()}, {})

    def text(self, *paths: str) -> str:
        els, found = self.els, self.paths
        for path in paths:
            for index in found.get(path, ()):
                value = els[index].text
                if value:
                    value = value.strip()
                    if value:
                        return value
        return ""

    def texts(self, questions: Questions) -> list[str]:
        """``[self.text(*paths) for paths in questions.paths]``, reading only what is there."""
        answers = self.answers.get(questions)
        if answers is None:
            found = self.paths
            answers = []
            for slot, paths in enumerate(questions.paths):
                indexes = tuple(index for path in paths for index in found.get(path, ()))
                if indexes:
                    answers.append((slot, indexes))
            self.answers[questions] = answers
        values = [""] * len(questions.paths)
        els = self.els
        for slot, indexes in answers:
            for index in indexes:
                value = els[index].text
                if value:
                    value = value.strip()
                    if value:
                        values[slot] = value
                        break
        return values

    def all(self, path: str) -> list[str]:
        indexes = self.paths.get(path)
        if not indexes:
            return []
        els = self.els
        texts = ((els[index].text or "").strip() for index in indexes)
        return [value for value in texts if value]

    def has(self, path: str) -> bool:
        return path in self.paths

    def date(self, prefix: str, what: str) -> date | None:
        return _date_of(self.text(f"{prefix}/Dt", f"{prefix}/DtTm"), what)

    def amount(self, path: str, what: str) -> tuple[Decimal, str]:
        leaves = [self.els[index] for index in self.paths.get(path, ())]
        value = _first_text(leaves)
        if not value:
            raise Unreadable(f"{what} has no amount.")
        currency = None
        if path.endswith("Amt"):
            for leaf in leaves:
                currency = leaf.get("Ccy")
                if currency is not None:
                    break
        currency = (currency or "").strip().upper()
        if not CURRENCY.fullmatch(currency):
            raise Unreadable(f"{what} has no currency (attribute Ccy).")
        return amount_parse(value, decimal="."), currency


EMPTY = Flat([], {}, {})


def _walk(
    element: etree._Element,
    prefix: str,
    skip: tuple[str, ...],
    leaves: list[etree._Element],
    paths: dict[str, list[int]],
) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # an entity reference (lxml's _Entity), not an element
        path = prefix + tag.rpartition("}")[2]
        if skip and path in skip:
            continue
        if len(child):
            _walk(child, path + "/", skip, leaves, paths)
            continue
        found = paths.get(path)
        if found is None:
            paths[path] = [len(leaves)]
        else:
            found.append(len(leaves))
        leaves.append(child)


# An entry's plan: the layout of its own leaves (NtryDtls left out), then that of each of its
# transactions (NtryDtls/TxDtls), all as indexes in the entry's ``list(element.iter())``.
Plan = tuple[tuple[Layout, Answers], tuple[tuple[Layout, Answers], ...]]
# The plans by the numbers of children of an entry's elements, then by their tags. Bounded:
# emptied when full, since a worker reads one bank's files, then another bank's.
_PLANS: dict[tuple[int, ...], list[tuple[tuple[object, ...], Plan]]] = {}
_PLANS_MAX = 64  # numbers of children
_TAGS_MAX = 8  # shapes of the same numbers of children (credits name a Dbtr, debits a Cdtr)
_SHAPE_MAX = 256  # elements: an entry larger (a batch of many transactions) hardly has a twin
_tag = attrgetter("tag")


def _entry_flats(element: etree._Element) -> tuple[Flat, list[Flat]]:
    """The entry and its transactions (NtryDtls/TxDtls), as ``Flat.of(element, skip=
    ("NtryDtls",))`` and ``Flat.of(tx)`` give them, for much less.

    Why plans: walking each entry in Python (per element a path lookup, a strip and an
    append) cost most of the 3.2 s a statement of 100,000 entries took, yet a bank writes
    nearly all its entries in a handful of shapes. The shape, each element's tag and number
    of children in document order, lxml reads in C, and it fixes the tree exactly (the tags
    alone would not tell the nesting). The walk runs once per shape; where it found each
    path's leaves serves every entry of that shape, which then costs its shape and the texts
    asked for. The tags count with their namespace, and an entity reference with its own tag
    (not a string), so entries of one shape are read alike in every respect. The shape is now
    most of an entry's cost (about 5 µs, mostly lxml making the tag strings): the numbers of
    children are looked up first and the tags compared after, since hashing new tag strings
    for every entry costs more than comparing them.
    """
    els = list(element.iter())
    if len(els) > _SHAPE_MAX:
        entry, details = _plan(element, els)
    else:
        counts = tuple(map(len, els))
        tags = tuple(map(_tag, els))
        shapes = _PLANS.get(counts)
        if shapes is None:
            if len(_PLANS) >= _PLANS_MAX:
                _PLANS.clear()
            shapes = _PLANS.setdefault(counts, [])
        plan = None
        for known, candidate in shapes:
            if known == tags:
                plan = candidate
                break
        if plan is None:
            plan = _plan(element, els)
            if len(shapes) >= _TAGS_MAX:
                shapes.clear()
            # One string per tag name for all shapes kept, not one per element.
            shapes.append((tuple(sys.intern(tag) if isinstance(tag, str) else tag for tag in tags), plan))
        entry, details = plan
    return Flat(els, *entry), [Flat(els, *layout) for layout in details]


def _plan(element: etree._Element, els: list[etree._Element]) -> Plan:
    position = {el: index for index, el in enumerate(els)}

    def layout(root: etree._Element, skip: tuple[str, ...] = ()) -> tuple[Layout, Answers]:
        flat = Flat.of(root, skip=skip)
        return {path: tuple(position[flat.els[i]] for i in found) for path, found in flat.paths.items()}, {}

    details = tuple(layout(tx) for dtls in _children(element, "NtryDtls") for tx in _children(dtls, "TxDtls"))
    return layout(element, ("NtryDtls",)), details


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """The child elements named ``name`` in any namespace (lxml filters them in C)."""
    return list(element.iterchildren("{*}" + name))


def _first_text(elements: list[etree._Element]) -> str:
    """What ``Flat.text`` answers for a path whose elements are ``elements``."""
    for element in elements:
        if not len(element):
            value = (element.text or "").strip()
            if value:
                return value
    return ""


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
    # One scan of the statement's children for these (there may be 100,000 entries among them).
    parts: dict[str, list[etree._Element]] = {"Acct": [], "Bal": [], "FrToDt": [], "Id": []}
    for child in element.iterchildren("{*}Acct", "{*}Bal", "{*}FrToDt", "{*}Id"):
        parts[child.tag.rpartition("}")[2]].append(child)
    account = Flat.of(next(iter(parts["Acct"]), None))
    iban = iban_clean(account.text("Id/IBAN", "Id/Othr/Id"))
    if not iban:
        raise Unreadable(f"{what} names no account (Acct/Id).")
    statement = ParsedStatement(
        file_format="camt053" if message == "camt.053" else "camt054",
        account_iban=iban,
        currency=account.text("Ccy").upper(),
        bank_statement_id=_first_text(parts["Id"]),
    )
    for balance_element in parts["Bal"]:
        balance = Flat.of(balance_element)
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
    for period_element in parts["FrToDt"]:
        period = Flat.of(period_element)
        statement.from_on = _date_of(period.text("FrDtTm"), f"{what}:") or statement.from_on
        statement.to_on = _date_of(period.text("ToDtTm"), f"{what}:") or statement.to_on
    for number, entry in enumerate(element.iterchildren("{*}Ntry"), 1):
        statement.lines.extend(_entry(entry, what, number))
    if not statement.currency and statement.lines:
        statement.currency = statement.lines[0].currency
    return statement


def _date_of(value: str, what: str) -> date | None:
    """The date a Dt or DtTm element's text begins with; ``what`` names it in the message."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Unreadable(f"{what} {value!r} is not a date.") from exc


_ENTRY = Questions(
    ("Sts/Cd", "Sts"),
    ("CdtDbtInd",),
    ("BookgDt/Dt", "BookgDt/DtTm"),
    ("ValDt/Dt", "ValDt/DtTm"),
    ("RvslInd",),
    ("BkTxCd/Domn/Cd",),
    ("BkTxCd/Domn/Fmly/Cd",),
    ("BkTxCd/Domn/Fmly/SubFmlyCd",),
    ("BkTxCd/Prtry/Cd",),
    ("AcctSvcrRef", "NtryRef"),
    ("AddtlNtryInf",),
)


def _entry(element: etree._Element, statement: str, number: int) -> list[ParsedLine]:
    what = f"{statement}, entry {number}"
    entry, details = _entry_flats(element)
    (status, indicator, booked, valued, reversal, domain, family, subfamily, proprietary, entry_ref,
     info) = entry.texts(_ENTRY)  # fmt: skip
    if status and status != "BOOK":
        return []  # pending or information only: not money on the account yet
    amount, currency = entry.amount("Amt", what)
    signed = _signed(amount, indicator, what)
    booked_on = _date_of(booked, f"{what}, booking date")
    value_on = _date_of(valued, f"{what}, value date") or booked_on
    booked_on = booked_on or value_on
    if booked_on is None or value_on is None:
        raise Unreadable(f"{what} has no booking date.")
    bank_code = "/".join(filter(None, (domain, family, subfamily))) or proprietary
    head = _Head(currency, booked_on, value_on, bank_code, reversal.lower() == "true", info)
    if len(details) <= 1:
        return [_line(head, details[0] if details else None, signed, entry_ref)]
    lines: list[ParsedLine] = []
    for position, tx in enumerate(details, 1):
        path = "Amt" if tx.has("Amt") else "AmtDtls/TxAmt/Amt" if tx.has("AmtDtls/TxAmt/Amt") else ""
        if not path:
            # A batch without amounts per transaction: one line for the whole entry.
            return [_line(head, None, signed, entry_ref)]
        part, _ccy = tx.amount(path, f"{what}, transaction {position}")
        line_amount = _signed(part, tx.text("CdtDbtInd") or indicator, what)
        lines.append(_line(head, tx, line_amount, f"{entry_ref}/{position}"))
    return lines


class _Head(NamedTuple):
    """What an entry gives each of its lines."""

    currency: str
    booked_on: date
    value_on: date
    bank_code: str
    reversal: bool
    info: str  # AddtlNtryInf: the remittance of a line that has none of its own


def _party(role: str) -> tuple[tuple[str, ...], ...]:
    return (
        (f"RltdPties/{role}/Pty/Nm", f"RltdPties/{role}/Nm"),
        (f"RltdPties/Ultmt{role}/Pty/Nm", f"RltdPties/Ultmt{role}/Nm"),
        (f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id"),
        (f"RltdAgts/{role}Agt/FinInstnId/BICFI", f"RltdAgts/{role}Agt/FinInstnId/BIC"),
    )


# A line's facts, then the name, ultimate party's name, account and BIC of its debtor and of
# its creditor (both read: only the leaves an entry has cost anything).
_LINE = Questions(
    ("RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
    ("BkTxCd/Domn/Fmly/SubFmlyCd",),
    ("RmtInf/Strd/CdtrRefInf/Ref",),
    ("Refs/EndToEndId",),
    ("Refs/MndtId",),
    ("Refs/AcctSvcrRef", "Refs/TxId"),
    *_party("Dbtr"),
    *_party("Cdtr"),
)


def _line(head: _Head, tx: Flat | None, amount: Decimal, entry_ref: str) -> ParsedLine:
    tx = tx or EMPTY
    currency, booked_on, value_on, bank_code, reversal, info = head
    values = tx.texts(_LINE)
    return_reason, subfamily, structured, end_to_end, mandate, reference = values[:6]
    debtor, creditor = values[6:10], values[10:]
    credit = amount > 0
    subfamily = subfamily or (bank_code.rsplit("/", 1)[-1] if "/" in bank_code else "")
    is_return = bool(return_reason) or (not credit and (reversal or subfamily in RETURN_SUBFAMILIES))
    # The payer of money in is the debtor; for a return, the debtor of the original collection.
    name, ultimate, account, bic = debtor if credit or is_return else creditor
    if not name and is_return:
        name = creditor[0]
    texts = tx.all("RmtInf/Ustrd") or ([info] if info else [])
    texts += tx.all("RmtInf/Strd/AddtlRmtInf") + tx.all("RmtInf/Strd/RfrdDocInf/Nb")
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
        mandate_id=mandate[:35],
        bank_reference=(reference or entry_ref)[:100],
        bank_code=bank_code[:40],
        is_return=is_return,
        return_reason=return_reason[:10],
    )
