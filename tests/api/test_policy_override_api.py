"""GET/PUT /debtors/{id}/policy: which policy the cycle applies to a debtor and why, and the
per-debtor override that the next cycle follows — with roles and tenant isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_scopes import scope

from tact.dunning.models import DebtorPolicy, Policy
from tact.dunning.services import cycle_run, policy_assign, policy_create
from tact.tenancy.models import Role
from tests.dunning.conftest import MONDAY, debtor_with_items

from .conftest import assert_problem, fields_named, make_api

pytestmark = pytest.mark.django_db

DAY = MONDAY + timedelta(days=3)  # a Thursday
DEFAULT = [
    {"key": "reminder", "name": "Reminder", "offset_days": 3, "channels": ["email"],
     "template_key": "friendly_reminder", "tone": "friendly"},
]  # fmt: skip
FAST = [
    {"key": "nudge", "name": "Nudge", "offset_days": 1, "channels": ["email"],
     "template_key": "friendly_reminder", "tone": "friendly"},
]  # fmt: skip
FLAT = [
    {"key": "flat", "name": "Flat compensation", "offset_days": 1, "channels": ["letter"],
     "template_key": "reminder", "charges_flat_compensation": True},
]  # fmt: skip


def _book(creditor) -> dict:
    with scope(creditor=creditor):
        default = policy_create(creditor=creditor, name="Default", stages=DEFAULT, is_default=True)
        fast = policy_create(creditor=creditor, name="Fast", stages=FAST)
        [debtor] = debtor_with_items(creditor, due=[MONDAY])[:1]
    return {"default": default, "fast": fast, "debtor": debtor}


@pytest.fixture
def mine(creditor):
    return _book(creditor)


@pytest.fixture
def theirs(other_creditor):
    return _book(other_creditor)


def planned_stages(creditor, debtor) -> list[str]:
    with scope(creditor=creditor):
        summary = cycle_run(creditor=creditor, run_on=DAY, dry_run=True, debtor=debtor)
    return [row["stage"] for row in summary.planned]


def overrides(creditor) -> list[tuple[int, int]]:
    with scope(creditor=creditor):
        return list(DebtorPolicy.objects.values_list("debtor_id", "policy_id"))


def test_the_default_policy_and_its_reason_are_read(api, mine):
    response = api.get(f"/debtors/{mine['debtor'].pk}/policy")

    assert response.status_code == 200
    assert response.json() == {
        "debtor_id": mine["debtor"].pk, "policy_id": mine["default"].pk, "policy_name": "Default",
        "source": "default",
    }  # fmt: skip


def test_an_assignment_is_the_reason_when_it_matches(api, creditor, mine):
    with scope(creditor=creditor):
        policy_assign(policy=mine["fast"], country=mine["debtor"].country)

    body = api.get(f"/debtors/{mine['debtor'].pk}/policy").json()

    assert (body["policy_id"], body["source"]) == (mine["fast"].pk, "assignment")


def test_an_override_steers_the_next_cycle_and_null_removes_it(api, creditor, mine):
    debtor = mine["debtor"]
    assert planned_stages(creditor, debtor) == ["reminder"]

    response = api.put(f"/debtors/{debtor.pk}/policy", {"policy_id": mine["fast"].pk})

    assert response.status_code == 200, response.content
    assert response.json()["policy_id"] == mine["fast"].pk and response.json()["source"] == "debtor_override"
    assert overrides(creditor) == [(debtor.pk, mine["fast"].pk)]
    assert planned_stages(creditor, debtor) == ["nudge"]
    assert api.get(f"/debtors/{debtor.pk}/policy").json()["source"] == "debtor_override"

    removed = api.put(f"/debtors/{debtor.pk}/policy", {"policy_id": None})

    assert removed.status_code == 200
    assert (removed.json()["policy_id"], removed.json()["source"]) == (mine["default"].pk, "default")
    assert overrides(creditor) == []
    assert planned_stages(creditor, debtor) == ["reminder"]


def test_a_policy_the_law_forbids_for_the_debtor_is_refused_naming_the_field(api, creditor, mine):
    with scope(creditor=creditor):
        flat = policy_create(creditor=creditor, name="Flat", stages=FLAT)
        consumer = debtor_with_items(creditor, due=[MONDAY], kind="consumer")[0]

    body = assert_problem(
        api.put(f"/debtors/{consumer.pk}/policy", {"policy_id": flat.pk}), 422, "policy_charge_forbidden"
    )

    assert fields_named(body) == {"charges_flat_compensation"}
    assert overrides(creditor) == []


def test_a_body_without_policy_id_or_with_unknown_keys_is_refused(api, creditor, mine):
    path = f"/debtors/{mine['debtor'].pk}/policy"

    assert_problem(api.put(path, {}), 422)
    assert_problem(api.put(path, {"policy_id": mine["fast"].pk, "policy": 1}), 422)
    assert_problem(api.put(path, {"policy_id": "fast"}), 422)
    assert overrides(creditor) == []


def test_another_creditors_debtor_is_not_found_and_their_policy_not_a_reference(
    api, creditor, other_creditor, mine, theirs
):
    their_debtor, their_policy = theirs["debtor"].pk, theirs["fast"].pk

    assert_problem(api.get(f"/debtors/{their_debtor}/policy"), 404, "not_found")
    assert_problem(
        api.put(f"/debtors/{their_debtor}/policy", {"policy_id": mine["fast"].pk}), 404, "not_found"
    )
    assert_problem(api.put(f"/debtors/{their_debtor}/policy", {"policy_id": None}), 404, "not_found")
    body = assert_problem(
        api.put(f"/debtors/{mine['debtor'].pk}/policy", {"policy_id": their_policy}), 422, "invalid_reference"
    )
    assert "policy_id" in body["detail"]
    assert overrides(creditor) == [] and overrides(other_creditor) == []


@pytest.mark.parametrize("role", [Role.AGENT, Role.READ_ONLY])
def test_only_credit_managers_and_admins_override(creditor, mine, role):
    client = make_api(creditor, role)
    path = f"/debtors/{mine['debtor'].pk}/policy"

    assert client.get(path).status_code == 200
    assert_problem(client.put(path, {"policy_id": mine["fast"].pk}), 403, "permission_denied")
    assert overrides(creditor) == []


def test_an_admin_overrides(creditor, mine):
    response = make_api(creditor, Role.ADMIN).put(
        f"/debtors/{mine['debtor'].pk}/policy", {"policy_id": mine["fast"].pk}
    )

    assert response.status_code == 200 and overrides(creditor) == [(mine["debtor"].pk, mine["fast"].pk)]
    with scope(creditor=creditor):
        assert Policy.objects.get(pk=mine["fast"].pk).overrides.count() == 1
