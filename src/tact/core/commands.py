"""The base of tact's own commands: subcommands, JSON output, domain errors as exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from .errors import TactError

EXIT_BAD_INPUT = 2


class TactCommand(BaseCommand):
    """A command with subcommands (``tact ledger import …``).

    Subclasses fill ``subcommands`` in ``add_subcommands`` and implement ``handle_<name>``.
    A `TactError` becomes a one-line message on stderr and exit code 2, never a traceback.
    """

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        self.add_subcommands(sub)

    def add_subcommands(self, sub) -> None:  # pragma: no cover - every command overrides
        raise NotImplementedError

    def handle(self, *args, **options):
        name = options.pop("subcommand")
        handler = getattr(self, f"handle_{name.replace('-', '_')}")
        try:
            return handler(**options)
        except TactError as exc:
            if options.get("json"):
                self.stdout.write(json.dumps({"error": exc.as_dict()}, ensure_ascii=False))
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from exc

    def emit_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def fail(self, message: str, *, code: int = EXIT_BAD_INPUT) -> None:
        raise CommandError(message, returncode=code)

    def exit(self, code: int) -> None:
        sys.stdout.flush()
        raise SystemExit(code)
