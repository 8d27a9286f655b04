"""Single values: amounts, dates, and the enumerations of ledger files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tact.ledger.imports.values import (
    BadValue,
    date_evidence,
    decimal_evidence,
    float_to_decimal,
    fold,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("-12,50", "-12.50"),
        ("12,50-", "-12.50"),
        ("€ 1.234,56", "1234.56"),
        ("1.234,56 €", "1234.56"),
        ("EUR 12,00", "12.00"),
        ("-€ 5,00", "-5.00"),
        ("(12,50)", "-12.50"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1234", "1234"),
        ("+7,5", "7.5"),
        ("1,234", "1.234"),
    ],
)
def test_amounts_with_a_decimal_comma_are_read(text, expected):
    assert parse_amount(text, ",", "EUR") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1234.56", "1234.56"),
        ("-1,234.56", "-1234.56"),
        ("$1,234.56", "1234.56"),
        ("12.50-", "-12.50"),
        ("(12.50)", "-12.50"),
        ("1,234", "1234"),
        ("1'234.50", "1234.50"),
    ],
)
def test_amounts_with_a_decimal_point_are_read(text, expected):
    assert parse_amount(text, ".", "EUR") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "decimal", "message"),
    [
        ("abc", ",", "expected a number like 1.234,56"),
        ("1,234.56", ",", "this file's format"),
        ("1.234,56", ".", "expected a number like 1,234.56"),
        ("12,34567", ",", "at most 4"),
        ("--5", ",", "expected a number"),
        ("(5", ",", "expected a number"),
        ("USD 12,00", ",", "in USD but the row's currency is EUR"),
        ("XYZ 12,00", ",", "expected a number"),
        ("1" * 15, ",", "too large"),
    ],
)
def test_bad_amounts_name_the_expected_format(text, decimal, message):
    with pytest.raises(BadValue) as caught:
        parse_amount(text, decimal, "EUR")
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("1.234,56", ","),
        ("1,234.56", "."),
        ("12,5", ","),
        ("12.5", "."),
        ("1.234.567", ","),
        ("1,234,567", "."),
        ("0,123", ","),
        ("1234,567", ","),
        ("1,234", None),
        ("1.234", None),
        ("-1.234", None),
        ("1234", None),
    ],
)
def test_a_value_proves_a_decimal_separator_only_when_unambiguous(text, proof):
    assert decimal_evidence(text) == proof


def test_spreadsheet_floats_lose_their_binary_noise():
    assert float_to_decimal(0.1 + 0.2) == Decimal("0.3")
    assert str(float_to_decimal(1234.56)) == "1234.56"
    assert str(float_to_decimal(100.0)) == "100"
    with pytest.raises(BadValue):
        float_to_decimal(float("nan"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2025", date(2025, 12, 31)),
        ("31-12-2025", date(2025, 12, 31)),
        ("2025-12-31", date(2025, 12, 31)),
        ("31/12/2025", date(2025, 12, 31)),
        ("1.2.2025", date(2025, 2, 1)),
        ("31.12.25", date(2025, 12, 31)),
        ("45657", date(2024, 12, 31)),
        ("45657.0", date(2024, 12, 31)),
        ("20251231", date(2025, 12, 31)),
        ("2025-12-31 00:00:00", date(2025, 12, 31)),
        ("2025-12-31T10:15:00+01:00", date(2025, 12, 31)),
        ("2025/12/31", date(2025, 12, 31)),
        ("31. Dezember 2025", date(2025, 12, 31)),
        ("31 déc. 2025", date(2025, 12, 31)),
        ("31-Mar-2025", date(2025, 3, 31)),
        ("3 maart 2025", date(2025, 3, 3)),
        ("Dec 31, 2025", date(2025, 12, 31)),
    ],
)
def test_dates_are_read_day_first(text, expected):
    assert parse_date(text, "dmy") == expected


def test_month_first_dates_are_read_when_the_file_is_month_first():
    assert parse_date("12/31/2025", "mdy") == date(2025, 12, 31)
    assert parse_date("01/02/2025", "mdy") == date(2025, 1, 2)
    assert parse_date("01/02/2025", "dmy") == date(2025, 2, 1)


def test_a_month_first_date_in_a_day_first_file_is_refused():
    with pytest.raises(BadValue) as caught:
        parse_date("12/31/2025", "dmy")
    assert "day first" in caught.value.message


@pytest.mark.parametrize(
    "text", ["31.02.2025", "32.01.2025", "00.01.2025", "2025-13-01", "tomorrow", "1.1.1800", "12345"]
)
def test_impossible_dates_are_refused_with_an_example(text):
    with pytest.raises(BadValue) as caught:
        parse_date(text, "dmy")
    assert "expected" in caught.value.message


def test_an_impossible_day_names_the_format():
    with pytest.raises(BadValue) as caught:
        parse_date("31.02.2025", "dmy")
    assert caught.value.message == "not a date: expected a day like 31.12.2025 or 2025-12-31"


@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("31/12/2025", "dmy"),
        ("12/31/2025", "mdy"),
        ("01/02/2025", None),
        ("2025-12-31", None),
        ("13.01.25", "dmy"),
    ],
)
def test_a_date_proves_its_order_only_when_a_part_exceeds_twelve(text, proof):
    assert date_evidence(text) == proof


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("B2B", "business"),
        ("b2c", "consumer"),
        ("Geschäftskunde", "business"),
        ("Privatkunde", "consumer"),
        ("Firma", "business"),
        ("privat", "consumer"),
        ("zakelijk", "business"),
        ("particulier", "consumer"),
        ("entreprise", "business"),
        ("business", "business"),
        ("Consumer", "consumer"),
    ],
)
def test_kinds_are_recognised_in_four_languages(text, kind):
    assert parse_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("de", "DE"),
        ("Nederland", "NL"),
        ("Niederlande", "NL"),
        ("Pays-Bas", "NL"),
        ("Belgique", "BE"),
        ("België", "BE"),
        ("Belgie", "BE"),
        ("Österreich", "AT"),
        ("Oesterreich", "AT"),
        ("AUT", "AT"),
        ("France", "FR"),
        ("United Kingdom", "GB"),
    ],
)
def test_countries_become_iso_codes(text, code):
    assert parse_country(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutsch", "de"),
        ("de", "de"),
        ("de-AT", "de"),
        ("Nederlands", "nl"),
        ("nl_BE", "nl"),
        ("Niederländisch", "nl"),
        ("français", "fr"),
        ("Frans", "fr"),
        ("English", "en"),
        ("Englisch", "en"),
    ],
)
def test_languages_become_codes(text, code):
    assert parse_language(text) == code


def test_unknown_enumerations_name_what_is_expected():
    with pytest.raises(BadValue, match="B2B or B2C"):
        parse_kind("maybe")
    with pytest.raises(BadValue, match="code like DE"):
        parse_country("Atlantis")
    with pytest.raises(BadValue, match="de, nl, en, fr"):
        parse_language("Italiano")
    with pytest.raises(BadValue, match="ISO 4217"):
        parse_currency("EURO")


def test_currencies_are_iso_codes():
    assert parse_currency("eur") == "EUR"
    assert parse_currency("€") == "EUR"
    assert parse_currency("CHF") == "CHF"


def test_phone_numbers_become_e164_in_the_given_region():
    assert parse_phone("030 1234567", "DE") == "+49301234567"
    assert parse_phone("06 12345678", "NL") == "+31612345678"
    assert parse_phone("+32 2 123 45 67", "DE") == "+3221234567"
    with pytest.raises(BadValue, match=r"\+49 30 1234567"):
        parse_phone("12", "DE")


def test_email_addresses_are_checked():
    assert parse_email("Anna@Example.DE") == "Anna@example.de"
    assert parse_email("mailto:a@b.nl") == "a@b.nl"
    for bad in ("anna@", "anna", "a@b", "a@@b.de", "a b@c.de", "a@b.de; c@d.de"):
        with pytest.raises(BadValue, match="name@example.com"):
            parse_email(bad)


def test_vat_ids_are_compacted_and_checked():
    assert parse_vat_id("DE 123 456 788") == "DE123456788"
    assert parse_vat_id("nl123456782b01") == "NL123456782B01"
    with pytest.raises(BadValue, match="check digits"):
        parse_vat_id("DE123456789")
    with pytest.raises(BadValue, match="like DE123456789"):
        parse_vat_id("12345")


def test_folding_ignores_case_accents_and_punctuation():
    assert fold("Fällig am") == fold("faellig_am") == fold("FALLIG-AM") == "falligam"
    assert fold("Numéro de facture") == fold("numero-de-facture")
    assert fold("Straße") == "strasse"


def test_international_domains_are_accepted():
    assert parse_email("info@Müller.de") == "info@müller.de"
