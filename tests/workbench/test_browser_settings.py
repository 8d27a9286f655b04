"""The layout, token and settings pages in a real Chromium.

Screenshots at 1280 and 390 px go to /tmp/shots3/ (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope

from tact.ledger.models import ColumnMapping, Invoice

from .test_browser import sign_in
from .test_import_layouts import ODD_CSV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_SHOTS3", "/tmp/shots3"))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


def test_map_the_columns_of_an_unknown_layout_then_confirm(page, live_server, creditor, manager, tmp_path):
    export = tmp_path / "kaiser-export.csv"
    export.write_text(ODD_CSV, encoding="utf-8")
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/import/")
    page.set_input_files("input[type=file]", str(export))
    page.click("text=Check the file")
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    assert page.locator("#map-columns").is_visible()
    shoot(page, "import-map-columns")

    for field, header in [
        ("invoice_number", "Beleg-Ident"),
        ("debtor_number", "Partner-Ident"),
        ("debtor_name", "Partnername"),
        ("issued_on", "Buchungstag"),
        ("due_on", "Zahlungsziel"),
        ("amount", "Summe"),
    ]:
        page.select_option(f"#id_col_{field}", header)
    page.select_option("#id_decimal", ",")
    page.fill("#id_name", "Kaiser ERP")
    page.click("text=Save the layout and check the file again")

    page.wait_for_selector("text=The file is fine. Nothing is written yet.")
    assert page.locator("[data-testid=created-invoices]").inner_text() == "2"
    page.click("text=Confirm and apply")
    page.wait_for_selector("text=The file was applied to the ledger.")
    assert page.locator(".created-table td.primary a").all_inner_texts() == ["RE-9001", "RE-9002"]
    with scope(creditor=creditor):
        assert Invoice.objects.get(number="RE-9001").debtor.name == "Kaiser OHG"

    page.goto(f"{live_server.url}/import/")
    assert page.locator("#id_layout option:checked").inner_text() == "Kaiser ERP"
    assert page.locator(".layouts-table").get_by_text("Kaiser ERP").is_visible()
    shoot(page, "import-layouts")

    page.locator(".layouts-table").get_by_text("Delete").click()
    shoot(page, "layout-delete")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("text=was deleted")
    with scope(creditor=creditor):
        assert not ColumnMapping.objects.exists()


def test_create_use_and_revoke_an_api_token(page, live_server, creditor, manager):
    sign_in(page, live_server, manager)
    page.click("nav >> text=API tokens")
    page.wait_for_url(re.compile(r".*/settings/tokens/$"))
    shoot(page, "tokens-empty")

    page.fill("#id_name", "ERP export")
    page.select_option("#id_role", "read_only")
    page.click("text=Create the token")
    secret = page.locator("[data-testid=new-token]").inner_text()
    assert re.fullmatch(r"tact_[0-9a-f]{12}_\S+", secret)
    assert page.get_by_text("It is shown only this once").is_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button[data-copy]")
    page.wait_for_selector("button[data-copy]:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shoot(page, "tokens-created")

    api = f"{live_server.url}/api/v1/debtors"
    assert page.request.get(api, headers={"Authorization": f"Bearer {secret}"}).status == 200

    page.goto(f"{live_server.url}/settings/tokens/")
    assert page.locator("[data-testid=new-token]").count() == 0  # shown once only
    page.click(".tokens-table a.btn-danger")
    page.wait_for_url(re.compile(r".*/settings/tokens/\d+/revoke/$"))
    assert page.get_by_text("Revoke the token “ERP export”?").is_visible()
    shoot(page, "token-revoke")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("text=was revoked")
    shoot(page, "tokens-revoked")

    assert page.request.get(api, headers={"Authorization": f"Bearer {secret}"}).status == 401


def test_changing_the_primary_colour_changes_the_navigation(page, live_server, member):
    admin = member("admin")
    sign_in(page, live_server, admin)
    page.click("nav >> text=Creditor")
    page.wait_for_url(re.compile(r".*/settings/$"))
    shoot(page, "settings")

    page.fill("#id_primary_color", "#aa3300")
    # The preview follows before saving (polled: the page's script may still be loading).
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.swatch-current')).borderLeftColor === 'rgb(170, 51, 0)'"
    )
    page.fill("#id_iban", "DE00 1234")
    page.click("text=Save the settings")
    page.wait_for_selector("text=This is not a valid IBAN.")
    shoot(page, "settings-error")

    page.fill("#id_iban", "DE89 3704 0044 0532 0130 00")
    page.click("text=Save the settings")
    page.wait_for_selector("text=The settings were saved.")
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.nav a[aria-current=page]')).borderLeftColor"
        " === 'rgb(170, 51, 0)'"
    )
