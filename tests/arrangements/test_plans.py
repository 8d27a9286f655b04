"""Payment plans: approved at once within the creditor's rules or queued for a person,
instalments tracked from allocations, reminders, default and early payoff; the holds that
keep the cycle quiet, and dunning resuming at the stage it had."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tact.arrangements.errors import ArrangementInvalid
from tact.arrangements.models import Instalment, PaymentPlan, PlanRules
from tact.arrangements.plans import add_months, plan_schedule, plans_awaiting_decision
from tact.audit.models import AuditEvent
from tact.dunning.arrangement_holds import arrangements_check, plan_decide_held, plan_propose_held
from tact.dunning.models import Hold
from tact.ledger.services import AllocationRequest, payment_record
from tests.dunning.conftest import MONDAY, actions_on, debtor_with_items, run
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def propose(debtor, items, *, count=4, first=None, today=None, by="portal"):
    return plan_propose_held(
        debtor=debtor, invoices=items, count=count, first_due_on=first or day(14), today=today or day(0),
        source="portal", by=by,
    )  # fmt: skip


def pay(item, amount: str, on: date):
    return payment_record(
        creditor=item.creditor, amount=Decimal(amount), currency="EUR", value_on=on, debtor=item.debtor,
        allocations=[AllocationRequest(invoice=item, amount=Decimal(amount))], by=None,
    )  # fmt: skip


@pytest.fixture
def two_items(presets, other_creditor):
    return debtor_with_items(presets, due=[day(-20), day(-10)], amount="595.00")


# -- schedule and rules ----------------------------------------------------------------------


def test_the_remainder_of_the_split_goes_to_the_last_instalment():
    parts = plan_schedule(total=Decimal("1000.00"), currency="EUR", count=3, first_due_on=date(2025, 12, 15))
    assert [(p.due_on, p.amount) for p in parts] == [
        (date(2025, 12, 15), Decimal("333.33")), (date(2026, 1, 15), Decimal("333.33")),
        (date(2026, 2, 15), Decimal("333.34")),
    ]  # fmt: skip


def test_a_month_later_than_the_31st_is_the_months_last_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)


def test_a_plan_within_the_rules_is_active_at_once_and_holds_its_items(two_items):
    debtor, items = two_items
    plan = propose(debtor, items)
    assert (plan.status, plan.total_amount, plan.review_reasons) == ("active", Decimal("1190.00"), [])
    assert list(plan.instalments.values_list("amount", flat=True)) == [Decimal("297.50")] * 4
    holds = Hold.objects.filter(reason="plan", ended_at__isnull=True)
    assert sorted(holds.values_list("invoice_id", flat=True)) == sorted(i.pk for i in items)
    assert all(h.ends_on is None for h in holds)
    # and the cycle sends nothing for them
    summary = run(debtor.creditor, day(3))
    assert summary.actions == 0 and summary.held["plan"] == 2


@pytest.mark.parametrize(
    ("rules", "count", "reason"),
    [
        ({"min_instalment_amount": Decimal("300")}, 4, "instalment_below_minimum"),
        ({"max_months": 3}, 4, "months_above_maximum"),
        ({"max_amount": Decimal("1000")}, 4, "amount_above_maximum"),
    ],
)
def test_a_plan_outside_a_rule_waits_for_a_person(two_items, rules, count, reason):
    debtor, items = two_items
    PlanRules.objects.create(creditor=debtor.creditor, **rules)
    plan = propose(debtor, items, count=count)
    assert (plan.status, plan.review_reasons) == ("proposed", [reason])
    assert list(plans_awaiting_decision(creditor=debtor.creditor)) == [plan]
    # held meanwhile, for the review days only
    assert set(Hold.objects.filter(reason="plan").values_list("ends_on", flat=True)) == {day(10)}
    assert AuditEvent.objects.filter(action="plan_proposed", subject_id=str(debtor.pk)).exists()


def test_a_debtor_in_default_on_an_earlier_plan_waits_for_a_person(two_items):
    debtor, items = two_items
    propose(debtor, items[:1]).__class__.objects.update(status="defaulted")
    plan = propose(debtor, items[1:])
    assert plan.review_reasons == ["earlier_plan_defaulted"]


def test_a_person_approving_a_proposal_holds_the_items_open_ended(two_items):
    debtor, items = two_items
    PlanRules.objects.create(creditor=debtor.creditor, max_months=2)
    plan = plan_decide_held(plan=propose(debtor, items), approve=True, today=day(2), by=None)
    assert plan.status == "active"
    live = Hold.objects.filter(reason="plan", ended_at__isnull=True)
    assert live.count() == 2 and set(live.values_list("ends_on", flat=True)) == {None}
    assert Hold.objects.filter(reason="plan", ended_at__isnull=False).count() == 2


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"count": 1}, "count", "count_out_of_range"),
        ({"first": day(-1)}, "first_due_on", "date_in_past"),
    ],
)
def test_an_impossible_proposal_is_refused_naming_the_field(two_items, change, field, reason):
    debtor, items = two_items
    with pytest.raises(ArrangementInvalid) as caught:
        propose(debtor, items, **change)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert not PaymentPlan.objects.exists()


def test_an_item_in_a_live_plan_cannot_join_another(two_items):
    debtor, items = two_items
    propose(debtor, items[:1])
    with pytest.raises(ArrangementInvalid) as caught:
        propose(debtor, items)
    assert caught.value.reason == "item_in_plan"


# -- tracking -------------------------------------------------------------------------------


def test_an_allocated_payment_pays_the_instalments_it_covers_oldest_first(two_items):
    debtor, items = two_items
    plan = propose(debtor, items)
    pay(items[0], "400.00", day(13))
    arrangements_check(creditor=debtor.creditor, today=day(14))
    plan.refresh_from_db()
    assert plan.paid_amount == Decimal("400.00")
    assert list(plan.instalments.values_list("status", flat=True)) == ["paid", "open", "open", "open"]


def test_a_reminder_is_planned_before_each_instalment_once(two_items):
    debtor, items = two_items
    propose(debtor, items)  # first instalment on day 14; reminder 3 days before
    arrangements_check(creditor=debtor.creditor, today=day(10))
    assert Instalment.objects.filter(reminded_on__isnull=False).count() == 0
    assert arrangements_check(creditor=debtor.creditor, today=day(11)).plans["reminders_before"] == 1
    assert arrangements_check(creditor=debtor.creditor, today=day(12)).plans["reminders_before"] == 0
    assert AuditEvent.objects.filter(action="plan_reminder_before", subject_id=str(debtor.pk)).count() == 1


def test_a_missed_instalment_brings_a_reminder_then_the_default_and_dunning_resumes_at_its_stage(presets):
    # given an item that had the friendly reminder (+3) and the personal contact (+10)
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, day(3))
    run(presets, day(10))
    plan = propose(debtor, [item], count=2, first=day(14), today=day(11))
    # when the first instalment (day 14) is not paid
    check = arrangements_check(creditor=presets, today=day(15))
    assert check.plans["instalments_missed"] == 1
    assert arrangements_check(creditor=presets, today=day(16)).plans["reminders_missed"] == 1
    assert run(presets, day(20)).actions == 0  # still held
    # then 14 days after the miss the plan defaults and its hold ends
    assert arrangements_check(creditor=presets, today=day(27)).plans["plans_defaulted"] == 0
    check = arrangements_check(creditor=presets, today=day(28))
    assert (check.plans["plans_defaulted"], check.holds_ended) == (1, 1)
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("defaulted", day(28))
    # and the cycle goes on after the personal contact, not from the start
    run(presets, day(28))
    [action] = actions_on(day(28))
    assert action.stage.key not in ("friendly_reminder", "personal_contact")


def test_paying_everything_early_completes_the_plan_and_ends_its_holds(two_items):
    debtor, items = two_items
    plan = propose(debtor, items)
    pay(items[0], "595.00", day(5))
    pay(items[1], "595.00", day(5))
    check = arrangements_check(creditor=debtor.creditor, today=day(6))
    assert (check.plans["plans_completed"], check.holds_ended) == (1, 2)
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert set(plan.instalments.values_list("status", flat=True)) == {"paid"}
    assert not Hold.objects.filter(reason="plan", ended_at__isnull=True).exists()


def test_a_second_check_on_the_same_day_changes_nothing(two_items):
    debtor, items = two_items
    propose(debtor, items)
    first = arrangements_check(creditor=debtor.creditor, today=day(15))
    second = arrangements_check(creditor=debtor.creditor, today=day(15))
    assert first.plans["instalments_missed"] == 1
    assert set(second.plans.values()) == {0} and second.holds_ended == 0


def test_the_check_takes_the_same_queries_for_one_plan_and_for_five(presets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(plans: int, offset: int) -> int:
        for _ in range(plans):
            debtor, items = debtor_with_items(presets, due=[day(-20)], amount="800.00")
            propose(debtor, items, count=2, first=day(offset), today=day(offset - 14))
        with CaptureQueriesContext(connection) as ctx:
            arrangements_check(creditor=presets, today=day(offset + 30))
        return len(ctx.captured_queries)

    one = queries_for(1, 14)
    five = queries_for(5, 60)
    assert one == five


def test_plans_of_another_creditor_are_not_touched(two_items, other_creditor):
    from django_scopes import scope

    debtor, items = two_items
    propose(debtor, items)
    with scope(creditor=other_creditor):
        other_item = InvoiceFactory(creditor=other_creditor, issued_on=day(-30), due_on=day(-5))
        other_plan = propose(other_item.debtor, [other_item], today=day(0))
    assert arrangements_check(creditor=debtor.creditor, today=day(40)).plans["plans_defaulted"] == 1
    with scope(creditor=other_creditor):
        assert PaymentPlan.objects.get(pk=other_plan.pk).status == "active"
