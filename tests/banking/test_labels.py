"""The reconciliation screen's sentences show amounts as people write them, not at ledger precision."""

from tact.banking.labels import explain


def test_amounts_stored_with_four_places_read_with_two():
    text = explain("invoice_number", {"invoices": ["RE-1"], "debtor": "Anna Visser", "named_open": "126.2000",
                                      "amount": "63.10"})  # fmt: skip
    assert text == "The text names RE-1 of Anna Visser (open 126.20), paid 63.10."


def test_a_fraction_of_a_cent_is_not_rounded_away():
    assert "126.2050 open" in explain(
        "oldest", {"debtor": "X", "by": "IBAN", "open_total": "126.2050", "amount": "1"}
    )
