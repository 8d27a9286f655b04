from pathlib import Path

from tact.banking.services import csv_mapping_for, csv_mapping_save, statement_import
from tact.core.commands import TactCommand
from tact.core.jobs import creditor_scope
from tact.tenancy.services import creditor_get


class Command(TactCommand):
    help = "Bank statements: tact bank import | tact bank mapping save"

    def add_subcommands(self, sub):
        imp = sub.add_parser(
            "import",
            help="Import a bank statement (camt.053/054, MT940, CODA, CSV) and match its lines. "
            "A line imported before is a duplicate and skipped; a bad file writes nothing (exit code 2).",
        )
        imp.add_argument("--creditor", required=True, help="creditor slug")
        imp.add_argument("file", help="the statement file")
        imp.add_argument("--mapping", default=None, help="name of a saved CSV column mapping")
        imp.add_argument("--json", action="store_true", help="print the counts as JSON")

        mapping = sub.add_parser("mapping", help="Save the column layout of a bank's CSV export.")
        mapping_sub = mapping.add_subparsers(dest="mapping_action", required=True)
        save = mapping_sub.add_parser("save")
        save.add_argument("--creditor", required=True)
        save.add_argument("--name", required=True)
        save.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                          help='e.g. --column booked_on=Datum --column amount="Betrag in EUR"')  # fmt: skip
        save.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                          help="delimiter=; | decimal=, | date_format=%%d.%%m.%%Y")  # fmt: skip
        save.add_argument("--default", action="store_true")
        save.add_argument("--json", action="store_true")

    def handle_import(self, *, creditor, file, mapping, json, **_):
        path = Path(file)
        if not path.is_file():
            self.fail(f"{file}: no such file.")
        creditor_obj = creditor_get(slug=creditor)
        with creditor_scope(creditor_obj):
            saved = None
            if mapping:
                saved = csv_mapping_for(name=mapping)
                if saved is None:
                    self.fail(f"--mapping: no saved CSV mapping named {mapping!r} for {creditor}.")
            summary = statement_import(creditor=creditor_obj, data=path.read_bytes(), filename=path.name,
                                       by="command line", mapping=saved)  # fmt: skip
        data = summary.as_dict()
        if json:
            self.emit_json(data)
            return
        self.stdout.write(
            f"{path.name}: {data['statements']} statement(s), {data['transactions']} new line(s), "
            f"{data['duplicates']} duplicate(s)\n  matched {data['matched']}, suggested {data['suggested']}, "
            f"unmatched {data['unmatched']}"
        )

    def handle_mapping(self, *, mapping_action, creditor, json, **options):
        creditor_obj = creditor_get(slug=creditor)
        with creditor_scope(creditor_obj):
            saved = csv_mapping_save(creditor=creditor_obj, name=options["name"],
                                     columns=self._pairs(options["column"], "--column"),
                                     options=self._pairs(options["option"], "--option"),
                                     is_default=options["default"], by="command line")  # fmt: skip
        data = {
            "name": saved.name,
            "columns": saved.columns,
            "options": saved.options,
            "default": saved.is_default,
        }
        if json:
            self.emit_json(data)
        else:
            self.stdout.write(f"saved {saved.name}")

    def _pairs(self, items, flag):
        pairs = {}
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                self.fail(f"{flag}: {item!r} is not KEY=VALUE.")
            pairs[key.strip()] = value
        return pairs
