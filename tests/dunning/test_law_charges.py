"""Interest, flat compensation and collection costs: charged where a stage asks and the law
allows, with the law app's own figures; refused, with the reason, where it does not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tact.dunning.models import Action, Policy
from tact.dunning.services import hold_place, policy_assign
from tact.law.selectors import interest_for
from tests.dunning.conftest import MONDAY, debtor_with_items, run


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def action_on(offset: int) -> Action:
    [action] = Action.objects.filter(run_on=day(offset))
    return action


def test_a_second_reminder_charges_statutory_interest_and_the_flat_compensation(presets):
    # given business debtors on the classic three-step policy
    policy_assign(policy=Policy.objects.get(preset="classic_three_step"), debtor_kind="business")
    debtor_with_items(presets, due=[MONDAY])
    # when the item reaches the second reminder (+21)
    run(presets, day(7))
    summary = run(presets, day(21))
    # then interest to that day and EUR 40 per invoice, as the law computes them
    action = action_on(21)
    expected = interest_for(country="DE", kind="b2b", principal=Decimal("1190.00"), start=MONDAY, end=day(21))
    assert action.stage.key == "second_reminder"
    assert action.interest_amount == expected.interest > 0
    assert action.flat_compensation_amount == Decimal("40.00")
    assert action.items[0]["interest"] == str(expected.interest)
    assert action.items[0]["flat_compensation"] == "40.00"
    assert action.explanation["law"]["interest"]["rule"] == expected.rule_label
    assert summary.refused_by_law == 0


def test_the_flat_compensation_is_charged_once_and_interest_keeps_accruing(presets):
    policy_assign(policy=Policy.objects.get(preset="classic_three_step"), debtor_kind="business")
    debtor_with_items(presets, due=[MONDAY])
    for offset in (7, 21, 35):
        run(presets, day(offset))
    final = action_on(35)
    assert (final.stage.key, final.status) == ("final_notice", "awaiting_approval")
    assert final.flat_compensation_amount == 0
    assert final.interest_amount > action_on(21).interest_amount


def test_dutch_consumers_pay_collection_costs_only_after_the_fourteen_day_letter(presets):
    # given a Dutch consumer of the web shop
    debtor_with_items(presets, due=[MONDAY], country="NL", kind="consumer")
    # when the free reminder, the 14-day letter and the costs notice go out
    stages = []
    for offset in (3, 10, 35):
        run(presets, day(offset))
        stages.append(action_on(offset))
    # then only the last charges, at the WIK scale (15 % of 1,190.00)
    assert [a.stage.key for a in stages] == ["payment_reminder", "formal_reminder", "costs_notice"]
    assert [a.fees_amount for a in stages] == [0, 0, Decimal("178.50")]
    costs = stages[-1]
    assert costs.explanation["law"]["fees"]["rule"].startswith("nl_bik")
    assert (
        costs.interest_amount
        == interest_for(
            country="NL", kind="b2c", principal=Decimal("1190.00"), start=MONDAY, end=day(35)
        ).interest
    )


def test_belgian_consumers_pay_the_book_xix_damages_after_the_free_reminder_and_waiting_period(presets):
    debtor_with_items(presets, due=[MONDAY], country="BE", kind="consumer")
    for offset in (3, 10, 35):
        run(presets, day(offset))
    # 65.00 + 5 % of the part above 500.00
    assert action_on(35).fees_amount == Decimal("99.50")


def test_costs_before_the_waiting_period_are_refused_when_the_cycle_runs(presets):
    # given a Dutch consumer whose 14-day letter went out late, after a hold
    debtor, _ = debtor_with_items(presets, due=[MONDAY], country="NL", kind="consumer")
    run(presets, day(3))
    hold_place(debtor=debtor, reason="promise", starts_on=day(4), ends_on=day(29))
    run(presets, day(30))
    assert action_on(30).stage.key == "formal_reminder"
    # when the costs notice is due 14 days later, before the letter's 14 days from receipt are over
    summary = run(presets, day(44))
    # then it goes out without the costs, and says why
    action = action_on(44)
    assert action.stage.key == "costs_notice"
    assert action.fees_amount == 0
    [refusal] = action.explanation["law"]["refusals"]
    assert (refusal["charge"], refusal["code"]) == ("collection_costs", "before_waiting_period")
    assert summary.refused_by_law == 1


def test_fees_in_a_currency_the_law_has_no_figure_for_are_refused(presets):
    debtor_with_items(presets, due=[MONDAY], country="NL", kind="consumer", currency="CHF")
    for offset in (3, 10):
        run(presets, day(offset))
    summary = run(presets, day(35))
    action = action_on(35)
    assert action.fees_amount == 0
    assert [r["code"] for r in action.explanation["law"]["refusals"]] == ["law_unsupported_currency"]
    assert summary.refused_by_law == 1


def test_a_stage_that_charges_nothing_asks_the_law_nothing(presets):
    debtor_with_items(presets, due=[MONDAY], country="NL", kind="consumer")
    run(presets, day(3))
    action = action_on(3)
    assert action.explanation["law"] == {"country": "NL", "kind": "b2c"}
    assert (action.interest_amount, action.fees_amount, action.flat_compensation_amount) == (0, 0, 0)
