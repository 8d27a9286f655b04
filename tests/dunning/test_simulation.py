"""The simulation: what the cycle would do to one debtor on a day, and why; nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.core.errors import NotFound
from tact.dunning.models import Action, Decision, Hold, Policy, StageHistory
from tact.dunning.services import hold_end, hold_place, policy_create
from tact.dunning.simulation import REASONS, debtor_simulate
from tact.ledger.models import PaymentSource
from tact.ledger.services import invoice_set_open_amount
from tests.dunning.conftest import MONDAY, debtor_with_items, run
from tests.factories import DebtorFactory

THURSDAY = MONDAY + timedelta(days=3)


def _item(result: dict, number: str) -> dict:
    [found] = [i for i in result["items"] if i["number"] == number]
    return found


def _written() -> tuple[int, ...]:
    return (
        Action.objects.count(),
        StageHistory.objects.count(),
        Decision.objects.count(),
        Hold.objects.count(),
        Policy.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_held_item_says_which_hold_stops_it(presets):
    # given a debtor with two items due on Monday, one of them disputed
    debtor, [disputed, other] = debtor_with_items(presets, due=[MONDAY, MONDAY])
    hold = hold_place(debtor=debtor, invoice=disputed, reason="dispute", starts_on=MONDAY, note="wrong price")
    # when the simulation looks at Thursday
    result = debtor_simulate(debtor=debtor, on=THURSDAY)
    # then the disputed item is stopped by that hold, the other one goes out alone
    held = _item(result, disputed.number)
    assert (held["outcome"], held["reason"]) == ("stopped", "held")
    assert held["facts"] == {"hold": "dispute", "hold_id": hold.pk, "on": "item"}
    assert [h["note"] for h in held["holds"]] == ["wrong price"]
    assert held["next_stage"]["key"] == "friendly_reminder"
    sent = _item(result, other.number)
    assert (sent["reason"], sent["action"]) == ("advances", 0)
    [action] = result["actions"]
    assert (action["items"], action["stage"], action["channel"]) == (
        [other.number],
        "friendly_reminder",
        "email",
    )
    assert action["explanation"]["holds_checked"] == "none_active"
    assert result["summary"]["held"] == {"dispute": 1}
    assert result["holds"][0]["id"] == hold.pk


def test_a_debtor_level_hold_stops_every_item(presets):
    debtor, items = debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=1)])
    hold_place(debtor=debtor, reason="promise", starts_on=MONDAY, ends_on=MONDAY + timedelta(days=14))
    result = debtor_simulate(debtor=debtor, on=THURSDAY)
    assert {i["number"]: (i["reason"], i["facts"]["hold"], i["facts"]["on"]) for i in result["items"]} == {
        item.number: ("held", "promise", "debtor") for item in items
    }
    assert result["actions"] == []


def test_a_later_date_shows_the_next_stage_and_the_day_it_is_due(presets):
    # given an item that entered the friendly reminder on Thursday
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, THURSDAY)
    # when the simulation looks at the Friday after
    waiting = _item(debtor_simulate(debtor=debtor, on=THURSDAY + timedelta(days=1)), item.number)
    # then it is at the friendly reminder and the personal contact is due ten days after the due date
    assert waiting["current_stage"]["key"] == "friendly_reminder"
    assert waiting["current_stage"]["entered_on"] == THURSDAY.isoformat()
    assert (waiting["reason"], waiting["next_stage"]["key"]) == ("not_yet_due", "personal_contact")
    assert waiting["next_stage"]["on"] == (MONDAY + timedelta(days=10)).isoformat()
    # and on that day the cycle's plan lets it advance, by phone for a business debtor
    later = debtor_simulate(debtor=debtor, on=MONDAY + timedelta(days=10))
    due = _item(later, item.number)
    assert (due["reason"], due["next_stage"]["key"], due["next_stage"]["on"]) == (
        "advances",
        "personal_contact",
        (MONDAY + timedelta(days=10)).isoformat(),
    )
    assert [(a["stage"], a["channel"]) for a in later["actions"]] == [("personal_contact", "phone")]


def test_the_next_stage_waits_for_the_minimum_days_since_the_last_contact(presets):
    # given an item reminded late, on day +9 (a Wednesday)
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=9))
    # when the personal contact's day (+10) comes
    found = _item(debtor_simulate(debtor=debtor, on=MONDAY + timedelta(days=10)), item.number)
    # then it waits five days since that contact: Monday +14
    assert found["reason"] == "min_days_since_contact"
    assert found["facts"] == {
        "last_contact_on": (MONDAY + timedelta(days=9)).isoformat(),
        "min_days_since_contact": 5,
    }
    assert found["next_stage"]["on"] == (MONDAY + timedelta(days=14)).isoformat()


def test_the_simulation_writes_nothing_and_plans_what_the_cycle_then_does(presets):
    # given a debtor with a due item and a hold on another debtor
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    other, _ = debtor_with_items(presets, due=[MONDAY])
    hold_place(debtor=other, reason="manual", starts_on=MONDAY)
    before = _written()
    # when it is simulated
    result = debtor_simulate(debtor=debtor, on=THURSDAY)
    # then nothing is written
    assert _written() == before
    assert not StageHistory.objects.filter(invoice=item).exists()
    # and the cycle then writes exactly the simulated action
    run(presets, THURSDAY)
    [action] = Action.objects.filter(debtor=debtor)
    [simulated] = result["actions"]
    assert (simulated["stage"], simulated["channel"], simulated["items"], simulated["open_amount"]) == (
        action.stage.key,
        action.channel,
        [i["number"] for i in action.items],
        "1190.00",
    )
    assert action.open_amount == Decimal("1190.00")
    assert simulated["explanation"] == action.explanation
    # restricted to the debtor: the other debtor's held item is not in its summary
    assert result["summary"]["debtors_considered"] == 1
    assert result["summary"]["held"] == {}


def test_a_creditor_without_policies_is_simulated_with_the_presets_and_keeps_none(in_scope):
    debtor, [item] = debtor_with_items(in_scope, due=[MONDAY])
    result = debtor_simulate(debtor=debtor, on=THURSDAY)
    assert result["policy"]["source"] == "default"
    assert _item(result, item.number)["reason"] == "advances"
    assert not Policy.objects.exists()


def test_another_policy_can_be_tried_on_the_debtor(presets):
    # given a business debtor under the default customer-centric policy
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    classic = Policy.objects.get(preset="classic_three_step")
    # when the classic policy is simulated on day +3 and on day +7
    early = debtor_simulate(debtor=debtor, on=THURSDAY, policy=classic)
    later = debtor_simulate(debtor=debtor, on=MONDAY + timedelta(days=7), policy=classic)
    # then its first stage is a week after the due date
    assert early["policy"] == {**early["policy"], "id": classic.pk, "source": "simulated"}
    assert (_item(early, item.number)["reason"], _item(early, item.number)["next_stage"]["key"]) == (
        "not_yet_due",
        "reminder",
    )
    assert [(a["stage"], a["channel"]) for a in later["actions"]] == [("reminder", "email")]
    # while the debtor's own policy is untouched
    assert debtor_simulate(debtor=debtor, on=THURSDAY)["policy"]["name"] == "Customer-centric"


def test_a_debtor_below_the_threshold_is_told_so(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY], amount="5.00")
    result = debtor_simulate(debtor=debtor, on=THURSDAY)
    found = _item(result, item.number)
    assert (found["reason"], found["facts"]) == (
        "below_threshold",
        {"minimum": "10.00", "overdue_total": "5.00"},
    )
    assert result["thresholds"] == {"EUR": {"minimum": "10.00", "overdue_total": "5.00", "met": False}}


def test_a_weekend_day_rolls_the_step_to_monday(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    saturday = MONDAY + timedelta(days=5)
    result = debtor_simulate(debtor=debtor, on=saturday)
    found = _item(result, item.number)
    assert result["business_day"] is False
    assert (found["reason"], found["next_stage"]["on"]) == (
        "not_business_day",
        (MONDAY + timedelta(days=7)).isoformat(),
    )


def test_a_paid_item_that_was_dunned_says_it_is_paid(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, THURSDAY)
    invoice_set_open_amount(
        invoice=item, open_amount=Decimal("0"), value_on=THURSDAY, source=PaymentSource.MANUAL, by=None
    )
    found = _item(debtor_simulate(debtor=debtor, on=MONDAY + timedelta(days=10)), item.number)
    assert (found["reason"], found["current_stage"]["key"], found["next_stage"]) == (
        "paid",
        "friendly_reminder",
        None,
    )


def test_a_second_run_on_the_same_day_says_the_stage_was_entered(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, THURSDAY)
    found = _item(debtor_simulate(debtor=debtor, on=THURSDAY), item.number)
    assert found["reason"] == "stage_entered_on_or_after"


def test_every_reason_has_a_sentence(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY, MONDAY + timedelta(days=30)])
    for item in debtor_simulate(debtor=debtor, on=THURSDAY)["items"]:
        assert item["reason_text"] == REASONS[item["reason"]]


def test_another_creditors_debtor_and_policy_are_not_reachable(presets, other_creditor):
    with scope(creditor=other_creditor):
        theirs = DebtorFactory(creditor=other_creditor)
        their_policy = Policy.objects.create(creditor=other_creditor, name="Theirs")
    mine, _ = debtor_with_items(presets, due=[MONDAY])
    with pytest.raises(NotFound):
        debtor_simulate(debtor=theirs, on=THURSDAY)
    with pytest.raises(NotFound):
        debtor_simulate(debtor=mine, on=THURSDAY, policy=their_policy)


def test_a_creditor_whose_policies_have_no_threshold_is_planned(in_scope):
    # given a default policy without any threshold (PostgreSQL once refused the untyped NULL minimum)
    policy_create(
        creditor=in_scope, name="No minimum", is_default=True,
        stages=[{"key": "r1", "name": "Reminder", "offset_days": 3, "channels": ["email"], "template_key": "reminder"}],
    )  # fmt: skip
    debtor, [item] = debtor_with_items(in_scope, due=[MONDAY], amount="1.00")
    # when the debtor is simulated and the cycle runs
    found = _item(debtor_simulate(debtor=debtor, on=THURSDAY), item.number)
    summary = run(in_scope, THURSDAY)
    # then even one euro is reminded
    assert found["reason"] == "advances"
    assert summary.actions == 1


def test_a_day_before_anything_is_overdue_shows_a_zero_overdue_total(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY + timedelta(days=20)])
    result = debtor_simulate(debtor=debtor, on=MONDAY)
    found = _item(result, item.number)
    assert (found["reason"], found["next_stage"]["key"]) == ("not_yet_due", "pre_due")
    assert found["next_stage"]["on"] == (MONDAY + timedelta(days=17)).isoformat()
    assert result["thresholds"]["EUR"] == {"minimum": "10.00", "overdue_total": "0.00", "met": False}


def test_a_resolved_dispute_starts_the_item_over_in_the_simulation_too(presets):
    # given an item at the friendly reminder, then disputed, and the dispute resolved on Monday +14
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, THURSDAY)
    dispute = hold_place(
        debtor=debtor, invoice=item, reason="dispute", starts_on=THURSDAY + timedelta(days=1)
    )
    hold_end(hold=dispute, today=MONDAY + timedelta(days=14), outcome="resolved")
    # when the next day is simulated
    found = _item(debtor_simulate(debtor=debtor, on=MONDAY + timedelta(days=15)), item.number)
    # then the item has no current stage and enters the friendly reminder again
    assert found["current_stage"] is None
    assert (found["reason"], found["next_stage"]["key"]) == ("advances", "friendly_reminder")


def test_the_projected_day_is_the_day_the_cycles_plan_lets_the_item_advance(presets):
    # given items due on each day around Easter 2025 (Good Friday 18 April, Easter Monday 21
    # April are German holidays), some reminded once on Thursday 17 April
    easter = date(2025, 4, 18)
    dues = [easter + timedelta(days=n) for n in range(-12, 6)]
    debtors = [debtor_with_items(presets, due=[due])[0] for due in dues]
    run(presets, date(2025, 4, 17))
    checked = 0
    for debtor in debtors:
        # when an item waits on the Saturday, and its projected day is simulated
        [waiting] = debtor_simulate(debtor=debtor, on=date(2025, 4, 19))["items"]
        assert waiting["reason"] in {"not_yet_due", "min_days_since_contact", "not_business_day"}, waiting
        projected = date.fromisoformat(waiting["next_stage"]["on"])
        [then] = debtor_simulate(debtor=debtor, on=projected)["items"]
        # then it advances to that stage on that very day, and not a business day earlier
        assert (then["reason"], then["next_stage"]["key"]) == ("advances", waiting["next_stage"]["key"]), then
        [before] = debtor_simulate(debtor=debtor, on=projected - timedelta(days=1))["items"]
        assert before["reason"] != "advances"
        checked += 1
    assert checked == len(dues)
