from tact.core.commands import TactCommand
from tact.core.errors import NotFound
from tact.tenancy.errors import InvalidUserField
from tact.tenancy.models import ApiToken, Role
from tact.tenancy.services import creditor_get, token_create, token_revoke


def _row(token: ApiToken) -> dict:
    return {
        "prefix": token.prefix,
        "name": token.name,
        "role": token.role,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


class Command(TactCommand):
    help = "Manage API tokens: tact token add|list|revoke"

    def add_subcommands(self, sub):
        add = sub.add_parser("add", help="Create an API token; prints the secret once.")
        add.add_argument("--creditor", required=True, help="creditor slug")
        add.add_argument("--name", required=True, help='what the token is for, like "ERP sync"')
        add.add_argument("--role", default=Role.CREDIT_MANAGER, help=", ".join(Role.values))
        add.add_argument("--json", action="store_true")
        ls = sub.add_parser("list", help="List a creditor's API tokens (never their secrets).")
        ls.add_argument("--creditor", required=True, help="creditor slug")
        ls.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="Revoke an API token by its prefix.")
        revoke.add_argument("--creditor", required=True, help="creditor slug")
        revoke.add_argument("prefix", help="the token's prefix (tact_<prefix>_…)")
        revoke.add_argument("--json", action="store_true")

    def handle_add(self, *, creditor, name, role, json, **_):
        if role not in Role.values:
            raise InvalidUserField(field="role", problem=f"{role!r} is not one of {', '.join(Role.values)}.")
        if not name.strip():
            raise InvalidUserField(field="name", problem="a token needs a name.")
        issued = token_create(creditor=creditor_get(slug=creditor), name=name, role=role)
        if json:
            self.emit_json({**_row(issued.token), "creditor": creditor, "token": issued.plaintext})
        else:
            self.stdout.write(
                f"Created API token {issued.token.prefix} ({issued.token.role}) for {creditor}."
            )
            self.stdout.write(f"Token: {issued.plaintext}  (shown once; keep it secret)")

    def handle_list(self, *, creditor, json, **_):
        tokens = ApiToken.objects.filter(creditor=creditor_get(slug=creditor)).order_by("created_at", "id")
        rows = [_row(t) for t in tokens]
        if json:
            self.emit_json(rows)
            return
        for row in rows:
            state = (
                f"revoked {row['revoked_at']}"
                if row["revoked_at"]
                else f"last used {row['last_used_at'] or 'never'}"
            )
            self.stdout.write(f"{row['prefix']}  {row['role']:<15} {row['name']}  ({state})")

    def handle_revoke(self, *, creditor, prefix, json, **_):
        token = ApiToken.objects.filter(creditor=creditor_get(slug=creditor), prefix=prefix).first()
        if token is None:
            raise NotFound(f"No API token with prefix {prefix!r} at {creditor}.")
        token = token_revoke(token=token)
        if json:
            self.emit_json(_row(token))
        else:
            self.stdout.write(f"Revoked API token {token.prefix} ({token.name}).")
