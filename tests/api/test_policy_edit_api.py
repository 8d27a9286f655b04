"""Changing, copying and deleting policies through the API: name, description, thresholds,
the default — with roles and tenant isolation."""

from __future__ import annotations

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Policy
from tact.dunning.services import policy_presets_install
from tact.tenancy.models import Role

from .conftest import assert_problem, fields_named, make_api


def _presets(creditor) -> dict[str, int]:
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        return dict(Policy.objects.values_list("preset", "id"))


@pytest.fixture
def mine(creditor) -> dict[str, int]:
    return _presets(creditor)


@pytest.fixture
def theirs(other_creditor) -> dict[str, int]:
    return _presets(other_creditor)


def test_a_copy_is_renamed_given_a_threshold_and_made_the_default(api, creditor, mine):
    copy = api.post(f"/policies/{mine['customer_centric']}/copy", {"name": "Gentle"})
    assert copy.status_code == 201, copy.content
    body = copy.json()
    assert (body["name"], body["preset"], body["is_default"], body["thresholds"]) == (
        "Gentle",
        "",
        False,
        {"EUR": "10.00"},
    )

    changed = api.patch(
        f"/policies/{body['id']}",
        {"name": "Gentle (all)", "description": "Ours.", "thresholds": {"EUR": "25.00"}, "is_default": True},
    )

    assert changed.status_code == 200, changed.content
    after = changed.json()
    assert (after["name"], after["description"], after["thresholds"], after["is_default"]) == (
        "Gentle (all)",
        "Ours.",
        {"EUR": "25.00"},
        True,
    )
    assert api.get(f"/policies/{mine['customer_centric']}").json()["is_default"] is False
    with scope(creditor=creditor):
        actions = set(AuditEvent.objects.filter(subject_id=str(body["id"])).values_list("action", flat=True))
    assert {"policy_created", "policy_copied", "policy_details_updated", "policy_thresholds_updated",
            "policy_made_default"} <= actions  # fmt: skip


def test_thresholds_sent_replace_them_and_an_empty_object_removes_them(api, mine):
    url = f"/policies/{mine['classic_three_step']}"
    assert api.patch(url, {"thresholds": {"CHF": "30.00"}}).json()["thresholds"] == {"CHF": "30.00"}
    assert api.patch(url, {"name": "Classic"}).json()["thresholds"] == {"CHF": "30.00"}
    assert api.patch(url, {"thresholds": {}}).json()["thresholds"] == {}


@pytest.mark.parametrize(
    ("thresholds", "field"),
    [
        ({"EUR": "-5.00"}, "thresholds"),
        ({"XYZ": "5.00"}, "thresholds"),
        ({"EURO": "5.00"}, "thresholds.EURO.[key]"),
        ({"EUR": "five"}, "thresholds.EUR"),
    ],
)
def test_a_bad_threshold_is_a_problem_naming_the_field_and_nothing_changes(api, mine, thresholds, field):
    url = f"/policies/{mine['customer_centric']}"
    body = assert_problem(api.patch(url, {"name": "Renamed", "thresholds": thresholds}), 422)
    assert fields_named(body) == {field}
    policy = api.get(url).json()
    assert (policy["name"], policy["thresholds"]) == ("Customer-centric", {"EUR": "10.00"})


def test_the_default_is_replaced_never_unset_and_only_by_a_lawful_policy(api, mine):
    body = assert_problem(api.patch(f"/policies/{mine['customer_centric']}", {"is_default": False}), 422)
    assert fields_named(body) == {"is_default"}
    # the classic policy charges flat compensation, which no consumer owes
    refused = assert_problem(
        api.patch(f"/policies/{mine['classic_three_step']}", {"is_default": True}),
        422,
        "policy_charge_forbidden",
    )
    assert fields_named(refused) == {"charges_flat_compensation"}
    assert api.get(f"/policies/{mine['customer_centric']}").json()["is_default"] is True


def test_a_taken_name_is_refused(api, mine):
    body = assert_problem(
        api.post(f"/policies/{mine['classic_three_step']}/copy", {"name": "Customer-centric"}), 422
    )
    assert fields_named(body) == {"name"}
    body = assert_problem(
        api.patch(f"/policies/{mine['classic_three_step']}", {"name": "Customer-centric"}), 422
    )
    assert fields_named(body) == {"name"}


def test_a_preset_is_copied_by_its_key(api, mine):
    response = api.post("/policies/presets/b2c_webshop_nl_be/copy", {"name": "Shop DE"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contract_clause"], body["assignments"], body["thresholds"]) == (True, [], {"EUR": "5.00"})
    assert_problem(api.post("/policies/presets/harsh/copy", {"name": "Harsh"}), 422)


def test_a_policy_nobody_uses_is_deleted_and_one_in_use_is_a_conflict_saying_why(api, mine):
    spare = api.post(f"/policies/{mine['customer_centric']}/copy", {"name": "Spare"}).json()

    assert api.delete(f"/policies/{spare['id']}").status_code == 204
    assert_problem(api.get(f"/policies/{spare['id']}"), 404)
    default = assert_problem(api.delete(f"/policies/{mine['customer_centric']}"), 409, "policy_in_use")
    assigned = assert_problem(api.delete(f"/policies/{mine['b2c_webshop_nl_be']}"), 409, "policy_in_use")
    assert (default["facts"]["reason"], assigned["facts"]["reason"]) == ("default", "assigned")
    assert "remove its assignments first" in assigned["detail"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.READ_ONLY])
def test_agents_and_read_only_tokens_read_policies_but_do_not_change_them(creditor, mine, role):
    token = make_api(creditor, role)
    centric = mine["customer_centric"]

    assert token.get(f"/policies/{centric}").status_code == 200
    assert_problem(token.patch(f"/policies/{centric}", {"name": "Mine now"}), 403, "permission_denied")
    assert_problem(token.post(f"/policies/{centric}/copy", {"name": "Copy"}), 403, "permission_denied")
    assert_problem(token.post("/policies/presets/customer_centric/copy", {"name": "Copy"}), 403)
    assert_problem(token.delete(f"/policies/{mine['classic_three_step']}"), 403, "permission_denied")
    with scope(creditor=creditor):
        assert sorted(Policy.objects.values_list("name", flat=True)) == [
            "B2C web shop NL/BE",
            "Classic three-step (business)",
            "Customer-centric",
        ]


def test_another_creditors_policy_is_not_found_by_id(api, mine, theirs, other_creditor):
    rival = theirs["classic_three_step"]

    assert_problem(api.get(f"/policies/{rival}"), 404)
    assert_problem(api.patch(f"/policies/{rival}", {"name": "Taken over"}), 404)
    assert_problem(api.post(f"/policies/{rival}/copy", {"name": "Stolen"}), 404)
    assert_problem(api.delete(f"/policies/{rival}"), 404)
    with scope(creditor=other_creditor):
        assert Policy.objects.get(pk=rival).name == "Classic three-step (business)"
    assert len(api.get("/policies").json()["items"]) == 3
