"""The pure generator: deterministic, believable, valid identifiers, consistent amounts."""

from collections import Counter
from datetime import date, timedelta

import phonenumbers
import pytest
from django.core.validators import validate_email
from schwifty import IBAN
from stdnum import vatin

from tact.demo.generate import Profile, debtor_index_of, debtor_number, debtor_plan, profile_of

TODAY = date(2026, 3, 15)


@pytest.fixture(scope="module")
def plans():
    return [debtor_plan(seed=1, index=i, today=TODAY, months=18) for i in range(500)]


def test_profile_of_is_pure_and_matches_the_generated_debtor():
    assert [profile_of(7, i) for i in range(50)] == [profile_of(7, i) for i in range(50)]
    assert all(
        debtor_plan(seed=7, index=i, today=TODAY, months=6).profile is profile_of(7, i) for i in range(50)
    )


def test_debtor_number_maps_back_to_its_index():
    assert debtor_index_of(debtor_number(4711)) == 4711


def test_a_debtor_is_the_same_every_time_it_is_generated():
    assert debtor_plan(seed=3, index=9, today=TODAY, months=12) == debtor_plan(
        seed=3, index=9, today=TODAY, months=12
    )


def test_another_seed_gives_another_debtor():
    assert debtor_plan(seed=1, index=0, today=TODAY, months=12) != debtor_plan(
        seed=2, index=0, today=TODAY, months=12
    )


def test_countries_kinds_and_profiles_are_mixed(plans):
    countries = Counter(p.country for p in plans)
    assert set(countries) == {"DE", "NL", "BE", "AT"}
    assert countries["DE"] > countries["NL"] > countries["AT"] * 0.8
    assert 0.5 < sum(p.kind == "business" for p in plans) / len(plans) < 0.7
    assert {p.profile for p in plans} == set(Profile)
    assert {p.language for p in plans if p.country == "BE"} == {"nl", "fr"}


def test_payment_methods_follow_the_country_of_consumers(plans):
    nl = Counter(p.preferred_payment_method for p in plans if p.country == "NL" and p.kind == "consumer")
    be = Counter(p.preferred_payment_method for p in plans if p.country == "BE" and p.kind == "consumer")
    assert nl.most_common(1)[0][0] == "ideal"
    assert be.most_common(1)[0][0] == "bancontact"


def test_phone_numbers_are_valid_e164_for_the_country(plans):
    phones = [(c.phone, p.country) for p in plans for c in p.contacts if c.phone]
    assert len(phones) > 400
    for phone, country in phones:
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.region_code_for_number(parsed) == country, phone
        assert phone == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_ibans_and_vat_ids_are_valid(plans):
    ibans = [p for p in plans if p.payer_iban]
    assert len(ibans) > 300
    for plan in ibans:
        assert IBAN(plan.payer_iban).country_code == plan.country
    vat_ids = [p.vat_id for p in plans if p.vat_id]
    assert len(vat_ids) > 200
    for vat_id in vat_ids:
        assert vatin.is_valid(vat_id), vat_id


def test_e_mail_addresses_are_valid_and_under_the_reserved_example_domain(plans):
    for plan in plans:
        assert sum(c.is_preferred for c in plan.contacts) == 1
        for contact in plan.contacts:
            validate_email(contact.email)
            assert contact.email.endswith(".example")


def test_amounts_and_allocations_add_up(plans):
    for plan in plans:
        for payment in plan.payments:
            assert payment.amount > 0
            assert payment.amount == sum(a for _, a in payment.allocations)
        for item in plan.items:
            assert item.gross == item.net + item.vat
            assert abs(item.paid) <= abs(item.gross)
            assert (item.settled_on is not None) == (item.paid == item.gross)
            assert item.due_on >= item.issued_on
            assert (item.gross > 0) == (item.kind == "invoice")


def test_business_terms_vary_and_consumers_get_fourteen_days(plans):
    terms = Counter(
        (p.kind, (i.due_on - i.issued_on).days) for p in plans for i in p.items if i.kind == "invoice"
    )
    assert {days for kind, days in terms if kind == "consumer"} == {14}
    assert {days for kind, days in terms if kind == "business"} == {14, 30, 60}


def test_volume_dips_in_august_and_peaks_in_autumn():
    plans = [debtor_plan(seed=5, index=i, today=TODAY, months=18) for i in range(1500)]
    per_month = Counter(
        (i.issued_on.year, i.issued_on.month) for p in plans for i in p.items if i.kind == "invoice"
    )
    assert per_month[(2025, 8)] < 0.75 * per_month[(2025, 10)]


def test_first_time_late_debtors_paid_everything_before_their_latest_due_item(plans):
    late_for_the_first_time = [p for p in plans if p.profile is Profile.FIRST_TIME_LATE]
    assert late_for_the_first_time
    for plan in late_for_the_first_time:
        due = sorted(
            (i for i in plan.items if i.kind == "invoice" and i.due_on < TODAY), key=lambda i: i.due_on
        )
        assert due[-1].paid == 0
        assert due[-1].due_on >= date(2026, 1, 15)
        assert all(i.paid == i.gross for i in due[:-2])


def test_insolvent_debtors_stop_paying(plans):
    insolvent = [p for p in plans if p.profile is Profile.INSOLVENT]
    assert insolvent
    for plan in insolvent:
        unpaid = [i for i in plan.items if i.kind == "invoice" and i.due_on < TODAY and i.paid == 0]
        assert unpaid, plan.number
        # An invoice stays unpaid when its (late) payment would have fallen after the
        # insolvency, so no payment comes later than a month after the first unpaid due date.
        first_unpaid_due = min(i.due_on for i in unpaid)
        assert all(pay.value_on <= first_unpaid_due + timedelta(days=33) for pay in plan.payments)
