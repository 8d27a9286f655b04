"""Collection costs and flat compensation: the published scales at their edges, by hand."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tact.law.errors import NegativePrincipal, UnknownCountry, UnknownKind, UnsupportedCurrency
from tact.law.fees import fees_for, scale_amount

D = Decimal


def fees(country, kind, principal, **kwargs):
    return fees_for(country=country, kind=kind, principal=D(principal), **kwargs)


# --- Netherlands: Besluit vergoeding voor buitengerechtelijke incassokosten, art. 2 ------------


@pytest.mark.parametrize(
    ("principal", "costs", "worked"),
    [
        ("100.00", "40.00", "15 % = 15.00, below the minimum of 40"),
        ("266.66", "40.00", "15 % = 39.999, minimum 40"),
        ("266.67", "40.00", "15 % = 40.0005 → 40.00"),
        ("1000.00", "150.00", "15 % of 1,000"),
        ("2500.00", "375.00", "15 % of 2,500"),
        ("2500.01", "375.00", "375 + 10 % of 0.01 = 375.001"),
        ("3000.00", "425.00", "375 + 10 % of 500"),
        ("5000.00", "625.00", "375 + 250"),
        ("10000.00", "875.00", "375 + 250 + 5 % of 5,000 = 250"),
        ("200000.00", "2775.00", "875 + 1 % of 190,000 = 1,900"),
        ("1000000.00", "6775.00", "2,775 + 0.5 % of 800,000 = 4,000: exactly the cap"),
        ("2000000.00", "6775.00", "2,775 + 9,000, capped at 6,775"),
    ],
)
def test_nl_wik_scale_at_its_edges(principal, costs, worked):
    assert fees("NL", "b2c", principal).collection_costs == D(costs), worked


def test_nl_b2c_has_no_flat_compensation_and_needs_the_14_day_letter():
    result = fees("NL", "b2c", "3000.00")

    assert result.flat_compensation is None
    assert any("14-day letter" in c and "425.00" in c for c in result.conditions)
    assert result.rule.startswith("nl_bik_art_2: ")


def test_nl_b2b_gets_the_scale_and_the_40_euro_minimum_not_both():
    result = fees("NL", "b2b", "3000.00")

    assert (result.collection_costs, result.flat_compensation) == (D("425.00"), D("40.00"))
    assert result.total == D("425.00")
    assert any("not both" in c for c in result.conditions)


# --- Belgium: Book XIX (consumers) and the Late Payment Act (businesses) ------------------------


@pytest.mark.parametrize(
    ("principal", "costs", "worked"),
    [
        ("100.00", "20.00", "up to 150: 20"),
        ("150.00", "20.00", "up to 150: 20"),
        ("150.01", "30.00", "30 + 10 % of 0.01 = 30.001"),
        ("300.00", "45.00", "30 + 10 % of 150"),
        ("500.00", "65.00", "30 + 10 % of 350 = 65"),
        ("500.01", "65.00", "65 + 5 % of 0.01 = 65.0005 → 65.00"),
        ("1000.00", "90.00", "65 + 5 % of 500"),
        ("39200.00", "2000.00", "65 + 5 % of 38,700 = 2,000: the cap"),
        ("50000.00", "2000.00", "65 + 2,475, capped at 2,000"),
    ],
)
def test_be_consumer_scale_at_its_edges(principal, costs, worked):
    assert fees("BE", "b2c", principal).collection_costs == D(costs), worked


def test_be_b2b_flat_compensation_is_flagged_unconfirmed():
    result = fees("BE", "b2b", "1000.00")

    assert (result.collection_costs, result.flat_compensation) == (None, D("40.00"))
    assert result.statuses == {"flat_compensation": "unconfirmed"}
    assert any("unconfirmed" in c for c in result.conditions)


# --- Germany ---------------------------------------------------------------------------------


def test_de_b2c_dunning_fee_defaults_to_zero():
    result = fees("DE", "b2c", "500.00")

    assert (result.collection_costs, result.flat_compensation) == (D("0.00"), None)


@pytest.mark.parametrize(("configured", "allowed"), [("1.20", "1.20"), ("2.50", "2.50"), ("5.00", "2.50")])
def test_de_dunning_fee_is_the_actual_cost_capped_at_2_50(configured, allowed):
    assert fees("DE", "b2c", "500.00", dunning_fee=D(configured)).collection_costs == D(allowed)


def test_de_b2b_gets_40_euro_from_obligations_after_28_july_2014():
    assert fees("DE", "b2b", "10.00").flat_compensation == D("40.00")
    assert fees("DE", "b2b", "10.00", obligation_on=date(2014, 7, 29)).flat_compensation == D("40.00")
    old = fees("DE", "b2b", "10.00", obligation_on=date(2014, 7, 28))
    assert old.flat_compensation is None
    assert any(c.startswith("No flat compensation") for c in old.conditions)


# --- Austria ---------------------------------------------------------------------------------


def test_at_b2c_costs_have_no_figure_only_a_condition():
    result = fees("AT", "b2c", "1000.00")

    assert (result.collection_costs, result.flat_compensation) == (None, None)
    assert any("proportionate" in c for c in result.conditions)
    assert result.as_dict()["collection_costs"] is None


def test_at_b2b_gets_40_euro_under_458_ugb():
    result = fees("AT", "b2b", "1000.00")

    assert result.flat_compensation == D("40.00")
    assert result.rule_code == "at_b2b_458_ugb"


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"country": "CH"}, UnknownCountry, "country"),
        ({"kind": "B2X"}, UnknownKind, "kind"),
        ({"principal": D("-1")}, NegativePrincipal, "principal"),
        ({"currency": "USD"}, UnsupportedCurrency, "currency"),
    ],
)
def test_bad_fee_input_names_the_field(kwargs, error, field):
    args = {"country": "NL", "kind": "b2c", "principal": D("100"), **kwargs}

    with pytest.raises(error) as err:
        fees_for(**args)

    assert err.value.field == field


def test_country_and_kind_are_case_insensitive():
    assert fees("nl", "B2C", "3000").collection_costs == D("425.00")


# --- properties ------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0"), max_value=D("5000000"), places=2)


@settings(max_examples=300, deadline=None)
@given(a=amounts, b=amounts)
def test_scales_stay_within_their_caps_and_grow_with_the_principal(a, b):
    low, high = sorted((a, b))
    for scale, cap in (("nl_bik", D("6775")), ("be_consumer", D("2000"))):
        assert scale_amount(scale=scale, principal=low) <= scale_amount(scale=scale, principal=high) <= cap


@settings(max_examples=200, deadline=None)
@given(principal=amounts.filter(lambda p: p > 0))
def test_the_wik_minimum_holds_for_every_positive_principal(principal):
    assert fees("NL", "b2c", principal).collection_costs >= D("40.00")


@settings(max_examples=200, deadline=None)
@given(
    country=st.sampled_from(["DE", "NL", "BE", "AT"]),
    kind=st.sampled_from(["b2b", "b2c"]),
    principal=amounts,
    fee=st.decimals(min_value=D("0"), max_value=D("100"), places=2),
)
def test_no_fee_result_exceeds_a_statutory_cap(country, kind, principal, fee):
    result = fees_for(country=country, kind=kind, principal=principal, dunning_fee=fee)
    caps = {"NL": D("6775"), "BE": D("2000"), "DE": D("2.50"), "AT": D("0")}

    assert (result.collection_costs or 0) <= caps[country]
    assert (result.flat_compensation or 0) <= D("40.00")
    assert kind == "b2b" or result.flat_compensation is None
