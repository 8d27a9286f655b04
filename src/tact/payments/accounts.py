"""Each creditor's own payment provider account: set, check, disable; and its adapter.

A multi-tenant installation cannot take every creditor's money into one provider account:
each creditor brings its own (Stripe, Mollie or PayPal), with its own keys and its own
webhook URL (``/payments/webhooks/<provider>/<public id>/``), so a delivery is verified with
that account's secret only, and can touch only checkouts begun with that account. A
creditor without an active account keeps using the installation's provider (environment
settings, ``conf``), and the offline test provider stays the demo's.

Services write (``account_set``, ``account_disable``, ``account_verify``); the rest read.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_scopes import scope

from tact.audit.services import audit_record
from tact.tenancy.models import Creditor

from . import conf, vault
from .errors import AccountInvalid, CredentialsRefused, ProviderUnavailable
from .models import AccountEnvironment, AccountProvider, ProviderAccount
from .providers import Provider, provider_get
from .providers import mollie as mollie_adapter
from .providers import stripe as stripe_adapter

SECRETS = ("api_key", "webhook_secret", "client_secret")
# What each provider cannot work without (after merging with what is stored).
REQUIRED = {
    "stripe": ("api_key", "webhook_secret"),
    "mollie": ("api_key",),
    "paypal": ("client_id", "client_secret", "webhook_id"),
}
# A key's prefix tells its mode; a live key in a test account (or the reverse) is a mistake
# caught here rather than at the debtor's first payment.
KEY_PREFIXES = {
    ("stripe", "test"): ("sk_test_", "rk_test_"),
    ("stripe", "live"): ("sk_live_", "rk_live_"),
    ("mollie", "test"): ("test_",),
    ("mollie", "live"): ("live_",),
}
METHODS = {
    "stripe": tuple(stripe_adapter.METHODS),
    "mollie": tuple(mollie_adapter.METHODS),
    "paypal": (),
}


# -- reads ------------------------------------------------------------------------------


def account_active(*, creditor: Creditor) -> ProviderAccount | None:
    with scope(creditor=creditor):
        return ProviderAccount.objects.filter(creditor=creditor, is_active=True).first()


def accounts_of(*, creditor: Creditor) -> list[ProviderAccount]:
    with scope(creditor=creditor):
        return list(ProviderAccount.objects.filter(creditor=creditor))


def account_get(*, creditor: Creditor, provider: str) -> ProviderAccount | None:
    with scope(creditor=creditor):
        return ProviderAccount.objects.filter(creditor=creditor, provider=provider).first()


def provider_name_for(*, creditor: Creditor) -> str:
    """The provider the creditor's portal offers: its own active account's, else the
    installation's ``TACT_PAYMENT_PROVIDER`` (empty: no online payment)."""
    account = account_active(creditor=creditor)
    return account.provider if account else getattr(settings, "TACT_PAYMENT_PROVIDER", "")


def account_for_webhook(*, provider: str, public_id: str) -> ProviderAccount | None:
    """The account a webhook URL names (active or not), read across creditors: a delivery
    comes before we know whose it is."""
    creditor = Creditor.objects.filter(
        payment_accounts__provider=provider, payment_accounts__public_id=public_id
    ).first()
    if creditor is None:
        return None
    with scope(creditor=creditor):
        return ProviderAccount.objects.select_related("creditor").get(provider=provider, public_id=public_id)


def account_webhook_url(account: ProviderAccount) -> str:
    """The absolute URL to register at the provider for this account."""
    return conf.public_url(reverse("payments:account_webhook", args=[account.provider, account.public_id]))


