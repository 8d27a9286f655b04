"""Header recognition in de, nl, en, fr, and column mappings."""

from __future__ import annotations

import pytest

from tact.ledger.imports.columns import field_for_header, match_headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("invoice_number", "invoice_number"),
        ("Rechnungsnummer", "invoice_number"),
        ("Rechnungs-Nr.", "invoice_number"),
        ("RECHNUNGS NR", "invoice_number"),
        ("Belegnummer", "invoice_number"),
        ("Factuurnummer", "invoice_number"),
        ("Numéro de facture", "invoice_number"),
        ("customer_number", "debtor_number"),
        ("Kundennummer", "debtor_number"),
        ("Debitorennummer", "debtor_number"),
        ("Debiteurnummer", "debtor_number"),
        ("Klantnummer", "debtor_number"),
        ("Numéro client", "debtor_number"),
        ("customer_name", "debtor_name"),
        ("Kunde", "debtor_name"),
        ("Name", "debtor_name"),
        ("Firma", "debtor_name"),
        ("Klantnaam", "debtor_name"),
        ("Naam", "debtor_name"),
        ("email", "email"),
        ("E-Mail", "email"),
        ("E-mailadres", "email"),
        ("Telefon", "phone"),
        ("Land", "country"),
        ("Pays", "country"),
        ("Sprache", "language"),
        ("Taal", "language"),
        ("Langue", "language"),
        ("B2B/B2C", "kind"),
        ("issue_date", "issued_on"),
        ("Rechnungsdatum", "issued_on"),
        ("Belegdatum", "issued_on"),
        ("Factuurdatum", "issued_on"),
        ("due_date", "due_on"),
        ("Fälligkeitsdatum", "due_on"),
        ("Fällig am", "due_on"),
        ("faellig_am", "due_on"),
        ("Vervaldatum", "due_on"),
        ("Échéance", "due_on"),
        ("amount", "amount"),
        ("Betrag", "amount"),
        ("Bruttobetrag", "amount"),
        ("Bedrag", "amount"),
        ("Montant", "amount"),
        ("Betrag (EUR)", "amount"),
        ("open_amount", "open_amount"),
        ("Offener Betrag", "open_amount"),
        ("Offen", "open_amount"),
        ("Openstaand", "open_amount"),
        ("Openstaand bedrag", "open_amount"),
        ("Währung", "currency"),
        ("Valuta", "currency"),
        ("Devise", "currency"),
        ("Nettobetrag", "net_amount"),
        ("Bedrag excl. btw", "net_amount"),
        ("Montant HT", "net_amount"),
        ("MwSt", "vat_amount"),
        ("USt", "vat_amount"),
        ("BTW", "vat_amount"),
        ("TVA", "vat_amount"),
        ("Bestellnummer", "order_reference"),
        ("Auftragsnummer", "order_reference"),
        ("Ordernummer", "order_reference"),
        ("Référence commande", "order_reference"),
        ("USt-IdNr.", "vat_id"),
        ("BTW-nummer", "vat_id"),
        ("Numéro de TVA", "vat_id"),
        ("Ansprechpartner", "contact_name"),
        ("Contactpersoon", "contact_name"),
        ("Straße", "street"),
        ("PLZ", "postal_code"),
        ("Ort", "city"),
        ("Postcode", "postal_code"),
        ("Plaats", "city"),
        ("Code postal", "postal_code"),
        ("Ville", "city"),
    ],
)
def test_headers_are_recognised_in_four_languages(header, field):
    assert field_for_header(header) == field


def test_unknown_headers_are_ignored():
    assert field_for_header("Bemerkung") is None


REQUIRED = ["Beleg", "Kunde Nr", "Name", "Datum", "Zahlbar bis", "Betrag"]


def test_a_mapping_names_the_columns_recognition_does_not_know():
    columns = match_headers(
        REQUIRED,
        line=1,
        mapping={"invoice_number": "Beleg", "debtor_number": "kunde nr", "due_date": "Zahlbar bis"},
    )
    assert columns.errors == []
    assert columns.index == {
        "invoice_number": 0,
        "debtor_number": 1,
        "debtor_name": 2,
        "issued_on": 3,
        "due_on": 4,
        "amount": 5,
    }
    assert columns.headers["debtor_number"] == "Kunde Nr"


def test_a_mapping_overrides_recognition():
    columns = match_headers(
        ["Rechnungsnummer", "Belegnummer", "Kundennummer", "Kunde", "Datum", "Fällig", "Betrag"],
        line=1,
        mapping={"invoice_number": "Belegnummer"},
    )
    assert columns.errors == []
    assert columns.index["invoice_number"] == 1


def test_a_field_mapped_to_nothing_is_not_read():
    columns = match_headers(
        ["Rechnungsnummer", "Kundennummer", "Kunde", "Datum", "Fällig", "Betrag", "Telefon"],
        line=1,
        mapping={"phone": ""},
    )
    assert columns.errors == []
    assert "phone" not in columns.index


def test_a_missing_required_column_names_the_field_and_accepted_headers():
    columns = match_headers(["Rechnungsnummer", "Kundennummer", "Kunde", "Datum", "Betrag"], line=3)
    assert len(columns.errors) == 1
    error = columns.errors[0]
    assert error.row == 3
    assert "due date" in error.message
    assert "Fälligkeitsdatum" in error.message and "due_date" in error.message


def test_amount_or_open_amount_is_required():
    columns = match_headers(["Rechnungsnummer", "Kundennummer", "Kunde", "Datum", "Fällig"], line=1)
    assert [e.message for e in columns.errors if "amount" in e.message]
    columns = match_headers(["Rechnungsnummer", "Kundennummer", "Kunde", "Datum", "Fällig", "Offen"], line=1)
    assert columns.errors == []


def test_two_columns_for_one_field_are_an_error():
    columns = match_headers(
        ["Rechnungsnummer", "Belegnummer", "Kundennummer", "Kunde", "Datum", "Fällig", "Betrag"], line=1
    )
    assert len(columns.errors) == 1
    assert "'Rechnungsnummer' and 'Belegnummer'" in columns.errors[0].message


def test_a_mapping_to_an_absent_column_is_an_error():
    columns = match_headers(REQUIRED, line=1, mapping={"due_on": "Fälligkeit"})
    assert any("Fälligkeit" in e.message and "no such column" in e.message for e in columns.errors)


def test_an_unknown_field_in_a_mapping_is_an_error():
    columns = match_headers(REQUIRED, line=1, mapping={"colour": "Betrag"})
    assert any(e.value == "colour" and "unknown field" in e.message for e in columns.errors)
