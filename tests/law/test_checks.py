"""charge_check refuses what the law forbids; notices give templates their facts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tact.law.checks import charge_check
from tact.law.errors import LawInputError
from tact.law.fees import fees_for
from tact.law.notices import fees_allowed_from, notices_for

D = Decimal
FRIDAY = date(2026, 11, 20)


def check(country, kind, charge, amount, **facts):
    facts.setdefault("in_default", True)
    facts.setdefault("principal", D("1000.00"))
    return charge_check(country=country, kind=kind, charge=charge, amount=D(amount), stage_facts=facts)


def code(refusal):
    return refusal.code if refusal else None


# --- business-only charges, defaults, caps ----------------------------------------------------


@pytest.mark.parametrize("country", ["DE", "NL", "BE", "AT"])
def test_flat_compensation_on_a_consumer_is_refused(country):
    assert code(check(country, "b2c", "flat_compensation", "40.00")) == "business_only"


@pytest.mark.parametrize("country", ["DE", "NL", "BE", "AT"])
def test_flat_compensation_of_40_on_a_business_is_allowed(country):
    assert check(country, "b2b", "flat_compensation", "40.00") is None


def test_flat_compensation_above_40_is_refused():
    refusal = check("AT", "b2b", "flat_compensation", "40.01")

    assert code(refusal) == "above_cap"
    assert "40.00" in refusal.message


def test_no_charge_before_default():
    assert code(check("DE", "b2b", "flat_compensation", "40.00", in_default=False)) == "before_default"
    assert code(check("NL", "b2b", "interest", "1.00", in_default=False)) == "before_default"


def test_de_old_obligations_owe_no_flat_compensation():
    refusal = check("DE", "b2b", "flat_compensation", "40.00", obligation_on=date(2014, 1, 1))

    assert code(refusal) == "not_owed"
    assert "2014-07-29" in refusal.message


def test_zero_is_always_allowed_and_negative_never():
    assert check("NL", "b2c", "collection_costs", "0", in_default=False) is None
    assert code(check("NL", "b2c", "collection_costs", "-1")) == "negative_charge"


def test_an_unknown_charge_is_an_input_error():
    with pytest.raises(LawInputError) as err:
        check("DE", "b2b", "penalty", "1")
    assert err.value.field == "charge"


# --- Germany: dunning fee -------------------------------------------------------------------


def test_de_fee_on_the_default_creating_reminder_is_refused():
    assert (
        code(check("DE", "b2c", "collection_costs", "1.00", reminders_in_default=0)) == "first_reminder_free"
    )


def test_de_fee_above_2_50_is_refused_and_at_2_50_allowed():
    assert code(check("DE", "b2c", "collection_costs", "2.51", reminders_in_default=1)) == "above_cap"
    assert check("DE", "b2c", "collection_costs", "2.50", reminders_in_default=1) is None


def test_de_b2b_fee_is_credited_against_the_40_euro():
    already = {"flat_compensation": D("40.00")}

    refusal = check("DE", "b2b", "collection_costs", "2.50", reminders_in_default=1, already_charged=already)

    assert code(refusal) == "not_cumulative"


# --- Netherlands: the 14-day letter ------------------------------------------------------------


def test_nl_consumer_costs_need_a_letter_that_states_them():
    assert code(check("NL", "b2c", "collection_costs", "150.00")) == "no_fourteen_day_letter"


def test_nl_consumer_costs_wait_for_the_14_days_after_delivery():
    """Letter posted Friday 2026-11-20: counted days Sat 21 (1), Sun/Mon skipped, Tue 24 (2) →
    delivered 2026-11-24; 14 days 2026-11-25 … 2026-12-08; costs from 2026-12-09."""
    facts = {"letter_states_costs": True, "letter_sent_on": FRIDAY, "letter_channel": "paper"}

    early = check("NL", "b2c", "collection_costs", "150.00", today=date(2026, 12, 8), **facts)

    assert code(early) == "before_waiting_period"
    assert early.facts["allowed_from"] == date(2026, 12, 9)
    assert check("NL", "b2c", "collection_costs", "150.00", today=date(2026, 12, 9), **facts) is None


def test_nl_consumer_costs_above_the_scale_are_refused():
    facts = {"letter_states_costs": True, "letter_sent_on": FRIDAY, "today": date(2027, 1, 1)}

    assert code(check("NL", "b2c", "collection_costs", "150.01", **facts)) == "above_cap"


def test_nl_b2b_flat_plus_costs_stay_within_the_scale():
    """1,000 EUR: scale 150.00; 40 flat already charged → at most 110 more."""
    already = {"flat_compensation": D("40.00")}

    assert check("NL", "b2b", "collection_costs", "110.00", already_charged=already) is None
    assert code(check("NL", "b2b", "collection_costs", "110.01", already_charged=already)) == "not_cumulative"


# --- Belgium: free first reminder, clause, waiting period ----------------------------------------


def test_be_consumer_costs_need_a_contract_clause():
    assert code(check("BE", "b2c", "collection_costs", "20.00", reminders_sent=1)) == "not_agreed"
    assert code(check("BE", "b2c", "interest", "1.00")) == "not_agreed"


def test_be_first_reminder_is_free():
    assert code(check("BE", "b2c", "collection_costs", "20.00", contract_clause=True, reminders_sent=0)) == (
        "first_reminder_free"
    )


def test_be_consumer_waiting_period_counts_business_days_and_holidays():
    """Paper reminder Friday 2026-11-20: business days Mon 23, Tue 24, Wed 25 → the 14 days run
    2026-11-25 … 2026-12-08; costs from 2026-12-09. With Tue 24 a holiday: from 2026-12-10."""
    facts = {
        "contract_clause": True,
        "reminders_sent": 1,
        "letter_sent_on": FRIDAY,
        "letter_channel": "paper",
    }

    assert code(check("BE", "b2c", "collection_costs", "65.00", today=date(2026, 12, 8), **facts)) == (
        "before_waiting_period"
    )
    assert check("BE", "b2c", "collection_costs", "65.00", today=date(2026, 12, 9), **facts) is None
    holiday = {"is_holiday": lambda d: d == date(2026, 11, 24)}
    assert code(
        check("BE", "b2c", "collection_costs", "65.00", today=date(2026, 12, 9), **facts, **holiday)
    ) == ("before_waiting_period")


def test_be_electronic_reminder_starts_the_period_the_next_day():
    assert fees_allowed_from(country="BE", kind="b2c", sent_on=FRIDAY, channel="electronic") == date(
        2026, 12, 5
    )


def test_be_business_costs_beyond_the_flat_sum_are_not_charged_automatically():
    assert code(check("BE", "b2b", "collection_costs", "10.00")) == "not_quantified"


def test_at_consumer_costs_are_not_charged_automatically():
    assert code(check("AT", "b2c", "collection_costs", "5.00")) == "not_quantified"


def test_interest_above_the_statutory_amount_is_refused():
    assert code(check("DE", "b2b", "interest", "62.83", interest_due=D("62.82"))) == "above_cap"
    assert check("DE", "b2b", "interest", "62.82", interest_due=D("62.82")) is None


# --- notices ---------------------------------------------------------------------------------


def test_nl_consumer_notice_has_the_14_day_letter_facts():
    notice = notices_for("NL", "b2c")

    assert notice["fee_waiting_period"]["days"] == 14
    assert notice["fee_waiting_period"]["starts"] == "day_after_receipt"
    assert "collection_costs_amount" in notice["mandatory_content"]
    assert "veertien dagen" in notice["safe_wording"]["nl"]


def test_be_consumer_notice_has_the_free_first_reminder():
    notice = notices_for("BE", "b2c")

    assert notice["first_reminder_free"] is True
    assert "creditor_name_and_enterprise_number" in notice["mandatory_content"]


def test_de_consumer_notice_asks_the_invoice_to_point_to_the_30_days():
    notice = notices_for("DE", "b2c")

    assert "invoice_points_to_30_day_default" in notice["mandatory_content"]
    assert notice["default"]["without_reminder_after_days"] == 30


@pytest.mark.parametrize("country", ["DE", "NL", "BE", "AT"])
@pytest.mark.parametrize("kind", ["b2b", "b2c"])
def test_every_notice_has_the_same_keys(country, kind):
    assert set(notices_for(country, kind)) == set(notices_for("NL", "b2c"))


def test_no_waiting_period_where_the_law_sets_none():
    assert fees_allowed_from(country="DE", kind="b2c", sent_on=FRIDAY, channel="paper") is None


# --- property --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    country=st.sampled_from(["DE", "NL", "BE", "AT"]),
    kind=st.sampled_from(["b2b", "b2c"]),
    principal=st.decimals(min_value=D("0.01"), max_value=D("2000000"), places=2),
    excess=st.decimals(min_value=D("0.01"), max_value=D("10000"), places=2),
)
def test_any_fee_above_the_cap_is_refused(country, kind, principal, excess):
    """Even with every other condition met, a charge above what fees_for allows is refused."""
    facts = {
        "principal": principal,
        "in_default": True,
        "reminders_sent": 3,
        "reminders_in_default": 2,
        "letter_states_costs": True,
        "letter_sent_on": date(2020, 1, 1),
        "today": date(2020, 1, 1) + timedelta(days=60),
        "contract_clause": True,
    }
    allowed = fees_for(country=country, kind=kind, principal=principal, dunning_fee=D("2.50"))
    costs_cap = allowed.collection_costs or D(0)

    refusal = charge_check(
        country=country, kind=kind, charge="collection_costs", amount=costs_cap + excess, stage_facts=facts
    )

    assert refusal is not None
    if allowed.collection_costs:
        assert (
            charge_check(
                country=country, kind=kind, charge="collection_costs", amount=costs_cap, stage_facts=facts
            )
            is None
        )
