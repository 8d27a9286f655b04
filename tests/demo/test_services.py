"""Loading the demo portfolio into the database."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from tact.audit.models import AuditEvent
from tact.core.jobs import creditor_scope
from tact.demo.errors import DemoDataExists, DemoOptionInvalid
from tact.demo.generate import Profile, debtor_index_of, profile_of
from tact.demo.services import DEMO_PASSWORD, demo_load
from tact.ledger.models import Allocation, Contact, Debtor, Invoice, Payment
from tact.tenancy.models import Creditor, Membership

pytestmark = pytest.mark.django_db
# Amounts are stored at four places; SQLite compares them as floats.
TOLERANCE = Decimal("0.00005")
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=4))


def snapshot(slug: str) -> dict[str, set]:
    creditor = Creditor.objects.get(slug=slug)
    with creditor_scope(creditor):
        return {
            "debtors": set(
                Debtor.objects.values_list(
                    "number",
                    "kind",
                    "name",
                    "country",
                    "language",
                    "vat_id",
                    "preferred_channel",
                    "preferred_payment_method",
                    "credit_limit_amount",
                )
            ),
            "contacts": set(
                Contact.objects.values_list("debtor__number", "name", "email", "phone", "is_preferred")
            ),
            "items": set(
                Invoice.objects.values_list(
                    "number",
                    "kind",
                    "debtor__number",
                    "issued_on",
                    "due_on",
                    "gross_amount",
                    "net_amount",
                    "vat_amount",
                    "open_amount",
                    "settled_on",
                )
            ),
            "payments": set(
                Payment.objects.values_list(
                    "debtor__number", "value_on", "amount", "reference", "payer_iban", "method"
                )
            ),
            "allocations": set(
                Allocation.objects.values_list("payment__reference", "invoice__number", "amount")
            ),
        }


def items_out_of_balance(creditor: Creditor) -> int:
    """Items whose open amount is not gross minus allocations: one aggregate query."""
    with creditor_scope(creditor):
        return (
            Invoice.objects.annotate(allocated=Coalesce(Sum("allocations__amount"), ZERO))
            .annotate(gap=F("open_amount") - (F("gross_amount") - F("allocated")))
            .filter(Q(gap__gt=TOLERANCE) | Q(gap__lt=-TOLERANCE))
            .count()
        )


def test_the_same_seed_loads_the_same_portfolio_into_two_creditors(today):
    demo_load(slug="one", debtors=60, months=12, seed=4, today=today)
    demo_load(slug="two", debtors=60, months=12, seed=4, today=today)

    one, two = snapshot("one"), snapshot("two")

    assert one == two
    assert len(one["items"]) > 300


def test_another_seed_loads_another_portfolio(today):
    demo_load(slug="one", debtors=30, months=12, seed=1, today=today)
    demo_load(slug="two", debtors=30, months=12, seed=2, today=today)

    one, two = snapshot("one"), snapshot("two")

    assert one["items"] != two["items"]
    assert one["debtors"] != two["debtors"]


def test_the_chunk_size_does_not_change_the_portfolio(today):
    demo_load(slug="one", debtors=25, months=12, seed=3, today=today)
    demo_load(slug="two", debtors=25, months=12, seed=3, today=today, chunk_size=4)

    assert snapshot("one") == snapshot("two")


def test_open_amounts_equal_gross_minus_allocations(today):
    demo_load(slug="demo", debtors=120, today=today)
    creditor = Creditor.objects.get(slug="demo")

    assert items_out_of_balance(creditor) == 0
    with creditor_scope(creditor):
        assert Allocation.objects.exists()
        payments_out_of_balance = (
            Payment.objects.annotate(allocated=Coalesce(Sum("allocations__amount"), ZERO))
            .annotate(gap=F("amount") - F("allocated"))
            .filter(Q(gap__gt=TOLERANCE) | Q(gap__lt=-TOLERANCE))
            .count()
        )
    assert payments_out_of_balance == 0


def test_items_and_contacts_keep_the_ledger_rules(today):
    demo_load(slug="demo", debtors=120, today=today)

    with creditor_scope(Creditor.objects.get(slug="demo")):
        items = Invoice.objects.all()
        assert not items.filter(due_on__lt=F("issued_on")).exists()
        assert not items.filter(kind="invoice", gross_amount__lt=0).exists()
        assert not items.filter(kind="credit_note", gross_amount__gt=0).exists()
        assert (
            not items.filter(gross_amount__gte=0)
            .filter(Q(open_amount__lt=0) | Q(open_amount__gt=F("gross_amount")))
            .exists()
        )
        assert (
            not items.filter(gross_amount__lt=0)
            .filter(Q(open_amount__gt=0) | Q(open_amount__lt=F("gross_amount")))
            .exists()
        )
        assert not items.filter(open_amount=0, settled_on__isnull=True).exists()
        assert items.filter(kind="credit_note").exists()
        preferred = Debtor.objects.annotate(n=Count("contacts", filter=Q(contacts__is_preferred=True)))
        assert set(preferred.values_list("n", flat=True)) == {1}


def test_five_hundred_debtors_give_a_realistic_mix(today):
    report = demo_load(slug="demo", debtors=500, today=today)

    with creditor_scope(Creditor.objects.get(slug="demo")):
        assert set(Debtor.objects.values_list("country", flat=True)) == {"DE", "NL", "BE", "AT"}
        assert set(Debtor.objects.values_list("kind", flat=True)) == {"business", "consumer"}
        numbers = Debtor.objects.values_list("number", flat=True)
        assert {profile_of(1, debtor_index_of(n)) for n in numbers} == set(Profile)
        open_invoices = Invoice.objects.filter(kind="invoice").exclude(open_amount=0)
        assert open_invoices.filter(due_on__gte=today).count() > 50
        assert open_invoices.filter(due_on__lt=today, due_on__gte=today - timedelta(days=30)).exists()
        assert open_invoices.filter(due_on__lt=today.replace(year=today.year - 1)).exists()
        partly_paid = Invoice.objects.exclude(open_amount=0).exclude(open_amount=F("gross_amount"))
        assert partly_paid.exists()
        two_invoices = (
            Allocation.objects.filter(invoice__kind="invoice").values("payment").annotate(n=Count("id"))
        )
        assert two_invoices.filter(n__gt=1).exists()
    assert report.debtors == 500
    assert 3500 < report.invoices < 7000
    assert report.overdue_items > 0 and report.not_due_items > 0


def test_first_time_late_debtors_are_found_again_by_their_profile(today):
    demo_load(slug="demo", debtors=200, today=today)

    with creditor_scope(Creditor.objects.get(slug="demo")):
        debtors = [
            d
            for d in Debtor.objects.all()
            if profile_of(1, debtor_index_of(d.number)) is Profile.FIRST_TIME_LATE
        ]
        assert debtors
        for debtor in debtors:
            due = list(
                Invoice.objects.filter(debtor=debtor, kind="invoice", due_on__lt=today).order_by("due_on")
            )
            assert due[-1].open_amount == due[-1].gross_amount
            assert all(item.open_amount == 0 for item in due[:-2])


def test_a_creditor_with_data_is_refused_without_reset(today):
    demo_load(slug="demo", debtors=20, today=today)

    with pytest.raises(DemoDataExists, match="--reset"):
        demo_load(slug="demo", debtors=30, seed=9, today=today)

    with creditor_scope(Creditor.objects.get(slug="demo")):
        assert Debtor.objects.count() == 20


def test_reset_rebuilds_the_portfolio_and_leaves_other_creditors_alone(today, other_creditor):
    demo_load(slug="demo", debtors=20, seed=1, today=today)
    demo_load(slug="neighbour", debtors=10, seed=1, today=today)
    first = snapshot("demo")
    neighbour = snapshot("neighbour")
    with creditor_scope(other_creditor):
        others = set(Invoice.objects.values_list("pk", "open_amount"))

    report = demo_load(slug="demo", debtors=20, seed=1, today=today, reset=True)

    assert report.reset
    assert snapshot("demo") == first
    assert snapshot("neighbour") == neighbour
    with creditor_scope(other_creditor):
        assert set(Invoice.objects.values_list("pk", "open_amount")) == others


def test_an_empty_existing_creditor_is_filled(today, creditor):
    report = demo_load(slug=creditor.slug, debtors=10, today=today)

    assert report.legal_name == creditor.legal_name
    with creditor_scope(creditor):
        assert Debtor.objects.count() == 10


def test_staff_accounts_get_the_demo_password_and_their_roles(today):
    report = demo_load(slug="demo", debtors=5, today=today)

    roles = dict(Membership.objects.filter(creditor__slug="demo").values_list("user__username", "role"))
    assert roles == {
        "manager@demo.tact": "credit_manager",
        "admin@demo.tact": "admin",
        "agent@demo.tact": "agent",
        "viewer@demo.tact": "read_only",
    }
    assert get_user_model().objects.get(username="manager@demo.tact").check_password(DEMO_PASSWORD)
    assert all(login.password == DEMO_PASSWORD for login in report.logins)


def test_reset_restores_the_demo_password(today):
    demo_load(slug="demo", debtors=3, today=today)
    manager = get_user_model().objects.get(username="manager@demo.tact")
    manager.set_password("changed-by-someone")
    manager.save()

    report = demo_load(slug="demo", debtors=3, today=today, reset=True)

    manager.refresh_from_db()
    assert manager.check_password(DEMO_PASSWORD)
    assert report.logins[0].password == DEMO_PASSWORD


def test_an_existing_account_keeps_its_password_when_nothing_is_reset(today, creditor):
    get_user_model().objects.create_user(username="manager@acme.tact", password="their-own")

    report = demo_load(slug=creditor.slug, debtors=3, today=today)

    assert report.logins[0].password is None
    assert get_user_model().objects.get(username="manager@acme.tact").check_password("their-own")


def test_one_audit_event_records_the_load(today):
    report = demo_load(slug="demo", debtors=15, today=today)

    creditor = Creditor.objects.get(slug="demo")
    with creditor_scope(creditor):
        events = list(AuditEvent.objects.filter(action="demo_loaded"))
    assert len(events) == 1
    assert events[0].facts["invoices"] == report.invoices
    assert events[0].facts["seed"] == 1


def test_loading_is_set_based(today, django_assert_max_num_queries):
    with django_assert_max_num_queries(90):
        report = demo_load(slug="demo", debtors=60, today=today)

    assert report.rows > 1500


@pytest.mark.parametrize(("option", "value"), [("debtors", 0), ("months", 0), ("months", 500)])
def test_out_of_range_options_are_refused(today, option, value):
    with pytest.raises(DemoOptionInvalid, match=option):
        demo_load(slug="demo", today=today, **{option: value})

    assert not Creditor.objects.filter(slug="demo").exists()
