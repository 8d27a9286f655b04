"""What an action charges becomes claims in the ledger when its message goes out: once, and
never interest on interest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tact.audit.models import AuditEvent
from tact.dunning.charges import action_charges_book, actions_charges_book
from tact.dunning.models import Action, Policy
from tact.dunning.services import action_skip, policy_assign
from tact.law.selectors import interest_for
from tact.ledger.models import Invoice
from tact.ledger.selectors import ledger_inconsistencies
from tests.dunning.conftest import MONDAY, debtor_with_items, run


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def action_on(offset: int, debtor=None) -> Action:
    actions = Action.objects.filter(run_on=day(offset))
    [action] = actions.filter(debtor=debtor) if debtor else actions
    return action


def accrued(offset: int, principal: str = "1190.00") -> Decimal:
    return interest_for(
        country="DE", kind="b2b", principal=Decimal(principal), start=MONDAY, end=day(offset)
    ).interest


def charges(item, kind: str) -> list[Invoice]:
    return list(Invoice.objects.filter(parent=item, kind=kind).order_by("pk"))


@pytest.fixture
def classic(presets):
    """German business debtors on the classic three-step policy: the second reminder (+21)
    charges interest and EUR 40, the final notice (+35) interest again."""
    policy_assign(policy=Policy.objects.get(preset="classic_three_step"), debtor_kind="business")
    return presets


def test_sending_books_the_interest_and_the_flat_compensation_as_items_of_their_own(classic):
    # given an action of the second reminder
    _, [item] = debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    action = action_on(21)
    # when its message goes out
    booked = action_charges_book(action, by="messaging")
    # then interest and the flat compensation are claims linked to the invoice, which is untouched
    assert [(c.number, c.kind, c.gross_amount, c.due_on) for c in booked] == [
        (f"{item.number}+I{action.pk}", "interest", accrued(21), day(21)),
        (f"{item.number}+F{action.pk}", "flat_compensation", Decimal("40.00"), day(21)),
    ]
    item.refresh_from_db()
    assert (item.gross_amount, item.open_amount) == (Decimal("1190.00"), Decimal("1190.00"))
    assert AuditEvent.objects.filter(action="charge_booked", actor_label="messaging").count() == 2
    assert not ledger_inconsistencies().exists()


def test_a_second_call_books_nothing(classic):
    debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    action = action_on(21)

    first = action_charges_book(action)
    second = action_charges_book(action)

    assert len(first) == 2 and second == []
    assert Invoice.objects.filter(parent__isnull=False).count() == 2


def test_the_next_stage_claims_only_the_interest_not_booked_yet_and_no_second_flat_compensation(classic):
    _, [item] = debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    action_charges_book(action_on(21))
    # when the final notice is planned and sent
    run(classic, day(35))
    final = action_on(35)
    action_charges_book(final)
    # then it states and books the interest of days 21 to 35 only; the invoice has one EUR 40
    assert final.interest_amount == accrued(35) - accrued(21)
    assert sum(c.gross_amount for c in charges(item, "interest")) == accrued(35)
    assert len(charges(item, "flat_compensation")) == 1


@pytest.mark.parametrize("order", [(21, 35), (35, 21)])
def test_two_actions_planned_before_either_is_sent_never_book_the_same_days_twice(classic, order):
    # given the second reminder and the final notice both planned, neither sent
    _, [item] = debtor_with_items(classic, due=[MONDAY])
    for offset in (7, 21, 35):
        run(classic, day(offset))
    assert action_on(35).interest_amount == accrued(35)  # nothing was booked when it was planned
    # when they go out in either order
    for offset in order:
        action_charges_book(action_on(offset))
    # then the invoice owes interest to day 35 once
    assert sum(c.gross_amount for c in charges(item, "interest")) == accrued(35)


def test_collection_costs_are_booked_on_the_oldest_invoice_of_the_letter(presets):
    # given a Dutch consumer with two items, at the costs notice
    debtor, items = debtor_with_items(presets, due=[MONDAY, MONDAY + timedelta(days=1)], country="NL",
                                      kind="consumer")  # fmt: skip
    for offset in (3, 10, 35):
        run(presets, day(offset))
    notice = action_on(35)
    assert notice.fees_amount > 0
    # when it goes out
    action_charges_book(notice)
    # then the costs are one claim on the oldest invoice
    [fee] = Invoice.objects.filter(kind="fee")
    assert (fee.parent_id, fee.gross_amount) == (items[0].pk, notice.fees_amount)


def test_charges_are_not_dunned_and_bear_no_interest_of_their_own(classic):
    _, [item] = debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    booked = {c.pk for c in action_charges_book(action_on(21))}
    # when the cycle goes on long after the charges fell due
    run(classic, day(35))
    run(classic, day(60))
    # then no action lists a charge, and the final notice's interest is on the principal alone
    listed = {i["id"] for a in Action.objects.all() for i in a.items}
    assert listed == {item.pk} and not listed & booked
    final = action_on(35)
    assert final.open_amount == Decimal("1190.00")
    assert final.interest_amount == accrued(35) - accrued(21)


def test_a_skipped_action_charges_nothing(classic):
    debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    action = action_skip(action=action_on(21), by=None, note="called the customer")

    assert action_charges_book(action) == []


def test_inside_the_senders_transaction_a_rollback_books_nothing(classic):
    debtor_with_items(classic, due=[MONDAY])
    run(classic, day(7))
    run(classic, day(21))
    action = action_on(21)

    with transaction.atomic():
        assert len(action_charges_book(action)) == 2
        assert action_charges_book(action) == []
        transaction.set_rollback(True)

    assert not Invoice.objects.filter(parent__isnull=False).exists()
    assert len(action_charges_book(action)) == 2


def test_many_actions_are_booked_with_the_same_number_of_statements(classic):
    def statements(debtors: int, start: int) -> int:
        made = [debtor_with_items(classic, due=[day(start)])[0] for _ in range(debtors)]
        run(classic, day(start + 7))
        run(classic, day(start + 21))
        actions = [action_on(start + 21, debtor) for debtor in made]
        with CaptureQueriesContext(connection) as captured:
            booked = actions_charges_book(actions=actions, by=None)
        assert len(booked) == 2 * debtors
        return len(captured.captured_queries)

    assert statements(2, 0) == statements(12, 7)
