from tact.core.commands import TactCommand
from tact.tenancy.models import Role
from tact.tenancy.services import creditor_get, user_add


class Command(TactCommand):
    help = "Manage staff users: tact user add"

    def add_subcommands(self, sub):
        add = sub.add_parser("add", help="Give a person access to a creditor; prints a one-time password.")
        add.add_argument("--creditor", required=True, help="creditor slug")
        add.add_argument("--email", required=True)
        add.add_argument("--role", required=True, help=", ".join(Role.values))
        add.add_argument("--password", default=None, help="set this password instead of a generated one")
        add.add_argument("--json", action="store_true")

    def handle_add(self, *, creditor, email, role, password, json, **_):
        added = user_add(creditor=creditor_get(slug=creditor), email=email, role=role, password=password)
        data = {"email": added.user.email, "creditor": creditor, "role": added.membership.role,
                "password": added.password}  # fmt: skip
        if json:
            self.emit_json(data)
        elif added.password:
            self.stdout.write(f"Added {added.user.email} to {creditor} as {role}.")
            self.stdout.write(
                f"One-time password: {added.password}  (shown once; change it after signing in)"
            )
        else:
            self.stdout.write(f"{added.user.email} already had an account; now {role} at {creditor}.")
