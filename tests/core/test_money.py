from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tact.core.money import CurrencyMismatch, Money


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(0.1, "EUR")
    with pytest.raises(CurrencyMismatch):
        Money("1.00", "EUR") + Money("1.00", "CHF")


def test_split_gives_the_remainder_to_the_last_part():
    assert [m.amount for m in Money("100.00", "EUR").split(3)] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


@given(cents=st.integers(min_value=1, max_value=10**12), parts=st.integers(min_value=1, max_value=60))
def test_split_parts_add_up_to_the_total(cents, parts):
    total = Money(Decimal(cents) / 100, "EUR")

    pieces = total.split(parts)

    assert sum((p.amount for p in pieces), Decimal(0)) == total.amount
    assert len({p.amount for p in pieces[:-1]}) <= 1


def test_format_uses_the_locale():
    assert Money("1234.5", "EUR").format("de_DE") == "1.234,50\xa0€"
