"""Holds stop items, and the plan says which hold stopped how many."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tact.dunning.errors import HoldInvalid
from tact.dunning.models import Action
from tact.dunning.services import hold_end, hold_place
from tests.dunning.conftest import MONDAY, debtor_with_items, run, stages_of

THURSDAY = MONDAY + timedelta(days=3)


def test_a_debtor_hold_stops_all_its_items_and_is_counted_by_reason(presets):
    debtor, items = debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=1)])
    hold_place(debtor=debtor, reason="dispute", starts_on=MONDAY)
    summary = run(presets, THURSDAY)
    assert summary.actions == 0
    assert summary.held["dispute"] == 2
    assert all(stages_of(item) == [] for item in items)


def test_an_item_hold_stops_only_that_item(presets):
    debtor, [promised, other] = debtor_with_items(presets, due=[MONDAY, MONDAY - timedelta(days=1)])
    hold_place(
        debtor=debtor,
        invoice=promised,
        reason="promise",
        starts_on=MONDAY,
        ends_on=MONDAY + timedelta(days=14),
    )
    summary = run(presets, THURSDAY)
    [action] = Action.objects.all()
    assert [i["number"] for i in action.items] == [other.number]
    assert summary.held["promise"] == 1


def test_the_strongest_hold_names_the_reason(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    hold_place(debtor=debtor, reason="manual", starts_on=MONDAY)
    hold_place(debtor=debtor, invoice=item, reason="handed_over", starts_on=MONDAY)
    summary = run(presets, THURSDAY)
    assert (summary.held["handed_over"], summary.held["manual"]) == (1, 0)


def test_an_ended_hold_stops_nothing_from_the_day_it_ends(presets):
    debtor, [item] = debtor_with_items(presets, due=[MONDAY])
    hold = hold_place(debtor=debtor, reason="hardship", starts_on=MONDAY - timedelta(days=30))
    assert run(presets, THURSDAY).held["hardship"] == 1
    hold_end(hold=hold, today=THURSDAY + timedelta(days=1))
    summary = run(presets, THURSDAY + timedelta(days=1))
    assert summary.actions == 1
    assert stages_of(item) == ["friendly_reminder"]


def test_a_hold_that_starts_later_does_not_stop_today(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    hold_place(debtor=debtor, reason="plan", starts_on=THURSDAY + timedelta(days=1))
    assert run(presets, THURSDAY).actions == 1


def test_a_manual_pause_holds_through_its_last_day(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    hold_place(debtor=debtor, reason="manual", starts_on=MONDAY, ends_on=THURSDAY)
    assert run(presets, THURSDAY).held["manual"] == 1
    assert run(presets, THURSDAY + timedelta(days=1)).actions == 1


def test_a_recent_personal_contact_holds_standard_messages_for_seven_days(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    hold = hold_place(debtor=debtor, reason="recent_contact", starts_on=MONDAY, note="Called the owner")
    assert hold.ends_on == MONDAY + timedelta(days=7)
    assert run(presets, THURSDAY).held["recent_contact"] == 1
    assert run(presets, MONDAY + timedelta(days=8)).actions == 1


def test_a_hold_ending_before_it_starts_is_refused(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    with pytest.raises(HoldInvalid, match="ends_on"):
        hold_place(debtor=debtor, reason="manual", starts_on=THURSDAY, ends_on=MONDAY)


def test_an_unknown_hold_reason_is_refused(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    with pytest.raises(HoldInvalid, match="reason"):
        hold_place(debtor=debtor, reason="holiday", starts_on=MONDAY)


def test_an_item_of_another_debtor_cannot_be_held(presets):
    debtor, _ = debtor_with_items(presets, due=[MONDAY])
    _, [foreign] = debtor_with_items(presets, due=[MONDAY])
    with pytest.raises(HoldInvalid, match="invoice"):
        hold_place(debtor=debtor, invoice=foreign, reason="dispute", starts_on=MONDAY)
