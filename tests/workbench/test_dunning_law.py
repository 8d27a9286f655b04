"""The law calculators and the rate tables, as a credit manager (or a reader) sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_interest_across_a_rate_change_gives_the_published_figure(signed_in):
    response = signed_in.get(
        reverse("workbench:law"),
        {"calc": "interest", "country": "DE", "kind": "b2b", "principal": "1000.00",
         "start": "2024-01-15", "end": "2024-07-15"},
    )  # fmt: skip

    result = response.context["interest"]
    assert result.interest == Decimal("62.82")
    assert [(p.days, p.rate) for p in result.periods] == [(167, Decimal("12.62")), (15, Decimal("12.37"))]
    html = response.content.decode()
    assert "€62.82" in html and "12.62 %" in html and "12.37 %" in html and "BGB" in html


def test_fees_for_a_dutch_consumer_follow_the_wik_scale(signed_in):
    response = signed_in.get(
        reverse("workbench:law"), {"calc": "fees", "country": "NL", "kind": "b2c", "principal": "3000.00"}
    )

    fees = response.context["fees"]
    assert (fees.collection_costs, fees.flat_compensation) == (Decimal("425.00"), None)
    html = response.content.decode()
    assert "€425.00" in html and "not owed" in html and fees.conditions[0] in html


def test_a_business_debtor_owes_the_flat_compensation(signed_in):
    response = signed_in.get(
        reverse("workbench:law"), {"calc": "fees", "country": "DE", "kind": "b2b", "principal": "500.00"}
    )

    assert response.context["fees"].flat_compensation == Decimal("40.00")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"principal": "100", "start": "2024-07-15", "end": "2024-01-15"},
            "end",
            "The end is before the due date.",
        ),
        (
            {"principal": "-5", "start": "2024-01-15", "end": "2024-07-15"},
            "principal",
            "greater than or equal to 0",
        ),
        ({"principal": "100", "start": "1990-01-01", "end": "1990-02-01"}, "start", "1990-01-02"),
    ],
)
def test_bad_calculator_input_is_named_at_its_field(signed_in, params, field, message):
    response = signed_in.get(
        reverse("workbench:law"), {"calc": "interest", "country": "DE", "kind": "b2b", **params}
    )

    form = response.context["interest_form"]
    assert response.context["interest"] is None
    assert message in " ".join(form.errors[field])


def test_the_rate_tables_show_validity_and_source(client, member):
    client.force_login(member("read_only"))

    response = client.get(reverse("workbench:law"))

    html = response.content.decode()
    codes = [entry["series"].code for entry in response.context["series"]]
    assert "de_basiszinssatz" in codes and "nl_handelsrente" in codes
    basis = next(e for e in response.context["series"] if e["series"].code == "de_basiszinssatz")
    latest = basis["rows"][0]
    assert latest.valid_from > basis["rows"][-1].valid_from  # the latest first
    assert "Bundesbank" in html and latest.source[:30] in html
