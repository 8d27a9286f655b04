"""E-invoices as import rows: XRechnung UBL and CII XML, ZUGFeRD/Factur-X PDF.

One document is one open item. The seller is the creditor; the buyer becomes the debtor.
Fields are read by their EN 16931 business terms (BT-1 invoice number, BT-2 issue date,
BT-9 due date, BT-112 gross, BT-115 amount due…); errors name the business term in the
column. XML is parsed hardened: no DTD, no entities, no network, and a DOCTYPE is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree

from .reading import ReadFile, failed
from .rows import ImportRow, RowError
from .tabular import MAX_LENGTH
from .values import (
    BadValue,
    fold,
    parse_amount,
    parse_country,
    parse_currency,
    parse_date,
    parse_email,
    parse_phone,
    parse_vat_id,
)

logger = logging.getLogger(__name__)

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD_1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
# UNTDID 1001 document types that EN 16931 treats as credit notes.
CREDIT_NOTE_TYPES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})

# What each field is called in the report: the EN 16931 business term.
LABELS = {
    "invoice_number": "BT-1 Invoice number",
    "issued_on": "BT-2 Invoice issue date",
    "currency": "BT-5 Invoice currency code",
    "due_on": "BT-9 Payment due date",
    "order_reference": "BT-13 Purchase order reference",
    "debtor_name": "BT-44 Buyer name",
    "debtor_number": "BT-46 Buyer identifier",
    "vat_id": "BT-48 Buyer VAT identifier",
    "country": "BT-55 Buyer country code",
    "net_amount": "BT-109 Invoice total amount without VAT",
    "vat_amount": "BT-110 Invoice total VAT amount",
    "amount": "BT-112 Invoice total amount with VAT",
    "open_amount": "BT-115 Amount due for payment",
}
_TERMS_DAYS = re.compile(
    r"(\d{1,3})\s*(?:tage|tagen|days?|dagen|dag|jours?|j\b|d\b)|\bnet(?:to)?\s*(\d{1,3})\b", re.I
)


_TERMS_DATE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})\b")


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


# One invoice is small; a bigger "e-invoice" is a mistake or an attack, not a document.
XML_MAX_BYTES = 20_000_000
PDF_MAX_BYTES = 50_000_000


def read_xml(path: Path, *, creditor_country: str, default_currency: str) -> ReadFile:
    try:
        if path.stat().st_size > XML_MAX_BYTES:
            return failed("xml", f"an e-invoice XML over {XML_MAX_BYTES // 1_000_000} MB: refused")
        data = path.read_bytes()
    except OSError as exc:
        return failed("xml", f"the file cannot be read: {exc.strerror or exc}")
    return parse_invoice_xml(data, creditor_country=creditor_country, default_currency=default_currency)


def read_pdf(path: Path, *, creditor_country: str, default_currency: str) -> ReadFile:
    """The EN 16931 XML a ZUGFeRD/Factur-X PDF carries, read like an XML e-invoice."""
    import facturx

    try:
        if path.stat().st_size > PDF_MAX_BYTES:
            return failed("zugferd", f"a PDF over {PDF_MAX_BYTES // 1_000_000} MB: refused")
        data = path.read_bytes()
        # factur-x parses each attachment with lxml's default parser: make that the
        # hardened one for this thread while it runs.
        previous = etree.get_default_parser()
        etree.set_default_parser(hardened_parser())
        try:
            _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
        finally:
            etree.set_default_parser(previous)
    except Exception as exc:  # noqa: BLE001 - pypdf raises anything on a damaged PDF
        logger.info("pdf unreadable: %s", exc, exc_info=True)
        return failed(
            "zugferd",
            f"the PDF cannot be read ({type(exc).__name__}): expected a ZUGFeRD or Factur-X invoice",
        )
    if not xml:
        return failed(
            "zugferd",
            "the PDF carries no e-invoice XML: expected a ZUGFeRD or Factur-X PDF (a plain PDF "
            "invoice cannot be imported; export the open items as CSV instead)",
        )
    result = parse_invoice_xml(xml, creditor_country=creditor_country, default_currency=default_currency)
    result.file_format = "zugferd"
    return result


def parse_invoice_xml(data: bytes, *, creditor_country: str, default_currency: str) -> ReadFile:
    """An XRechnung/EN 16931 document (UBL Invoice or CreditNote, CII, ZUGFeRD 1.0) as a
    `ReadFile` with one row."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head or b"<\x00!\x00d\x00o\x00c" in head:
        return failed("xml", "the XML declares a DOCTYPE, which e-invoices never need: refused")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        return failed("xml", f"not well-formed XML ({exc}): expected an XRechnung or ZUGFeRD invoice")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return failed("xml", "the XML declares a DOCTYPE, which e-invoices never need: refused")
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname == "StandardBusinessDocument":
        # A Peppol envelope: the invoice is its payload.
        for child in root:
            if isinstance(child.tag, str) and etree.QName(child).namespace in (
                UBL_INVOICE,
                UBL_CREDIT_NOTE,
                CII,
            ):
                root, namespace = child, etree.QName(child).namespace
                break
    if namespace in (UBL_INVOICE, UBL_CREDIT_NOTE):
        file_format, reader = "xrechnung-ubl", _ubl
    elif namespace in (CII, ZUGFERD_1):
        file_format, reader = "xrechnung-cii", _cii
    else:
        return failed(
            "xml",
            f"an XML document of type {etree.QName(root).localname!r}: expected an e-invoice "
            "(XRechnung UBL Invoice/CreditNote or CII CrossIndustryInvoice)",
        )
    _strip_namespaces(root)
    facts = reader(root)
    headers = list(LABELS.values())
    row = _row(facts, creditor_country=creditor_country, default_currency=default_currency, line=1)
    result = ReadFile(file_format, headers, dict(LABELS), [], header_line=0, row_count=1)
    result._rows = iter([row])
    return result


