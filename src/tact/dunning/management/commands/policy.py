"""tact policy install-presets --creditor SLUG | list --creditor SLUG [--json]"""

from __future__ import annotations

from tact.core.commands import TactCommand
from tact.core.jobs import creditor_scope
from tact.dunning.errors import CycleInputInvalid
from tact.dunning.selectors import policies_list
from tact.dunning.services import policy_presets_install

from ._common import creditors_for


class Command(TactCommand):
    help = "Dunning policies: install the shipped presets, list a creditor's policies."

    def add_subcommands(self, sub):
        install = sub.add_parser(
            "install-presets", help="Create the shipped policies a creditor does not have yet."
        )
        install.add_argument("--creditor", help="slug of the creditor")
        install.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="List a creditor's policies with stages and assignments.")
        listing.add_argument("--creditor", help="slug of the creditor")
        listing.add_argument("--json", action="store_true")

    def _one(self, slug):
        if not slug:
            raise CycleInputInvalid(field="--creditor", problem="is required")
        return creditors_for(slug)[0]

    def handle_install_presets(self, *, creditor, json, **_):
        target = self._one(creditor)
        with creditor_scope(target):
            created = policy_presets_install(creditor=target, actor="policy_command")
        names = [p.name for p in created]
        if json:
            self.emit_json({"creditor": target.slug, "created": names})
        else:
            self.stdout.write(f"{target.slug}: created {', '.join(names) or 'nothing (all presets present)'}")

    def handle_list(self, *, creditor, json, **_):
        target = self._one(creditor)
        with creditor_scope(target):
            policies = policies_list()
        if json:
            self.emit_json(policies)
            return
        for p in policies:
            flag = " (default)" if p["is_default"] else ""
            self.stdout.write(
                f"{p['name']}{flag}: " + ", ".join(f"{s['key']} {s['offset_days']:+d}" for s in p["stages"])
            )
