from django.core.management import CommandError

from tact.core.bench import discover
from tact.core.commands import EXIT_BAD_INPUT, TactCommand
from tact.core.errors import TactError


class Command(TactCommand):
    help = "Benchmarks that print their figures: tact bench <name> [--json]"

    def add_subcommands(self, sub):
        for name, (_, arguments) in sorted(discover().items()):
            parser = sub.add_parser(name)
            arguments(parser)
            parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        name = options.pop("subcommand")
        func, _ = discover()[name]
        as_json = options.pop("json")
        keep = {k: v for k, v in options.items() if k not in {"verbosity", "settings", "pythonpath", "traceback",
                                                               "no_color", "force_color", "skip_checks"}}  # fmt: skip
        try:
            figures = func(progress=None if as_json else self.stdout.write, **keep)
        except TactError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from exc
        if as_json:
            self.emit_json(figures)
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:>28}: {value}")
