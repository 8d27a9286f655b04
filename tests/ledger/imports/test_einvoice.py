"""E-invoices: XRechnung UBL and CII, a Factur-X PDF, and hostile XML."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import facturx
import pypdf

from .conftest import FILES, read


def _blank_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_xrechnung_ubl_invoice_is_one_row_with_its_buyer():
    result = read(FILES / "xrechnung_ubl_invoice.xml")

    assert result.errors == []
    assert result.parsed.file_format == "xrechnung-ubl"
    (row,) = result.rows
    assert row.invoice_number == "RE-2025-0815"
    assert (row.issued_on, row.due_on) == (date(2025, 11, 3), date(2025, 12, 3))
    assert row.amount == Decimal("1190.00")
    assert row.net_amount == Decimal("1000.00") and row.vat_amount == Decimal("190.00")
    assert row.open_amount == Decimal("1000.00")  # BT-115 after the prepaid amount
    assert row.debtor_number == "D-20417"
    assert row.debtor_name == "Brauhaus am Markt GmbH & Co. KG"
    assert row.vat_id == "DE123456788" and row.kind == "business"
    assert row.email == "p.vogel@brauhaus-am-markt.example"
    assert row.phone == "+49228765432"
    assert (row.street, row.postal_code, row.city, row.country) == ("Marktplatz 12", "53111", "Bonn", "DE")
    assert row.order_reference == "PO-4711"
    assert row.contact_name == "Petra Vogel"


def test_a_ubl_credit_note_has_negative_amounts():
    result = read(FILES / "xrechnung_ubl_creditnote.xml")

    (row,) = result.rows
    assert row.amount == Decimal("-59.50") and row.open_amount == Decimal("-59.50")
    assert row.net_amount == Decimal("-50.00")
    assert row.issued_on == date(2025, 11, 20)  # 2025-11-20+01:00
    assert row.due_on == date(2025, 11, 30)  # PaymentMeans/PaymentDueDate
    assert row.debtor_number == "991-01234-56"  # no BT-46: the buyer reference
    assert row.country == "NL"


def test_an_xrechnung_cii_invoice_takes_its_due_date_from_the_payment_terms():
    result = read(FILES / "xrechnung_cii_invoice.xml")

    assert result.parsed.file_format == "xrechnung-cii"
    (row,) = result.rows
    assert row.invoice_number == "2025-10077"
    assert row.issued_on == date(2025, 11, 10)
    assert row.due_on == date(2025, 12, 1)  # "21 Tage netto"
    assert row.amount == Decimal("2880.00") and row.vat_amount == Decimal("480.00")
    assert row.debtor_number == "AT-3300" and row.country == "AT"
    assert row.vat_id == ""  # the tax number (FC) is no VAT id
    assert row.order_reference == "B-2025-311"
    assert row.phone == "+43316123456"


def test_a_factur_x_pdf_yields_its_embedded_invoice(tmp_path):
    xml = (FILES / "xrechnung_cii_invoice.xml").read_bytes()
    path = tmp_path / "rechnung.pdf"
    path.write_bytes(facturx.generate_from_binary(_blank_pdf(), xml, check_xsd=False))

    result = read(path)

    assert result.errors == []
    assert result.parsed.file_format == "zugferd"
    assert result.rows[0].invoice_number == "2025-10077"


def test_a_plain_pdf_is_a_file_error(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_blank_pdf())

    result = read(path)

    assert "no e-invoice XML" in result.parsed.file_errors[0].message


def test_a_buyer_without_identifier_gets_a_stable_derived_number(tmp_path):
    xml = (
        (FILES / "xrechnung_ubl_creditnote.xml")
        .read_text()
        .replace("<cbc:BuyerReference>991-01234-56</cbc:BuyerReference>", "")
    )
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text(xml)
    second.write_text(xml.replace("GS-2025-0042", "GS-2025-0043"))

    a, b = read(first).rows[0], read(second).rows[0]

    assert a.debtor_number.startswith("N-")
    assert a.debtor_number == b.debtor_number


def test_a_missing_invoice_number_names_the_business_term(tmp_path):
    path = tmp_path / "no-id.xml"
    path.write_text(
        (FILES / "xrechnung_cii_invoice.xml").read_text().replace("<ram:ID>2025-10077</ram:ID>", "")
    )

    result = read(path)

    assert result.rows == []
    assert result.row_errors[0].column == "BT-1 Invoice number"


def test_a_doctype_is_refused(write):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol2;</ID></Invoice>'
    )

    result = read(write(bomb, name="bomb.xml"))

    assert "DOCTYPE" in result.parsed.file_errors[0].message


def test_an_external_entity_is_never_fetched(write):
    xxe = (
        '<?xml version="1.0"?>' + " " * 5000 + '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&e;</ID></Invoice>'
    )

    result = read(write(xxe, name="xxe.xml"))

    assert result.rows == []
    assert "DOCTYPE" in result.parsed.file_errors[0].message


def test_other_xml_is_a_file_error(write):
    result = read(write("<?xml version='1.0'?><Document><Stmt/></Document>", name="camt.xml"))

    assert "expected an e-invoice" in result.parsed.file_errors[0].message


ZUGFERD_1 = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:HeaderExchangedDocument>
    <ram:ID>ZF-2019-7</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20251201</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:BuyerTradeParty>
        <ram:Name>Gärtnerei Lindner</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>2% Skonto bis 08.12.2025, netto bis 31.12.2025</ram:Description>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:TaxBasisTotalAmount currencyID="EUR">100.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">7.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="EUR">107.00</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""


def test_a_zugferd_1_document_is_read_with_its_net_term(write):
    result = read(write(ZUGFERD_1, name="zugferd.xml"))

    (row,) = result.rows
    assert row.invoice_number == "ZF-2019-7"
    assert row.due_on == date(2025, 12, 31)  # the net date, not the discount date
    assert row.amount == Decimal("107.00") and row.open_amount is None
    assert row.debtor_number.startswith("N-")  # no identifier: derived from the name
