"""Properties of the cycle over generated portfolios: no action for a paid or held item, and
running a day again creates nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tact.dunning.models import Action, HoldReason, StageHistory
from tact.dunning.services import hold_place
from tests.dunning.conftest import MONDAY, debtor_with_items, run

item_strategy = st.fixed_dictionaries(
    {
        "due": st.integers(min_value=-60, max_value=10),  # days from the run day
        "paid": st.booleans(),
        "hold": st.sampled_from([None, None, "debtor", "item"]),
        "reason": st.sampled_from(HoldReason.values),
        "country": st.sampled_from(["DE", "NL", "BE", "AT"]),
        "kind": st.sampled_from(["business", "consumer"]),
    }
)
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(creditor, items, run_on):
    """One debtor per item; returns the numbers of the items that must not be dunned."""
    excluded = set()
    for spec in items:
        debtor, [item] = debtor_with_items(
            creditor, due=[run_on + timedelta(days=spec["due"])], country=spec["country"], kind=spec["kind"],
            open_amount="0.00" if spec["paid"] else None,
        )  # fmt: skip
        if spec["hold"]:
            hold_place(debtor=debtor, invoice=item if spec["hold"] == "item" else None, reason=spec["reason"],
                       starts_on=run_on - timedelta(days=1))  # fmt: skip
        if spec["paid"] or spec["hold"]:
            excluded.add(item.number)
    return excluded


@SETTINGS
@given(items=st.lists(item_strategy, min_size=1, max_size=6), weekday=st.integers(min_value=0, max_value=6))
def test_no_action_lists_a_paid_or_held_item(presets, items, weekday):
    run_on = MONDAY + timedelta(days=7 + weekday)
    with transaction.atomic():
        excluded = build(presets, items, run_on)
        run(presets, run_on)
        listed = {i["number"] for a in Action.objects.all() for i in a.items}
        assert not listed & excluded
        transaction.set_rollback(True)


@SETTINGS
@given(items=st.lists(item_strategy, min_size=1, max_size=6), weekday=st.integers(min_value=0, max_value=6))
def test_running_a_day_again_or_an_earlier_day_sends_nothing_twice(presets, items, weekday):
    run_on = MONDAY + timedelta(days=7 + weekday)
    with transaction.atomic():
        build(presets, items, run_on)
        run(presets, run_on)
        before = (Action.objects.count(), StageHistory.objects.count())
        advanced = set(StageHistory.objects.values_list("invoice_id", flat=True))
        # the same day again: nothing new at all
        assert run(presets, run_on).actions == 0
        assert (Action.objects.count(), StageHistory.objects.count()) == before
        # an earlier day: nothing for an item that advanced already (a hold that began
        # later did not stop anything on that day, so other items may go)
        run(presets, run_on - timedelta(days=3))
        again = StageHistory.objects.exclude(entered_on=run_on).values_list("invoice_id", flat=True)
        assert not advanced & set(again)
        transaction.set_rollback(True)
