"""The bank pages in a real Chromium: upload a statement, reconcile the suggestion, a refused file."""

from __future__ import annotations

import re

import pytest

from tests.factories import MembershipFactory, UserFactory

from .conftest import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def manager(creditor):
    user = UserFactory(username="manager@acme.example", email="manager@acme.example")
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    return user


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/debtors/$"))


def upload(page, live_server, name: str) -> None:
    page.goto(f"{live_server.url}/bank/")
    page.set_input_files("input[type=file]", str(SAMPLES / name))
    page.click("button:has-text('Import and match')")


def test_upload_then_accept_the_suggestion_in_bulk(page, live_server, ledger, manager):
    sign_in(page, live_server, manager)
    page.click("nav >> text=Bank")
    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))

    upload(page, live_server, "camt053_v02.xml")

    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))
    assert page.get_by_text("4 new lines (0 seen before): 3 booked, 1 suggested, 0 unmatched.").is_visible()
    row = page.locator("[data-testid=suggested] tbody tr")
    assert row.count() == 1
    assert "RE-815" in row.locator(".explanation").inner_text()
    assert "Kiosk am Eck" in row.inner_text()

    row.locator("input[type=checkbox]").check()
    page.click("[data-testid=bulk-accept]")

    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))
    assert page.get_by_text("1 lines booked.").is_visible()
    assert page.get_by_text("No suggestion waits.").is_visible()


def test_split_a_suggested_line_across_items(page, live_server, ledger, manager):
    sign_in(page, live_server, manager)
    upload(page, live_server, "camt053_v02.xml")
    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))

    page.click("[data-testid=suggested] >> text=Split")
    page.wait_for_url(re.compile(r".*/bank/lines/\d+/$"))
    page.fill("input[aria-label='RE-815']", "200.00")
    page.click("button:has-text('Book')")

    page.wait_for_url(re.compile(r".*/bank/reconcile/$"))
    assert page.get_by_text("Booked to Kiosk am Eck.").is_visible()
    ledger.re815.refresh_from_db()
    assert str(ledger.re815.open_amount) == "100.0000"


def test_a_statement_of_another_account_is_refused_on_the_page(page, live_server, ledger, manager):
    sign_in(page, live_server, manager)

    upload(page, live_server, "camt053_v08.xml")

    error = page.locator(".field-error, .errorlist, .alert-danger").first
    error.wait_for()
    assert "NL91ABNA0417164300" in page.content()
    assert "Nothing was imported." in page.content()