def account_config(account: ProviderAccount) -> dict[str, str]:
    """The account as the adapters read settings. Every credential name is present, even
    empty, so an account never borrows the installation's key or secret."""
    methods = ",".join(account.methods or [])
    common = {"webhook_url": account_webhook_url(account)}
    if account.provider == "stripe":
        config = {
            "TACT_STRIPE_SECRET_KEY": vault.unseal(account.api_key_sealed),
            "TACT_STRIPE_WEBHOOK_SECRET": vault.unseal(account.webhook_secret_sealed),
        }
        if methods:
            config["TACT_STRIPE_PAYMENT_METHODS"] = methods
    elif account.provider == "mollie":
        config = {
            "TACT_MOLLIE_API_KEY": vault.unseal(account.api_key_sealed),
            "TACT_MOLLIE_WEBHOOK_SECRET": vault.unseal(account.webhook_secret_sealed),
        }
        if methods:
            config["TACT_MOLLIE_METHODS"] = methods
    else:
        config = {
            "TACT_PAYPAL_CLIENT_ID": account.client_id,
            "TACT_PAYPAL_CLIENT_SECRET": vault.unseal(account.client_secret_sealed),
            "TACT_PAYPAL_WEBHOOK_ID": account.webhook_id,
            "TACT_PAYPAL_ENVIRONMENT": "live" if account.environment == "live" else "sandbox",
        }
    return {**config, **common}


# Adapters per account, kept by the process: PayPal's adapter holds its access token, and
# without this every delivery would ask for a new one. Keyed by everything the config is
# made of (a sealed secret changes with every save: a fresh IV) and the base adapter (tests
# swap it), so new credentials take effect at once.
_ADAPTERS: dict[tuple[object, ...], Provider] = {}
_ADAPTERS_MAX = 1000


def account_adapter(account: ProviderAccount) -> Provider:
    """The provider's adapter (its HTTP client included) speaking for this account."""
    base = provider_get(account.provider)
    key = (
        account.pk, account.environment, account.api_key_sealed, account.webhook_secret_sealed,
        account.client_id, account.client_secret_sealed, account.webhook_id, tuple(account.methods or ()),
        id(base),
    )  # fmt: skip
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        if len(_ADAPTERS) >= _ADAPTERS_MAX:
            _ADAPTERS.clear()
        adapter = _ADAPTERS[key] = base.with_config(account_config(account))
    return adapter


# -- writes -----------------------------------------------------------------------------


@transaction.atomic
def account_set(
    *,
    creditor: Creditor,
    provider: str,
    by: Any,
    environment: str | None = None,
    api_key: str | None = None,
    webhook_secret: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    webhook_id: str | None = None,
    methods: Iterable[str] | None = None,
) -> ProviderAccount:
    """Create or change the creditor's account at ``provider`` and make it the one its
    portal uses (another active account of the creditor is disabled). ``None`` keeps what
    is stored, so a form may leave a secret blank; a changed credential clears the last
    check. Secrets are stored encrypted; the audit names what changed, never a value.

    Raises AccountInvalid naming the field (unknown provider or method, a missing
    credential, a key whose prefix says the other environment).
    """
    if provider not in AccountProvider.values:
        raise AccountInvalid(
            field="provider", problem=f"{provider!r} is not one of {', '.join(AccountProvider.values)}"
        )
    with scope(creditor=creditor):
        account = (
            ProviderAccount.objects.select_for_update().filter(creditor=creditor, provider=provider).first()
        )
        created = account is None
        if account is None:
            account = ProviderAccount(
                creditor=creditor, provider=provider, public_id=secrets.token_urlsafe(12)
            )
        if environment is not None:
            if environment not in AccountEnvironment.values:
                raise AccountInvalid(field="environment", problem=f"{environment!r} is not test or live")
            account.environment = environment
        given = {"api_key": api_key, "webhook_secret": webhook_secret, "client_secret": client_secret}
        plain = {"client_id": client_id, "webhook_id": webhook_id}
        changed = sorted(k for k, v in {**given, **plain}.items() if v is not None and v.strip())
        current = {name: _stored(account, name) for name in (*SECRETS, "client_id", "webhook_id")}
        for name, value in {**given, **plain}.items():
            if value is not None and value.strip():
                current[name] = value.strip()
        for name in REQUIRED[provider]:
            if not current[name]:
                raise AccountInvalid(field=name, problem=f"{provider} needs {name.replace('_', ' ')}")
        prefixes = KEY_PREFIXES.get((provider, account.environment))
        if prefixes and not current["api_key"].startswith(prefixes):
            raise AccountInvalid(
                field="api_key",
                problem=f"a {account.environment} key of {provider} starts with {' or '.join(prefixes)}",
            )
        if methods is not None:
            chosen = [m.strip() for m in methods if m.strip()]
            unknown = sorted(set(chosen) - set(METHODS[provider]))
            if unknown:
                raise AccountInvalid(
                    field="methods", problem=f"{provider} has no method {', '.join(unknown)}"
                )
            if chosen != account.methods:
                changed.append("methods")
            account.methods = chosen
        for name, value in given.items():
            if value is not None and value.strip():
                setattr(account, f"{name}_sealed", vault.seal(value.strip()))
                setattr(account, f"{name}_last4", vault.last4(value.strip()))
        for name, value in plain.items():
            if value is not None and value.strip():
                setattr(account, name, value.strip())
        if changed or created:
            account.verified_at = None
            account.verify_problem = ""
        ProviderAccount.objects.filter(creditor=creditor, is_active=True).exclude(pk=account.pk).update(
            is_active=False
        )
        account.is_active = True
        account.save()
        audit_record(
            creditor=creditor, actor=by, action="payment_account_set", subject=account,
            after={"provider": provider, "environment": account.environment, "changed": changed,
                   "methods": account.methods, "created": created},
        )  # fmt: skip
    return account


