"""Settings / Payments in a real Chromium: set a Stripe account, verify it against a fake
Stripe API, disable it. Screenshots go to /tmp/shots3/ (not committed)."""

from __future__ import annotations

import re

import pytest
from django_scopes import scope

from tact.payments.models import ProviderAccount
from tact.payments.providers import PROVIDERS
from tact.payments.providers.stripe import StripeProvider
from tests.payments.fakes import FakeApi

from .test_browser import sign_in
from .test_browser_settings import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_verify_and_disable_a_stripe_account(page, live_server, creditor, member, monkeypatch, settings):
    settings.TACT_PAYMENT_PROVIDER = "test"
    fake = FakeApi()
    fake.on("GET", "https://api.stripe.com/v1/balance", (200, {"object": "balance", "livemode": False}))
    monkeypatch.setitem(PROVIDERS, "stripe", StripeProvider(http=fake))
    sign_in(page, live_server, member("admin"))

    page.click("nav >> text=Payments")
    page.wait_for_url(re.compile(r".*/settings/payments/$"))
    assert page.get_by_test_id("fallback").inner_text() == "Installation's provider: test"
    page.select_option("#id_provider", "stripe")
    page.fill("#id_api_key", "sk_test_51HxBrowserKey1234")
    page.fill("#id_webhook_secret", "whsec_browser_secret_abcd")
    page.check("input[name=methods][value=card]")
    page.click("text=Save the account")
    page.wait_for_selector("text=The payment provider account was saved.")
    credentials = page.locator("tr[data-account=stripe] [data-testid=credentials]").inner_text()
    assert "…1234" in credentials and "…abcd" in credentials
    assert "sk_test_51HxBrowserKey1234" not in page.content()
    assert page.locator("#id_api_key").input_value() == ""  # never rendered back
    shoot(page, "payment-account-saved")

    page.click("tr[data-account=stripe] >> text=Verify credentials")
    page.wait_for_selector("text=The provider accepted the credentials.")
    assert (
        fake.sent("GET", "https://api.stripe.com/v1/balance")[0].headers["Authorization"].endswith("Key1234")
    )
    assert "Checked" in page.locator("tr[data-account=stripe] [data-testid=status]").inner_text()

    page.click("tr[data-account=stripe] >> text=Disable")
    page.wait_for_selector("text=The account was disabled.")
    assert "Disabled" in page.locator("tr[data-account=stripe] [data-testid=status]").inner_text()
    shoot(page, "payment-account-disabled")
    with scope(creditor=creditor):
        assert not ProviderAccount.objects.get().is_active
