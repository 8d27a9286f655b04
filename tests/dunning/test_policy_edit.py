"""Editing saved policies: name and description, thresholds, the default, new policies
(one reminder, a copy, a preset) and deleting a policy nobody uses — each audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tact.audit.models import AuditEvent
from tact.dunning.errors import ChargeForbidden, PolicyInUse, PolicyInvalid
from tact.dunning.models import Policy, PolicyAssignment, Stage, Threshold
from tact.dunning.services import (
    policy_default_set,
    policy_delete,
    policy_details_update,
    policy_override,
    policy_start,
    policy_threshold_set,
    policy_thresholds_replace,
    policy_update,
)
from tests.dunning.conftest import MONDAY, actions_on, debtor_with_items, run


def thresholds(policy) -> dict[str, Decimal]:
    return dict(Threshold.objects.filter(policy=policy).values_list("currency", "minimum_amount"))


def audited(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def centric(presets):
    return Policy.objects.get(preset="customer_centric")


@pytest.fixture
def classic(presets):
    return Policy.objects.get(preset="classic_three_step")


# -- name and description --------------------------------------------------------------------


def test_a_policy_is_renamed_and_described_and_the_change_is_audited(centric):
    policy_details_update(policy=centric, name="  Gentle  ", description="For everybody.", actor="api:t1")

    centric.refresh_from_db()
    assert (centric.name, centric.description) == ("Gentle", "For everybody.")
    [event] = audited("policy_details_updated")
    assert event.before["name"] == "Customer-centric" and event.after == {
        "name": "Gentle",
        "description": "For everybody.",
    }
    assert event.actor_label == "api:t1"


def test_a_name_another_policy_has_is_refused(centric, classic):
    with pytest.raises(PolicyInvalid, match="name: a policy named 'Customer-centric' exists already"):
        policy_details_update(policy=classic, name="Customer-centric")
    classic.refresh_from_db()
    assert classic.name == "Classic three-step (business)"
    assert audited("policy_details_updated") == []


def test_an_empty_name_is_refused(centric):
    with pytest.raises(PolicyInvalid) as caught:
        policy_details_update(policy=centric, name="   ")
    assert caught.value.field == "name"


# -- thresholds ------------------------------------------------------------------------------


def test_a_threshold_is_set_changed_and_removed_one_currency_at_a_time(centric):
    policy_threshold_set(policy=centric, currency="CHF", minimum_amount="30.00")
    policy_threshold_set(policy=centric, currency="EUR", minimum_amount="25")
    assert thresholds(centric) == {"EUR": Decimal("25"), "CHF": Decimal("30")}

    policy_threshold_set(policy=centric, currency="CHF", minimum_amount=None)

    assert thresholds(centric) == {"EUR": Decimal("25")}
    events = audited("policy_thresholds_updated")
    assert [e.after["thresholds"] for e in events] == [
        {"EUR": "10.0000", "CHF": "30.00"},
        {"EUR": "25", "CHF": "30.0000"},
        {"EUR": "25.0000"},
    ]


def test_replacing_the_thresholds_drops_the_currencies_left_out(centric):
    policy_thresholds_replace(policy=centric, thresholds={"GBP": "8.50"})
    assert thresholds(centric) == {"GBP": Decimal("8.50")}


@pytest.mark.parametrize(
    ("currency", "amount", "part", "problem"),
    [
        ("EURO", "10", "currency", "'EURO' is not an ISO 4217 currency code like EUR"),
        ("XYZ", "10", "currency", "'XYZ' is not an ISO 4217 currency code like EUR"),
        ("EUR", "-5", "minimum_amount", "EUR -5 is not an amount of zero or more"),
        ("EUR", "abc", "minimum_amount", "EUR abc is not an amount of zero or more"),
        ("EUR", "10.005", "minimum_amount", "EUR 10.005 has more than 2 decimals"),
        ("JPY", "10.5", "minimum_amount", "JPY 10.5 has more than 0 decimals"),
    ],
)
def test_a_bad_threshold_is_refused_naming_the_part_and_nothing_changes(
    centric, currency, amount, part, problem
):
    with pytest.raises(PolicyInvalid) as caught:
        policy_threshold_set(policy=centric, currency=currency, minimum_amount=amount)
    assert caught.value.field == "thresholds"
    assert caught.value.facts["part"] == part
    assert caught.value.message == f"thresholds: {problem}"
    assert thresholds(centric) == {"EUR": Decimal("10")}


def test_the_cycle_applies_a_raised_threshold(centric):
    # given a debtor owing 20.00 overdue: above the preset's 10.00 EUR, below 25.00
    debtor_with_items(centric.creditor, due=[MONDAY], amount="20.00")
    policy_threshold_set(policy=centric, currency="EUR", minimum_amount="25.00")

    summary = run(centric.creditor, MONDAY + timedelta(days=3))

    assert summary.below_threshold == 1
    assert actions_on(MONDAY + timedelta(days=3)) == []


# -- the default -----------------------------------------------------------------------------


def test_another_policy_becomes_the_default_and_the_old_one_stops_being_it(centric):
    gentle = policy_start(creditor=centric.creditor, name="Gentle", copy_of=centric)

    policy_default_set(policy=gentle, actor="api:t1")

    assert list(Policy.objects.filter(is_default=True)) == [gentle]
    [event] = audited("policy_made_default")
    assert (event.before, event.after) == ({"default": centric.pk}, {"default": gentle.pk})


def test_a_policy_charging_what_consumers_do_not_owe_cannot_be_the_default(centric, classic):
    with pytest.raises(ChargeForbidden) as caught:
        policy_default_set(policy=classic)
    assert caught.value.field == "charges_flat_compensation"
    assert Policy.objects.get(is_default=True) == centric


def test_the_default_cannot_be_unset_without_naming_another(centric):
    with pytest.raises(PolicyInvalid, match="is_default"):
        policy_update(policy=centric, is_default=False)
    centric.refresh_from_db()
    assert centric.is_default


def test_an_update_of_several_settings_is_all_or_nothing(centric, classic):
    with pytest.raises(ChargeForbidden):
        policy_update(policy=classic, name="Classic", thresholds={"EUR": "40.00"}, is_default=True)
    classic.refresh_from_db()
    assert (classic.name, classic.is_default) == ("Classic three-step (business)", False)
    assert thresholds(classic) == {"EUR": Decimal("25")}


# -- new policies ----------------------------------------------------------------------------


def test_a_copy_has_the_stages_thresholds_and_clause_but_serves_nobody(presets):
    shop = Policy.objects.get(preset="b2c_webshop_nl_be")

    copy = policy_start(creditor=presets, name="Web shop (DE)", copy_of=shop, actor="api:t1")

    assert (copy.preset, copy.is_default, copy.contract_clause) == ("", False, True)
    assert copy.description == shop.description
    assert list(copy.stages.values_list("key", "offset_days", "charges_fees")) == list(
        shop.stages.values_list("key", "offset_days", "charges_fees")
    )
    assert thresholds(copy) == {"EUR": Decimal("5")}
    assert not PolicyAssignment.objects.filter(policy=copy).exists()
    [event] = audited("policy_copied")
    assert event.facts == {"policy": shop.pk}


def test_a_policy_starts_from_a_preset_or_from_one_reminder(presets):
    from_preset = policy_start(creditor=presets, name="Second classic", preset="classic_three_step")
    blank = policy_start(creditor=presets, name="Blank")

    assert list(from_preset.stages.values_list("key", flat=True)) == [
        "reminder",
        "second_reminder",
        "final_notice",
    ]
    assert thresholds(from_preset) == {"EUR": Decimal("25")}
    assert list(blank.stages.values_list("key", "offset_days")) == [("reminder", 7)]
    assert thresholds(blank) == {}


def test_a_new_policy_needs_a_free_name_and_a_known_preset(presets):
    with pytest.raises(PolicyInvalid, match="name: a policy named 'Customer-centric' exists already"):
        policy_start(creditor=presets, name="Customer-centric")
    with pytest.raises(PolicyInvalid) as caught:
        policy_start(creditor=presets, name="New", preset="harsh")
    assert caught.value.field == "preset"
    assert Policy.objects.count() == 3


# -- deleting --------------------------------------------------------------------------------


def test_a_policy_nobody_uses_is_deleted_with_its_stages_and_the_deletion_audited(presets, centric):
    copy = policy_start(creditor=presets, name="Spare", copy_of=centric)

    policy_delete(policy=copy, actor="api:t1")

    assert not Policy.objects.filter(name="Spare").exists()
    assert not Stage.objects.filter(policy_id=copy.pk).exists()
    [event] = audited("policy_deleted")
    assert event.before["name"] == "Spare" and event.before["thresholds"] == {"EUR": "10.0000"}


def test_the_default_an_assigned_or_an_overriding_policy_is_not_deleted(presets, centric, classic):
    shop = Policy.objects.get(preset="b2c_webshop_nl_be")
    debtor, _ = debtor_with_items(presets, due=[])
    policy_override(debtor=debtor, policy=classic)

    refused = {}
    for policy in (centric, shop, classic):
        with pytest.raises(PolicyInUse) as caught:
            policy_delete(policy=policy)
        refused[policy.preset] = (caught.value.facts["reason"], caught.value.message)

    assert refused == {
        "customer_centric": (
            "default",
            "Policy 'Customer-centric' cannot be deleted: it is the default policy; "
            "make another policy the default first",
        ),
        "b2c_webshop_nl_be": (
            "assigned",
            "Policy 'B2C web shop NL/BE' cannot be deleted: it is assigned 2 time(s); "
            "remove its assignments first",
        ),
        "classic_three_step": (
            "overridden",
            "Policy 'Classic three-step (business)' cannot be deleted: it is the own policy of "
            "1 debtor(s); change theirs first",
        ),
    }
    assert Policy.objects.count() == 3


def test_a_policy_the_cycle_has_used_is_not_deleted(presets, centric):
    # given a policy that was the default when the cycle sent a reminder, default no more
    debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=3))
    policy_default_set(policy=policy_start(creditor=presets, name="Next", copy_of=centric))

    with pytest.raises(PolicyInUse) as caught:
        policy_delete(policy=centric)

    assert caught.value.facts["reason"] == "used"
    assert Policy.objects.filter(pk=centric.pk).exists()
