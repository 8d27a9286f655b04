"""Settings / Payments: a creditor's own provider account, set, checked and disabled by
members who may manage settings; secrets never shown back beyond their last four."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.payments.accounts import account_set
from tact.payments.models import ProviderAccount
from tact.payments.providers import PROVIDERS
from tact.payments.providers.stripe import StripeProvider
from tests.payments.fakes import FakeApi

pytestmark = pytest.mark.django_db

PAGE = reverse("workbench:payment_accounts")
KEY, SECRET = "sk_test_51HxAcmeVeryLongKey9876", "whsec_acme_secret_4321"


@pytest.fixture
def admin(client, member):
    client.force_login(member("admin"))
    return client


def test_saving_an_account_stores_it_and_shows_only_the_last_four(admin, creditor, other_creditor):
    account_set(
        creditor=other_creditor,
        provider="stripe",
        by="t",
        api_key="sk_test_rival_00000000",
        webhook_secret="whsec_rival_0000",
    )

    response = admin.post(PAGE, {"provider": "stripe", "environment": "test", "api_key": KEY,
                                 "webhook_secret": SECRET, "methods": ["card", "sepa_debit"]}, follow=True)  # fmt: skip

    html = response.content.decode()
    assert "was saved" in html
    assert KEY not in html and SECRET not in html
    assert "…9876" in html and "…4321" in html
    assert "rival" not in html  # another creditor's account is not listed
    with scope(creditor=creditor):
        account = ProviderAccount.objects.get()
    assert account.is_active and account.methods == ["card", "sepa_debit"]
    assert f"/payments/webhooks/stripe/{account.public_id}/" in html


def test_a_missing_secret_is_named_and_nothing_is_saved(admin, creditor):
    response = admin.post(PAGE, {"provider": "stripe", "environment": "test", "api_key": KEY})

    assert response.status_code == 400
    assert "stripe needs webhook secret" in response.content.decode()
    with scope(creditor=creditor):
        assert not ProviderAccount.objects.exists()


def test_verify_and_disable(admin, creditor, monkeypatch):
    fake = FakeApi()
    fake.on("GET", "https://api.stripe.com/v1/balance", (200, {"object": "balance", "livemode": False}))
    monkeypatch.setitem(PROVIDERS, "stripe", StripeProvider(http=fake))
    account_set(creditor=creditor, provider="stripe", by="t", api_key=KEY, webhook_secret=SECRET)

    verified = admin.post(reverse("workbench:payment_account_verify", args=["stripe"]), follow=True)
    disabled = admin.post(reverse("workbench:payment_account_disable", args=["stripe"]), follow=True)

    assert "accepted the credentials" in verified.content.decode()
    assert "was disabled" in disabled.content.decode()
    with scope(creditor=creditor):
        account = ProviderAccount.objects.get()
    assert account.verified_at is not None and not account.is_active


def test_a_credit_manager_may_not_see_the_page(signed_in):
    assert signed_in.get(PAGE).status_code == 403
