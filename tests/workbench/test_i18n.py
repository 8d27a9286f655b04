"""Translations: complete in de, nl, fr; compiled catalogs current; pages and e-mails follow the language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tact.workbench.management.commands.compilemessages import compile_catalog

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", ["de", "nl", "fr"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append((message.id, "untranslated"))
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append((message.id, string))

    assert problems == []


@pytest.mark.parametrize("language", ["de", "nl", "fr", "en"])
def test_compiled_catalogs_match_their_po_files(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"

    assert compile_catalog(po) == po.with_suffix(".mo").read_bytes(), "run `tact compilemessages`"


@pytest.mark.django_db
def test_language_switch_shows_german_pages(signed_in, portfolio):
    response = signed_in.post(
        reverse("set_language"), {"language": "de", "next": reverse("workbench:debtors")}, follow=True
    )

    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Schuldner" in html and "Überfällig" in html
    assert "2.035,00\xa0€" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("de", "Ihr tact-Passwort", "Guten Tag"),
        ("nl", "Uw tact-wachtwoord", "Hallo"),
        ("fr", "Votre mot de passe tact", "Bonjour"),
        ("en", "Your tact password", "Hello"),
    ],
)
def test_password_reset_mail_speaks_the_language_of_the_page(client, manager, language, subject, greeting):
    client.cookies["django_language"] = language

    response = client.post(reverse("password_reset"), {"email": manager.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == subject
    assert message.body.startswith(greeting)
    assert "/password-reset/" in message.body and manager.username in message.body


@pytest.mark.django_db
def test_password_reset_link_lets_the_user_choose_a_new_password(client, manager):
    client.post(reverse("password_reset"), {"email": manager.email})
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-secret-42", "new_password2": "a-new-long-secret-42"},
    )

    assert done.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("a-new-long-secret-42")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_compilemessages_writes_mo_files_without_gettext(tmp_path, settings):
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: de\\n"\n\n'
        'msgid "Debtors"\nmsgstr "Schuldner"\n',
        encoding="utf-8",
    )
    settings.LOCALE_PATHS = [tmp_path / "locale"]

    from django.core.management import call_command

    call_command("compilemessages", verbosity=0)
    first = (folder / "django.mo").stat().st_mtime_ns
    call_command("compilemessages", verbosity=0)

    from babel.messages.mofile import read_mo

    with (folder / "django.mo").open("rb") as handle:
        assert read_mo(handle).get("Debtors").string == "Schuldner"
    assert (folder / "django.mo").stat().st_mtime_ns == first  # unchanged catalogs are not rewritten


def test_the_field_labels_listed_for_makemessages_are_those_of_the_import():
    from tact.ledger.imports.columns import FIELDS
    from tact.workbench.forms import FIELD_LABELS

    assert sorted(FIELD_LABELS) == sorted(f.label for f in FIELDS)


@pytest.mark.parametrize("language", ["de", "nl", "fr", "en"])
def test_every_import_field_label_is_translated(language):
    from tact.ledger.imports.columns import FIELDS

    ids = {message.id for message in catalog(language) if message.string}

    assert [f.label for f in FIELDS if f.label not in ids] == []
