from pathlib import Path

from django_scopes import scope

from tact.core.commands import TactCommand
from tact.ledger.imports.services import import_file, mapping_save
from tact.ledger.models import ColumnMapping
from tact.tenancy.services import creditor_get


class Command(TactCommand):
    help = "The receivables ledger: tact ledger import"

    def add_subcommands(self, sub):
        imp = sub.add_parser(
            "import",
            help="Import open items (CSV, XLSX, ZUGFeRD/Factur-X PDF, XRechnung XML). All or nothing; "
            "exit code 2 and a report of every bad row when any row is wrong.",
        )
        imp.add_argument("--creditor", required=True, help="creditor slug")
        imp.add_argument("file", help="the file to import")
        imp.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        imp.add_argument("--full", action="store_true",
                         help="the file is the full open-items list: items missing from it are settled")  # fmt: skip
        imp.add_argument("--mapping", default=None, help="name of a saved column mapping")
        imp.add_argument("--json", action="store_true", help="print the report as JSON")

        mapping = sub.add_parser("mapping", help="Save or list column mappings for other file layouts.")
        mapping_sub = mapping.add_subparsers(dest="mapping_action", required=True)
        save = mapping_sub.add_parser("save", help="Save a named column mapping.")
        save.add_argument("--creditor", required=True)
        save.add_argument("--name", required=True)
        save.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help='e.g. --column invoice_number="Beleg-Nr." (repeat for each field)',
        )
        save.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="decimal=, | date_order=dmy | delimiter=; | encoding=cp1252",
        )
        save.add_argument("--default", action="store_true", help="use it for every import of this creditor")
        save.add_argument("--json", action="store_true")
        show = mapping_sub.add_parser("list", help="List saved column mappings.")
        show.add_argument("--creditor", required=True)
        show.add_argument("--json", action="store_true")

    def handle_import(self, *, creditor, file, dry_run, full, mapping, json, **_):
        path = Path(file)
        if not path.exists():
            self.fail(f"{file}: no such file.")
        if not path.is_file():
            self.fail(f"{file}: not a file.")
        creditor_obj = creditor_get(slug=creditor)
        with scope(creditor=creditor_obj):
            saved = None
            if mapping:
                saved = ColumnMapping.objects.filter(name=mapping).first()
                if saved is None:
                    self.fail(f"--mapping: no saved column mapping named {mapping!r} for {creditor}.")
            report = import_file(creditor=creditor_obj, path=path, dry_run=dry_run, full=full, mapping=saved,
                                 actor_label="command line")  # fmt: skip
        data = report.as_dict()
        if json:
            self.emit_json(data)
        else:
            self._print(data, path=path)
        if report.error_count:
            self.exit(2)

    def handle_mapping(self, *, mapping_action, creditor, json, **options):
        creditor_obj = creditor_get(slug=creditor)
        with scope(creditor=creditor_obj):
            if mapping_action == "save":
                saved = mapping_save(
                    creditor=creditor_obj, name=options["name"], columns=self._pairs(options["column"], "--column"),
                    options=self._pairs(options["option"], "--option"), is_default=options["default"],
                    by="command line",
                )  # fmt: skip
                rows = [saved]
            else:
                rows = list(ColumnMapping.objects.order_by("name"))
            data = [
                {"name": m.name, "columns": m.columns, "options": m.options, "default": m.is_default}
                for m in rows
            ]
        if json:
            self.emit_json(data if mapping_action == "list" else data[0])
            return
        for m in data:
            flag = " (default)" if m["default"] else ""
            self.stdout.write(
                f"{m['name']}{flag}: " + ", ".join(f"{k}={v!r}" for k, v in m["columns"].items())
            )

    def _pairs(self, items, flag):
        pairs = {}
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                self.fail(f"{flag}: {item!r} is not KEY=VALUE.")
            pairs[key.strip()] = value
        return pairs

    def _print(self, data, *, path):
        w = self.stdout.write
        if data["error_count"]:
            self.stderr.write(f"{path.name}: {data['error_count']} bad row(s); nothing was written.")
            for e in data["errors"]:
                where = f"line {e['row']}" + (f", column {e['column']!r}" if e["column"] else "")
                self.stderr.write(f"  {where}: {e['value']!r} — {e['message']}")
            if data["error_count"] > len(data["errors"]):
                self.stderr.write(f"  … and {data['error_count'] - len(data['errors'])} more.")
            return
        verb = "Would create" if data["dry_run"] else "Created"
        w(f"{path.name} ({data['format']}, {data['rows']} rows)")
        w(f"  {verb}: {data['created']['debtors']} debtors, {data['created']['invoices']} items")
        w(f"  Updated: {data['updated']['debtors']} debtors, {data['updated']['invoices']} items")
        w(f"  Unchanged: {data['unchanged']} items")
        if data["settled"]:
            w(f"  Settled (missing from the full list): {data['settled']} items")
        if data["dry_run"]:
            w("  Dry run: nothing was written.")
