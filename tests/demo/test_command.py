"""`tact demo` on the command line."""

import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tact.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel("2026-03-15 09:00 +01:00", tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_summary_names_the_counts_and_a_working_login():
    output = run("--debtors", "12", "--months", "6")

    assert "Demo portfolio loaded into creditor 'demo' (Nordlicht Handel GmbH)" in output
    assert "debtors        12" in output
    assert "up to 2026-03-15" in output
    assert f"manager@demo.tact        {DEMO_PASSWORD}" in output


def test_json_reports_the_counts():
    report = json.loads(run("--creditor", "json-demo", "--debtors", "15", "--seed", "3", "--json"))

    assert report["creditor"] == "json-demo"
    assert report["debtors"] == 15
    assert report["seed"] == 3
    assert report["invoices"] >= 15
    assert report["open_items"] >= report["overdue_items"]
    assert {
        "contacts",
        "payments",
        "allocations",
        "open_amount",
        "seconds",
        "rows_per_second",
    } <= report.keys()
    assert report["logins"][0] == {
        "email": "manager@json-demo.tact",
        "role": "credit_manager",
        "password": DEMO_PASSWORD,
    }


def test_a_second_load_is_refused_with_a_hint_and_reset_allows_it():
    run("--debtors", "5")

    with pytest.raises(CommandError, match="Use --reset") as refused:
        run("--debtors", "5")
    assert refused.value.returncode == 2

    output = run("--debtors", "5", "--reset")
    assert "after deleting its previous ledger" in output
    assert f"manager@demo.tact        {DEMO_PASSWORD}" in output


def test_bad_options_are_refused_with_the_option_named():
    with pytest.raises(CommandError, match="debtors: -1 is not between"):
        run("--debtors", "-1")
    with pytest.raises(CommandError, match="slug"):
        run("--creditor", "no spaces")
