"""The staff pages in a real Chromium: log in, search, open, switch, import.

Each test also saves screenshots at 1280 and 390 px into /tmp/shots/ (not committed) for
a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope

from tact.ledger.models import Invoice
from tests.factories import MembershipFactory

from .conftest import PASSWORD, build_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_SHOTS", "/tmp/shots"))
GOOD_CSV = (
    "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fälligkeitsdatum;Betrag;E-Mail\n"
    "RE-7001;K7000;Schmidt Bau GmbH;01.10.2025;31.10.2025;1.190,00;buchhaltung@schmidt-bau.example\n"
    "RE-7002;K7000;Schmidt Bau GmbH;15.10.2025;14.11.2025;238,50;buchhaltung@schmidt-bau.example\n"
    "RE-7003;K7100;Vogel Logistik AG;20.11.2025;20.12.2025;5.000,00;ap@vogel.example\n"
)
BAD_CSV = (
    "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fälligkeitsdatum;Betrag\n"
    "RE-8001;K8000;Weber KG;01.10.2025;31.10.2025;100,00\n"
    "RE-8002;K8000;Weber KG;01.10.2025;31.02.2025;200,00\n"
)


def shoot(page, name: str) -> None:
    """Screenshots of the current page at desktop and phone width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/debtors/$"))


def result_names(page) -> list[str]:
    return page.locator("#debtor-results td.primary a").all_inner_texts()


def test_log_in_search_a_debtor_and_open_its_page(page, live_server, creditor, manager):
    build_portfolio(creditor, by=manager)
    page.goto(f"{live_server.url}/login/")
    shoot(page, "login")

    sign_in(page, live_server, manager)
    assert result_names(page) == ["Bakker Groothandel B.V.", "Jan Jansen", "Müller Maschinenbau GmbH"]
    shoot(page, "debtors")

    page.fill("#id_q", "einkauf@mueller")
    page.wait_for_function("document.querySelectorAll('#debtor-results td.primary').length === 1")
    assert result_names(page) == ["Müller Maschinenbau GmbH"]
    assert "q=einkauf%40mueller" in page.url  # the search is in the address, for back and reload

    page.click("text=Müller Maschinenbau GmbH")
    page.wait_for_url(re.compile(r".*/debtors/\d+/$"))
    assert page.locator("h1").inner_text() == "Müller Maschinenbau GmbH"
    assert page.locator("#open").get_by_text("RE-1001").is_visible()
    assert page.get_by_text("47 days").is_visible()
    assert page.get_by_text("Invoice RE-1001 issued").first.is_visible()
    shoot(page, "debtor")

    page.locator("#open").get_by_text("RE-1001").click()
    page.wait_for_url(re.compile(r".*/items/\d+/$"))
    assert "RE-1001" in page.locator("h1").inner_text()
    shoot(page, "invoice")


def test_sorting_and_filters_swap_the_results_in_place(page, live_server, creditor, manager):
    build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)

    page.locator("#debtor-results th a", has_text="Open").click()
    page.wait_for_function("document.querySelector('#debtor-results th[aria-sort=descending]') !== null")
    assert result_names(page)[0] == "Müller Maschinenbau GmbH"
    assert "sort=-open" in page.url

    page.select_option("#id_country", "NL")
    page.wait_for_function("document.querySelectorAll('#debtor-results td.primary').length === 2")
    assert result_names(page) == ["Bakker Groothandel B.V.", "Jan Jansen"]  # open total 250 before 0
    assert "sort=-open" in page.url and "country=NL" in page.url


def test_language_switch_shows_german_text(page, live_server, creditor, manager):
    build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)

    page.click(".account summary")
    page.click(".language-switch button[value=de]")

    page.wait_for_selector("html[lang=de]")
    assert page.locator("h1").inner_text() == "Schuldner"
    assert page.get_by_text("2.035,00 €").first.is_visible()
    shoot(page, "debtors-de")


def test_creditor_switch_shows_the_other_creditors_records(
    page, live_server, creditor, other_creditor, manager
):
    build_portfolio(creditor, by=manager)
    MembershipFactory(user=manager, creditor=other_creditor, role="read_only")
    sign_in(page, live_server, manager)
    assert "Müller Maschinenbau GmbH" in result_names(page)

    page.click(".account summary")
    shoot(page, "account-menu")
    page.click(f".creditor-switch button[value='{other_creditor.pk}']")

    page.wait_for_selector(".brand-name:has-text('Rival B.V.')")
    with scope(creditor=other_creditor):
        rival_debtors = sorted(Invoice.objects.values_list("debtor__name", flat=True).distinct())
    assert result_names(page) == rival_debtors
    page.goto(f"{live_server.url}/import/")
    assert page.locator("input[type=file]").count() == 0  # read-only there


def test_upload_with_a_bad_row_names_that_row(page, live_server, creditor, manager, tmp_path):
    sign_in(page, live_server, manager)
    bad = tmp_path / "offene-posten.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/import/")
    shoot(page, "import")
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=Check the file")

    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    row = page.locator(".errors-table tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "Fälligkeitsdatum" and cells[2] == "31.02.2025"
    assert page.get_by_text("Nothing was written").is_visible()
    assert page.locator("text=Confirm and apply").count() == 0
    shoot(page, "import-rejected")


def test_upload_a_good_file_confirm_and_open_its_items(page, live_server, creditor, manager, tmp_path):
    sign_in(page, live_server, manager)
    good = tmp_path / "open-items.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/import/")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=Check the file")
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    assert page.locator("[data-testid=created-invoices]").inner_text() == "3"
    assert page.locator("[data-testid=created-debtors]").inner_text() == "2"
    shoot(page, "import-preview")
    with scope(creditor=creditor):
        assert not Invoice.objects.filter(number="RE-7001").exists()

    page.click("text=Confirm and apply")
    page.wait_for_selector("text=The file was applied to the ledger.")
    links = page.locator(".created-table td.primary a").all_inner_texts()
    assert links == ["RE-7001", "RE-7002", "RE-7003"]
    shoot(page, "import-applied")

    page.click(".created-table >> text=RE-7001")
    page.wait_for_url(re.compile(r".*/items/\d+/$"))
    assert page.get_by_text("Schmidt Bau GmbH").first.is_visible()
    assert page.get_by_text("€1,190.00").first.is_visible()


def test_read_only_member_sees_no_upload(page, live_server, member):
    viewer = member("read_only")
    sign_in(page, live_server, viewer)

    page.goto(f"{live_server.url}/import/")

    assert page.locator("input[type=file]").count() == 0
    assert page.get_by_text("may look at imports but not start one").is_visible()
