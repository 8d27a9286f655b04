"""A person's decisions on bank lines: accept, reject, split, bulk accept; what they teach."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tact.banking.errors import InvalidSplit, SuggestionNotOpen
from tact.banking.labels import explain
from tact.banking.models import BankTransaction, LineStatus, PayerAccount, Suggestion, SuggestionStatus
from tact.banking.selectors import debtor_credit
from tact.banking.services import (
    csv_mapping_save,
    statement_import,
    suggestion_accept,
    suggestion_reject,
    suggestions_accept,
    transaction_book,
)
from tact.ledger.models import Invoice
from tests.factories import MembershipFactory, UserFactory

from .conftest import SAMPLES


@pytest.fixture
def imported(ledger):
    statement_import(creditor=ledger.kiosk.creditor, data=(SAMPLES / "camt053_v02.xml").read_bytes(),
                     filename="camt053_v02.xml", by=None)  # fmt: skip
    return ledger


def test_accepting_a_suggestion_books_the_line_and_learns_the_payer_iban(imported):
    suggestion = Suggestion.objects.get()

    payment = suggestion_accept(suggestion=suggestion, by=None)

    assert payment.amount == Decimal("250.00")
    assert Invoice.objects.get(number="RE-815").open_amount == Decimal("50.00")
    line = BankTransaction.objects.get(pk=suggestion.transaction_id)
    assert (line.status, line.payment, line.facts["accepted"]) == (LineStatus.MATCHED, payment, True)
    assert PayerAccount.objects.filter(debtor=imported.kiosk, iban="DE12500105175407324931").exists()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED


def test_a_suggestion_cannot_be_accepted_twice(imported):
    suggestion = Suggestion.objects.get()
    suggestion_accept(suggestion=suggestion, by=None)

    with pytest.raises(SuggestionNotOpen):
        suggestion_accept(suggestion=suggestion, by=None)

    assert Invoice.objects.get(number="RE-815").open_amount == Decimal("50.00")


def test_rejecting_the_only_suggestion_leaves_the_line_unmatched(imported):
    suggestion = Suggestion.objects.get()

    suggestion_reject(suggestion=suggestion, by=None)

    line = BankTransaction.objects.get(pk=suggestion.transaction_id)
    assert (line.status, line.debtor, line.facts["rejected"]) == (
        LineStatus.UNMATCHED,
        None,
        "invoice_number",
    )
    assert Invoice.objects.get(number="RE-815").open_amount == Decimal("300.00")


def test_splitting_a_line_across_items_leaves_the_rest_as_credit(imported):
    line = BankTransaction.objects.get(status=LineStatus.SUGGESTED)
    re815 = Invoice.objects.get(number="RE-815")

    transaction_book(line=line, debtor=imported.kiosk, parts=[(re815, Decimal("200.00"))], by=None)

    assert Invoice.objects.get(number="RE-815").open_amount == Decimal("100.00")
    assert debtor_credit(debtor=imported.kiosk) == Decimal("50.00")
    assert Suggestion.objects.get().status == SuggestionStatus.REJECTED  # superseded by the split


def test_a_split_above_the_line_amount_is_refused(imported):
    line = BankTransaction.objects.get(status=LineStatus.SUGGESTED)
    re815 = Invoice.objects.get(number="RE-815")

    with pytest.raises(InvalidSplit, match="more than the line's 250.00"):
        transaction_book(line=line, debtor=imported.kiosk, parts=[(re815, Decimal("260.00"))], by=None)


def test_a_split_to_another_debtors_item_is_refused(imported):
    line = BankTransaction.objects.get(status=LineStatus.SUGGESTED)

    with pytest.raises(InvalidSplit, match="belongs to another debtor"):
        transaction_book(line=line, debtor=imported.kiosk, parts=[(imported.re42, Decimal("10.00"))], by=None)


def test_bulk_accept_is_all_or_nothing(ledger):
    creditor = ledger.kiosk.creditor
    mapping = csv_mapping_save(creditor=creditor, name="Sparkasse", columns={"booked_on": "Datum",
                               "amount": "Betrag in EUR", "counterparty_name": "Name Gegenseite", "remittance": "Text"},
                               options={"decimal": "."}, is_default=False, by=None)  # fmt: skip
    statement_import(creditor=creditor, data=(SAMPLES / "bank_export_custom.csv").read_bytes(),
                     filename="export.csv", by=None, mapping=mapping)  # fmt: skip
    statement_import(creditor=creditor, data=(SAMPLES / "camt053_v02.xml").read_bytes(),
                     filename="camt053_v02.xml", by=None)  # fmt: skip
    by_name, kiosk = Suggestion.objects.order_by("pk")
    suggestion_reject(suggestion=by_name, by=None)

    with pytest.raises(SuggestionNotOpen):
        suggestions_accept(suggestions=[kiosk, by_name], by=None)

    kiosk.refresh_from_db()
    assert kiosk.status == SuggestionStatus.OPEN
    assert Invoice.objects.get(number="RE-815").open_amount == Decimal("300.00")


def statement_of(amount: str, text: str, iban="DE12500105175407324931") -> bytes:
    """A camt.053 with one credit to the acme account."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>T</MsgId><CreDtTm>2025-11-05T06:00:00</CreDtTm></GrpHdr><Stmt><Id>T1</Id>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2025-11-05</Dt></BookgDt><ValDt><Dt>2025-11-05</Dt></ValDt><AcctSvcrRef>TWICE-1</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Kiosk am Eck</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id>"
        f"</DbtrAcct></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def test_an_item_paid_a_second_time_is_suggested_as_a_credit_with_the_reason(ledger):
    creditor = ledger.kiosk.creditor

    summary = statement_import(creditor=creditor, data=statement_of("89.25", "Rechnung RE-2025-00017"),
                               filename="twice.xml", by=None)  # fmt: skip

    assert (summary.matched, summary.suggested) == (0, 1)
    suggestion = Suggestion.objects.get()
    assert (suggestion.rule, suggestion.debtor) == ("paid_twice", ledger.kiosk)
    assert suggestion.facts["invoices"] == ["RE-2025-00017"]
    assert "was paid already" in explain(suggestion.rule, suggestion.facts)
    open_before = Invoice.objects.get(number="RE-815").open_amount

    payment = suggestion_accept(suggestion=suggestion, by=None)

    assert not payment.allocations.exists()
    assert debtor_credit(debtor=ledger.kiosk) == Decimal("89.25")
    assert Invoice.objects.get(number="RE-815").open_amount == open_before  # nothing applied to other items


