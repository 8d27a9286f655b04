"""Money that arrived stops the dunning: after the import the cycle plans nothing for paid items."""

from __future__ import annotations

from datetime import date

from tact.banking.services import statement_import
from tact.dunning.models import Action, Decision, HoldReason
from tact.dunning.services import hold_place
from tests.dunning.conftest import debtor_with_items, presets, run  # noqa: F401 - presets is a fixture

from .conftest import SAMPLES


def test_the_cycle_after_the_import_sends_nothing_for_the_paid_invoice(presets):  # noqa: F811
    creditor = presets
    paid_debtor, (paid,) = debtor_with_items(creditor, due=[date(2025, 10, 1)])
    unpaid_debtor, _ = debtor_with_items(creditor, due=[date(2025, 10, 1)])
    data = (SAMPLES / "camt053_v02.xml").read_bytes().replace(b"RE 2025 00042", paid.number.encode())

    summary = statement_import(creditor=creditor, data=data, filename="camt053_v02.xml", by=None)
    run(creditor, date(2025, 11, 10))

    assert summary.matched >= 1
    paid.refresh_from_db()
    assert paid.open_amount == 0
    assert not Action.objects.filter(debtor=paid_debtor).exists()
    assert Action.objects.filter(debtor=unpaid_debtor).exists()


def test_paying_the_promised_items_ends_the_promise_hold_and_leaves_a_manual_pause(
    presets,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    creditor = presets
    debtor, (paid,) = debtor_with_items(creditor, due=[date(2025, 10, 1)])
    promise = hold_place(debtor=debtor, reason=HoldReason.PROMISE, starts_on=date(2025, 10, 20))
    pause = hold_place(debtor=debtor, reason=HoldReason.MANUAL, starts_on=date(2025, 10, 20))
    data = (SAMPLES / "camt053_v02.xml").read_bytes().replace(b"RE 2025 00042", paid.number.encode())

    with django_capture_on_commit_callbacks(execute=True):
        statement_import(creditor=creditor, data=data, filename="camt053_v02.xml", by=None)

    promise.refresh_from_db()
    pause.refresh_from_db()
    assert promise.ended_at is not None
    assert pause.ended_at is None
    assert Decision.objects.filter(subject_id=str(promise.pk), reason="hold_ended").exists()
