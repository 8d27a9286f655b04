"""`tact bank import`: the contract, duplicates, refusals, and what the booked lines did to the ledger."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from tact.banking.models import BankTransaction, LineStatus, PayerAccount, Statement, Suggestion
from tact.banking.selectors import debtor_credit
from tact.banking.services import statement_import
from tact.ledger.models import Invoice, Payment

from .conftest import SAMPLES, invoice

KEYS = ["statements", "transactions", "matched", "suggested", "unmatched", "duplicates"]


def bank_import(path, capsys, creditor="acme"):
    call_command("bank", "import", "--creditor", creditor, str(path), "--json")
    return json.loads(capsys.readouterr().out)


def test_camt053_import_books_sure_lines_and_suggests_the_partial_payment(ledger, capsys):
    result = bank_import(SAMPLES / "camt053_v02.xml", capsys)

    assert list(result) == KEYS
    assert result == {"statements": 1, "transactions": 4, "matched": 3, "suggested": 1, "unmatched": 0,
                      "duplicates": 0}  # fmt: skip
    with scope(creditor=ledger.mueller.creditor):
        ledger.re42.refresh_from_db()
        assert ledger.re42.open_amount == 0  # invoice number in the text, exact amount
        old, new = (Invoice.objects.get(pk=i.pk) for i in (ledger.schmidt_old, ledger.schmidt_new))
        assert (old.open_amount, new.open_amount) == (Decimal("0"), Decimal("150.00"))  # RF: oldest first
        suggestion = Suggestion.objects.get()
        assert (suggestion.debtor, suggestion.rule) == (ledger.kiosk, "invoice_number")
        assert suggestion.facts["invoices"] == ["RE-815"]


def test_a_returned_direct_debit_reopens_the_item_with_its_reason(ledger, capsys):
    bank_import(SAMPLES / "camt053_v02.xml", capsys)

    with scope(creditor=ledger.kiosk.creditor):
        ledger.re17.refresh_from_db()
        assert ledger.re17.open_amount == Decimal("89.25")
        assert ledger.re17.settled_on is None
        line = BankTransaction.objects.get(is_return=True)
        assert (line.status, line.rule, line.facts["reason"]) == (LineStatus.MATCHED, "return", "MD06")
        assert line.facts["reopened"] == [["RE-2025-00017", "89.2500"]]


def test_the_same_file_again_gives_duplicates_only(ledger, capsys):
    bank_import(SAMPLES / "camt053_v02.xml", capsys)
    with scope(creditor=ledger.kiosk.creditor):
        payments = Payment.objects.count()

    again = bank_import(SAMPLES / "camt053_v02.xml", capsys)

    assert again == {"statements": 0, "transactions": 0, "matched": 0, "suggested": 0, "unmatched": 0,
                     "duplicates": 4}  # fmt: skip
    with scope(creditor=ledger.kiosk.creditor):
        assert Payment.objects.count() == payments
        assert Statement.objects.count() == 1


def test_the_same_line_in_a_notification_and_then_the_statement_is_a_duplicate(ledger, capsys):
    first = bank_import(SAMPLES / "camt054.xml", capsys)
    then = bank_import(SAMPLES / "camt053_v02.xml", capsys)

    assert (first["matched"], then["duplicates"], then["transactions"]) == (1, 1, 3)


def test_sure_reference_and_invoice_number_matches_teach_the_payer_iban(ledger, capsys):
    bank_import(SAMPLES / "camt053_v02.xml", capsys)

    with scope(creditor=ledger.schmidt.creditor):
        # Not the Kiosk's: its line is only a suggestion, and a return teaches nothing.
        assert set(PayerAccount.objects.values_list("iban", "debtor")) == {
            ("DE75512108001245126199", ledger.schmidt.pk),
            ("DE02120300000000202051", ledger.mueller.pk),
        }


def test_a_statement_of_another_account_is_refused_and_nothing_is_written(ledger, capsys):
    with pytest.raises(CommandError, match="is of account NL91ABNA0417164300, not of") as caught:
        call_command("bank", "import", "--creditor", "acme", str(SAMPLES / "camt053_v08.xml"))

    assert caught.value.returncode == 2
    with scope(creditor=ledger.mueller.creditor):
        assert (Statement.objects.count(), BankTransaction.objects.count()) == (0, 0)


def test_a_statement_in_another_currency_is_refused(ledger, tmp_path):
    data = (SAMPLES / "camt053_v02.xml").read_text().replace('Ccy="EUR">1190.00', 'Ccy="USD">1190.00')

    with pytest.raises(CommandError, match="amounts in USD; .* books in EUR"):
        path = tmp_path / "usd.xml"
        path.write_text(data)
        call_command("bank", "import", "--creditor", "acme", str(path))

    with scope(creditor=ledger.mueller.creditor):
        assert BankTransaction.objects.count() == 0


def test_a_truncated_file_is_refused_with_json_error(ledger, capsys, tmp_path):
    path = tmp_path / "cut.sta"
    path.write_bytes((SAMPLES / "mt940_de.sta").read_bytes()[:300])

    with pytest.raises(CommandError):
        call_command("bank", "import", "--creditor", "acme", str(path), "--json")

    error = json.loads(capsys.readouterr().out)["error"]
    assert error["code"] == "statement_unreadable"
    assert error["message"].startswith("cut.sta: ")


def test_mt940_import_matches_the_reference_in_the_86_field(ledger, capsys):
    result = bank_import(SAMPLES / "mt940_de.sta", capsys)

    # RF13…1002 names no debtor here: the line stays unmatched; the invoice and the return are booked.
    assert result == {"statements": 1, "transactions": 3, "matched": 2, "suggested": 0, "unmatched": 1,
                      "duplicates": 0}  # fmt: skip


def test_csv_import_through_a_saved_mapping(ledger, capsys):
    call_command("bank", "mapping", "save", "--creditor", "acme", "--name", "Sparkasse", "--column", "booked_on=Datum",
                 "--column", "amount=Betrag in EUR", "--column", "counterparty_name=Name Gegenseite",
                 "--column", "remittance=Text", "--option", "decimal=.")  # fmt: skip
    capsys.readouterr()

    call_command("bank", "import", "--creditor", "acme", str(SAMPLES / "bank_export_custom.csv"), "--mapping",
                 "Sparkasse", "--json")  # fmt: skip
    result = json.loads(capsys.readouterr().out)

    # "RE 42" is too short a number to trust, but the name and amount fit; the bank's fee is money going out.
    assert (result["transactions"], result["suggested"], result["unmatched"]) == (2, 1, 1)
    with scope(creditor=ledger.mueller.creditor):
        assert Suggestion.objects.get().rule == "amount_name"


def test_an_overpayment_by_reference_stays_a_credit_on_the_debtor(ledger):
    from stdnum.iso7064 import mod_97_10

    base = str(ledger.schmidt.pk).zfill(10)
    reference = f"RF{mod_97_10.calc_check_digits(base + 'RF')}{base}"
    data = (SAMPLES / "camt053_v02.xml").read_bytes().replace(b"RF400000001001", reference.encode())
    data = data.replace(b'<Amt Ccy="EUR">400.00</Amt>', b'<Amt Ccy="EUR">600.00</Amt>')

    creditor = ledger.schmidt.creditor
    statement_import(creditor=creditor, data=data, filename="over.xml", by=None)

    assert debtor_credit(debtor=ledger.schmidt) == Decimal("50.00")
    line = BankTransaction.objects.get(amount=Decimal("600.00"))
    assert (line.rule, line.facts["credit"]) == ("reference", "50.00")


def test_other_creditors_data_is_untouched(ledger, other_creditor, capsys):
    bank_import(SAMPLES / "camt053_v02.xml", capsys)

    with scope(creditor=other_creditor):
        assert BankTransaction.objects.count() == 0
        assert Invoice.objects.filter(open_amount=0).count() == 0


def test_a_return_whose_payment_tact_cannot_find_stays_unmatched_with_why(in_scope, other_creditor):
    data = (SAMPLES / "camt053_v02.xml").read_bytes()

    summary = statement_import(creditor=in_scope, data=data, filename="camt053_v02.xml", by=None)

    assert summary.unmatched == 4  # an empty ledger: nothing to match, nothing to reverse
    line = BankTransaction.objects.get(is_return=True)
    assert (line.status, line.rule, line.facts["why"]) == (
        LineStatus.UNMATCHED,
        "return",
        "return_payment_not_found",
    )


def _statement_paying(creditor, invoices, statement_id):
    """A camt.053 with one line per invoice, its number in the text and its amount."""
    from tact.banking.bench import NAMESPACE, _entry

    entries = "".join(
        _entry(n, i.open_amount, i.debtor.name, "", f"Rechnung {i.number}", "")
        for n, i in enumerate(invoices)
    ).replace("<AcctSvcrRef>B", f"<AcctSvcrRef>{statement_id}-")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NAMESPACE}"><BkToCstmrStmt><GrpHdr>'
        f"<MsgId>{statement_id}</MsgId><CreDtTm>2025-11-04T06:00:00</CreDtTm></GrpHdr><Stmt><Id>{statement_id}</Id>"
        f"<Acct><Id><IBAN>{creditor.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def test_an_import_of_more_lines_takes_no_more_queries(in_scope, other_creditor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import DebtorFactory

    debtors = [DebtorFactory(creditor=in_scope, name=f"Firma {n}") for n in range(5)]
    invoices = [invoice(debtors[n % 5], f"RE-2025-{n:05d}", f"{100 + n}.00") for n in range(40)]
    queries = []
    for statement_id, paid in (("S1", invoices[:4]), ("S2", invoices[4:40])):
        with CaptureQueriesContext(connection) as captured:
            summary = statement_import(creditor=in_scope, data=_statement_paying(in_scope, paid, statement_id),
                                       filename=f"{statement_id}.xml", by=None)  # fmt: skip
        assert summary.matched == len(paid)
        queries.append(len(captured))
        reads = [
            q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "ledger_invoice"')
        ]
        assert len(reads) == 1  # the open items: read (and locked) once, for matching and booking
        if connection.features.has_select_for_update:  # SQLite locks the whole file instead
            assert "FOR UPDATE" in reads[0]

    assert queries[0] == queries[1]  # set-based: 36 lines cost the queries of 4
    assert Invoice.objects.filter(pk__in=[i.pk for i in invoices], open_amount=0).count() == 40
