"""tact payments account set|list|verify|disable: a creditor's own provider account.

Secrets never come through argv (shell history, ``ps``): ``--api-key-env VAR`` names an
environment variable that holds it, or ``--stdin`` reads ``name=value`` lines
(api_key, webhook_secret, client_secret) from standard input.
"""

from __future__ import annotations

import os
import sys

from django.utils import timezone

from tact.core.commands import TactCommand
from tact.core.errors import NotFound
from tact.tenancy.services import creditor_get

from ...accounts import SECRETS, account_disable, account_get, account_set, account_verify, accounts_of
from ...errors import AccountInvalid

ACTOR = "cli"


def _row(account) -> dict:
    return {
        "provider": account.provider,
        "environment": account.environment,
        "active": account.is_active,
        "public_id": account.public_id,
        "api_key": f"…{account.api_key_last4}" if account.api_key_sealed else "",
        "webhook_secret": f"…{account.webhook_secret_last4}" if account.webhook_secret_sealed else "",
        "client_id": account.client_id,
        "client_secret": f"…{account.client_secret_last4}" if account.client_secret_sealed else "",
        "webhook_id": account.webhook_id,
        "methods": account.methods,
        "verified_at": account.verified_at.isoformat() if account.verified_at else None,
        "verify_problem": account.verify_problem,
    }


class Command(TactCommand):
    help = "A creditor's own payment provider account: tact payments account set|list|verify|disable"

    def add_subcommands(self, sub):
        account = sub.add_parser("account", help="set, list, verify or disable a creditor's provider account")
        actions = account.add_subparsers(dest="action", required=True, metavar="action")
        put = actions.add_parser("set", help="create or change the account and make it the portal's")
        put.add_argument("--creditor", required=True, help="creditor slug")
        put.add_argument("--provider", required=True, help="stripe, mollie or paypal")
        put.add_argument("--environment", choices=["test", "live"])
        for name in SECRETS:
            flag = name.replace("_", "-")
            put.add_argument(f"--{flag}-env", metavar="VAR", help=f"environment variable holding the {flag}")
        put.add_argument("--stdin", action="store_true", help="read name=value lines of secrets from stdin")
        put.add_argument("--client-id", help="PayPal client id (not a secret)")
        put.add_argument("--webhook-id", help="PayPal webhook id (not a secret)")
        put.add_argument("--methods", help="comma-separated provider method names; '' for the default")
        for name in ("list", "verify", "disable"):
            p = actions.add_parser(name)
            p.add_argument("--creditor", required=True, help="creditor slug")
            if name != "list":
                p.add_argument("--provider", required=True)
        for p in actions.choices.values():
            p.add_argument("--json", action="store_true")

    def handle_account(self, *, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _set(
        self, *, creditor, provider, environment, stdin, client_id, webhook_id, methods, json, **options
    ):
        given: dict[str, str | None] = {}
        for name in SECRETS:
            var = options.get(f"{name}_env")
            if var:
                if var not in os.environ:
                    raise AccountInvalid(field=name, problem=f"the environment variable {var} is not set")
                given[name] = os.environ[var]
        if stdin:
            for line in sys.stdin.read().splitlines():
                name, sep, value = line.partition("=")
                if not line.strip():
                    continue
                if not sep or name.strip() not in SECRETS:
                    raise AccountInvalid(
                        field="stdin", problem=f"expected name=value with name in {', '.join(SECRETS)}"
                    )
                given[name.strip()] = value
        account = account_set(
            creditor=creditor_get(slug=creditor), provider=provider, by=ACTOR, environment=environment,
            client_id=client_id, webhook_id=webhook_id,
            methods=None if methods is None else methods.split(","), **given,
        )  # fmt: skip
        self._emit(account, json)

    def _list(self, *, creditor, json, **_):
        rows = [_row(a) for a in accounts_of(creditor=creditor_get(slug=creditor))]
        if json:
            self.emit_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['provider']:<7} {row['environment']:<5} {'active' if row['active'] else 'disabled':<8} "
                f"{row['public_id']}  key {row['api_key'] or row['client_secret'] or '-'}"
            )

    def _verify(self, *, creditor, provider, json, **_):
        result = account_verify(account=self._get(creditor, provider), now=timezone.now(), by=ACTOR)
        if json:
            self.emit_json({"ok": result.ok, "problem": result.problem, "facts": dict(result.facts)})
        else:
            self.stdout.write("ok" if result.ok else f"refused: {result.problem}")
        if not result.ok:
            self.exit(1)

    def _disable(self, *, creditor, provider, json, **_):
        self._emit(account_disable(account=self._get(creditor, provider), by=ACTOR), json)

    def _get(self, creditor, provider):
        account = account_get(creditor=creditor_get(slug=creditor), provider=provider)
        if account is None:
            raise NotFound(kind=f"{provider} account of {creditor}")
        return account

    def _emit(self, account, json):
        if json:
            self.emit_json(_row(account))
        else:
            row = _row(account)
            self.stdout.write(
                f"{row['provider']} account of {account.creditor.slug}: {row['environment']}, "
                f"{'active' if row['active'] else 'disabled'}, webhook id in URL {row['public_id']}"
            )
