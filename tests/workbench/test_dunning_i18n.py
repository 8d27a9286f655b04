"""The dunning pages speak the member's language: German, Dutch and French."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Policy
from tact.dunning.services import policy_presets_install

from .dunning_fixtures import final_notices

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Plan für heute", "Warum dieser Schritt, warum jetzt", "Wartet auf Freigabe",
                "Keine aktive Mahnsperre auf dem Schuldner oder diesen Posten.", "Mahnlauf starten"]),
        ("nl", ["Planning van vandaag", "Waarom deze stap, waarom nu", "Wacht op goedkeuring",
                "Geen actieve blokkade op de debiteur of op deze posten.", "Aanmaanronde starten"]),
        ("fr", ["Plan du jour", "Pourquoi cette étape, pourquoi maintenant", "En attente d’approbation",
                "Aucune suspension active sur le débiteur ni sur ces pièces.", "Lancer le cycle"]),
    ],
)  # fmt: skip
def test_the_plan_speaks_the_language_of_the_page(signed_in, creditor, language, words):
    final_notices(creditor, 1)
    signed_in.cookies["django_language"] = language

    html = signed_in.get(reverse("workbench:dunning_plan")).content.decode()

    assert [w for w in words if w not in html] == []


def test_a_forbidden_fee_is_explained_in_german(signed_in, creditor):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        policy = Policy.objects.get(preset="classic_three_step")
    signed_in.cookies["django_language"] = "de"
    url = reverse("workbench:dunning_policy_assign", args=[policy.pk])

    response = signed_in.post(url, {"country": "DE", "debtor_kind": "consumer"})

    html = response.content.decode()
    assert "Das Gesetz verbietet diese Forderung für Schuldner (Privatkunde) in Deutschland" in html
    assert "Die Verzugspauschale schulden nur Geschäftskunden, nie Privatkunden." in html