def _strip_namespaces(root: etree._Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname


def _text(root: etree._Element | None, *paths: str) -> tuple[str, int]:
    """The text of the first path that has some, with its line number."""
    if root is None:
        return "", 0
    for path in paths:
        for element in root.iterfind(path):
            text = (element.text or "").strip()
            if text:
                return text, element.sourceline or 0
    return "", 0


def _with_attr(root: etree._Element | None, path: str, attr: str, wanted: str) -> tuple[str, int]:
    if root is None:
        return "", 0
    fallback = ("", 0)
    for element in root.iterfind(path):
        text = (element.text or "").strip()
        if text and element.get(attr, "").strip().upper() == wanted.upper():
            return text, element.sourceline or 0
        if text and not fallback[0] and not element.get(attr):
            fallback = (text, element.sourceline or 0)
    return fallback


def _ubl(root: etree._Element) -> dict[str, tuple[str, int]]:
    party = root.find("AccountingCustomerParty/Party")
    currency = _text(root, "DocumentCurrencyCode")
    type_code = _text(root, "InvoiceTypeCode", "CreditNoteTypeCode")[0]
    vat_id = ("", 0)
    if party is not None:
        for scheme in party.iterfind("PartyTaxScheme"):
            if _text(scheme, "TaxScheme/ID")[0].upper() in ("VAT", ""):
                vat_id = _text(scheme, "CompanyID")
                break
    return {
        "credit_note": (
            "1" if etree.QName(root).localname == "CreditNote" or type_code in CREDIT_NOTE_TYPES else "",
            0,
        ),
        "invoice_number": _text(root, "ID"),
        "issued_on": _text(root, "IssueDate"),
        "due_on": _text(root, "DueDate", "PaymentMeans/PaymentDueDate", "PaymentTerms/PaymentDueDate"),
        "terms": _text(root, "PaymentTerms/Note"),
        "currency": currency,
        "order_reference": _text(root, "OrderReference/ID"),
        "buyer_reference": _text(root, "BuyerReference"),
        "debtor_number": _text(party, "PartyIdentification/ID"),
        "debtor_name": _text(party, "PartyLegalEntity/RegistrationName", "PartyName/Name"),
        "legal_id": _text(party, "PartyLegalEntity/CompanyID"),
        "vat_id": vat_id,
        "street": _text(party, "PostalAddress/StreetName"),
        "postal_code": _text(party, "PostalAddress/PostalZone"),
        "city": _text(party, "PostalAddress/CityName"),
        "country": _text(party, "PostalAddress/Country/IdentificationCode"),
        "contact_name": _text(party, "Contact/Name"),
        "phone": _text(party, "Contact/Telephone"),
        "email": _text(party, "Contact/ElectronicMail") or _with_attr(party, "EndpointID", "schemeID", "EM"),
        "net_amount": _text(root, "LegalMonetaryTotal/TaxExclusiveAmount"),
        "vat_amount": _with_attr(root, "TaxTotal/TaxAmount", "currencyID", currency[0]),
        "amount": _text(root, "LegalMonetaryTotal/TaxInclusiveAmount"),
        "prepaid": _text(root, "LegalMonetaryTotal/PrepaidAmount"),
        "open_amount": _text(root, "LegalMonetaryTotal/PayableAmount"),
    }


def _cii(root: etree._Element) -> dict[str, tuple[str, int]]:
    # CII (Factur-X, XRechnung) and ZUGFeRD 1.0 differ in the names of their containers.
    document = _first(root, "ExchangedDocument", "HeaderExchangedDocument")
    trade = _first(root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    agreement = _first(trade, "ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement")
    settlement = _first(trade, "ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement")
    totals = _first(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        "SpecifiedTradeSettlementMonetarySummation",
    )
    buyer = agreement.find("BuyerTradeParty") if agreement is not None else None
    currency = _text(settlement, "InvoiceCurrencyCode")
    vat_id = _with_attr(buyer, "SpecifiedTaxRegistration/ID", "schemeID", "VA")
    return {
        "credit_note": ("1" if _text(document, "TypeCode")[0] in CREDIT_NOTE_TYPES else "", 0),
        "invoice_number": _text(document, "ID"),
        "issued_on": _text(document, "IssueDateTime/DateTimeString"),
        "due_on": _text(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"),
        "terms": _text(settlement, "SpecifiedTradePaymentTerms/Description"),
        "currency": currency,
        "order_reference": _text(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID"),
        "buyer_reference": _text(agreement, "BuyerReference"),
        "debtor_number": _text(buyer, "ID", "GlobalID"),
        "debtor_name": _text(buyer, "Name", "SpecifiedLegalOrganization/TradingBusinessName"),
        "legal_id": _text(buyer, "SpecifiedLegalOrganization/ID"),
        "vat_id": vat_id,
        "street": _text(buyer, "PostalTradeAddress/LineOne"),
        "postal_code": _text(buyer, "PostalTradeAddress/PostcodeCode"),
        "city": _text(buyer, "PostalTradeAddress/CityName"),
        "country": _text(buyer, "PostalTradeAddress/CountryID"),
        "contact_name": _text(buyer, "DefinedTradeContact/PersonName"),
        "phone": _text(buyer, "DefinedTradeContact/TelephoneUniversalCommunication/CompleteNumber"),
        "email": _text(buyer, "DefinedTradeContact/EmailURIUniversalCommunication/URIID")
        or _with_attr(buyer, "URIUniversalCommunication/URIID", "schemeID", "EM"),
        "net_amount": _text(totals, "TaxBasisTotalAmount"),
        "vat_amount": _with_attr(totals, "TaxTotalAmount", "currencyID", currency[0]),
        "amount": _text(totals, "GrandTotalAmount"),
        "prepaid": _text(totals, "TotalPrepaidAmount"),
        "open_amount": _text(totals, "DuePayableAmount"),
    }


def _first(root: etree._Element | None, *names: str) -> etree._Element | None:
    if root is None:
        return None
    for name in names:
        found = root.find(name)
        if found is not None:
            return found
    return None


def _row(
    facts: dict[str, tuple[str, int]], *, creditor_country: str, default_currency: str, line: int
) -> ImportRow | list[RowError]:
    errors: list[RowError] = []

    def error(name: str, message: str) -> None:
        value, at = facts.get(name, ("", 0))
        errors.append(RowError(at or line, LABELS.get(name, name), value, message))

    text: dict[str, str] = {}
    for name in (
        "invoice_number",
        "debtor_name",
        "order_reference",
        "contact_name",
        "street",
        "postal_code",
        "city",
    ):
        value = facts[name][0]
        if len(value) > MAX_LENGTH[name]:
            error(name, f"too long: expected at most {MAX_LENGTH[name]} characters")
        text[name] = value
    if not text["invoice_number"]:
        error("invoice_number", "missing invoice number (BT-1): expected the document's ID")
    if not text["debtor_name"]:
        error("debtor_name", "missing buyer name (BT-44): expected the buyer's registration name")

    currency = default_currency
    if facts["currency"][0]:
        try:
            currency = parse_currency(facts["currency"][0])
        except BadValue as exc:
            error("currency", exc.message)

    dates: dict[str, date | None] = {}
    for name in ("issued_on", "due_on"):
        raw = facts[name][0]
        dates[name] = None
        if raw:
            try:
                dates[name] = _xml_date(raw)
            except BadValue as exc:
                error(name, exc.message)
    issued_on = dates["issued_on"]
    if issued_on is None and not facts["issued_on"][0]:
        error("issued_on", "missing issue date (BT-2): expected a date like 2025-12-31")
    due_on = dates["due_on"]
    if due_on is None and not facts["due_on"][0] and issued_on is not None:
        due_on = terms_due_date(facts["terms"][0], issued_on)
    if issued_on and due_on and due_on < issued_on:
        error(
            "due_on",
            f"due date before the issue date {issued_on.isoformat()}: expected a due date on or after it",
        )

    amounts: dict[str, Decimal | None] = {}
    for name in ("amount", "net_amount", "vat_amount", "open_amount", "prepaid"):
        raw = facts[name][0]
        amounts[name] = None
        if raw:
            try:
                amounts[name] = parse_amount(raw, ".")
            except BadValue:
                error(name, "not an amount: expected a number like 1234.56")
    amount = amounts["amount"]
    if amount is None and not facts["amount"][0]:
        error("amount", "missing invoice total with VAT (BT-112): expected a number like 1234.56")
    open_amount = amounts["open_amount"]
    if open_amount is None and amount is not None and amounts["prepaid"] is not None:
        open_amount = amount - amounts["prepaid"]
    sign = -1 if facts["credit_note"][0] and amount is not None and amount > 0 else 1
    if amount is not None and open_amount is not None:
        low, high = sorted((Decimal(0), amount))
        if not low <= open_amount <= high:
            error(
                "open_amount", f"amount due outside the invoice total: expected a value from {low} to {high}"
            )

    country = None
    if facts["country"][0]:
        try:
            country = parse_country(facts["country"][0])
        except BadValue as exc:
            error("country", exc.message)
    vat_id = ""
    if facts["vat_id"][0]:
        try:
            vat_id = parse_vat_id(facts["vat_id"][0])
        except BadValue as exc:
            error("vat_id", exc.message)
    debtor_number = facts["debtor_number"][0] or facts["buyer_reference"][0] or vat_id
    if not debtor_number and text["debtor_name"]:
        # No identifier at all: derive a stable one, so the same buyer maps to one debtor.
        debtor_number = "N-" + hashlib.sha256(fold(text["debtor_name"]).encode()).hexdigest()[:12].upper()
    if len(debtor_number) > MAX_LENGTH["debtor_number"]:
        error("debtor_number", f"too long: expected at most {MAX_LENGTH['debtor_number']} characters")
    if errors:
        return errors

    # Contact data is optional; a malformed one must not block a legally valid invoice.
    email = phone = ""
    if facts["email"][0]:
        try:
            email = parse_email(facts["email"][0])
        except BadValue:
            email = ""
    if facts["phone"][0]:
        try:
            phone = parse_phone(facts["phone"][0], country or creditor_country or "DE")
        except BadValue:
            phone = ""
    kind = "business" if vat_id or facts["legal_id"][0] else None

    def signed(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * sign

    return ImportRow(
        line=line,
        invoice_number=text["invoice_number"],
        debtor_number=debtor_number,
        debtor_name=text["debtor_name"],
        issued_on=issued_on,
        due_on=due_on,
        amount=signed(amount),
        currency=currency,
        open_amount=signed(open_amount),
        kind=kind,
        country=country,
        email=email,
        phone=phone,
        vat_id=vat_id,
        net_amount=signed(amounts["net_amount"]),
        vat_amount=signed(amounts["vat_amount"]),
        order_reference=text["order_reference"],
        contact_name=text["contact_name"],
        street=text["street"],
        postal_code=text["postal_code"],
        city=text["city"],
        columns=dict(LABELS),
    )


def _xml_date(raw: str) -> date:
    """``2025-12-31`` (UBL, maybe with a zone like ``+01:00``) or ``20251231`` (CII 102)."""
    if len(raw) > 10 and raw[4] == "-" and raw[10] in "+-Z":
        raw = raw[:10]
    try:
        return parse_date(raw, "dmy")
    except BadValue:
        raise BadValue("not a date: expected a date like 2025-12-31 (or 20251231 in CII)") from None


def terms_due_date(terms: str, issued_on: date) -> date:
    """The due date a payment-terms note (BT-20) states, else the issue date.

    ``netto bis 04.04.2026`` gives that day; ``30 Tage netto`` gives 30 days after the
    issue. A note with a discount term too (``3% Skonto bis …, 30 Tage netto``) gives the
    latest day or the longest period: the net term.
    """
    days: list[date] = []
    for text in _TERMS_DATE.findall(terms):
        try:
            days.append(parse_date(text, "dmy"))
        except BadValue:
            continue
    days = [d for d in days if d >= issued_on]
    if days:
        return max(days)
    periods = [int(a or b) for a, b in _TERMS_DAYS.findall(terms)]
    return issued_on + timedelta(days=max(periods, default=0))
