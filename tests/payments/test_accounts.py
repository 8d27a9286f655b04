"""Each creditor's own provider account: secrets sealed at rest, the portal's provider
chosen per creditor, and a webhook verified with that account's secret only."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.ledger.models import Invoice, Payment
from tact.payments import vault
from tact.payments.accounts import account_set, account_verify, account_webhook_url
from tact.payments.errors import AccountInvalid
from tact.payments.models import Checkout, ProviderAccount, WebhookEvent
from tact.payments.providers import PROVIDERS
from tact.payments.providers.stripe import StripeProvider, signature_header
from tact.payments.selectors import provider_name_for
from tests.payments.conftest import NOW
from tests.payments.fakes import FakeApi, checkout_for
from tests.payments.test_stripe import event, session

pytestmark = pytest.mark.django_db
SESSIONS = "https://api.stripe.com/v1/checkout/sessions"
BALANCE = "https://api.stripe.com/v1/balance"
ACME_KEY, ACME_SECRET = "sk_test_acme_51HxAcmeKey0001", "whsec_acme_9d8c7b6a5f4e"
RIVAL_KEY, RIVAL_SECRET = "sk_test_rival_51HxRivalKey02", "whsec_rival_1a2b3c4d5e6f"


@pytest.fixture
def api(settings, monkeypatch):
    """The installation is on the test provider (the demo's); Stripe answers from a fake."""
    settings.TACT_PAYMENT_PROVIDER = "test"
    settings.TACT_STRIPE_SECRET_KEY = "sk_test_installation_000000"
    settings.TACT_STRIPE_WEBHOOK_SECRET = "whsec_installation_000000"
    settings.TACT_PAYMENTS_PUBLIC_URL = "https://pay.example.com"
    fake = FakeApi()
    fake.on("POST", SESSIONS, lambda request: (200, session(request.form()["client_reference_id"])))
    monkeypatch.setitem(PROVIDERS, "stripe", StripeProvider(http=fake))
    return fake


@pytest.fixture
def accounts(creditor, other_creditor, api):
    acme = account_set(creditor=creditor, provider="stripe", by="test", api_key=ACME_KEY,
                       webhook_secret=ACME_SECRET, methods=["card", "ideal"])  # fmt: skip
    rival = account_set(creditor=other_creditor, provider="stripe", by="test", api_key=RIVAL_KEY,
                        webhook_secret=RIVAL_SECRET)  # fmt: skip
    return acme, rival


def deliver(client, account, body, *, secret):
    header = signature_header(body, secret=secret, timestamp=int(NOW.timestamp()))
    url = f"/payments/webhooks/stripe/{account.public_id}/"
    return client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def paid_event(checkout):
    obj = session(checkout.public_id, status="complete", payment_status="paid", types=["card"], intent="pi_1")
    return event("checkout.session.completed", obj)


# -- encryption -------------------------------------------------------------------------


def test_a_sealed_secret_opens_to_the_same_text_and_does_not_contain_it():
    sealed = vault.seal("sk_live_51HxSecretValue")

    assert "51HxSecretValue" not in sealed
    assert vault.unseal(sealed) == "sk_live_51HxSecretValue"
    assert vault.seal("sk_live_51HxSecretValue") != sealed  # a fresh IV each time


def test_a_secret_sealed_under_another_key_is_unreadable(settings):
    settings.TACT_SECRETS_KEY = "first key"
    sealed = vault.seal("whsec_abc")
    settings.TACT_SECRETS_KEY = "another key"

    with pytest.raises(vault.SecretUnreadable):
        vault.unseal(sealed)


def test_a_rolled_key_still_opens_what_the_old_one_sealed(settings):
    settings.TACT_SECRETS_KEY = "old key"
    sealed = vault.seal("whsec_abc")
    settings.TACT_SECRETS_KEY = "new key,old key"

    assert vault.unseal(sealed) == "whsec_abc"


def test_the_database_holds_no_secret_in_clear(accounts):
    with connection.cursor() as cursor:
        cursor.execute("select * from payments_provideraccount")
        stored = json.dumps(cursor.fetchall(), default=str)

    assert ACME_KEY not in stored and ACME_SECRET not in stored
    acme = accounts[0]
    assert (acme.api_key_last4, acme.webhook_secret_last4) == ("0001", "5f4e")


# -- setting an account -----------------------------------------------------------------


def test_a_live_key_in_a_test_account_is_refused_naming_the_field(creditor):
    with pytest.raises(AccountInvalid) as caught:
        account_set(
            creditor=creditor, provider="stripe", by="test", api_key="sk_live_xyz", webhook_secret="w"
        )

    assert caught.value.field == "api_key"
    with scope(creditor=creditor):
        assert not ProviderAccount.objects.exists()


def test_a_blank_secret_keeps_the_stored_one_and_the_audit_names_no_value(creditor, accounts):
    account_set(
        creditor=creditor, provider="stripe", by="test", api_key=None, webhook_secret="", methods=["card"]
    )

    with scope(creditor=creditor):
        acme = ProviderAccount.objects.get()
        assert vault.unseal(acme.webhook_secret_sealed) == ACME_SECRET
        audit = json.dumps([e.after for e in AuditEvent.objects.filter(action="payment_account_set")])
    assert acme.methods == ["card"]
    assert ACME_KEY not in audit and ACME_SECRET not in audit


def test_the_command_reads_secrets_from_the_environment_not_argv(creditor, monkeypatch, capsys):
    monkeypatch.setenv("ACME_MOLLIE_KEY", "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
    call_command("payments", "account", "set", "--creditor", "acme", "--provider", "mollie",
                 "--api-key-env", "ACME_MOLLIE_KEY", "--methods", "ideal,bancontact")  # fmt: skip

    assert "dHar4XY7" not in capsys.readouterr().out
    with scope(creditor=creditor):
        account = ProviderAccount.objects.get(provider="mollie")
    assert vault.unseal(account.api_key_sealed) == "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    assert account.is_active and account.methods == ["ideal", "bancontact"]


# -- per-creditor selection -------------------------------------------------------------


def test_each_creditor_pays_into_its_own_account_and_others_use_the_installations(
    accounts, creditor, other_creditor, items, api
):
    acme, rival = accounts
    with scope(creditor=other_creditor):
        ProviderAccount.objects.filter(pk=rival.pk).update(is_active=False)

    assert provider_name_for(creditor=creditor) == "stripe"
    assert provider_name_for(creditor=other_creditor) == "test"  # the installation's fallback
    checkout = checkout_for(creditor, items, "500.00", provider="stripe")

    (sent,) = api.sent("POST", SESSIONS)
    assert sent.headers["Authorization"] == f"Bearer {ACME_KEY}"
    assert sent.form()["payment_method_types[1]"] == "ideal"
    assert checkout.account == acme


def test_a_creditor_without_an_account_uses_the_installations_key(creditor, items, api):
    checkout = checkout_for(creditor, items, "100.00", provider="stripe")

    (sent,) = api.sent("POST", SESSIONS)
    assert sent.headers["Authorization"] == "Bearer sk_test_installation_000000"
    assert checkout.account is None


# -- webhooks ---------------------------------------------------------------------------


def test_an_event_signed_with_the_accounts_secret_pays_its_checkout(client, accounts, creditor, items):
    checkout = checkout_for(creditor, items, "500.00", provider="stripe")

    response = deliver(client, accounts[0], paid_event(checkout), secret=ACME_SECRET)

    assert response.status_code == 200, response.content
    with scope(creditor=creditor):
        assert Checkout.objects.get().status == "paid"
        assert Payment.objects.count() == 1


def test_an_event_signed_with_another_creditors_secret_is_refused_and_changes_nothing(
    client, accounts, creditor, items
):
    checkout = checkout_for(creditor, items, "500.00", provider="stripe")
    body = paid_event(checkout)

    refused = [
        deliver(client, accounts[0], body, secret=RIVAL_SECRET).status_code,
        deliver(client, accounts[0], body, secret="whsec_installation_000000").status_code,
    ]

    assert refused == [400, 400]
    assert not WebhookEvent.objects.exists()
    with scope(creditor=creditor):
        assert Checkout.objects.get().status == "open"
        assert not Payment.objects.exists()
        assert Invoice.objects.get(number="RE-1").open_amount > 0


def test_a_creditor_cannot_pay_another_creditors_checkout_with_its_own_secret(
    client, accounts, creditor, items
):
    checkout = checkout_for(creditor, items, "500.00", provider="stripe")

    # Rival signs, with its own valid secret at its own URL, an event naming Acme's checkout.
    response = deliver(client, accounts[1], paid_event(checkout), secret=RIVAL_SECRET)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "unknown_checkout"
    with scope(creditor=creditor):
        assert Checkout.objects.get().status == "open"


def test_an_unknown_account_in_the_url_is_not_found(client, accounts):
    response = client.post("/payments/webhooks/stripe/nobody/", b"{}", content_type="application/json")

    assert response.status_code == 404


def test_the_account_webhook_url_names_the_account(accounts):
    assert (
        account_webhook_url(accounts[0])
        == f"https://pay.example.com/payments/webhooks/stripe/{accounts[0].public_id}/"
    )


# -- verifying credentials --------------------------------------------------------------


def test_verifying_asks_stripe_with_the_accounts_key_and_records_the_answer(accounts, api, creditor):
    api.on("GET", BALANCE, (200, {"object": "balance", "livemode": False, "available": []}))

    result = account_verify(account=accounts[0], now=NOW, by="test")

    assert result.ok
    assert api.sent("GET", BALANCE)[0].headers["Authorization"] == f"Bearer {ACME_KEY}"
    with scope(creditor=creditor):
        assert ProviderAccount.objects.get().verified_at == NOW


def test_a_refused_key_is_recorded_as_the_problem(accounts, api, creditor):
    api.on("GET", BALANCE, (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}))

    result = account_verify(account=accounts[0], now=NOW, by="test")

    assert not result.ok and "refused" in result.problem
    with scope(creditor=creditor):
        account = ProviderAccount.objects.get()
    assert account.verified_at is None and "refused" in account.verify_problem


def test_an_accounts_adapter_is_reused_until_its_credentials_change(accounts, creditor):
    from tact.payments.accounts import account_adapter

    first = account_adapter(accounts[0])
    assert account_adapter(accounts[0]) is first
    changed = account_set(creditor=creditor, provider="stripe", by="test", api_key="sk_test_acme_newkey_0002")

    assert account_adapter(changed) is not first
    assert account_adapter(changed).setting("TACT_STRIPE_SECRET_KEY") == "sk_test_acme_newkey_0002"


def test_a_disabled_account_still_verifies_deliveries_for_checkouts_begun_with_it(
    client, accounts, creditor, items
):
    checkout = checkout_for(creditor, items, "500.00", provider="stripe")
    with scope(creditor=creditor):
        ProviderAccount.objects.filter(pk=accounts[0].pk).update(is_active=False)

    response = deliver(client, accounts[0], paid_event(checkout), secret=ACME_SECRET)

    assert response.status_code == 200
    with scope(creditor=creditor):
        assert Checkout.objects.get().status == "paid"


def test_mollie_is_asked_with_the_accounts_key_and_told_the_accounts_webhook_url(
    creditor, items, settings, monkeypatch
):
    from tact.payments.providers.mollie import MollieProvider
    from tests.payments.test_mollie import PAYMENTS, payment

    settings.TACT_MOLLIE_API_KEY = "test_installation_key_00000000"
    settings.TACT_PAYMENTS_PUBLIC_URL = "https://pay.example.com"
    fake = FakeApi()
    fake.on("POST", PAYMENTS, lambda r: (201, payment(r.json()["metadata"]["tact_checkout"], "open")))
    monkeypatch.setitem(PROVIDERS, "mollie", MollieProvider(http=fake))
    account = account_set(
        creditor=creditor, provider="mollie", by="test", api_key="test_acme_mollie_key_4242"
    )

    checkout_for(creditor, items, "100.00", provider="mollie")

    (sent,) = fake.sent("POST", PAYMENTS)
    assert sent.headers["Authorization"] == "Bearer test_acme_mollie_key_4242"
    assert (
        sent.json()["webhookUrl"] == f"https://pay.example.com/payments/webhooks/mollie/{account.public_id}/"
    )