def _stored(account: ProviderAccount, name: str) -> str:
    if name in SECRETS:
        return vault.unseal(getattr(account, f"{name}_sealed"))
    return str(getattr(account, name))


@transaction.atomic
def account_disable(*, account: ProviderAccount, by: Any) -> ProviderAccount:
    """Offer no new checkouts with this account: the portal falls back to the
    installation's provider. Deliveries for checkouts already begun still verify."""
    with scope(creditor=account.creditor):
        ProviderAccount.objects.filter(pk=account.pk).update(is_active=False)
        account.refresh_from_db()
        audit_record(creditor=account.creditor, actor=by, action="payment_account_disabled", subject=account)
    return account


@dataclass(frozen=True)
class AccountCheck:
    ok: bool
    problem: str  # the provider's refusal or why it could not be asked; '' when ok
    facts: Mapping[str, Any]


def account_verify(*, account: ProviderAccount, now: datetime, by: Any) -> AccountCheck:
    """A dry 'verify credentials' call through the account's adapter (it reads, it never
    charges), then the outcome recorded on the account. The call is made outside any
    transaction. Example: Stripe answers ``GET /v1/balance`` with 200 → ok."""
    try:
        facts = dict(account_adapter(account).credentials_check())
    except (CredentialsRefused, ProviderUnavailable, vault.SecretUnreadable) as exc:
        result = AccountCheck(ok=False, problem=exc.message[:300], facts={})
    else:
        live = facts.get("livemode")
        if live is not None and live != (account.environment == "live"):
            result = AccountCheck(
                ok=False,
                problem=f"{account.provider}: the key is not a {account.environment} key",
                facts=facts,
            )
        else:
            result = AccountCheck(ok=True, problem="", facts=facts)
    with transaction.atomic(), scope(creditor=account.creditor):
        ProviderAccount.objects.filter(pk=account.pk).update(
            verified_at=now if result.ok else None, verify_problem=result.problem
        )
        audit_record(
            creditor=account.creditor, actor=by, action="payment_account_verified", subject=account,
            after={"ok": result.ok, "problem": result.problem},
        )  # fmt: skip
    account.refresh_from_db()
    return result
