"""Statement parsers: each format read from a sample made for these tests; bad bytes end in a clean error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tact.banking.errors import StatementUnreadable
from tact.banking.parsers import csv_sample_read, format_detect, statements_read

SAMPLES = Path(__file__).parent / "samples"
CREDITOR_IBAN = "DE89370400440532013000"


def read(name: str, **kwargs):
    return statements_read((SAMPLES / name).read_bytes(), filename=name, **kwargs)


@pytest.mark.parametrize("name", ["camt053_v02.xml", "camt053_v04.xml"])
def test_camt053_lines_carry_payer_remittance_and_reference(name):
    (statement,) = read(name)

    assert statement.file_format == "camt053"
    assert statement.account_iban == CREDITOR_IBAN
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("10000.00"),
        Decimal("11750.75"),
    )
    assert [line.amount for line in statement.lines] == [
        Decimal("1190.00"),
        Decimal("400.00"),
        Decimal("250.00"),
        Decimal("-89.25"),
    ]  # the pending entry (Sts PDNG) is not money on the account yet
    first, batch_one, batch_two, returned = statement.lines
    assert first.counterparty_name == "Baeckerei Mueller GmbH"
    assert first.counterparty_iban == "DE02120300000000202051"
    assert first.counterparty_bic == "BYLADEM1001"
    assert first.remittance == "Rechnung RE 2025 00042 Kd-Nr. K10001"
    assert batch_one.structured_reference == "RF400000001001"
    assert batch_one.end_to_end_id == ""  # NOTPROVIDED is no id
    assert batch_one.bank_reference != batch_two.bank_reference
    assert returned.is_return and returned.return_reason == "MD06"
    assert returned.mandate_id == "M-K10007"


def test_camt053_v08_reads_party_names_under_pty_and_status_code():
    (statement,) = read("camt053_v08.xml")

    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.from_on == date(2025, 11, 5)
    first, second = statement.lines
    assert first.counterparty_name == "Van der Berg Installatietechniek B.V."
    assert first.counterparty_bic == "INGBNL2A"
    assert first.booked_on == date(2025, 11, 5)  # from BookgDt/DtTm
    assert second.amount == Decimal("121.00")


def test_camt054_notification_is_read_like_a_statement():
    (statement,) = read("camt054.xml")

    assert statement.file_format == "camt054"
    assert [(line.amount, line.end_to_end_id) for line in statement.lines] == [
        (Decimal("1190.00"), "E2E-MUELLER-1")
    ]


def test_mt940_german_86_subfields_give_name_iban_remittance_and_return_reason():
    (statement,) = read("mt940_de.sta")

    assert statement.account_iban == CREDITOR_IBAN  # from BLZ/Konto 37040044/0532013000
    assert statement.closing_balance == Decimal("13850.75")
    credit, reference, returned = statement.lines
    assert credit.counterparty_name == "Baeckerei Mueller GmbH"
    assert credit.counterparty_iban == "DE02120300000000202051"
    assert (
        credit.remittance == "Rechnung RE-2025-00042 vom 10.10.2025"
    )  # ?21 and ?22 joined over a line break
    assert credit.end_to_end_id == "2025-10-RE00042"
    assert reference.remittance == "RF13 0000 0010 02"
    assert returned.amount == Decimal("-89.25")
    assert returned.is_return and returned.return_reason == "MD06"
    assert returned.mandate_id == "M-K10007"


def test_coda_reads_structured_communication_counterparty_and_returns():
    (statement,) = read("coda_be.cod")

    assert statement.account_iban == "BE68539007547034"
    assert statement.currency == "EUR"
    ogm, free, returned = statement.lines
    assert ogm.amount == Decimal("726.000")
    assert ogm.structured_reference == "000000004242"
    assert ogm.counterparty_name == "Boulangerie Dupont SPRL"
    assert ogm.counterparty_iban == "BE71096123456769"
    assert free.remittance == "Factuur 2025/0311 klantnr K20003"
    assert returned.amount == Decimal("-150.000")
    assert returned.is_return and returned.return_reason == "AM04"


def test_csv_with_german_headers_in_windows_1252_and_an_account_above_the_table():
    (statement,) = read("bank_export_de.csv", account_iban="", currency="EUR")

    assert statement.account_iban == CREDITOR_IBAN
    assert [line.amount for line in statement.lines] == [
        Decimal("1190.00"),
        Decimal("250.00"),
        Decimal("-120.50"),
    ]
    assert statement.lines[0].counterparty_name == "Bäckerei Müller GmbH"
    assert statement.lines[2].value_on == date(2025, 11, 5)


def test_csv_of_another_layout_needs_and_uses_a_saved_mapping():
    with pytest.raises(StatementUnreadable, match="save a column mapping"):
        read("bank_export_custom.csv")

    mapping = {"booked_on": "Datum", "amount": "Betrag in EUR", "counterparty_iban": "Gegenkonto",
               "counterparty_name": "Name Gegenseite", "remittance": "Text"}  # fmt: skip
    (statement,) = read("bank_export_custom.csv", mapping=mapping, options={"decimal": "."})

    assert [(line.booked_on, line.amount, line.remittance) for line in statement.lines] == [
        (date(2025, 11, 3), Decimal("1190.00"), "RE 42"),
        (date(2025, 11, 4), Decimal("-15.00"), "Kontofuehrung"),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camt053_v02.xml", "camt"),
        ("mt940_de.sta", "mt940"),
        ("coda_be.cod", "coda"),
        ("bank_export_de.csv", "csv"),
    ],
)
def test_format_is_told_from_the_content(name, expected):
    assert format_detect((SAMPLES / name).read_bytes()) == expected


@pytest.mark.parametrize("name", ["camt053_v02.xml", "mt940_de.sta", "coda_be.cod"])
def test_a_truncated_file_is_refused_with_a_message(name):
    data = (SAMPLES / name).read_bytes()

    with pytest.raises(StatementUnreadable) as caught:
        statements_read(data[: len(data) * 2 // 3], filename=name)

    assert caught.value.message.startswith(f"{name}: ")


def test_xml_with_an_entity_declaration_is_refused_without_expanding_it():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&b;</BkToCstmrStmt></Document>'
    )

    with pytest.raises(StatementUnreadable, match="DOCTYPE"):
        statements_read(bomb, filename="bomb.xml")


def test_other_xml_is_named_as_not_a_camt_document():
    with pytest.raises(StatementUnreadable, match="not a camt.053 or camt.054"):
        statements_read(b"<?xml version='1.0'?><Invoice xmlns='urn:x'/>", filename="invoice.xml")


def test_a_file_over_the_size_limit_is_refused_before_parsing(settings):
    settings.TACT_BANK_MAX_BYTES = 100

    with pytest.raises(StatementUnreadable, match="more than the limit"):
        read("camt053_v02.xml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=600),
        st.sampled_from(sorted(p.name for p in SAMPLES.iterdir()))
        .flatmap(
            lambda name: st.tuples(
                st.just((SAMPLES / name).read_bytes()), st.integers(0, 4000), st.binary(max_size=8)
            )
        )
        .map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + len(t[2]) :]),
    )
)
def test_any_bytes_end_in_statements_or_a_clean_error(data):
    try:
        statements = statements_read(data, filename="fuzz")
    except StatementUnreadable as exc:
        assert exc.message.startswith("fuzz: ")
        return
    for statement in statements:
        for line in statement.lines:
            assert isinstance(line.amount, Decimal)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=";,\t|\n\"' .-+0123456789abcBetragDatumäü", max_size=400).map(str.encode),
    )
)
def test_any_bytes_end_in_a_csv_sample_or_a_clean_error(data):
    try:
        sample = csv_sample_read(data, filename="fuzz")
    except StatementUnreadable as exc:
        assert exc.message.startswith("fuzz: ")
        return
    assert set(sample.recognised.values()) <= set(sample.headers)
    assert sample.decimal in ("", ",", ".")


MT940_PARTS = [":20:X\n", ":25:37040044/0532013000\n", ":25:DE89\n", ":60F:C251103EUR12,00\n", ":60F:C991399EUR1\n",
               ":61:2511031103CR1190,00NTRF//1\n", ":61:251103RD0,00NTRF\n", ":86:166?00X?20A?31DE02?32N\n", ":86:?\n",
               ":62F:C251105EUR13850,75\n", ":62F:D\n", "-\n", "{1:F01}\n", ":28C:1/1\n", "\n", "?34", ":61:9913", ",,,"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MT940_PARTS), max_size=12))
def test_mt940_shaped_garbage_ends_in_statements_or_a_clean_error(parts):
    try:
        statements_read("".join(parts).encode(), filename="fuzz.sta")
    except StatementUnreadable as exc:
        assert exc.message.startswith("fuzz.sta: ")