def test_the_reconciliation_screen_shows_a_page_of_lines_at_a_time(ledger, client):
    creditor = ledger.kiosk.creditor
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{10 + n}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>2025-11-05</Dt></BookgDt><AcctSvcrRef>GIFT-{n}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"<RltdPties><Dbtr><Nm>Unbekannt {n}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Spende</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
        for n in range(130)
    )
    data = statement_of("1.00", "Spende").replace(b"</Stmt>", entries.encode() + b"</Stmt>")
    statement_import(creditor=creditor, data=data, filename="gifts.xml", by=None)
    user = UserFactory()
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    client.force_login(user)

    first = client.get(reverse("workbench:bank_reconcile")).content.decode()
    second = client.get(reverse("workbench:bank_reconcile") + "?page=2").content.decode()

    assert first.count("data-line=") == 100 and 'rel="next"' in first
    assert second.count("data-line=") == 31 and 'rel="prev"' in second


def test_the_reconciliation_screen_accounts_for_every_line_of_the_import(ledger, client):
    """What the import reported adds up on the screen: the payments going out, which the
    import counts as unmatched, are named apart from the lines waiting for a person."""
    creditor = ledger.kiosk.creditor
    rent = (
        '<Ntry><Amt Ccy="EUR">950.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2025-11-05</Dt></BookgDt><AcctSvcrRef>RENT-11</AcctSvcrRef><NtryDtls><TxDtls>"
        "<RltdPties><Cdtr><Nm>Hafen Immobilien KG</Nm></Cdtr></RltdPties><RmtInf><Ustrd>Miete</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
    )
    data = statement_of("1.00", "Spende").replace(b"</Stmt>", rent.encode() + b"</Stmt>")
    summary = statement_import(creditor=creditor, data=data, filename="mixed.xml", by=None)
    user = UserFactory()
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    client.force_login(user)

    page = client.get(reverse("workbench:bank_reconcile")).content.decode()

    header = (
        f"{summary.suggested} suggested, {summary.unmatched - 1} unmatched, {summary.matched} booked. "
        "1 payment going out is left aside."
    )
    assert summary.transactions == 2 and header in " ".join(page.split())


def test_the_upload_page_lists_each_statement_with_what_became_of_its_lines(imported, client):
    from tact.banking.selectors import statements_recent

    creditor = BankTransaction.objects.first().creditor
    user = UserFactory()
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    client.force_login(user)
    (statement,) = statements_recent()
    outcome = {status: BankTransaction.objects.filter(status=status).count() for status in LineStatus.values}

    page = " ".join(client.get(reverse("workbench:bank_upload")).content.decode().split())

    assert statement.lines == sum(outcome.values()) > 0
    assert (statement.booked, statement.suggested, statement.unmatched) == (
        outcome["matched"],
        outcome["suggested"],
        outcome["unmatched"],
    )
    row = f'<td class="num">{statement.lines}</td><td class="num">{statement.booked}</td>'
    assert row in page
    assert (
        statement.suggested
        and f'statement={statement.pk}&amp;status=suggested">{statement.suggested}</a>' in page
    )


def test_the_reconciliation_screen_shows_the_lines_of_one_statement_on_request(ledger, client):
    creditor = ledger.kiosk.creditor
    first = statement_import(
        creditor=creditor, data=statement_of("1.00", "Spende Mai"), filename="may.xml", by=None
    )
    second = statement_of("2.00", "Spende Juni")
    statement_import(creditor=creditor, data=second, filename="june.xml", by=None)
    user = UserFactory()
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    client.force_login(user)
    url = reverse("workbench:bank_reconcile")

    everything = client.get(url).content.decode()
    of_may = client.get(f"{url}?statement={first.statement_ids[0]}").content.decode()
    unknown = client.get(f"{url}?statement=x").content.decode()
    assert client.get(f"{url}?statement={'9' * 30}").status_code == 200  # beyond any id: all lines

    assert "Spende Mai" in everything and "Spende Juni" in everything
    assert "Spende Mai" in of_may and "Spende Juni" not in of_may
    assert "Showing the lines of may.xml" in of_may
    assert "Spende Juni" in unknown and "Showing the lines of" not in unknown
    only_unmatched = client.get(f"{url}?status=unmatched").content.decode()
    assert 'id="suggested"' not in only_unmatched and 'id="unmatched"' in only_unmatched
