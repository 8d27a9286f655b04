from django.db import transaction

from tact.core.commands import TactCommand
from tact.tenancy.models import Creditor
from tact.tenancy.services import creditor_add


class Command(TactCommand):
    help = "Manage creditors (tenants): tact creditor add|list"

    def add_subcommands(self, sub):
        add = sub.add_parser("add", help="Create a creditor.")
        add.add_argument("--slug", required=True, help="short name used in URLs and commands, like acme")
        add.add_argument("--name", required=True, help='legal name, like "Acme GmbH"')
        add.add_argument("--country", required=True, help="DE, NL, BE or AT")
        add.add_argument("--iban", default="")
        add.add_argument("--bic", default="")
        add.add_argument("--vat-id", default="")
        add.add_argument("--email", default="", help="sender e-mail address for messages to debtors")
        add.add_argument("--language", default=None, help="de, nl, en or fr (default: from the country)")
        add.add_argument("--street", default="")
        add.add_argument("--postal-code", default="")
        add.add_argument("--city", default="")
        add.add_argument("--json", action="store_true")
        ls = sub.add_parser("list", help="List creditors.")
        ls.add_argument("--json", action="store_true")

    def handle_add(
        self, *, slug, name, country, iban, bic, vat_id, email, language, street, postal_code, city, json, **_
    ):
        with transaction.atomic():
            creditor = creditor_add(
                slug=slug, legal_name=name, country=country, iban=iban, bic=bic, vat_id=vat_id,
                sender_email=email, language=language, street=street, postal_code=postal_code, city=city,
            )  # fmt: skip
        data = {
            "slug": creditor.slug, "name": creditor.legal_name, "country": creditor.country,
            "currency": creditor.currency, "language": creditor.language, "iban": creditor.iban,
            "bic": creditor.bic, "vat_id": creditor.vat_id, "email": creditor.sender_email,
        }  # fmt: skip
        if json:
            self.emit_json(data)
        else:
            self.stdout.write(
                f"Created creditor {creditor.slug} ({creditor.legal_name}, {creditor.country})."
            )

    def handle_list(self, *, json, **_):
        rows = list(Creditor.objects.values("slug", "legal_name", "country", "currency", "language"))
        if json:
            self.emit_json(rows)
            return
        for row in rows:
            self.stdout.write(f"{row['slug']:<20} {row['country']}  {row['legal_name']}")
