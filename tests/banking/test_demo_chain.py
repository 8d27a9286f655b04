"""The issue's "done when", on a small demo portfolio: a camt.053 made from the portfolio is
imported, the sure matches are booked, the unsure ones wait with their reasons, and the
next cycle plans nothing for the items the money paid."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from tact.banking.labels import explain
from tact.banking.models import BankTransaction, LineStatus, Statement, Suggestion
from tact.banking.services import statement_import
from tact.core.jobs import creditor_scope
from tact.demo.bank_statement import demo_bank_statement
from tact.demo.services import demo_load
from tact.dunning.models import Action
from tact.dunning.services import cycle_run
from tact.ledger.models import Invoice
from tact.tenancy.models import Creditor

TODAY = date(2026, 3, 17)  # a Tuesday, no public holiday in DE, NL, BE or AT


@pytest.fixture
def demo(db):
    demo_load(slug="demo", debtors=60, today=TODAY, seed=3)
    return Creditor.objects.get(slug="demo")


def test_a_demo_statement_books_the_sure_lines_and_the_cycle_leaves_the_paid_items_alone(demo):
    with creditor_scope(demo):
        plan = demo_bank_statement(creditor=demo, transactions=60, seed=2, today=TODAY)
        overdue_paid = Invoice.objects.filter(number__in=plan.paid_in_full, due_on__lt=TODAY).count()

        summary = statement_import(creditor=demo, data=plan.data, filename="demo.xml", by="test")
        cycle_run(creditor=demo, run_on=TODAY)

        # the statement reads as a bank's: the day's period and balances that add up
        statement = Statement.objects.get(pk=summary.statement_ids[0])
        assert statement.from_on == statement.to_on == TODAY
        lines = BankTransaction.objects.filter(statement=statement).aggregate(total=Sum("amount"))["total"]
        assert statement.closing_balance - statement.opening_balance == lines

        counts = plan.counts
        assert summary.transactions == sum(counts.values())
        assert counts["reference"] and counts["invoice_number"] and counts["three_invoices"]
        assert counts["partial"] and counts["unknown_payer"] and counts["returned_direct_debit"]
        # every item a sure line named is paid in full, and the cycle plans nothing for it
        paid = Invoice.objects.filter(number__in=plan.paid_in_full)
        assert paid.count() == len(plan.paid_in_full)
        assert all(item.open_amount == 0 for item in paid)
        assert overdue_paid, "some paid items were overdue: without the import the cycle would dun them"
        dunned = {item["number"] for action in Action.objects.filter(run_on=TODAY) for item in action.items}
        assert not dunned & set(plan.paid_in_full)
        # the partial payments and the payers known by name only wait, with their reasons
        waiting = Suggestion.objects.filter(status="open").select_related("transaction")
        named = {a["number"] for s in waiting for a in s.allocations}
        assert set(plan.suggested) <= named
        assert all(explain(s.rule, s.facts) for s in waiting)
        assert {s.rule for s in waiting} >= {"invoice_number", "amount_name"}
        # unknown payers stay unmatched, returned debits reopen the item with the reason
        unmatched = BankTransaction.objects.filter(status=LineStatus.UNMATCHED)
        assert unmatched.count() >= counts["unknown_payer"]
        returns = BankTransaction.objects.filter(is_return=True)
        assert [(r.status, r.facts["reason"]) for r in returns] == [(LineStatus.MATCHED, "MD06")] * len(
            returns
        )
        assert all(i.open_amount > 0 for i in Invoice.objects.filter(number__in=plan.returned))
        assert summary.matched == counts["reference"] + counts["invoice_number"] + counts[
            "three_invoices"
        ] + len(returns)


def test_the_demo_statement_command_writes_a_file_the_import_reads_twice_without_booking_twice(
    demo, tmp_path, capsys
):
    out = tmp_path / "statement.xml"

    call_command("demo", "bank-statement", "--creditor", "demo", "--out", str(out), "--transactions", "40")
    capsys.readouterr()
    call_command("bank", "import", "--creditor", "demo", str(out), "--json")
    first = json.loads(capsys.readouterr().out)
    call_command("bank", "import", "--creditor", "demo", str(out), "--json")
    again = json.loads(capsys.readouterr().out)

    # 60 demo debtors have fewer items open than 40 lines could pay: the file holds what fits
    assert 20 <= first["transactions"] <= 40 and first["matched"] > first["suggested"] > 0
    assert (again["duplicates"], again["transactions"], again["matched"]) == (first["transactions"], 0, 0)
