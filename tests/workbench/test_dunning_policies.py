"""The policy editor: presets, stages saved with the law check, assignments, roles."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Policy, PolicyAssignment, Stage, StageHistory
from tact.dunning.services import policy_presets_install

from .dunning_fixtures import final_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def presets(creditor):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        return {p.preset: p for p in Policy.objects.all()}


def form_data(client, policy) -> dict[str, str]:
    """What the browser sends for the editor as it is shown, unchanged."""
    form = client.get(reverse("workbench:dunning_policy", args=[policy.pk])).context["formset"]
    data = {f"stages-{k}": v for k, v in form.management_form.initial.items()}
    for sub in form.forms:
        for name, field in sub.fields.items():
            value = sub.initial.get(name, field.initial)
            if isinstance(value, bool):
                if value:
                    data[sub.add_prefix(name)] = "on"
            elif value is not None:
                data[sub.add_prefix(name)] = str(value)
        if not sub.initial:
            data[sub.add_prefix("tone")] = "friendly"  # a browser sends a select's first option
    if policy.contract_clause:
        data["contract_clause"] = "on"
    return data


def index_of(data: dict[str, str], key: str) -> int:
    return next(int(k.split("-")[1]) for k, v in data.items() if k.endswith("-key") and v == key)


def stage_keys(creditor, policy) -> list[str]:
    with scope(creditor=creditor):
        return list(Stage.objects.filter(policy=policy).order_by("position").values_list("key", flat=True))


def test_the_list_shows_the_policies_and_installs_missing_presets(signed_in, creditor):
    empty = signed_in.get(reverse("workbench:dunning_policies"))
    assert 'data-testid="install-presets"' in empty.content.decode()

    installed = signed_in.post(reverse("workbench:dunning_presets_install"), follow=True)
    again = signed_in.post(reverse("workbench:dunning_presets_install"), follow=True)

    html = installed.content.decode()
    assert "Installed: Customer-centric, Classic three-step (business), B2C web shop NL/BE." in html
    assert "Friendly reminder before the due date" in html and 'data-testid="install-presets"' not in html
    assert "All presets are installed already." in again.content.decode()


def test_saving_the_editor_unchanged_keeps_the_policy(signed_in, creditor, presets):
    policy = presets["customer_centric"]
    before = stage_keys(creditor, policy)

    response = signed_in.post(
        reverse("workbench:dunning_policy", args=[policy.pk]), form_data(signed_in, policy)
    )

    assert response.status_code == 302
    assert stage_keys(creditor, policy) == before


def test_a_forbidden_fee_is_refused_next_to_its_field_and_nothing_is_saved(signed_in, creditor, presets):
    policy = presets["customer_centric"]
    data = form_data(signed_in, policy)
    n = index_of(data, "friendly_reminder")
    data[f"stages-{n}-charges_fees"] = "on"
    data[f"stages-{n}-tone"] = "neutral"

    response = signed_in.post(reverse("workbench:dunning_policy", args=[policy.pk]), data)

    assert response.status_code == 400
    form = response.context["formset"].forms[n]
    [error] = form.errors["charges_fees"]
    assert error.startswith("The law forbids this charge for ")
    assert "Nothing was saved." in response.content.decode()
    with scope(creditor=creditor):
        stage = Stage.objects.get(policy=policy, key="friendly_reminder")
    assert (stage.charges_fees, stage.tone) == (False, "friendly")


def test_unordered_stages_are_refused_with_the_stage_named(signed_in, creditor, presets):
    policy = presets["classic_three_step"]
    data = form_data(signed_in, policy)
    data[f"stages-{index_of(data, 'second_reminder')}-offset_days"] = "40"

    response = signed_in.post(reverse("workbench:dunning_policy", args=[policy.pk]), data)

    form = response.context["formset"].forms[index_of(data, "final_notice")]
    assert "stages must be in increasing order of offset" in form.errors["offset_days"][0]


def test_a_new_stage_goes_where_its_order_says_and_history_follows(signed_in, creditor, presets):
    [notice] = final_notices(creditor, 1)
    policy = presets["customer_centric"]
    data = form_data(signed_in, policy)
    new = int(data["stages-TOTAL_FORMS"]) - 1
    data.update({f"stages-{new}-{k}": v for k, v in {
        "order": "25", "key": "check_in", "name": "Check-in call", "offset_days": "7", "min_days_since_contact": "2",
        "template_key": "personal_contact", "tone": "friendly", "channel_0": "phone", "channel_1": "email",
    }.items()})  # fmt: skip

    response = signed_in.post(reverse("workbench:dunning_policy", args=[policy.pk]), data, follow=True)

    assert "was saved" in response.content.decode()
    assert stage_keys(creditor, policy) == [
        "pre_due", "friendly_reminder", "check_in", "personal_contact", "plan_offer", "final_notice",
        "handover_proposal",
    ]  # fmt: skip
    with scope(creditor=creditor):
        final = Stage.objects.get(policy=policy, key="final_notice")
        assert final.position == 5
        assert StageHistory.objects.get(invoice__debtor=notice.debtor, stage=final).position == 5
        assert Stage.objects.get(policy=policy, key="check_in").channels == ["phone", "email"]


def test_a_stage_items_have_entered_cannot_be_deleted(signed_in, creditor, presets):
    final_notices(creditor, 1)
    policy = presets["customer_centric"]
    data = form_data(signed_in, policy)
    data[f"stages-{index_of(data, 'plan_offer')}-DELETE"] = "on"

    response = signed_in.post(reverse("workbench:dunning_policy", args=[policy.pk]), data)

    form = response.context["formset"].forms[index_of(data, "plan_offer")]
    assert "items have entered this stage" in form.non_field_errors()[0]
    assert "plan_offer" in stage_keys(creditor, policy)


def test_assignments_are_law_checked_added_and_removed(signed_in, creditor, presets):
    policy = presets["classic_three_step"]
    url = reverse("workbench:dunning_policy_assign", args=[policy.pk])

    refused = signed_in.post(url, {"country": "DE", "debtor_kind": "consumer"})
    added = signed_in.post(
        url, {"country": "DE", "debtor_kind": "business", "segment": "wholesale"}, follow=True
    )

    assert "The law forbids this charge for consumer debtors in Germany" in refused.content.decode()
    assert "The assignment was added." in added.content.decode()
    with scope(creditor=creditor):
        assignment = PolicyAssignment.objects.get(policy=policy)
    assert (assignment.country, assignment.debtor_kind, assignment.segment) == ("DE", "business", "wholesale")
    signed_in.post(reverse("workbench:dunning_policy_unassign", args=[policy.pk, assignment.pk]))
    with scope(creditor=creditor):
        assert not PolicyAssignment.objects.filter(policy=policy).exists()


@pytest.mark.parametrize("role", ["agent", "read_only"])
def test_only_credit_managers_and_admins_edit_policies(client, creditor, member, presets, role):
    policy = presets["customer_centric"]
    client.force_login(member(role))

    page = client.get(reverse("workbench:dunning_policy", args=[policy.pk]))
    saved = client.post(reverse("workbench:dunning_policy", args=[policy.pk]), {})
    installed = client.post(reverse("workbench:dunning_presets_install"))
    assigned = client.post(reverse("workbench:dunning_policy_assign", args=[policy.pk]), {"country": "DE"})

    assert page.status_code == 200 and 'data-testid="save-policy"' not in page.content.decode()
    assert (saved.status_code, installed.status_code, assigned.status_code) == (403, 403, 403)
