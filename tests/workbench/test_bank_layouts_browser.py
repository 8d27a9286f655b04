"""A credit manager saves the layout of a bank CSV tact cannot read by its headers, in a real
Chromium, then imports that CSV on the upload page.

Screenshots go to /tmp/shots/ (TACT_SHOTS; not committed) for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from django_scopes import scope

from tact.banking.models import BankTransaction, CsvMapping

from .conftest import build_portfolio
from .test_bank_layouts import ODD_COLUMNS, ODD_CSV, ODD_OPTIONS
from .test_browser import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_maps_an_unknown_csv_saves_it_as_default_and_imports_with_it(
    page, live_server, creditor, manager, tmp_path
):
    build_portfolio(creditor, by=manager)
    export = tmp_path / "umsaetze.csv"
    export.write_bytes(ODD_CSV.encode("cp1252"))  # as a German bank writes it
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/bank/")
    page.set_input_files("input[type=file]", str(export))
    page.click("button:has-text('Import and match')")
    hint = page.locator("[data-testid=layout-needed]")
    hint.wait_for()
    shoot(page, "bank-upload-layout-needed")
    hint.get_by_role("link", name="CSV layouts").click()
    page.wait_for_url(re.compile(r".*/bank/layouts/$"))
    page.get_by_role("link", name="New layout").click()

    page.set_input_files("input[type=file]", str(export))
    page.click("button:has-text('Read the sample')")
    page.wait_for_selector("[data-testid=sample]")
    assert page.locator("[data-testid=sample] thead th").all_inner_texts() == [
        "Buchung", "Wert", "Summe", "Gegenkonto", "Text"
    ]  # fmt: skip
    assert "Kontoführung November" in page.locator("[data-testid=sample] tbody").inner_text()
    for field, header in ODD_COLUMNS.items():
        if field in ("booked_on", "amount", "counterparty_iban", "remittance"):
            page.select_option(f"#id_col_{field}", header)
    page.click("summary:has-text('Further columns')")
    page.select_option("#id_col_value_on", "Wert")
    page.select_option("#id_delimiter", ";")
    page.select_option("#id_decimal", ",")
    page.select_option("#id_date_format", "%d.%m.%Y")
    page.fill("#id_name", "Hausbank")
    page.check("#id_is_default")
    shoot(page, "bank-layout-new")
    page.click("button:has-text('Save the layout')")

    page.wait_for_url(re.compile(r".*/bank/layouts/$"))
    assert page.get_by_text("The CSV layout “Hausbank” was saved.").is_visible()
    row = page.locator("[data-testid=layouts] tbody tr")
    assert row.count() == 1
    assert "default" in row.locator(".layout-name").inner_text()
    assert "Booking date ← Buchung" in row.inner_text()
    shoot(page, "bank-layouts")
    with scope(creditor=creditor):
        mapping = CsvMapping.objects.get()
    assert (mapping.columns, mapping.options, mapping.is_default) == (ODD_COLUMNS, ODD_OPTIONS, True)

    page.goto(f"{live_server.url}/bank/")
    assert page.locator("#id_layout").input_value() == "Hausbank"  # the default, preselected
    page.set_input_files("input[type=file]", str(export))
    page.click("button:has-text('Import and match')")

    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))
    assert page.get_by_text("3 new lines (0 seen before): 2 booked, 0 suggested, 1 unmatched.").is_visible()
    with scope(creditor=creditor):
        assert BankTransaction.objects.count() == 3
