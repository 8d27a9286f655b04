"""Policy validation: structure, tone, channels, and the law for the debtors it serves."""

from __future__ import annotations

import pytest

from tact.dunning.errors import ChargeForbidden, PolicyInvalid
from tact.dunning.models import Policy, Stage
from tact.dunning.presets import PRESETS, policy_presets_install
from tact.dunning.services import policy_assign, policy_create, policy_override, policy_validate
from tests.dunning.conftest import debtor_with_items


def stage(key: str, offset: int, **fields) -> dict:
    return {"key": key, "name": key.title(), "offset_days": offset, "channels": ["email"], "template_key": key,
            **fields}  # fmt: skip


def test_the_presets_install_once_and_the_customer_centric_one_is_the_default(in_scope):
    created = policy_presets_install(creditor=in_scope)
    again = policy_presets_install(creditor=in_scope)
    assert {p.preset for p in created} == set(PRESETS)
    assert again == []
    assert Policy.objects.get(is_default=True).preset == "customer_centric"
    assert list(Stage.objects.filter(policy__preset="customer_centric").values_list("offset_days", flat=True)) == [
        -3, 3, 10, 17, 28, 42,
    ]  # fmt: skip


def test_the_web_shop_preset_serves_dutch_and_belgian_consumers(presets):
    policy = Policy.objects.get(preset="b2c_webshop_nl_be")
    assert sorted(policy.assignments.values_list("country", "debtor_kind")) == [
        ("BE", "consumer"), ("NL", "consumer"),
    ]  # fmt: skip


def test_stages_out_of_order_are_refused_naming_the_stage(in_scope):
    with pytest.raises(PolicyInvalid) as caught:
        policy_create(creditor=in_scope, name="Odd", stages=[stage("late", 20), stage("early", 5)])
    assert caught.value.stage == "early"
    assert caught.value.field == "offset_days"
    assert "increasing order" in caught.value.message
    assert not Policy.objects.exists()


def test_two_stages_on_the_same_day_are_refused(in_scope):
    with pytest.raises(PolicyInvalid, match="stage 'b': offset_days: \\+5 is the offset of stage 'a' too"):
        policy_create(creditor=in_scope, name="Twins", stages=[stage("a", 5), stage("b", 5)])


def test_a_key_used_twice_is_refused(in_scope):
    with pytest.raises(PolicyInvalid, match="key"):
        policy_validate(stages=[stage("a", 5), stage("a", 9)])


def test_there_is_no_threatening_tone(in_scope):
    with pytest.raises(
        PolicyInvalid, match="stage 'a': tone: 'threatening' is not one of friendly, neutral, firm"
    ):
        policy_validate(stages=[stage("a", 5, tone="threatening")])


def test_an_unknown_channel_is_refused(in_scope):
    with pytest.raises(PolicyInvalid, match="channels: 'fax'"):
        policy_validate(stages=[stage("a", 5, channels=["fax"])])


def test_a_reminder_before_the_due_date_cannot_charge(in_scope):
    with pytest.raises(PolicyInvalid, match="stage 'early': charges_interest"):
        policy_validate(stages=[stage("early", -3, charges_interest=True)])


def test_fees_and_flat_compensation_on_one_stage_are_refused(in_scope):
    with pytest.raises(PolicyInvalid, match="charges_flat_compensation"):
        policy_validate(stages=[stage("a", 5, charges_fees=True, charges_flat_compensation=True)])


def test_a_first_reminder_with_fees_is_refused_naming_stage_field_and_reason(in_scope):
    # given a default policy (it serves every country and kind) whose first reminder charges
    stages = [stage("reminder", 5, charges_fees=True)]
    # then the law refuses it, naming the stage, the field and why
    with pytest.raises(ChargeForbidden) as caught:
        policy_create(creditor=in_scope, name="Greedy", stages=stages, is_default=True, contract_clause=True)
    assert (caught.value.stage, caught.value.field) == ("reminder", "charges_fees")
    # a Belgian consumer is in default only after a reminder (Book XIX)
    assert caught.value.facts["refusal"] == "before_default"
    assert "consumer debtors in BE" in caught.value.message
    assert not Policy.objects.exists()


def test_the_reminder_that_puts_a_german_debtor_in_default_is_free(in_scope):
    with pytest.raises(ChargeForbidden) as caught:
        policy_validate(stages=[stage("reminder", 5, charges_fees=True)], scopes=[("DE", "business")])
    assert caught.value.facts["refusal"] == "first_reminder_free"


def test_a_german_dunning_fee_from_the_second_reminder_on_is_lawful(in_scope):
    specs = policy_validate(
        stages=[stage("reminder", 5), stage("second", 19, charges_fees=True)], scopes=[("DE", "business")]
    )
    assert [s.key for s in specs] == ["reminder", "second"]


def test_dutch_consumer_costs_need_a_letter_that_announced_them(in_scope):
    stages = [stage("reminder", 5), stage("costs", 40, charges_fees=True)]
    with pytest.raises(ChargeForbidden) as caught:
        policy_validate(stages=stages, scopes=[("NL", "consumer")])
    assert caught.value.facts["refusal"] == "no_fourteen_day_letter"


def test_dutch_consumer_costs_too_soon_after_the_fourteen_day_letter_are_refused(in_scope):
    stages = [
        stage("letter", 10, announces_costs=True, channels=["letter"]),
        stage("costs", 20, charges_fees=True),
    ]
    with pytest.raises(ChargeForbidden) as caught:
        policy_validate(stages=stages, scopes=[("NL", "consumer")])
    assert caught.value.facts["refusal"] == "before_waiting_period"


def test_assigning_flat_compensation_to_consumers_is_refused(presets):
    classic = Policy.objects.get(preset="classic_three_step")
    with pytest.raises(ChargeForbidden) as caught:
        policy_assign(policy=classic, debtor_kind="consumer")
    assert (caught.value.stage, caught.value.field) == ("second_reminder", "charges_flat_compensation")
    assert caught.value.facts["refusal"] == "business_only"


def test_overriding_a_consumers_policy_with_flat_compensation_is_refused(presets):
    consumer, _ = debtor_with_items(presets, due=[], kind="consumer")
    with pytest.raises(ChargeForbidden):
        policy_override(debtor=consumer, policy=Policy.objects.get(preset="classic_three_step"))


def test_a_policy_assigned_where_it_is_lawful_is_saved(presets):
    classic = Policy.objects.get(preset="classic_three_step")
    assignment = policy_assign(policy=classic, country="AT", debtor_kind="business")
    assert (assignment.country, assignment.debtor_kind) == ("AT", "business")


def test_a_negative_threshold_is_refused(in_scope):
    with pytest.raises(PolicyInvalid, match="thresholds"):
        policy_create(creditor=in_scope, name="Neg", stages=[stage("a", 5)], thresholds={"EUR": "-1"})
