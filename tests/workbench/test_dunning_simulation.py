"""The simulation panel of the policy editor: what happens to a debtor on a day, and why."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Action, Policy
from tact.dunning.services import hold_place, policy_presets_install

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(creditor, portfolio):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        return Policy.objects.get(preset="customer_centric")


def simulate(client, policy, **params):
    return client.get(
        reverse("workbench:dunning_policy_simulate", args=[policy.pk]),
        {"under": "this", "on": "2025-12-01", **params},
        HTTP_HX_REQUEST="true",
    )


def test_a_due_item_advances_and_the_other_waits_with_its_next_day(signed_in, creditor, policy):
    response = simulate(signed_in, policy, debtor="K1000")

    sim = response.context["simulation"]
    assert [(i["number"], i["reason"]) for i in sim["items"]] == [
        ("RE-1001", "advances"),
        ("RE-1002", "not_yet_due"),
    ]
    [action] = sim["actions"]
    assert (action.stage_name, action.channel) == ("Friendly reminder", "E-mail")
    html = response.content.decode()
    assert "1 action would go out." in html
    assert "The next stage&#x27;s day has not come yet." in html
    with scope(creditor=creditor):
        assert not Action.objects.exists()  # nothing written


def test_a_hold_stops_the_item_and_is_named(signed_in, creditor, portfolio, policy):
    with scope(creditor=creditor):
        hold_place(debtor=portfolio.mueller, invoice=portfolio.overdue, reason="dispute", starts_on=TODAY)

    response = simulate(signed_in, policy, debtor="K1000")

    sim = response.context["simulation"]
    assert sim["items"][0]["reason"] == "held" and sim["items"][0]["hold_labels"] == ["Dispute"]
    assert "Nothing would go out on this day." in response.content.decode()


def test_an_unknown_debtor_number_is_named_at_its_field(signed_in, policy):
    response = simulate(signed_in, policy, debtor="K9999")

    assert response.context["simulation"] is None
    assert "No debtor with this number." in response.content.decode()


def test_a_reader_may_simulate(client, member, policy):
    client.force_login(member("read_only"))

    response = client.get(
        reverse("workbench:dunning_policy_simulate", args=[policy.pk]),
        {"debtor": "K1000", "on": "2025-12-01", "under": "own"},
    )

    assert response.status_code == 200
    assert response.context["simulation"]["policy_source"] == "the default policy"
