"""`tact compilemessages`: compile tact's .po files to .mo with babel, no GNU gettext needed.

Django's own command shells out to `msgfmt`, which a fresh machine lacks (it is Debian's
gettext package). This one takes the same options, so `make setup` works either way, and
compiles the catalogs of tact's own code: LOCALE_PATHS and the `locale` folders of tact's
apps. A .mo is rewritten only when its content changes.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.compilemessages import Command as DjangoCompileMessages


def locale_dirs() -> list[Path]:
    tact_root = Path(settings.BASE_DIR).resolve()
    found = [Path(p).resolve() for p in settings.LOCALE_PATHS]
    for app in apps.get_app_configs():
        path = Path(app.path).resolve() / "locale"
        if path.is_dir() and path.is_relative_to(tact_root) and path not in found:
            found.append(path)
    return [p for p in found if p.is_dir()]


def compile_catalog(po_path: Path, *, use_fuzzy: bool = False) -> bytes:
    """The .mo bytes of one .po file. Raises CommandError naming the file when it cannot be read."""
    with po_path.open("rb") as handle:
        try:
            catalog = read_po(handle)
        except (ValueError, SyntaxError) as exc:
            raise CommandError(f"{po_path}: {exc}") from exc
    errors = [(message.id, problems) for message, problems in catalog.check() if problems]
    if errors:
        msgid, problems = errors[0]
        raise CommandError(f"{po_path}: {msgid!r}: {problems[0]}")
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=use_fuzzy)
    return buffer.getvalue()


class Command(DjangoCompileMessages):
    help = "Compile the .po files of tact to .mo files (with babel; GNU gettext is not needed)."
    requires_system_checks = []

    def handle(self, **options):
        wanted = set(options["locale"] or [])
        excluded = set(options["exclude"] or [])
        written = 0
        for base in locale_dirs():
            for po_path in sorted(base.glob("*/LC_MESSAGES/*.po")):
                language = po_path.parent.parent.name
                if (wanted and language not in wanted) or language in excluded:
                    continue
                data = compile_catalog(po_path, use_fuzzy=options["fuzzy"])
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.read_bytes() == data:
                    continue
                mo_path.write_bytes(data)
                written += 1
                if options["verbosity"] > 0:
                    self.stdout.write(f"compiled {po_path}")
        if options["verbosity"] > 0:
            self.stdout.write(f"{written} catalog(s) written")
