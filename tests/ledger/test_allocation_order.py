"""A payment that does not cover everything goes to costs, then interest, then principal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tact.audit.models import AuditEvent
from tact.ledger.allocation import OpenItem, allocation_order, order_key
from tact.ledger.errors import InvalidLedgerField
from tact.ledger.models import Allocation, Invoice, Payment
from tact.ledger.selectors import ledger_inconsistencies
from tact.ledger.services import AllocationRequest, charge_add, payment_record, payments_allocate
from tests.factories import DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
PAID_ON = date(2025, 5, 5)


def invoice(debtor, number: str, amount: str, due_on: date, **charges: str) -> Invoice:
    """An invoice and its charges (interest=..., fee=..., flat_compensation=...), booked a month after due."""
    item = InvoiceFactory(
        creditor=debtor.creditor, debtor=debtor, number=number, gross_amount=Decimal(amount),
        open_amount=Decimal(amount), issued_on=due_on - timedelta(days=14), due_on=due_on,
    )  # fmt: skip
    for kind, value in charges.items():
        charge_add(
            parent=item, kind=kind, amount=Decimal(value), booked_on=due_on + timedelta(days=30), by=None
        )
    return item


def pay(debtor, amount: str, *, named=(), value_on=PAID_ON) -> dict[str, Decimal]:
    payment = payment_record(
        creditor=debtor.creditor, debtor=debtor, amount=Decimal(amount), currency="EUR", value_on=value_on,
        in_legal_order=True, named=named, by=None,
    )  # fmt: skip
    return {a.invoice.number: a.amount for a in payment.allocations.select_related("invoice").order_by("pk")}


def test_de_a_payment_goes_to_the_flat_compensation_then_interest_then_principal(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-1", "1000.00", date(2025, 3, 3), flat_compensation="40.00", interest="12.34")

    applied = pay(debtor, "100.00")

    assert list(applied.items()) == [
        ("RE-1+F1", Decimal("40.00")), ("RE-1+I1", Decimal("12.34")), ("RE-1", Decimal("47.66")),
    ]  # fmt: skip
    assert Invoice.objects.get(number="RE-1").open_amount == Decimal("952.34")
    assert Invoice.objects.get(number="RE-1+F1").settled_on == PAID_ON
    assert not ledger_inconsistencies().exists()


def test_nl_all_costs_then_all_interest_then_the_oldest_principal(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="NL")
    invoice(debtor, "F-1", "500.00", date(2025, 1, 6), fee="75.00", interest="3.00")
    invoice(debtor, "F-2", "300.00", date(2025, 2, 3), interest="1.50")

    applied = pay(debtor, "100.00")

    assert list(applied.items()) == [
        ("F-1+C1", Decimal("75.00")), ("F-1+I1", Decimal("3.00")), ("F-2+I1", Decimal("1.50")),
        ("F-1", Decimal("20.50")),
    ]  # fmt: skip


def test_at_debt_by_debt_interest_before_each_capital_the_oldest_first(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="AT")
    invoice(debtor, "R-1", "500.00", date(2025, 1, 7), interest="10.00")
    invoice(debtor, "R-2", "300.00", date(2025, 2, 4), interest="5.00", flat_compensation="40.00")

    applied = pay(debtor, "600.00")

    assert list(applied.items()) == [
        ("R-1+I1", Decimal("10.00")), ("R-1", Decimal("500.00")), ("R-2+F1", Decimal("40.00")),
        ("R-2+I1", Decimal("5.00")), ("R-2", Decimal("45.00")),
    ]  # fmt: skip


def test_be_interest_before_the_indemnity_and_the_principal(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="BE", kind="consumer")
    invoice(debtor, "FA-1", "200.00", date(2025, 3, 4), fee="20.00", interest="4.00")

    applied = pay(debtor, "100.00")

    assert list(applied.items()) == [
        ("FA-1+I1", Decimal("4.00")), ("FA-1+C1", Decimal("20.00")), ("FA-1", Decimal("76.00")),
    ]  # fmt: skip


def test_the_invoice_the_debtor_names_is_paid_first_its_interest_before_it(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-A", "500.00", date(2025, 1, 6), flat_compensation="40.00")
    named = invoice(debtor, "RE-B", "300.00", date(2025, 2, 3), interest="6.00")

    applied = pay(debtor, "306.00", named=[named])

    assert list(applied.items()) == [("RE-B+I1", Decimal("6.00")), ("RE-B", Decimal("300.00"))]
    assert Invoice.objects.get(number="RE-A+F1").open_amount == Decimal("40.00")


def test_what_the_named_invoice_does_not_take_goes_on_in_the_general_order(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-A", "500.00", date(2025, 1, 6), flat_compensation="40.00")
    named = invoice(debtor, "RE-B", "100.00", date(2025, 2, 3))

    applied = pay(debtor, "200.00", named=[named])

    assert list(applied.items()) == [
        ("RE-B", Decimal("100.00")), ("RE-A+F1", Decimal("40.00")), ("RE-A", Decimal("60.00")),
    ]  # fmt: skip


def test_items_not_yet_due_come_after_the_due_ones_and_credit_notes_take_nothing(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-LATER", "100.00", PAID_ON + timedelta(days=20))
    invoice(debtor, "RE-DUE", "100.00", PAID_ON - timedelta(days=2))
    InvoiceFactory(creditor=in_scope, debtor=debtor, number="GS-1", kind="credit_note",
                   gross_amount=Decimal("-30.00"), open_amount=Decimal("-30.00"))  # fmt: skip

    applied = pay(debtor, "150.00")

    assert list(applied.items()) == [("RE-DUE", Decimal("100.00")), ("RE-LATER", Decimal("50.00"))]


def test_an_overpayment_stays_on_the_payment(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-1", "80.00", date(2025, 3, 3), interest="1.00")

    payment = payment_record(creditor=in_scope, debtor=debtor, amount=Decimal("100.00"), currency="EUR",
                             value_on=PAID_ON, in_legal_order=True, by=None)  # fmt: skip

    assert sum(a.amount for a in payment.allocations.all()) == Decimal("81.00")
    event = AuditEvent.objects.get(action="payment_recorded")
    assert event.after["allocations"] == {"RE-1+I1": "1.00", "RE-1": "80.00"}
    assert event.facts == {"order": "§§ 366, 367 BGB"}


def test_other_currencies_and_other_debtors_are_left_alone(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    neighbour = DebtorFactory(creditor=in_scope, country="DE")
    invoice(neighbour, "N-1", "50.00", date(2025, 1, 6))
    InvoiceFactory(creditor=in_scope, debtor=debtor, number="CHF-1", currency="CHF", due_on=date(2025, 1, 6),
                   issued_on=date(2025, 1, 1), gross_amount=Decimal("50.00"), open_amount=Decimal("50.00"))  # fmt: skip
    invoice(debtor, "RE-1", "50.00", date(2025, 3, 3))

    assert pay(debtor, "70.00") == {"RE-1": Decimal("50.00")}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal("-10.00")}, "payments.0.amount"),
        ({"debtor": None}, "debtor"),
        ({"allocations": "given"}, "allocations"),
        ({"named": "foreign"}, "payments.0.named"),
    ],
)
def test_what_cannot_be_applied_in_the_legal_order_is_refused_and_nothing_is_written(in_scope, kwargs, field):
    debtor = DebtorFactory(creditor=in_scope)
    item = invoice(debtor, "RE-1", "50.00", date(2025, 3, 3))
    foreign = invoice(DebtorFactory(creditor=in_scope), "RE-X", "50.00", date(2025, 3, 3))
    args = {"creditor": in_scope, "debtor": debtor, "amount": Decimal("10.00"), "currency": "EUR",
            "value_on": PAID_ON, "in_legal_order": True, "by": None, **kwargs}  # fmt: skip
    if kwargs.get("allocations") == "given":
        args["allocations"] = [AllocationRequest(invoice=item, amount=Decimal("10.00"))]
    if kwargs.get("named") == "foreign":
        args["named"] = [foreign]

    with pytest.raises(InvalidLedgerField) as raised, transaction.atomic():
        payment_record(**args)

    assert raised.value.facts["field"] == field
    assert not Payment.objects.exists()


def test_many_payments_are_applied_with_the_same_number_of_statements(in_scope):
    def statements(debtors: int) -> int:
        payments = []
        for n in range(debtors):
            debtor = DebtorFactory(creditor=in_scope, country=("DE", "AT")[n % 2])
            invoice(debtor, f"S{debtors}-{n}", "100.00", date(2025, 3, 3), interest="2.00")
            payments.append(Payment.objects.create(creditor=in_scope, debtor=debtor, amount=Decimal("50.00"),
                                                   currency="EUR", value_on=PAID_ON))  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            applied = payments_allocate(payments=payments, by=None)
        assert [a.allocations[0][1] for a in applied] == [Decimal("2.00")] * debtors
        return len(captured.captured_queries)

    assert statements(3) == statements(40)
    assert Allocation.objects.count() == 86
    assert AuditEvent.objects.filter(action="payment_allocated").count() == 43
    assert not ledger_inconsistencies().exists()


def test_two_payments_of_one_debtor_in_one_batch_go_on_where_the_first_stopped(in_scope):
    debtor = DebtorFactory(creditor=in_scope, country="DE")
    invoice(debtor, "RE-1", "100.00", date(2025, 3, 3), interest="5.00")
    first, second = (
        Payment.objects.create(
            creditor=in_scope, debtor=debtor, amount=Decimal(a), currency="EUR", value_on=d
        )
        for a, d in (("30.00", PAID_ON), ("80.00", PAID_ON + timedelta(days=1)))
    )

    payments_allocate(payments=[second, first], by=None)

    assert list(first.allocations.values_list("invoice__number", "amount").order_by("pk")) == [
        ("RE-1+I1", Decimal("5.00")), ("RE-1", Decimal("25.00")),
    ]  # fmt: skip
    assert list(second.allocations.values_list("invoice__number", "amount")) == [("RE-1", Decimal("75.00"))]
    assert Invoice.objects.get(number="RE-1").open_amount == 0


# --- properties -----------------------------------------------------------------------------------

KINDS = ["invoice", "interest", "fee", "flat_compensation"]
cents = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c) / 100)
item_strategy = st.tuples(
    st.sampled_from(KINDS), cents, st.integers(min_value=-90, max_value=30), st.integers(0, 3)
)


def open_items(specs) -> list[OpenItem]:
    """Invoices 1..4 as debts; a charge spec belongs to the invoice its last number picks."""
    base = date(2025, 5, 1)
    items = [OpenItem(n, f"RE-{n}", "invoice", base - timedelta(days=10 * n), Decimal("100.00"), None, None)
             for n in range(1, 5)]  # fmt: skip
    for index, (kind, amount, days, debt) in enumerate(specs):
        parent = items[debt]
        if kind == "invoice":
            items.append(
                OpenItem(100 + index, f"X-{index}", kind, base + timedelta(days=days), amount, None, None)
            )
        else:
            items.append(OpenItem(100 + index, f"{parent.number}+{index}", kind, base + timedelta(days=days), amount,
                                  parent.id, parent.due_on))  # fmt: skip
    return items


@settings(max_examples=300, deadline=None)
@given(
    specs=st.lists(item_strategy, max_size=12),
    amount=cents,
    country=st.sampled_from(["DE", "NL", "AT", "BE"]),
    named=st.lists(st.integers(1, 4), max_size=2, unique=True),
)
def test_allocations_never_exceed_open_amounts_and_follow_the_order(specs, amount, country, named):
    items = open_items(specs)
    value_on = date(2025, 5, 1)

    parts = allocation_order(items=items, amount=amount, country=country, value_on=value_on, named=named)

    given_to = {item.id: part for item, part in parts}
    assert all(0 < part <= item.open_amount for item, part in parts)
    assert sum(given_to.values()) == min(amount, sum(i.open_amount for i in items))
    # in the order, no item gets money while an earlier one is left with something open
    ordered = sorted(items, key=lambda i: order_key(i, country=country, value_on=value_on, named=named))
    short = [i for i in ordered if given_to.get(i.id, 0) < i.open_amount]
    if short:
        after = ordered[ordered.index(short[0]) + 1 :]
        assert not any(i.id in given_to for i in after)
    # no principal of a debt is paid while a cost or interest of that debt stays open (DE, NL: of any debt)
    for item in items:
        if item.kind == "invoice" and item.id in given_to and item.debt_id not in named:
            rivals = [c for c in items if c.kind != "invoice" and c.debt_id not in named
                      and (country in ("DE", "NL") or c.debt_id == item.debt_id)]  # fmt: skip
            assert all(given_to.get(c.id, 0) == c.open_amount for c in rivals)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    charges=st.lists(st.tuples(st.sampled_from(KINDS[1:]), cents), max_size=4),
    amount=cents,
    country=st.sampled_from(["DE", "NL", "AT", "BE"]),
)
def test_the_ledger_stays_consistent_whatever_is_paid(in_scope, charges, amount, country):
    with transaction.atomic():
        debtor = DebtorFactory(creditor=in_scope, country=country)
        item = invoice(debtor, f"P-{debtor.pk}", "500.00", date(2025, 3, 3))
        for kind, value in charges:
            charge_add(parent=item, kind=kind, amount=value, booked_on=date(2025, 4, 1), by=None)
        total = Decimal("500.00") + sum((v for _, v in charges), Decimal("0"))

        applied = pay(debtor, str(amount))

        assert sum(applied.values()) == min(amount, total)
        assert not Invoice.objects.filter(debtor=debtor, open_amount__lt=0).exists()
        assert not ledger_inconsistencies().exists()
        transaction.set_rollback(True)
