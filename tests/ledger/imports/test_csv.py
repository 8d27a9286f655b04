"""CSV files: encodings, delimiters, line numbers, row errors, conventions per file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from .conftest import FILES, read

HEADER = "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fälligkeitsdatum;Betrag"


def test_a_german_cp1252_file_with_a_title_line_is_read():
    result = read(FILES / "de_offene_posten_cp1252.csv", country="DE")

    assert result.errors == []
    assert result.parsed.header_line == 2
    assert result.conventions["encoding"] == "cp1252"
    assert result.conventions["delimiter"] == ";"
    assert [r.line for r in result.rows] == [3, 4, 6, 7]  # line 5 is blank
    first, consumer, credit, austrian = result.rows
    assert first.debtor_name == "Bäckerei Schäfer GmbH"
    assert first.amount == Decimal("1190.00") and first.net_amount == Decimal("1000.00")
    assert first.vat_amount == Decimal("190.00")
    assert first.vat_id == "DE123456788"
    assert first.street == "Hauptstraße 5" and first.postal_code == "50667" and first.city == "Köln"
    assert first.contact_name == "Jürgen Schäfer"
    assert first.phone == "+49221471100"
    assert (first.kind, first.country, first.language) == ("business", "DE", "de")
    assert first.order_reference == "B-77"
    assert consumer.kind == "consumer"
    assert consumer.issued_on == date(2025, 11, 10)  # 10.11.25
    assert consumer.open_amount == Decimal("20.00")
    assert credit.amount == Decimal("-119.00") and credit.open_amount == Decimal("-119.00")
    assert austrian.country == "AT" and austrian.phone == "+43316123456"
    assert austrian.order_reference == 'PO 2025/11, Los "A"'
    assert first.columns["due_on"] == "Fällig am"


def test_a_dutch_utf8_file_with_bom_is_read():
    result = read(FILES / "nl_openstaande_posten_bom.csv", country="NL")

    assert result.errors == []
    assert result.conventions["encoding"] == "utf-8-sig"
    assert result.parsed.columns["invoice_number"] == "Factuurnummer"  # BOM not in the name
    business, consumer, belgian = result.rows
    assert business.amount == Decimal("2420.00")
    assert business.due_on == date(2025, 12, 31)
    assert business.vat_id == "NL123456782B01"
    assert consumer.open_amount == Decimal("60.50")
    assert consumer.kind == "consumer"
    assert (belgian.country, belgian.language) == ("BE", "fr")


def test_an_english_comma_file_with_quoted_thousands_is_read():
    result = read(FILES / "en_open_items.csv", country="GB")

    assert result.errors == []
    assert result.conventions["decimal"] == "."
    assert result.conventions["delimiter"] == ","
    first, smith, third = result.rows
    assert first.amount == Decimal("1234.56") and first.currency == "GBP"
    assert smith.debtor_name == "Smith, John"
    assert smith.open_amount == Decimal("0.00")
    assert third.open_amount == Decimal("2500.00")


def test_a_french_tab_file_with_space_grouping_is_read():
    result = read(FILES / "fr_factures_tab.csv", country="FR")

    assert result.errors == []
    assert result.conventions["delimiter"] == "\t"
    first, second = result.rows
    assert first.amount == Decimal("1200.00") and first.net_amount == Decimal("1000.00")
    assert first.due_on == date(2025, 12, 5)
    assert second.country == "BE" and second.language == "fr"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings_are_detected(write, encoding, prefix, expected):
    text = f"{HEADER}\nR-1;K-1;Müller & Söhne;01.12.2025;31.12.2025;100,00\n"
    path = write(prefix + text.encode(encoding))

    result = read(path)

    assert result.errors == []
    assert result.conventions["encoding"] == expected
    assert result.rows[0].debtor_name == "Müller & Söhne"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters_are_detected_from_the_header(write, delimiter):
    header = HEADER.replace(";", delimiter)
    path = write(
        f'{header}\nR-1{delimiter}K-1{delimiter}"Kunde; GmbH, Köln"{delimiter}01.12.2025{delimiter}31.12.2025{delimiter}"100,00"\n'
    )

    result = read(path)

    assert result.errors == []
    assert result.conventions["delimiter"] == delimiter
    assert result.rows[0].debtor_name == "Kunde; GmbH, Köln"


def test_line_numbers_are_physical_lines_across_blank_lines_and_quoted_newlines(write):
    path = write(
        f"\n{HEADER}\r\n"
        "R-1;K-1;A;01.12.2025;31.12.2025;10,00\r\n"
        "\r\n"
        ";;;;;\r\n"
        'R-2;K-2;"Zwei\r\nZeilen";01.12.2025;31.12.2025;10,00\r\n'
        "R-3;K-3;C;31.02.2025;31.12.2025;10,00\r\n"
    )

    result = read(path)

    assert result.parsed.header_line == 2
    assert [r.line for r in result.rows] == [3, 6]
    assert result.rows[1].debtor_name == "Zwei\r\nZeilen"
    assert result.row_errors[0].row == 8
    assert result.parsed.row_count == 3


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Fälligkeitsdatum", "31.02.2025", "not a date: expected a day like 31.12.2025"),
        ("Rechnungsdatum", "morgen", "not a date"),
        ("Betrag", "zwölf", "not an amount: expected a number like 1.234,56"),
        ("Währung", "EURO", "ISO 4217"),
        ("E-Mail", "anna@", "name@example.com"),
        ("Telefon", "12", "+49 30 1234567"),
        ("Land", "Atlantis", "code like DE"),
        ("Sprache", "Klingonisch", "de, nl, en, fr"),
        ("Kundenart", "vielleicht", "B2B or B2C"),
        ("USt-IdNr.", "DE123456789", "check digits"),
        ("Offener Betrag", "150,00", "from 0 to 100,00"),
    ],
)
def test_each_bad_value_names_row_column_value_and_expectation(write, column, value, message):
    good = {
        "Rechnungsnummer": "R-1",
        "Kundennummer": "K-1",
        "Kunde": "Anna",
        "Rechnungsdatum": "01.12.2025",
        "Fälligkeitsdatum": "31.12.2025",
        "Betrag": "100,00",
        "Offener Betrag": "100,00",
        "Währung": "EUR",
        "E-Mail": "anna@example.de",
        "Telefon": "030 1234567",
        "Land": "DE",
        "Sprache": "de",
        "Kundenart": "B2C",
        "USt-IdNr.": "",
    }
    bad = dict(good, **{column: value})
    path = write(";".join(good) + "\n" + ";".join(good.values()) + "\n" + ";".join(bad.values()) + "\n")

    result = read(path)

    assert len(result.rows) == 1
    assert len(result.row_errors) == 1
    error = result.row_errors[0]
    assert (error.row, error.column, error.value) == (3, column, value)
    assert message in error.message


def test_a_due_date_before_the_issue_date_is_an_error(write):
    path = write(f"{HEADER}\nR-1;K-1;A;31.12.2025;01.12.2025;10,00\n")

    error = read(path).error_for("Fälligkeitsdatum")

    assert error.value == "01.12.2025"
    assert "before the issue date 2025-12-31" in error.message


def test_a_credit_note_keeps_its_open_amount_between_its_amount_and_zero(write):
    path = write(
        f"{HEADER};Offen\n"
        "G-1;K-1;A;01.12.2025;31.12.2025;-50,00;-20,00\n"
        "G-2;K-1;A;01.12.2025;31.12.2025;-50,00;20,00\n"
    )

    result = read(path)

    assert result.rows[0].open_amount == Decimal("-20.00")
    assert result.row_errors[0].row == 3
    assert "from -50,00 to 0" in result.row_errors[0].message


def test_missing_required_values_are_named(write):
    path = write(f"{HEADER}\n;;;;;\n;K-1;;01.12.2025;;\n")

    result = read(path)

    assert {e.column for e in result.errors} == {"Rechnungsnummer", "Kunde", "Fälligkeitsdatum", "Betrag"}
    assert all(e.row == 3 for e in result.errors)


def test_a_line_with_more_fields_than_the_header_is_an_error(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01.12.2025;31.12.2025;1;234,56\n")

    error = read(path).errors[0]

    assert error.value == "234,56"
    assert "quoted" in error.message


def test_a_too_long_invoice_number_is_an_error(write):
    path = write(f"{HEADER}\n{'R' * 65};K-1;A;01.12.2025;31.12.2025;10\n")

    assert "at most 64" in read(path).error_for("Rechnungsnummer").message


def test_the_default_currency_fills_a_missing_column_or_cell(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01.12.2025;31.12.2025;10\n")
    assert read(path, default_currency="CHF").rows[0].currency == "CHF"
    path = write(f"{HEADER};Währung\nR-1;K-1;A;01.12.2025;31.12.2025;10;\n")
    assert read(path, default_currency="CHF").rows[0].currency == "CHF"


def test_an_open_amount_alone_stands_for_the_amount(write):
    path = write(
        "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig;Offen\nR-1;K-1;A;01.12.2025;31.12.2025;42,00\n"
    )

    row = read(path).rows[0]

    assert row.amount == row.open_amount == Decimal("42.00")


def test_a_saved_mapping_reads_an_unknown_layout(write):
    path = write(
        "Beleg-ID,Konto-ID,Partner,Ausgestellt,Zahlbar,Summe\nB1,D1,Acme,2025-12-01,2025-12-31,5.5\n"
    )
    mapping = {
        "invoice_number": "Beleg-ID",
        "debtor_number": "Konto-ID",
        "debtor_name": "Partner",
        "issue_date": "Ausgestellt",
        "due_date": "Zahlbar",
        "amount": "Summe",
    }

    result = read(path, mapping=mapping)

    assert result.errors == []
    assert result.rows[0].amount == Decimal("5.5")


def test_a_missing_column_is_a_file_error_and_no_rows_follow(write):
    path = write("Rechnungsnummer;Kunde;Betrag\nR-1;A;10\n")

    result = read(path)

    assert result.rows == []
    assert result.parsed.file_errors
    assert any("debtor number" in e.message and "Kundennummer" in e.message for e in result.errors)


# --- conventions decided per file -----------------------------------------------------------


def test_thousands_looking_values_follow_the_creditors_country_when_nothing_proves_otherwise(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01.12.2025;31.12.2025;1,234\nR-2;K-1;A;01.12.2025;31.12.2025;2,500\n")

    german = read(path, country="DE")
    english = read(path, country="GB")

    assert [r.amount for r in german.rows] == [Decimal("1.234"), Decimal("2.500")]
    assert german.conventions["decimal_from"] == "country"
    assert [r.amount for r in english.rows] == [Decimal("1234"), Decimal("2500")]


def test_one_unambiguous_value_decides_the_whole_column(write):
    path = write(
        f"{HEADER}\nR-1;K-1;A;01.12.2025;31.12.2025;1,234\n"
        "R-2;K-1;A;01.12.2025;31.12.2025;2,500\nR-3;K-1;A;01.12.2025;31.12.2025;7,5\n"
    )

    result = read(path, country="GB")

    assert result.conventions["decimal"] == ","
    assert result.conventions["decimal_from"] == "values"
    assert [r.amount for r in result.rows] == [Decimal("1.234"), Decimal("2.500"), Decimal("7.5")]


def test_day_first_is_the_default_for_ambiguous_dates(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01/02/2025;01/03/2025;10\n")

    row = read(path, country="NL").rows[0]

    assert (row.issued_on, row.due_on) == (date(2025, 2, 1), date(2025, 3, 1))


def test_a_column_that_proves_month_first_reads_every_date_month_first(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01/02/2025;01/03/2025;10\nR-2;K-1;A;12/20/2025;12/31/2025;10\n")

    result = read(path, country="DE")

    assert result.errors == []
    assert result.conventions["date_order"] == "mdy"
    assert result.rows[0].issued_on == date(2025, 1, 2)
    assert result.rows[1].due_on == date(2025, 12, 31)


def test_a_date_against_the_files_order_is_an_error_not_a_guess(write):
    path = write(
        f"{HEADER}\nR-1;K-1;A;13/01/2025;14/01/2025;10\nR-2;K-1;A;15/01/2025;16/01/2025;10\n"
        "R-3;K-1;A;01/02/2025;12/31/2025;10\n"
    )

    result = read(path, country="DE")

    assert result.conventions["date_order"] == "dmy"
    error = result.error_for("Fälligkeitsdatum")
    assert error.row == 4 and error.value == "12/31/2025"
    assert "day first" in error.message


def test_options_force_the_conventions(write):
    path = write(f"{HEADER}\nR-1;K-1;A;01/02/2025;01/03/2025;1,234\n")

    result = read(path, country="DE", options={"decimal": ".", "date_order": "mdy"})

    assert result.rows[0].amount == Decimal("1234")
    assert result.rows[0].issued_on == date(2025, 1, 2)
    assert result.conventions["decimal_from"] == "option"


# --- files that cannot be read -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (b"Rechnungsnummer;Kunde\x00;Betrag\n", "NUL"),
        (b"\x81\x8d\x8f\x90\x9d" * 3 + b"\n", "neither UTF-8 nor Windows-1252"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"just some words\nand more words\n", "no column for the invoice number"),
    ],
)
def test_unreadable_files_give_one_clear_file_error(write, content, message):
    result = read(write(content))

    assert result.rows == []
    assert result.parsed.file_errors
    assert message in result.parsed.file_errors[0].message


def test_a_file_over_the_size_limit_is_refused(write):
    path = write(f"{HEADER}\n" + "R-1;K-1;A;01.12.2025;31.12.2025;10\n" * 100)

    result = read(path, max_bytes=1000)

    assert "can be imported" in result.parsed.file_errors[0].message


def test_a_huge_field_is_a_file_error_not_a_crash(write):
    path = write(f'{HEADER}\nR-1;K-1;"' + "x" * (1 << 21) + '";01.12.2025;31.12.2025;10\n')

    result = read(path)

    assert result.parsed.file_errors
    assert "line 2" in result.parsed.file_errors[0].message


def test_rows_of_blank_cells_are_skipped_like_blank_lines(write):
    path = write(f"{HEADER}\n  ;  ; ;;;\nR-1;K-1;A;01.12.2025;31.12.2025;10\n")

    result = read(path)

    assert result.errors == []
    assert [r.line for r in result.rows] == [3]


def test_a_bom_in_a_windows_1252_file_does_not_hide_the_first_header(write):
    text = f"{HEADER}\nR-1;K-1;Müller;01.12.2025;31.12.2025;10\n"
    path = write(b"\xef\xbb\xbf" + text.encode("cp1252"))

    result = read(path)

    assert result.conventions["encoding"] == "cp1252"
    assert result.errors == []
    assert result.rows[0].debtor_name == "Müller"


def test_a_month_first_date_with_a_one_digit_month_counts_as_evidence(write):
    path = write(f"{HEADER}\nR-1;K-1;A;1/13/2025;1/31/2025;10\nR-2;K-1;A;01/02/2025;01/03/2025;10\n")

    result = read(path, country="DE")

    assert result.conventions["date_order"] == "mdy"
    assert result.rows[1].issued_on == date(2025, 1, 2)


def test_excels_sep_line_names_the_delimiter(write):
    path = write(f"sep=,\n{HEADER.replace(';', ',')}\nR-1,K-1,A,01.12.2025,31.12.2025,10\n")

    result = read(path)

    assert result.errors == []
    assert result.conventions["delimiter"] == ","
    assert result.rows[0].line == 3


@pytest.mark.parametrize(
    ("mapping", "options", "message"),
    [
        (["invoice_number"], None, "column mapping must map fields"),
        (None, "decimal", "import options must be an object"),
        (None, {"decimal": ";"}, "option decimal is ';'"),
        (None, {"date_order": "ymd"}, "option date_order is 'ymd'"),
        (None, {"delimiter": "::"}, "delimiter in the import options"),
        (None, {"encoding": "klingon"}, "unknown encoding"),
    ],
)
def test_bad_saved_settings_are_a_file_error(write, mapping, options, message):
    path = write(f"{HEADER}\nR-1;K-1;A;01.12.2025;31.12.2025;10\n")

    result = read(path, mapping=mapping, options=options)

    assert message in result.parsed.file_errors[0].message
