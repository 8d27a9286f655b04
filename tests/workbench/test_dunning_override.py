"""A debtor's own dunning policy on the debtor page: which policy applies and why, and the
override that credit managers and admins set or remove; the next cycle follows it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import DebtorPolicy, Policy
from tact.dunning.services import cycle_run, policy_assign, policy_presets_install

from .conftest import TODAY, build_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def presets(creditor):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        return {p.preset: p for p in Policy.objects.all()}


def page(client, debtor) -> str:
    return client.get(reverse("workbench:debtor", args=[debtor.pk])).content.decode()


def save(client, debtor, policy, **headers):
    return client.post(
        reverse("workbench:dunning_debtor_policy", args=[debtor.pk]),
        {"policy": "" if policy is None else str(getattr(policy, "pk", policy))},
        **headers,
    )


def planned_stages(creditor, debtor) -> list[str]:
    with scope(creditor=creditor):
        summary = cycle_run(creditor=creditor, run_on=TODAY, dry_run=True, debtor=debtor)
    return [row["stage"] for row in summary.planned]


def overrides(creditor) -> list[tuple[int, int]]:
    with scope(creditor=creditor):
        return list(DebtorPolicy.objects.values_list("debtor_id", "policy_id"))


def test_the_card_says_the_default_policy_applies(signed_in, portfolio, presets):
    html = page(signed_in, portfolio.mueller)

    assert 'id="debtor-policy"' in html and "Customer-centric" in html
    assert 'data-source="default"' in html and "The creditor&#x27;s default policy." in html
    assert 'data-testid="save-debtor-policy"' in html


def test_an_assignment_is_named_as_the_reason(signed_in, creditor, portfolio, presets):
    with scope(creditor=creditor):
        policy_assign(policy=presets["classic_three_step"], country="NL", debtor_kind="business")

    html = page(signed_in, portfolio.bakker)

    assert 'data-source="assignment"' in html and presets["classic_three_step"].name in html


def test_an_override_steers_the_next_cycle_and_removing_it_restores_the_default(
    signed_in, creditor, manager, portfolio, presets
):
    classic = presets["classic_three_step"]
    before = planned_stages(creditor, portfolio.mueller)

    response = save(signed_in, portfolio.mueller, classic)

    assert response.status_code == 302
    assert overrides(creditor) == [(portfolio.mueller.pk, classic.pk)]
    with_override = planned_stages(creditor, portfolio.mueller)
    with scope(creditor=creditor):
        classic_keys = set(classic.stages.values_list("key", flat=True))
        default_keys = set(presets["customer_centric"].stages.values_list("key", flat=True))
        event = AuditEvent.objects.filter(action="policy_overridden").get()
    assert with_override and set(with_override) <= classic_keys
    assert before and set(before) <= default_keys and before != with_override
    assert event.actor_id == manager.pk and event.subject_id == str(portfolio.mueller.pk)
    html = page(signed_in, portfolio.mueller)
    assert 'data-source="debtor_override"' in html and f'<option value="{classic.pk}" selected>' in html

    removed = save(signed_in, portfolio.mueller, None)

    assert removed.status_code == 302 and overrides(creditor) == []
    assert planned_stages(creditor, portfolio.mueller) == before
    assert 'data-source="default"' in page(signed_in, portfolio.mueller)


def test_an_htmx_save_answers_the_card(signed_in, creditor, portfolio, presets):
    classic = presets["classic_three_step"]

    response = save(signed_in, portfolio.mueller, classic, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card policy-panel" id="debtor-policy"')
    assert 'data-source="debtor_override"' in html and classic.name in html


def test_another_creditors_policy_is_an_error_on_the_field(
    signed_in, creditor, other_creditor, portfolio, presets
):
    rival = build_portfolio(other_creditor)
    with scope(creditor=other_creditor):
        policy_presets_install(creditor=other_creditor)
        foreign = Policy.objects.get(preset="classic_three_step")

    response = save(signed_in, portfolio.mueller, foreign, HTTP_HX_REQUEST="true")
    guessed_debtor = save(signed_in, rival.mueller, presets["classic_three_step"])

    assert response.status_code == 200
    form = response.context["policy_form"]
    assert list(form.errors) == ["policy"] and "not one of the available choices" in form.errors["policy"][0]
    assert guessed_debtor.status_code == 404
    assert overrides(creditor) == []
    assert overrides(other_creditor) == []


def test_a_policy_the_law_forbids_for_the_debtor_is_refused_on_the_field(
    signed_in, creditor, portfolio, presets
):
    classic = presets["classic_three_step"]

    response = save(signed_in, portfolio.jansen, classic, HTTP_HX_REQUEST="true")

    form = response.context["policy_form"]
    assert response.status_code == 200 and list(form.errors) == ["policy"]
    assert overrides(creditor) == []


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_only_credit_managers_and_admins_override(client, creditor, member, portfolio, presets, role):
    client.force_login(member(role))

    html = page(client, portfolio.mueller)
    response = save(client, portfolio.mueller, presets["classic_three_step"])

    assert 'id="debtor-policy"' in html and "Customer-centric" in html
    assert 'data-testid="save-debtor-policy"' not in html
    assert response.status_code == 403 and overrides(creditor) == []


def test_the_card_reads_two_queries_however_many_assignments(signed_in, creditor, portfolio, presets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("workbench:debtor", args=[portfolio.mueller.pk])
    with CaptureQueriesContext(connection) as few:
        signed_in.get(url)
    with scope(creditor=creditor):
        for country in ("NL", "BE", "AT"):
            policy_assign(policy=presets["classic_three_step"], country=country, debtor_kind="business")
    with CaptureQueriesContext(connection) as many:
        html = signed_in.get(url).content.decode()

    assert len(many.captured_queries) == len(few.captured_queries) <= 27
    assert 'data-source="default"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Mahnstrategie", "Die Standardstrategie des Gläubigers.", "Strategie für diesen Schuldner ändern"]),
        ("nl", ["Aanmaanstrategie", "De standaardstrategie van de schuldeiser.", "Geen eigen strategie"]),
        ("fr", ["Stratégie de relance", "La stratégie par défaut du créancier.", "Pas de stratégie propre"]),
    ],
)  # fmt: skip
def test_the_card_speaks_the_language_of_the_page(signed_in, portfolio, presets, language, words):
    signed_in.cookies["django_language"] = language

    html = page(signed_in, portfolio.mueller)

    assert [w for w in words if w not in html] == []
