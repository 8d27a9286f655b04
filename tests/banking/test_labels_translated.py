"""The reconciliation's rule names and sentences speak the staff member's language (de, nl, fr)."""

import pytest
from django.urls import reverse
from django.utils import translation

from tact.banking.labels import RULE_NAMES, explain, rule_name
from tests.factories import MembershipFactory, UserFactory


@pytest.mark.parametrize("language", ["de", "nl", "fr"])
def test_every_rule_has_a_translated_name(language):
    with translation.override(language):
        untranslated = [rule for rule, english in RULE_NAMES.items() if rule_name(rule) == english]
    assert untranslated == []


def test_a_sentence_reads_in_german_with_its_facts():
    with translation.override("de"):
        text = explain("reference", {"reference": "RF18 1001", "debtor": "Bäckerei Müller", "open_total": "126.2000",
                                     "credit": "10.00"})  # fmt: skip

    assert text == (
        "Referenz RF18 1001 nennt Bäckerei Müller; 126.20 offen. "
        "10.00 mehr als offen bleiben als Guthaben des Schuldners."
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Keine strukturierte Referenz, keine bekannte Rechnungsnummer"),
        ("nl", "Geen gestructureerd betalingskenmerk, geen bekend factuurnummer"),
        ("fr", "Pas de communication structurée, pas de numéro de facture connu"),
    ],
)
def test_an_unmatched_line_says_why_in_the_language(language, expected):
    with translation.override(language):
        assert explain("none", {}).startswith(expected)


@pytest.mark.django_db
def test_the_reconciliation_page_is_german_for_a_german_member(client, creditor):
    user = UserFactory(username="anna@acme.example")
    MembershipFactory(user=user, creditor=creditor, role="credit_manager")
    client.force_login(user)
    client.cookies["django_language"] = "de"

    response = client.get(reverse("workbench:bank_reconcile"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Abgleich</h1>" in html
    assert "Kontoauszug hochladen" in html and "Kein Vorschlag wartet." in html
