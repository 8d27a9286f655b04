"""The plan and the approval queue: explanations, running the cycle, approving, skipping,
changing and bulk approval, with the role rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Action, Decision, Policy
from tact.dunning.services import cycle_run, policy_assign, policy_presets_install

from .conftest import TODAY
from .dunning_fixtures import DUE, debtors_with_overdue_items, final_notices

pytestmark = pytest.mark.django_db


def status_of(creditor, action) -> str:
    with scope(creditor=creditor):
        return Action.objects.get(pk=action.pk).status


@pytest.fixture
def notices(creditor):
    return final_notices(creditor, 3)


def test_the_plan_lists_the_days_actions_with_their_explanation(signed_in, notices):
    response = signed_in.get(reverse("workbench:dunning_plan"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["day"] == TODAY
    assert [a.debtor_number for a in response.context["rows"]] == ["D0000", "D0001", "D0002"]
    row = response.context["rows"][0]
    assert (row.stage_name, row.channel, row.status) == ("Final notice", "Letter", "Awaiting approval")
    assert row.items[0].days_overdue == 28
    assert row.items[0].from_stage == "Payment plan offer"  # the stage it comes from, by name
    assert row.items[0].previous_contacts == 3
    assert "No active hold on the debtor or on these items." in html
    assert "Each item&#x27;s next stage has come" in html
    assert "overdue €1,190.00, at least €10.00 needed" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "0001"}, ["D0001"]),
        ({"q": "d debtor 0002"}, ["D0002"]),
        ({"status": "planned"}, []),
        (
            {"status": "awaiting_approval", "stage": "final_notice", "channel": "letter", "country": "DE"},
            ["D0000", "D0001", "D0002"],
        ),
        ({"country": "NL"}, []),
        ({"channel": "email"}, []),
        ({"date": "2025-11-20"}, ["D0000", "D0001", "D0002"]),  # the plan-offer day
    ],
)
def test_the_plan_filters(signed_in, notices, params, expected):
    response = signed_in.get(reverse("workbench:dunning_plan"), params)

    assert [a.debtor_number for a in response.context["rows"]] == expected


def test_a_dry_run_shows_the_plan_and_writes_nothing(signed_in, creditor, notices):
    with scope(creditor=creditor):
        before = Action.objects.count()

    response = signed_in.post(reverse("workbench:dunning_cycle_run"), {"date": "2025-12-15", "dry_run": "on"})

    assert response.status_code == 200
    assert [a.debtor_number for a in response.context["rows"]] == ["D0000", "D0001", "D0002"]
    assert [a.stage_name for a in response.context["rows"]] == ["Handover proposal"] * 3
    assert "nothing was written" in response.content.decode()
    with scope(creditor=creditor):
        assert Action.objects.count() == before


def test_a_run_writes_the_actions_and_says_what_it_did(signed_in, creditor, notices):
    response = signed_in.post(reverse("workbench:dunning_cycle_run"), {"date": "2025-12-15"}, follow=True)

    assert response.redirect_chain[-1][0].endswith("?date=2025-12-15")
    assert "The cycle ran for 2025-12-15: 3 new actions, 3 awaiting approval" in response.content.decode()
    with scope(creditor=creditor):
        assert Action.objects.filter(run_on="2025-12-15", stage__key="handover_proposal").count() == 3


def test_approving_an_action_records_who_decided(signed_in, creditor, manager, notices):
    response = signed_in.post(reverse("workbench:dunning_action_approve", args=[notices[0].pk]), follow=True)

    assert "Approved: D Debtor 0000 GmbH." in response.content.decode()
    with scope(creditor=creditor):
        action = Action.objects.get(pk=notices[0].pk)
        assert (action.status, action.decided_by) == ("approved", manager)
        assert Decision.objects.filter(subject_id=str(action.pk), reason="action_approved").exists()


def test_an_htmx_approval_answers_the_decided_card(signed_in, notices):
    response = signed_in.post(
        reverse("workbench:dunning_action_approve", args=[notices[0].pk]), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="action-{notices[0].pk}"' in html and 'data-status="approved"' in html
    assert "Decided by credit_manager@acme.example, 1 Dec 2025 10:00." in html  # the creditor's time zone
    assert 'data-testid="approve"' not in html


def test_skipping_needs_a_reason_and_keeps_it(signed_in, creditor, notices):
    url = reverse("workbench:dunning_action_skip", args=[notices[1].pk])

    refused = signed_in.post(url, {"note": "   "}, HTTP_HX_REQUEST="true")
    assert "Say why the action is skipped." in refused.content.decode()
    assert status_of(creditor, notices[1]) == "awaiting_approval"

    signed_in.post(url, {"note": "Customer called: pays Friday"})
    with scope(creditor=creditor):
        action = Action.objects.get(pk=notices[1].pk)
    assert (action.status, action.note) == ("skipped", "Customer called: pays Friday")


def test_changing_channel_and_tone(signed_in, creditor, notices):
    signed_in.post(
        reverse("workbench:dunning_action_change", args=[notices[2].pk]),
        {"channel": "email", "tone": "neutral"},
    )

    with scope(creditor=creditor):
        action = Action.objects.get(pk=notices[2].pk)
    assert (action.channel, action.tone, action.status) == ("email", "neutral", "awaiting_approval")


def test_a_decided_action_cannot_be_approved_again(signed_in, creditor, notices):
    signed_in.post(reverse("workbench:dunning_action_skip", args=[notices[0].pk]), {"note": "Paid in cash"})

    response = signed_in.post(reverse("workbench:dunning_action_approve", args=[notices[0].pk]), follow=True)

    assert "is skipped; only planned or awaiting actions can be approved" in response.content.decode()
    assert status_of(creditor, notices[0]) == "skipped"


def test_bulk_approval_approves_all_chosen(signed_in, creditor, notices):
    response = signed_in.post(
        reverse("workbench:dunning_bulk_approve"), {"ids": [notices[0].pk, notices[2].pk]}, follow=True
    )

    assert "2 actions approved." in response.content.decode()
    assert [status_of(creditor, a) for a in notices] == ["approved", "awaiting_approval", "approved"]
    with scope(creditor=creditor):
        assert AuditEvent.objects.filter(action="action_approved").count() == 2
        assert Decision.objects.filter(reason="action_approved").count() == 2


def test_bulk_approval_is_all_or_nothing(signed_in, creditor, notices):
    signed_in.post(
        reverse("workbench:dunning_action_skip", args=[notices[1].pk]), {"note": "Disputed by phone"}
    )

    response = signed_in.post(
        reverse("workbench:dunning_bulk_approve"), {"ids": [a.pk for a in notices]}, follow=True
    )

    assert f"Nothing was approved: Action {notices[1].pk} is skipped" in response.content.decode()
    assert [status_of(creditor, a) for a in notices] == ["awaiting_approval", "skipped", "awaiting_approval"]


def test_bulk_approval_without_a_choice_says_so(signed_in, notices):
    response = signed_in.post(reverse("workbench:dunning_bulk_approve"), {}, follow=True)

    assert "Choose at least one action to approve." in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_agents_and_readers_see_the_queue_but_cannot_decide(client, creditor, member, notices, role):
    client.force_login(member(role))

    page = client.get(reverse("workbench:dunning_approvals"))
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    assert 'data-testid="approve"' not in page.content.decode()
    assert 'id="bulk-form"' not in page.content.decode()
    for name, data in [
        ("dunning_action_approve", {}),
        ("dunning_action_skip", {"note": "no"}),
        ("dunning_action_change", {"channel": "email", "tone": "neutral"}),
    ]:
        assert client.post(reverse(f"workbench:{name}", args=[notices[0].pk]), data).status_code == 403
    assert client.post(reverse("workbench:dunning_bulk_approve"), {"ids": [notices[0].pk]}).status_code == 403
    assert client.post(reverse("workbench:dunning_cycle_run"), {"date": "2025-12-15"}).status_code == 403
    assert status_of(creditor, notices[0]) == "awaiting_approval"


def test_an_admin_may_approve(client, creditor, member, notices):
    client.force_login(member("admin"))

    client.post(reverse("workbench:dunning_action_approve", args=[notices[0].pk]))

    assert status_of(creditor, notices[0]) == "approved"


def test_the_explanation_names_each_charge_with_the_laws_rule(signed_in, creditor):
    debtors_with_overdue_items(creditor, 1, prefix="C")
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        policy_assign(
            policy=Policy.objects.get(preset="classic_three_step"), country="DE", debtor_kind="business"
        )
        for offset in (7, 21):  # reminder, then the second reminder with interest and flat compensation
            cycle_run(creditor=creditor, run_on=DUE + timedelta(days=offset))

    response = signed_in.get(
        reverse("workbench:dunning_plan"), {"date": (DUE + timedelta(days=21)).isoformat()}
    )

    [row] = response.context["rows"]
    charges = {c.label: c for c in row.charges}
    assert charges["Flat compensation"].amount == Decimal("40.00")
    assert charges["Interest"].amount == row.interest_amount > 0
    assert "§ 288(2) BGB" in charges["Interest"].rule
    html = response.content.decode()
    assert "Charges and the law's rule" in html and "Second reminder" in html
    assert row.charges_total == row.interest_amount + Decimal("40.00")
    assert f"€{row.charges_total:,.2f}" in html  # the plan's charges column
