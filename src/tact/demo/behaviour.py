"""Payments that follow a debtor's profile: when, how much, and in which payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from .plans import CENT, ZERO, ItemPlan, PaymentPlan, Profile

HUNDRED = Decimal(100)
PROVIDER_METHODS = frozenset({"card", "paypal", "ideal", "bancontact"})
# Payments older than this came with the creditor's first ledger import.
IMPORTED_BEFORE_DAYS = 90


def payment_events(
    r: Random,
    invoices: list[ItemPlan],
    *,
    profile: Profile,
    today: date,
    method: str,
    pay_run: bool,
    insolvent_on: date | None,
) -> list[tuple[date, int, Decimal]]:
    """When and how much the debtor paid on each invoice: (value date, invoice index, amount).

    Events after ``today`` have not happened: those items are still open.
    """
    left_open = _left_open(r, invoices, profile=profile, today=today)
    events: list[tuple[date, int, Decimal]] = []
    for i, inv in enumerate(invoices):
        if i in left_open:
            continue
        due, gross = inv.due_on, inv.gross
        # Even good payers slip now and then.
        slip = timedelta(days=r.randint(4, 12)) if r.random() < 0.05 else timedelta(0)
        parts: list[tuple[date, Decimal]]
        if profile is Profile.EARLY:
            term = (due - inv.issued_on).days
            early = inv.issued_on + timedelta(days=r.randint(1, max(1, term - 4)))
            parts = [((due if method == "direct_debit" else early) + slip, gross)]
        elif profile is Profile.ON_TIME:
            around = due if method == "direct_debit" else due + timedelta(days=r.randint(-3, 1))
            parts = [(around + slip, gross)]
        elif profile is Profile.FIRST_TIME_LATE:
            parts = [(due + timedelta(days=r.randint(-3, 1)), gross)]
        elif profile is Profile.AFTER_REMINDER:
            parts = [(due + timedelta(days=r.randint(10, 20)), gross)]
        elif profile is Profile.CHRONICALLY_LATE:
            parts = [(due + timedelta(days=r.randint(30, 90)), gross)]
        elif profile is Profile.DISPUTES:
            # One in ten is disputed and paid once the dispute is resolved.
            late = r.randint(35, 75) if r.random() < 0.1 else r.randint(-2, 6)
            parts = [(due + timedelta(days=late) + slip, gross)]
        elif profile is Profile.BREAKS_PROMISES:
            parts = _instalments(r, inv, today=today)
        else:  # INSOLVENT: paid slowly until the insolvency, nothing after
            when = due + timedelta(days=r.randint(8, 30))
            if insolvent_on is not None and when >= insolvent_on:
                continue
            parts = [(when, gross)]
        for when, amount in parts:
            when = pay_day(when, issued_on=inv.issued_on, pay_run=pay_run)
            if when <= today and amount > 0:
                events.append((when, i, amount))
    return events


def _left_open(r: Random, invoices: list[ItemPlan], *, profile: Profile, today: date) -> set[int]:
    """Invoices a profile never pays: the recent ones of a first-time-late debtor, the
    disputed one of a disputing debtor."""
    due = sorted(
        (i for i, inv in enumerate(invoices) if inv.due_on < today), key=lambda i: invoices[i].due_on
    )
    if not due:
        return set()
    if profile is Profile.FIRST_TIME_LATE:
        left = {due[-1]}
        recent = today - timedelta(days=45)
        if len(due) > 1 and invoices[due[-2]].due_on >= recent and r.random() < 0.5:
            left.add(due[-2])
        return left
    if profile is Profile.DISPUTES:
        old = [i for i in due if invoices[i].due_on < today - timedelta(days=60)]
        return {r.choice(old) if old else due[0]}
    return set()


def _instalments(r: Random, inv: ItemPlan, *, today: date) -> list[tuple[date, Decimal]]:
    """A debtor who promises and breaks: pays a part late, promises the rest, and for a
    recent invoice often never pays it."""
    gross = inv.gross
    first = (gross * Decimal(r.randint(30, 50)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    first_on = inv.due_on + timedelta(days=r.randint(15, 35))
    if inv.due_on > today - timedelta(days=150) and r.random() < 0.45:
        return [(first_on, first)]
    second = (gross * Decimal(r.randint(25, 40)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    second_on = first_on + timedelta(days=r.randint(14, 35))
    third_on = second_on + timedelta(days=r.randint(14, 35))
    return [(first_on, first), (second_on, second), (third_on, gross - first - second)]


def pay_day(day: date, *, issued_on: date, pay_run: bool) -> date:
    """The value date: a weekly payment run pays on the Friday before (never before the
    invoice exists); otherwise a weekend moves to the Monday after."""
    if pay_run:
        friday = day - timedelta(days=(day.weekday() - 4) % 7)
        if friday <= issued_on:
            friday += timedelta(days=7)
        return friday
    day = max(day, issued_on)
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def group_payments(
    events: list[tuple[date, int, Decimal]],
    items: list[ItemPlan],
    credit_notes: list[int],
    *,
    today: date,
    method: str,
) -> list[PaymentPlan]:
    """One payment per value date, so a payment run pays several invoices at once. A credit
    note is offset in the first payment on or after its date that stays positive; without
    one it stays open as a credit."""
    by_day: dict[date, list[tuple[int, Decimal]]] = {}
    for when, i, amount in events:
        by_day.setdefault(when, []).append((i, amount))
    payments = [
        PaymentPlan(value_on=day, amount=sum((a for _, a in parts), ZERO), allocations=parts)
        for day, parts in sorted(by_day.items())
    ]
    for cn_index in credit_notes:
        note = items[cn_index]
        for payment in payments:
            if payment.value_on >= note.issued_on and payment.amount + note.gross > 0:
                payment.allocations.append((cn_index, note.gross))
                payment.amount += note.gross
                break
    imported_before = today - timedelta(days=IMPORTED_BEFORE_DAYS)
    recent_source = "provider" if method in PROVIDER_METHODS else "bank"
    for payment in payments:
        numbers = ", ".join(items[i].number for i, _ in payment.allocations)
        payment.reference = numbers if len(numbers) <= 140 else numbers[:137] + "..."
        payment.source = "import" if payment.value_on < imported_before else recent_source
    return payments
