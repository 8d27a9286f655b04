"""The daily cycle: stages, grouping, idempotency, payments, thresholds, channels, approval."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Action, Decision, StageHistory
from tact.dunning.policies import policy_create
from tact.dunning.selectors import action_as_dict
from tact.dunning.services import hold_place
from tact.ledger.models import Invoice
from tests.dunning.conftest import MONDAY, actions_on, debtor_with_items, run, stages_of
from tests.factories import DebtorFactory, InvoiceFactory


def test_an_item_enters_the_friendly_reminder_three_days_after_its_due_date(presets):
    # given an item due on Monday
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    # when the cycle runs on Thursday
    summary = run(presets, MONDAY + timedelta(days=3))
    # then one e-mail action lists it and the item is at the friendly reminder
    [action] = actions_on(MONDAY + timedelta(days=3))
    assert (action.stage.key, action.channel, action.status) == ("friendly_reminder", "email", "planned")
    assert [i["number"] for i in action.items] == [item.number]
    assert action.open_amount == Decimal("1190.00")
    assert stages_of(item) == ["friendly_reminder"]
    assert summary.as_dict()["by_stage"] == {"friendly_reminder": 1}
    assert summary.debtors_considered == 1


def test_nothing_happens_before_the_stage_day(presets):
    debtor_with_items(presets, due=[MONDAY])
    summary = run(presets, MONDAY + timedelta(days=2))
    assert summary.actions == 0
    assert not StageHistory.objects.exists()


def test_a_friendly_reminder_goes_out_three_days_before_the_due_date(presets):
    _, [item] = debtor_with_items(presets, due=[MONDAY + timedelta(days=7)])
    run(presets, MONDAY + timedelta(days=4))  # Friday
    assert stages_of(item) == ["pre_due"]


def test_an_overdue_item_skips_the_pre_due_reminder_and_advances_one_stage_only(presets):
    # given an item imported 17 days after its due date, never reminded
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    # when the cycle runs
    run(presets, MONDAY + timedelta(days=17))
    # then it gets the first reminder after the due date, not the stage its age would suggest
    assert stages_of(item) == ["friendly_reminder"]


def test_the_next_stage_waits_for_its_day_and_the_days_since_the_last_contact(presets):
    # given an item reminded late, on day +9 (a Wednesday)
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=9))
    # when the personal contact's day (+10) comes one day later
    summary = run(presets, MONDAY + timedelta(days=10))
    # then it waits for 5 days since the last contact: not on Thursday or Friday, on Monday
    assert summary.actions == 0
    assert run(presets, MONDAY + timedelta(days=11)).actions == 0
    assert run(presets, MONDAY + timedelta(days=14)).actions == 1
    assert stages_of(item) == ["friendly_reminder", "personal_contact"]


def test_all_advancing_items_of_a_debtor_go_in_one_action_per_currency(presets):
    # given a debtor with two euro items and one in Swiss francs, and a second debtor
    debtor, euro = debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=1)])
    InvoiceFactory(creditor=presets, debtor=debtor, due_on=MONDAY, issued_on=MONDAY, currency="CHF")
    debtor_with_items(presets, due=[MONDAY])
    # when the cycle runs
    summary = run(presets, MONDAY + timedelta(days=3))
    # then three actions: the first debtor's euro items together, its francs apart, the other debtor's
    actions = Action.objects.filter(debtor=debtor).order_by("currency")
    assert [(a.currency, a.item_count) for a in actions] == [("CHF", 1), ("EUR", 2)]
    assert sorted(i["number"] for i in actions[1].items) == sorted(i.number for i in euro)
    assert summary.actions == 3


def test_items_at_different_stages_share_the_most_advanced_stages_action(presets):
    # given a debtor whose first item is at the friendly reminder and a second one due later
    _, [old, new] = debtor_with_items(presets, due=[MONDAY, MONDAY + timedelta(days=7)])
    run(presets, MONDAY + timedelta(days=3))
    # when the first reaches the personal contact and the second the friendly reminder on the same day
    day = MONDAY + timedelta(days=10)
    run(presets, day)
    # then one phone task lists both, each item at its own stage
    [action] = actions_on(day)
    assert (action.stage.key, action.channel) == ("personal_contact", "phone")
    assert {i["number"]: i["stage"] for i in action.items} == {
        old.number: "personal_contact",
        new.number: "friendly_reminder",
    }


def test_running_the_same_day_twice_creates_nothing_new(presets):
    debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=12)])
    day = MONDAY + timedelta(days=3)
    first = run(presets, day)
    counts = (Action.objects.count(), StageHistory.objects.count())
    second = run(presets, day)
    assert first.actions == 1
    assert second.actions == 0
    assert (Action.objects.count(), StageHistory.objects.count()) == counts


def test_an_earlier_day_after_a_later_one_sends_nothing_twice(presets):
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=17))
    summary = run(presets, MONDAY + timedelta(days=3))
    assert summary.actions == 0
    assert stages_of(item) == ["friendly_reminder"]


def test_a_paid_item_produces_nothing(presets):
    debtor_with_items(presets, due=[MONDAY], open_amount="0.00")
    summary = run(presets, MONDAY + timedelta(days=3))
    assert summary.actions == 0
    assert summary.debtors_considered == 0


def test_a_partly_paid_item_goes_on_at_its_stage_for_the_rest(presets):
    # given an item at the friendly reminder
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=3))
    # when half of it is paid
    item.open_amount = Decimal("595.00")
    item.save(update_fields=["open_amount"])
    day = MONDAY + timedelta(days=10)
    run(presets, day)
    # then the next stage asks for the rest
    [action] = actions_on(day)
    assert action.stage.key == "personal_contact"
    assert action.open_amount == Decimal("595.00")


def test_a_credit_note_is_never_dunned(presets):
    debtor, _ = debtor_with_items(presets, due=[], amount="0")
    InvoiceFactory(
        creditor=presets, debtor=debtor, kind="credit_note", due_on=MONDAY, issued_on=MONDAY,
        gross_amount=Decimal("-100.00"), net_amount=None, vat_amount=None, open_amount=Decimal("-100.00"),
    )  # fmt: skip
    assert run(presets, MONDAY + timedelta(days=3)).actions == 0


def test_items_below_the_threshold_wait_until_the_debtor_owes_enough(presets):
    # given a debtor owing 6.00 overdue (threshold 10.00 EUR) and another owing 6.00 twice
    debtor_with_items(presets, due=[MONDAY], amount="6.00")
    debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=1)], amount="6.00")
    # when the cycle runs
    summary = run(presets, MONDAY + timedelta(days=3))
    # then only the second gets a reminder
    assert summary.actions == 1
    assert summary.below_threshold == 1
    [action] = actions_on(MONDAY + timedelta(days=3))
    assert action.explanation["threshold"] == {
        "minimum": "10.00",
        "overdue_total": "12.00",
    }


def test_the_overdue_total_counts_items_no_stage_reaches_yet(in_scope):
    # given a policy whose first reminder comes 7 days after the due date, threshold 10.00 EUR
    policy_create(
        creditor=in_scope, name="Late start", is_default=True, thresholds={"EUR": "10.00"},
        stages=[{"key": "reminder", "name": "Reminder", "offset_days": 7, "channels": ["email"],
                 "template_key": "reminder"}],
    )  # fmt: skip
    # and a debtor owing 6.00 due a week ago and 6.00 due two days ago
    _, [old, recent] = debtor_with_items(in_scope, due=[MONDAY, MONDAY + timedelta(days=5)], amount="6.00")
    # when the cycle runs a week after the first due date
    summary = run(in_scope, MONDAY + timedelta(days=7))
    # then the debtor owes 12.00 overdue: the first item gets its reminder, the second waits for its day
    assert summary.below_threshold == 0
    [action] = actions_on(MONDAY + timedelta(days=7))
    assert [i["number"] for i in action.items] == [old.number]
    assert action.explanation["threshold"] == {"minimum": "10.00", "overdue_total": "12.00"}
    assert stages_of(recent) == []


def test_the_threshold_does_not_hold_back_a_reminder_before_the_due_date(presets):
    debtor_with_items(presets, due=[MONDAY + timedelta(days=7)], amount="6.00")
    assert run(presets, MONDAY + timedelta(days=4)).by_stage == {"pre_due": 1}


def test_a_debtor_without_e_mail_gets_a_letter_and_the_plan_says_why(presets):
    debtor_with_items(presets, due=[MONDAY], email=False)
    run(presets, MONDAY + timedelta(days=3))
    [action] = actions_on(MONDAY + timedelta(days=3))
    assert action.channel == "letter"
    assert action.explanation["channel"]["reachable"] == {"email": False, "phone": True, "address": True}
    assert action_as_dict(action)["channel_reasons"] == [
        {"channel": "preferred (email)", "why": "no e-mail address that has not bounced"},
        {"channel": "email", "why": "no e-mail address that has not bounced"},
    ]


def test_a_debtor_who_cannot_be_reached_is_counted_as_unreachable(presets):
    debtor_with_items(presets, due=[MONDAY], email=False, street=False, phone=False)
    summary = run(presets, MONDAY + timedelta(days=3))
    assert summary.actions == 0
    assert summary.held["unreachable"] == 1


def test_business_debtors_get_a_phone_task_and_consumers_an_e_mail(presets):
    _, [business] = debtor_with_items(presets, due=[MONDAY])
    _, [consumer] = debtor_with_items(presets, due=[MONDAY], kind="consumer")
    run(presets, MONDAY + timedelta(days=3))
    run(presets, MONDAY + timedelta(days=10))
    channels = {a.items[0]["number"]: a.channel for a in actions_on(MONDAY + timedelta(days=10))}
    assert channels == {business.number: "phone", consumer.number: "email"}


def test_a_final_notice_awaits_approval(presets):
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    for offset in (3, 10, 17, 28):
        summary = run(presets, MONDAY + timedelta(days=offset))
    [action] = actions_on(MONDAY + timedelta(days=28))
    assert (action.stage.key, action.status, action.needs_approval) == (
        "final_notice",
        "awaiting_approval",
        True,
    )
    assert summary.awaiting_approval == 1
    assert stages_of(item) == ["friendly_reminder", "personal_contact", "plan_offer", "final_notice"]


def test_a_dry_run_writes_nothing_and_plans_the_same(presets):
    debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=3)])
    debtor_with_items(presets, due=[MONDAY + timedelta(days=6)])
    day = MONDAY + timedelta(days=3)
    counts = (Action.objects.count(), StageHistory.objects.count(), Decision.objects.count(),
              AuditEvent.objects.count())  # fmt: skip
    dry = run(presets, day, dry_run=True)
    assert (Action.objects.count(), StageHistory.objects.count(), Decision.objects.count(),
            AuditEvent.objects.count()) == counts  # fmt: skip
    real = run(presets, day)
    assert {**dry.as_dict(), "elapsed_s": 0} == {**real.as_dict(), "elapsed_s": 0}
    stored = [action_as_dict(a) | {"id": None} for a in Action.objects.order_by("debtor_id", "currency")]
    assert dry.planned == stored
    assert len(stored) == 2


def test_a_creditor_without_policies_gets_the_presets_on_its_first_cycle(in_scope):
    debtor_with_items(in_scope, due=[MONDAY])
    summary = run(in_scope, MONDAY + timedelta(days=3))
    assert summary.by_stage == {"friendly_reminder": 1}


def test_a_dry_run_of_a_creditor_without_policies_installs_nothing(in_scope):
    from tact.dunning.models import Policy

    debtor_with_items(in_scope, due=[MONDAY])
    assert run(in_scope, MONDAY + timedelta(days=3), dry_run=True).actions == 1
    assert not Policy.objects.exists()


def test_another_creditors_items_are_left_alone(presets, other_creditor):
    debtor_with_items(presets, due=[MONDAY])
    summary = run(presets, MONDAY + timedelta(days=30))
    assert summary.debtors_considered == 1
    with scope(creditor=other_creditor):
        assert not Action.objects.exists()
        assert not StageHistory.objects.exists()


def test_the_action_explains_each_item(presets):
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=3))
    run(presets, MONDAY + timedelta(days=10))
    [action] = actions_on(MONDAY + timedelta(days=10))
    assert action.items == [
        {"id": item.pk, "number": item.number, "due_on": "2025-03-03", "days_overdue": 10,
         "stage": "personal_contact", "open_amount": "1190.00", "scheduled_on": "2025-03-13",
         "from_stage": "friendly_reminder", "previous_contacts": 1, "last_contact_on": "2025-03-06"}
    ]  # fmt: skip
    explained = action.explanation
    assert (explained["rule"], explained["rule_version"]) == ("stage_due", "cycle/1")
    assert explained["stage"]["key"] == "personal_contact"
    assert explained["channel"] == {
        "chosen": "phone", "wanted": ["phone", "email", "letter"], "preferred": "email",
        "reachable": {"email": True, "phone": True, "address": True},
    }  # fmt: skip
    assert explained["holds_checked"] == "none_active"
    assert explained["law"] == {"country": "DE", "kind": "b2b"}
    assert explained["policy_id"] == action.policy_id
    assert Decision.objects.filter(reason="cycle_run", subject_id="2025-03-13").exists()


def test_an_item_number_with_quotes_and_control_characters_is_listed_as_written(presets):
    # given an item whose number an import wrote with a quote, a backslash and a tab
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    Invoice.objects.filter(pk=item.pk).update(number='RE "7"\\1\t€')
    # when the cycle lists it
    run(presets, MONDAY + timedelta(days=3))
    # then the stored item keeps the number exactly
    [action] = actions_on(MONDAY + timedelta(days=3))
    assert [i["number"] for i in action.items] == ['RE "7"\\1\t€']


def test_a_debtor_with_an_action_today_gets_a_new_item_tomorrow(presets):
    # given a debtor reminded today
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    day = MONDAY + timedelta(days=3)
    run(presets, day)
    # when another of its items becomes due for a reminder and the cycle runs again today
    InvoiceFactory(
        creditor=presets,
        debtor=debtor,
        due_on=MONDAY - timedelta(days=1),
        issued_on=MONDAY - timedelta(days=9),
    )
    # then it waits for tomorrow: one message per debtor and currency a day
    assert run(presets, day).actions == 0
    assert run(presets, day + timedelta(days=1)).actions == 1


def test_an_action_today_in_one_currency_does_not_hold_back_another(presets):
    # given a debtor reminded today of a euro invoice
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    day = MONDAY + timedelta(days=3)
    run(presets, day)
    # when one of its dollar invoices becomes due for a reminder and the cycle runs again today
    InvoiceFactory(
        creditor=presets, debtor=debtor, currency="USD", due_on=MONDAY, issued_on=MONDAY - timedelta(days=9)
    )
    # then that one goes out today, in an action of its own currency
    assert run(presets, day).actions == 1
    assert sorted(a.currency for a in actions_on(day)) == ["EUR", "USD"]


def test_a_debtor_override_and_a_segment_assignment_choose_the_policy(presets):
    from tact.dunning.models import Policy
    from tact.dunning.services import policy_assign, policy_override

    classic = Policy.objects.get(preset="classic_three_step")
    policy_assign(policy=classic, segment="key account", debtor_kind="business")
    _, [tagged] = debtor_with_items(presets, due=[MONDAY], tags=["key account"])
    overridden, [own] = debtor_with_items(presets, due=[MONDAY])
    policy_override(debtor=overridden, policy=classic)
    _, [plain] = debtor_with_items(presets, due=[MONDAY])
    run(presets, MONDAY + timedelta(days=7))
    assert stages_of(tagged) == ["reminder"]
    assert stages_of(own) == ["reminder"]
    assert stages_of(plain) == ["friendly_reminder"]


def test_a_debtor_without_open_items_is_not_considered(presets):
    DebtorFactory(creditor=presets)
    debtor_with_items(presets, due=[MONDAY])
    assert run(presets, MONDAY + timedelta(days=3)).debtors_considered == 1


def test_the_summary_has_exactly_the_documented_keys(presets):
    summary = run(presets, date(2025, 3, 6)).as_dict()
    assert list(summary) == ["date", "debtors_considered", "actions", "by_stage", "by_channel", "held",
                             "awaiting_approval", "refused_by_law", "elapsed_s"]  # fmt: skip
    assert set(summary["held"]) == {"dispute", "promise", "plan", "hardship", "unreachable", "manual",
                                    "handed_over", "recent_contact"}  # fmt: skip


def test_a_hold_placed_by_hold_place_is_audited(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    hold = hold_place(debtor=debtor, reason="manual", starts_on=MONDAY, ends_on=MONDAY + timedelta(days=9))
    assert AuditEvent.objects.filter(action="hold_placed", subject_id=str(hold.pk)).exists()
    assert Decision.objects.filter(reason="hold_placed", subject_id=str(hold.pk)).exists()
