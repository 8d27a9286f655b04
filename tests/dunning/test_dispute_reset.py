"""A payment, credit note or resolved dispute stops or resets an item's stage history; a partly
paid item goes on at its stage for the rest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tact.dunning.charges import action_charges_book
from tact.dunning.errors import HoldInvalid
from tact.dunning.models import Action, Decision, Policy, StageHistory
from tact.dunning.services import hold_end, hold_place, policy_assign
from tact.law.selectors import interest_for
from tact.ledger.services import invoice_set_open_amount
from tests.dunning.conftest import MONDAY, actions_on, debtor_with_items, run


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def history(item) -> list[tuple[int, str | None, date]]:
    rows = StageHistory.objects.filter(invoice=item).order_by("round", "position", "id")
    return [
        (h.round, h.stage.key if h.stage_id else None, h.entered_on) for h in rows.select_related("stage")
    ]


def stage_on(offset: int) -> str | None:
    actions = actions_on(day(offset))
    return actions[0].stage.key if actions else None


def at_personal_contact(presets):
    """A business debtor's item that had the friendly reminder (+3) and the personal contact (+10)."""
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, day(3))
    run(presets, day(10))
    assert [key for _, key, _ in history(item)] == ["friendly_reminder", "personal_contact"]
    return item


def test_a_resolved_dispute_starts_the_item_over_from_the_first_due_stage(presets):
    # given an item at the personal contact, then disputed
    item = at_personal_contact(presets)
    dispute = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(11))
    assert run(presets, day(17)).held["dispute"] == 1
    # when the dispute is resolved on day 20 (a Saturday's eve: Friday) and the claim stands
    hold_end(hold=dispute, today=day(18), outcome="resolved", by=None)
    # then nothing goes out that day, and the next business day brings the friendly reminder again
    assert run(presets, day(18)).actions == 0
    run(presets, day(21))
    assert stage_on(21) == "friendly_reminder"
    # and the history is kept, the reset appended between the rounds
    assert history(item) == [
        (0, "friendly_reminder", day(3)), (0, "personal_contact", day(10)),
        (1, None, day(18)), (1, "friendly_reminder", day(21)),
    ]  # fmt: skip


def test_after_the_reset_the_stages_follow_again_at_their_own_pace(presets):
    item = at_personal_contact(presets)
    dispute = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(11))
    hold_end(hold=dispute, today=day(18), outcome="resolved")
    run(presets, day(21))
    # the personal contact waits its five days since the last contact
    run(presets, day(24))
    assert stage_on(24) is None
    run(presets, day(28))
    assert stage_on(28) == "personal_contact"
    assert Decision.objects.filter(reason="hold_ended", facts__outcome="resolved").count() == 1


def test_a_dispute_ended_without_an_outcome_goes_on_at_its_stage(presets):
    item = at_personal_contact(presets)
    dispute = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(11))

    hold_end(hold=dispute, today=day(18))
    run(presets, day(18))

    assert stage_on(18) == "plan_offer"
    assert not StageHistory.objects.filter(stage__isnull=True).exists()


def test_a_debtor_dispute_resets_every_open_item_that_was_dunned(presets):
    debtor, [first, second] = debtor_with_items(presets, due=[MONDAY, MONDAY])
    run(presets, day(3))
    fresh = debtor_with_items(presets, due=[day(30)])[1][0]
    fresh.debtor = debtor
    fresh.save(update_fields=["debtor"])
    invoice_set_open_amount(
        invoice=second, open_amount=Decimal("0"), value_on=day(4), source="manual", by=None
    )
    dispute = hold_place(debtor=debtor, reason="dispute", starts_on=day(5))

    hold_end(hold=dispute, today=day(8), outcome="resolved")

    # the open item that had a stage starts over; the paid one and the one never dunned have no reset
    assert [k for _, k, _ in history(first)] == ["friendly_reminder", None]
    assert [k for _, k, _ in history(second)] == ["friendly_reminder"]
    assert history(fresh) == []


def test_resolving_again_resets_nothing_more(presets):
    item = at_personal_contact(presets)
    first = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(11))
    hold_end(hold=first, today=day(18), outcome="resolved")
    hold_end(hold=first, today=day(19), outcome="resolved")
    second = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(18))

    hold_end(hold=second, today=day(19), outcome="resolved")

    assert StageHistory.objects.filter(invoice=item, stage__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("reason", "outcome", "problem"),
    [
        ("promise", "resolved", "a promise hold has no outcome; only a dispute has"),
        ("dispute", "won", "'won' is not one of resolved"),
    ],
)
def test_an_outcome_that_does_not_fit_is_refused(presets, reason, outcome, problem):
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    hold = hold_place(debtor=item.debtor, reason=reason, starts_on=day(1))

    with pytest.raises(HoldInvalid) as raised:
        hold_end(hold=hold, today=day(5), outcome=outcome)

    assert raised.value.facts == {"field": "outcome", "problem": problem}
    hold.refresh_from_db()
    assert hold.ended_at is None


def test_a_payment_in_full_stops_the_history(presets):
    item = at_personal_contact(presets)

    invoice_set_open_amount(
        invoice=item, open_amount=Decimal("0"), value_on=day(12), source="manual", by=None
    )
    run(presets, day(17))

    assert stage_on(17) is None and len(history(item)) == 2


def test_a_credit_note_booked_against_the_item_in_the_erp_stops_it_or_leaves_the_rest_at_its_stage(presets):
    item = at_personal_contact(presets)
    _, [other] = debtor_with_items(presets, due=[MONDAY])
    run(presets, day(3))
    run(presets, day(10))
    # the ERP reports both items lower after credit notes: one in full, one in part
    invoice_set_open_amount(
        invoice=item, open_amount=Decimal("0"), value_on=day(12), source="import", by=None
    )
    invoice_set_open_amount(
        invoice=other, open_amount=Decimal("190.00"), value_on=day(12), source="import", by=None
    )

    run(presets, day(17))

    [action] = Action.objects.filter(run_on=day(17))
    assert [i["number"] for i in action.items] == [other.number]
    assert (action.stage.key, action.open_amount) == ("plan_offer", Decimal("190.00"))


def test_a_flat_compensation_booked_before_the_dispute_is_not_charged_again_after_it(presets):
    # given a business debtor on the classic policy whose second reminder was sent and booked
    policy_assign(policy=Policy.objects.get(preset="classic_three_step"), debtor_kind="business")
    _, [item] = debtor_with_items(presets, due=[MONDAY])
    run(presets, day(7))
    run(presets, day(21))
    [second] = actions_on(day(21))
    action_charges_book(second)
    # when a dispute about it is resolved and the ladder runs again to the second reminder
    dispute = hold_place(debtor=item.debtor, invoice=item, reason="dispute", starts_on=day(22))
    hold_end(hold=dispute, today=day(40), outcome="resolved")
    for offset in (42, 52):
        run(presets, day(offset))
    [again] = actions_on(day(52))
    # then it charges only the interest not booked yet, and no second EUR 40
    assert again.stage.key == "second_reminder"
    assert again.flat_compensation_amount == 0
    to_day = interest_for(country="DE", kind="b2b", principal=Decimal("1190.00"), start=MONDAY, end=day(52))
    assert again.interest_amount == to_day.interest - second.interest_amount > 0
