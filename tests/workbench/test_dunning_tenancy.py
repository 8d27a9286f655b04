"""Another creditor's actions, holds, debtors, items, policies and assignments are not
found from the dunning pages: guessing their ids answers 404 and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Action, Hold, Policy, PolicyAssignment
from tact.dunning.services import hold_place, policy_assign

from .conftest import TODAY, build_portfolio
from .dunning_fixtures import final_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(other_creditor):
    """The other creditor's awaiting actions, a hold and an assignment."""
    [action] = final_notices(other_creditor, 1, prefix="R")
    portfolio = build_portfolio(other_creditor)
    with scope(creditor=other_creditor):
        hold = hold_place(debtor=portfolio.mueller, reason="manual", starts_on=TODAY)
        policy = Policy.objects.get(preset="classic_three_step")
        assignment = policy_assign(policy=policy, country="NL", debtor_kind="business")
    return {
        "action": action,
        "portfolio": portfolio,
        "hold": hold,
        "policy": policy,
        "assignment": assignment,
    }


def test_the_pages_list_only_the_creditors_own_records(signed_in, creditor, rival):
    final_notices(creditor, 1)

    plan = signed_in.get(reverse("workbench:dunning_plan"))
    queue = signed_in.get(reverse("workbench:dunning_approvals"))
    policies = signed_in.get(reverse("workbench:dunning_policies"))

    assert [a.debtor_number for a in plan.context["rows"]] == ["D0000"]
    assert [a.debtor_number for a in queue.context["rows"]] == ["D0000"]
    with scope(creditor=creditor):
        own = set(Policy.objects.values_list("pk", flat=True))
    assert {p["id"] for p in policies.context["policies"]} == own and rival["policy"].pk not in own


def test_guessed_ids_of_another_creditor_answer_404(signed_in, creditor, rival):
    action, hold, policy = rival["action"].pk, rival["hold"].pk, rival["policy"].pk
    debtor, item = rival["portfolio"].mueller.pk, rival["portfolio"].overdue.pk
    posts = [
        (reverse("workbench:dunning_action_approve", args=[action]), {}),
        (reverse("workbench:dunning_action_skip", args=[action]), {"note": "x"}),
        (reverse("workbench:dunning_action_change", args=[action]), {"channel": "email", "tone": "neutral"}),
        (
            reverse("workbench:dunning_hold_place", args=[debtor]),
            {"reason": "manual", "starts_on": "2025-12-01"},
        ),
        (reverse("workbench:dunning_hold_end", args=[hold]), {}),
        (reverse("workbench:dunning_policy", args=[policy]), {}),
        (reverse("workbench:dunning_policy_assign", args=[policy]), {"country": "DE"}),
        (reverse("workbench:dunning_policy_unassign", args=[policy, rival["assignment"].pk]), {}),
    ]
    gets = [
        reverse("workbench:dunning_policy", args=[policy]),
        reverse("workbench:dunning_policy_simulate", args=[policy])
        + "?debtor=K1000&on=2025-12-01&under=this",
        reverse("workbench:debtor", args=[debtor]),
        reverse("workbench:invoice", args=[item]),
    ]

    assert [signed_in.post(url, data).status_code for url, data in posts] == [404] * len(posts)
    assert [signed_in.get(url).status_code for url in gets] == [404] * len(gets)


def test_bulk_approval_with_a_guessed_id_approves_nothing(signed_in, creditor, rival):
    [own] = final_notices(creditor, 1)

    response = signed_in.post(
        reverse("workbench:dunning_bulk_approve"), {"ids": [own.pk, rival["action"].pk]}, follow=True
    )

    assert "Nothing was approved" in response.content.decode()
    with scope(creditor=creditor):
        assert Action.objects.get(pk=own.pk).status == "awaiting_approval"
    with scope(creditor=rival["portfolio"].mueller.creditor):
        assert Action.objects.get(pk=rival["action"].pk).status == "awaiting_approval"
        assert Hold.objects.get(pk=rival["hold"].pk).ended_at is None
        assert PolicyAssignment.objects.filter(pk=rival["assignment"].pk).exists()


def test_holding_an_item_of_another_creditor_through_an_own_debtor_is_refused(
    signed_in, creditor, rival, portfolio
):
    response = signed_in.post(
        reverse("workbench:dunning_hold_place", args=[portfolio.mueller.pk]),
        {"reason": "dispute", "target": rival["portfolio"].overdue.pk, "starts_on": "2025-12-01",
         "page_item": rival["portfolio"].overdue.pk},
    )  # fmt: skip

    assert response.status_code == 404
    with scope(creditor=creditor):
        assert not Hold.objects.exists()
