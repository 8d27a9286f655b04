"""Promises to pay tracked every day: kept when paid by the promised day plus the grace
days, broken otherwise; the promise hold ends either way and dunning takes its next step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tact.arrangements.promises import promise_counts, promise_kept_rate
from tact.arrangements.services import promise_record
from tact.audit.models import AuditEvent
from tact.dunning.arrangement_holds import arrangements_check
from tact.dunning.models import Hold
from tact.dunning.services import hold_place
from tact.ledger.services import payment_record
from tests.dunning.conftest import MONDAY, debtor_with_items, run

pytestmark = pytest.mark.django_db


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def promised(debtor, *, amount="500.00", by=10, grace=3, made=0):
    hold = hold_place(debtor=debtor, reason="promise", starts_on=day(made), ends_on=day(by + grace))
    return promise_record(
        debtor=debtor, amount=Decimal(amount), promised_on=day(by), today=day(made), max_days=30, grace_days=grace,
        source="staff", by=None, hold_id=hold.pk,
    )  # fmt: skip


def paid(debtor, amount: str, on: date):
    payment_record(creditor=debtor.creditor, amount=Decimal(amount), currency="EUR", value_on=on, debtor=debtor,
                   by=None)  # fmt: skip


@pytest.fixture
def debtor(presets, other_creditor):
    debtor, _items = debtor_with_items(presets, due=[day(-20)])
    return debtor


def test_a_promise_paid_within_the_grace_days_is_kept_and_its_hold_ends(debtor):
    promise = promised(debtor)
    paid(debtor, "300.00", day(4))
    paid(debtor, "200.00", day(12))  # two days after the promised day, within the grace
    check = arrangements_check(creditor=debtor.creditor, today=day(12))
    promise.refresh_from_db()
    assert (promise.status, check.promises["promises_kept"], check.holds_ended) == ("kept", 1, 1)
    assert Hold.objects.get(pk=promise.hold_id).ended_at is not None
    assert AuditEvent.objects.filter(action="promise_kept", subject_id=str(debtor.pk)).count() == 1


def test_a_promise_short_of_its_amount_after_the_grace_days_is_broken_and_dunning_goes_on(debtor):
    promise = promised(debtor)
    paid(debtor, "100.00", day(5))
    assert arrangements_check(creditor=debtor.creditor, today=day(13)).promises["promises_broken"] == 0
    assert run(debtor.creditor, day(13)).actions == 0  # held through the grace days
    check = arrangements_check(creditor=debtor.creditor, today=day(14))
    promise.refresh_from_db()
    assert (promise.status, check.promises["promises_broken"]) == ("broken", 1)
    assert run(debtor.creditor, day(14)).actions == 1  # the policy's next step


def test_a_payment_after_the_grace_days_does_not_keep_the_promise(debtor):
    promise = promised(debtor)
    paid(debtor, "500.00", day(14))
    arrangements_check(creditor=debtor.creditor, today=day(15))
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_a_payment_booked_before_the_promise_on_the_same_day_does_not_keep_it(debtor):
    # the debtor pays one invoice online, then promises to pay the rest: that payment was
    # the balance's past, not the promise's keeping
    paid(debtor, "600.00", day(0))
    promise = promised(debtor, amount="500.00")
    check = arrangements_check(creditor=debtor.creditor, today=day(1))
    promise.refresh_from_db()
    assert (promise.status, check.holds_ended) == ("open", 0)
    paid(debtor, "500.00", day(3))
    arrangements_check(creditor=debtor.creditor, today=day(4))
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_kept_and_broken_promises_are_counted_per_debtor(debtor):
    promised(debtor, amount="100.00", by=5, grace=0)
    paid(debtor, "100.00", day(3))
    arrangements_check(creditor=debtor.creditor, today=day(4))
    promised(debtor, amount="100.00", by=10, grace=0, made=6)
    arrangements_check(creditor=debtor.creditor, today=day(11))
    record = promise_counts(debtor_ids=[debtor.pk])[debtor.pk]
    assert (record.kept, record.broken, record.kept_rate) == (1, 1, 0.5)
    assert promise_kept_rate(creditor=debtor.creditor).kept_rate == 0.5
