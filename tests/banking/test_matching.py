"""The matching rules, in memory: each rule's case, its confidence and the facts it gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tact.banking.matching import Line, Matcher, name_normal, number_key, text_keys
from tact.banking.references import references_find
from tact.banking.selectors import Item, Portfolio

D = Decimal
MUELLER, SCHMIDT, KIOSK = 1001, 1002, 1003


def item(pk, number, debtor, open_amount, due=date(2025, 10, 1)):
    return Item(pk, number, debtor, "invoice", due, D(open_amount), "EUR")


@pytest.fixture
def portfolio():
    items = [
        item(1, "RE-2025-00042", MUELLER, "1190.00"),
        item(2, "RE-2025-00050", SCHMIDT, "300.00", date(2025, 9, 1)),
        item(3, "RE-2025-00051", SCHMIDT, "250.00", date(2025, 10, 1)),
        item(4, "RE-2025-00052", SCHMIDT, "120.00", date(2025, 10, 15)),
        item(5, "RE-815", KIOSK, "300.00"),
    ]
    by_debtor: dict[int, list[Item]] = {}
    for i in items:
        by_debtor.setdefault(i.debtor_id, []).append(i)
    return Portfolio(
        items={i.id: i for i in items},
        by_debtor=by_debtor,
        debtors={
            MUELLER: ("K1", "Bäckerei Müller GmbH", "EUR"),
            SCHMIDT: ("K2", "Schmidt & Partner OHG", "EUR"),
            KIOSK: ("K3", "Kiosk am Eck", "EUR"),
        },  # fmt: skip
        payer_accounts={"DE75512108001245126199": {SCHMIDT}},
    )


def line(amount, *, name="", iban="", remittance="", reference=""):
    return Line(1, D(amount), "EUR", name, iban, remittance, reference)


def rf(debtor_id: int) -> str:
    from stdnum.iso7064 import mod_97_10

    base = str(debtor_id).zfill(10)
    return f"RF{mod_97_10.calc_check_digits(base + 'RF')}{base}"


@pytest.mark.parametrize(
    ("number", "key"),
    [("RE-2025-00042", "202500042"), ("2025/0311", "20250311"), ("INV 000815", "815"), ("RE-12", "")],
)
def test_number_key_drops_prefixes_separators_and_leading_zeros(number, key):
    assert number_key(number) == key


def test_text_keys_join_numbers_split_by_spaces():
    assert "202500042" in text_keys("Rechnung RE 2025 00042 Kd-Nr. K10001")
    assert "815" in text_keys("Zahlung Rg.Nr. 0815")


def test_text_keys_are_each_runs_number_keys_then_its_loose_keys_in_order():
    assert text_keys("Rg.-Nr. RE 2025 020762 danke") == [
        "2025", "2025020762", "2025.20762", "2025020762DANKE", "20762", "20762DANKE",
    ]  # fmt: skip
    assert text_keys("Zahlung RE2025X0042, 2025 17") == [
        "2025X0042", "2025X00422025", "2025X0042202517", "2025.42", "2025.42.2025", "2025.42.2025.17",
        "2025", "202517", "2025.17",
    ]  # fmt: skip
    assert text_keys("Spende") == text_keys("") == []


def test_inner_leading_zeros_are_tolerated():
    assert "2025.17" in text_keys("Lastschrift RE-2025-0017 Ruecklastschrift")


def test_name_normal_folds_umlauts_and_legal_forms():
    assert name_normal("Bäckerei Müller GmbH") == name_normal("BAECKEREI MUELLER") == "baeckerei mueller"
    assert name_normal("Van der Berg B.V.") == "van der berg"


def test_references_are_found_in_free_text_and_name_the_debtor():
    (found,) = references_find(f"Betrag {rf(MUELLER)[:4]} {rf(MUELLER)[4:]} danke")
    assert (found.kind, found.debtor_id) == ("rf", MUELLER)
    (ogm,) = references_find("Mededeling +++000/0001/00131+++")
    assert (ogm.kind, ogm.debtor_id) == ("ogm", MUELLER)
    assert references_find("twelve digits 000000100131 are no OGM in free text") == []


def test_structured_reference_for_the_open_total_is_sure(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("670.00", reference=rf(SCHMIDT)))

    assert (match.rule, match.confidence, match.debtor_id) == ("reference", 99, SCHMIDT)
    assert match.facts["reference"] == rf(SCHMIDT)


def test_structured_reference_above_the_open_total_leaves_a_credit(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("700.00", remittance=f"Ref {rf(SCHMIDT)}"))

    assert (match.rule, match.confidence) == ("reference", 90)
    assert match.facts["credit"] == "30.00"


def test_invoice_number_in_text_with_the_exact_amount_is_sure(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("1190.00", remittance="Rechnung RE 2025 00042"))

    assert (match.rule, match.confidence, match.debtor_id, match.named) == (
        "invoice_number",
        95,
        MUELLER,
        [1],
    )


def test_three_invoice_numbers_for_their_sum_are_one_sure_match(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(
        line("670.00", remittance="RE2025-00050, RE 2025 00051 und 2025-00052")
    )

    assert (match.rule, match.confidence) == ("invoice_number", 95)
    assert match.named == [2, 3, 4]


def test_invoice_number_with_less_money_is_a_partial_payment_suggestion(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("250.00", remittance="Zahlung Rg.Nr. 815"))

    assert (match.rule, match.confidence, match.debtor_id) == ("invoice_number", 80, KIOSK)
    assert match.facts["invoices"] == ["RE-815"]


def test_known_payer_iban_and_an_item_of_that_amount_is_sure(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(
        line("250.00", iban="DE75512108001245126199", remittance="danke")
    )

    assert (match.rule, match.confidence, match.named) == ("amount_iban", 90, [3])


def test_similar_payer_name_and_an_item_of_that_amount_is_a_suggestion(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("1190.00", name="BAECKEREI MUELLER"))

    assert (match.rule, match.debtor_id, match.named) == ("amount_name", MUELLER, [1])
    assert match.confidence < 90
    assert match.facts["score"] >= 85


def test_a_combination_of_the_known_debtors_items_is_found(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("420.00", iban="DE75512108001245126199"))

    assert (match.rule, match.confidence, match.named) == ("combination", 85, [2, 4])


def test_an_amount_that_fits_nothing_goes_to_the_oldest_items_of_the_known_debtor(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("100.00", iban="DE75512108001245126199"))

    assert (match.rule, match.confidence, match.named) == ("oldest", 60, [])


def test_an_unknown_payer_without_reference_is_unmatched_with_what_was_tried(portfolio):
    match = Matcher(portfolio, auto_confidence=90).match(line("99.00", name="Unbekannt", remittance="Spende"))

    assert (match.rule, match.confidence, match.debtor_id) == ("none", 0, None)
    assert match.facts["why"] == "no_rule"


def test_a_second_line_for_the_same_invoice_does_not_take_it_again(portfolio):
    matcher = Matcher(portfolio, auto_confidence=90)

    first = matcher.match(line("1190.00", remittance="RE-2025-00042"))
    second = matcher.match(line("1190.00", remittance="RE-2025-00042"))

    assert first.rule == "invoice_number"
    assert second.rule == "none"


def test_the_next_line_sees_what_a_partial_payment_left_of_the_debtors_items(portfolio):
    matcher = Matcher(portfolio, auto_confidence=90)

    first = matcher.match(line("400.00", reference=rf(SCHMIDT)))
    second = matcher.match(line("150.00", remittance="RE 2025 00051"))
    third = matcher.match(line("120.00", reference=rf(SCHMIDT)))

    assert (first.rule, first.confidence, first.facts["open_total"]) == ("reference", 95, "670.00")
    assert (second.rule, second.confidence, second.named) == ("invoice_number", 95, [3])
    assert (second.facts["named_open"], second.facts["open_total"]) == ("150.00", "270.00")
    assert (third.rule, third.confidence, third.facts["open_total"]) == ("reference", 99, "120.00")
    assert matcher.open_items(SCHMIDT) == []
    assert matcher.total(SCHMIDT) == 0


def test_an_invoice_number_key_shared_by_two_debtors_names_both(portfolio):
    twin = item(6, "2025-00042", KIOSK, "50.00")
    portfolio.items[twin.id] = twin
    portfolio.by_debtor[KIOSK].append(twin)

    match = Matcher(portfolio, auto_confidence=90).match(line("1190.00", remittance="Rechnung RE 2025 00042"))

    assert (match.rule, match.confidence, match.debtor_id, match.named) == (
        "invoice_number",
        95,
        MUELLER,
        [1],
    )
    assert match.facts["other_debtors"] == ["Kiosk am Eck (K3)"]


def test_subset_search_finds_the_smallest_set_of_up_to_four_items():
    from tact.banking.matching import subset_summing

    values = [D("10.00"), D("20.00"), D("35.50"), D("7.25"), D("100.00")]

    assert subset_summing(values, D("30.00"), max_size=4) == (0, 1)
    assert subset_summing(values, D("65.50"), max_size=4) == (0, 1, 2)
    assert subset_summing(values, D("72.75"), max_size=4) == (0, 1, 2, 3)
    assert subset_summing(values, D("72.75"), max_size=3) is None
    assert subset_summing(values, D("1.00"), max_size=4) is None
