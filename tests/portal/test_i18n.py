"""The portal's and the arrangements' own catalogs: complete, same placeholders, compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from tact.workbench.management.commands.compilemessages import compile_catalog

CATALOGS = [Path(settings.BASE_DIR) / app / "locale" for app in ("portal", "arrangements")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("locale", CATALOGS, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("language", ["de", "nl", "fr"])
def test_every_message_is_translated_with_the_same_placeholders(locale, language):
    po = locale / language / "LC_MESSAGES" / "django.po"
    problems = []
    with po.open("rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                problems.append((message.id, "untranslated"))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(ids[-1])):
                    problems.append((message.id, string))
    assert problems == []
    assert compile_catalog(po) == po.with_suffix(".mo").read_bytes(), "run `tact compilemessages`"
