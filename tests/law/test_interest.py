"""Statutory interest: worked examples from the published rates, computed by hand.

Convention under test (see tact.law.interest): interest days are the days after ``start``
through ``end`` inclusive; amount = principal × rate × days / (100 × 365) per period; the
total is rounded half-up to the cent once.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tact.law.errors import BadPeriod, NegativePrincipal, NoRateForDate, UnknownCountry, UnknownKind
from tact.law.interest import add_years, interest_for
from tact.law.rates import RateBook, RateRow

D = Decimal


def compute(book, **kwargs):
    kwargs.setdefault("principal", D("1000.00"))
    return interest_for(book=book, **kwargs)


def spans(result):
    return [(p.first_day, p.last_day, p.days, p.rate) for p in result.periods]


# --- Germany -----------------------------------------------------------------------------


def test_de_b2b_splits_at_the_july_2024_change(book):
    """1,000 EUR, due 2024-01-15, to 2024-07-15 (182 interest days).

    2024-01-16 … 2024-06-30: 167 days at 3.62 + 9 = 12.62 % → 1000 × 12.62 × 167 / 36500 = 57.7408219…
    2024-07-01 … 2024-07-15:  15 days at 3.37 + 9 = 12.37 % → 1000 × 12.37 × 15 / 36500 =  5.0835616…
    total 62.8243835… → 62.82
    """
    result = compute(book, country="DE", kind="b2b", start=date(2024, 1, 15), end=date(2024, 7, 15))

    assert spans(result) == [
        (date(2024, 1, 16), date(2024, 6, 30), 167, D("12.62")),
        (date(2024, 7, 1), date(2024, 7, 15), 15, D("12.37")),
    ]
    assert result.interest == D("62.82")
    assert result.day_count == "act/365"
    assert result.rule.code == "de_b2b_288_2"


def test_de_b2c_over_the_leap_year_2024_counts_366_days_over_365(book):
    """1,000 EUR, due 2023-12-31, to 2024-12-31: all 366 days of 2024.

    182 days at 3.62 + 5 = 8.62 % and 184 days at 3.37 + 5 = 8.37 %:
    (1000 × 8.62 × 182 + 1000 × 8.37 × 184) / 36500 = (1,568,840 + 1,540,080) / 36500 = 85.1758904… → 85.18
    (act/act would divide by 36600 and give 84.94.)
    """
    result = compute(book, country="DE", kind="b2c", start=date(2023, 12, 31), end=date(2024, 12, 31))

    assert [p.days for p in result.periods] == [182, 184]
    assert result.interest == D("85.18")


def test_the_29th_of_february_is_an_interest_day(book):
    """Due 2024-02-28, to 2024-03-01: interest days 29 Feb and 1 Mar = 2 days at 8.62 %.
    1000 × 8.62 × 2 / 36500 = 0.4723… → 0.47"""
    result = compute(book, country="DE", kind="b2c", start=date(2024, 2, 28), end=date(2024, 3, 1))

    assert result.periods[0].days == 2
    assert result.interest == D("0.47")


def test_de_b2b_obligation_before_29_july_2014_has_eight_points(book):
    """Due 2014-01-15, to 2014-02-14: 30 days at -0.63 %.
    Contract of 2014-01-01: + 8 → 7.37 % → 1000 × 7.37 × 30 / 36500 = 6.0575… → 6.06.
    Contract after 28 Jul 2014 (default: the start date): + 9 → 8.37 % → 6.8794… → 6.88."""
    old = compute(
        book,
        country="DE",
        kind="b2b",
        start=date(2014, 1, 15),
        end=date(2014, 2, 14),
        obligation_on=date(2014, 1, 1),
    )
    new = compute(
        book,
        country="DE",
        kind="b2b",
        start=date(2014, 1, 15),
        end=date(2014, 2, 14),
        obligation_on=date(2014, 8, 1),
    )

    assert (old.periods[0].rate, old.interest) == (D("7.37"), D("6.06"))
    assert (new.periods[0].rate, new.interest) == (D("8.37"), D("6.88"))


def test_interest_starts_the_day_after_the_due_date(book):
    result = compute(book, country="DE", kind="b2b", start=date(2024, 1, 15), end=date(2024, 1, 16))

    assert spans(result) == [(date(2024, 1, 16), date(2024, 1, 16), 1, D("12.62"))]


def test_no_interest_days_when_start_equals_end(book):
    result = compute(book, country="NL", kind="b2c", start=date(2024, 5, 1), end=date(2024, 5, 1))

    assert result.periods == []
    assert result.interest == D("0.00")


def test_equal_half_years_make_one_period(book):
    """The Basiszinssatz was -0.88 from 2016-07-01 to 2022-12-31: one period at 8.12 %."""
    result = compute(book, country="DE", kind="b2b", start=date(2017, 1, 31), end=date(2022, 6, 30))

    assert spans(result) == [(date(2017, 2, 1), date(2022, 6, 30), 1976, D("8.12"))]


# --- Netherlands ---------------------------------------------------------------------------


def test_nl_b2c_interest_is_added_to_the_principal_after_a_year(book):
    """10,000 EUR, due 2023-06-30, to 2024-12-31. Wettelijke rente 6 % (2023-H2), 7 % (2024).

    Year 1 of default, 2023-07-01 … 2024-06-30:
      184 days at 6 % + 182 days at 7 % → 10000 × (6 × 184 + 7 × 182) / 36500 = 651.5068493…
    After the year the interest joins the principal: 10,651.5068493…
    2024-07-01 … 2024-12-31: 184 days at 7 % on 10,651.5068… → 375.8668718…
    Total 1,027.3737211… → 1,027.37 (simple interest would be 1,004.38).
    """
    result = compute(
        book,
        country="NL",
        kind="b2c",
        principal=D("10000.00"),
        start=date(2023, 6, 30),
        end=date(2024, 12, 31),
    )

    assert spans(result) == [
        (date(2023, 7, 1), date(2023, 12, 31), 184, D("6.00")),
        (date(2024, 1, 1), date(2024, 6, 30), 182, D("7.00")),
        (date(2024, 7, 1), date(2024, 12, 31), 184, D("7.00")),
    ]
    assert result.periods[2].principal.quantize(D("0.0001")) == D("10651.5068")
    assert result.interest == D("1027.37")


def test_nl_year_of_default_is_counted_from_the_first_interest_day_not_the_calendar(book):
    """Due 2024-03-15: the first year ends 2025-03-15, so the 2025-H1 period splits there."""
    result = compute(book, country="NL", kind="b2b", start=date(2024, 3, 15), end=date(2025, 6, 30))

    assert [(p.first_day, p.last_day) for p in result.periods] == [
        (date(2024, 3, 16), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 3, 15)),
        (date(2025, 3, 16), date(2025, 6, 30)),
    ]
    assert result.periods[3].principal > result.periods[2].principal == D("1000.00")


def test_add_years_takes_28_february_for_29_february():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


# --- Belgium -----------------------------------------------------------------------------


def test_be_b2b_splits_at_the_2025_half_year(book):
    """1,000 EUR, due 2024-12-15, to 2025-01-14: 16 days at 12.5 %, 14 days at 11.5 %.
    (1000 × 12.5 × 16 + 1000 × 11.5 × 14) / 36500 = (200,000 + 161,000) / 36500 = 9.8904… → 9.89"""
    result = compute(book, country="BE", kind="b2b", start=date(2024, 12, 15), end=date(2025, 1, 14))

    assert spans(result) == [
        (date(2024, 12, 16), date(2024, 12, 31), 16, D("12.50")),
        (date(2025, 1, 1), date(2025, 1, 14), 14, D("11.50")),
    ]
    assert result.interest == D("9.89")


def test_be_b2c_is_capped_at_the_b2b_rate_from_book_xix(book):
    b2b = compute(book, country="BE", kind="b2b", start=date(2024, 12, 15), end=date(2025, 1, 14))
    b2c = compute(book, country="BE", kind="b2c", start=date(2024, 12, 15), end=date(2025, 1, 14))

    assert b2c.interest == b2b.interest
    assert b2c.rule.code == "be_b2c_xix_4"


def test_be_b2c_before_book_xix_is_refused(book):
    with pytest.raises(NoRateForDate) as err:
        compute(book, country="BE", kind="b2c", start=date(2023, 8, 1), end=date(2023, 10, 1))

    assert err.value.field == "from"


def test_rounding_is_half_up_once_at_the_end(book):
    """10.60 EUR at 12.5 % for 73 days: 10.60 × 12.5 × 73 / 36500 = 0.265 exactly → 0.27
    (banker's rounding would give 0.26)."""
    result = compute(
        book, country="BE", kind="b2b", principal=D("10.60"), start=date(2024, 1, 15), end=date(2024, 3, 28)
    )

    assert result.exact == D("0.265")
    assert result.interest == D("0.27")


# --- Austria -----------------------------------------------------------------------------


def test_at_b2b_uses_the_base_rate_of_the_half_year_start(book):
    """1,000 EUR, due 2024-06-15, to 2025-01-15. Base rate on 2024-01-01 and 2024-07-01: 3.88
    (OeNB lowered it to 3.03 only on 2024-09-18, inside the half-year) → 13.08 % for
    2024-06-16 … 2024-12-31 (199 days); 2025-01-01: 2.53 → 11.73 % for 15 days.
    (1000 × 13.08 × 199 + 1000 × 11.73 × 15) / 36500 = (2,602,920 + 175,950) / 36500 = 76.1334… → 76.13"""
    result = compute(book, country="AT", kind="b2b", start=date(2024, 6, 15), end=date(2025, 1, 15))

    assert spans(result) == [
        (date(2024, 6, 16), date(2024, 12, 31), 199, D("13.08")),
        (date(2025, 1, 1), date(2025, 1, 15), 15, D("11.73")),
    ]
    assert result.interest == D("76.13")


def test_at_b2b_ignores_a_base_rate_change_inside_the_half_year():
    book = RateBook(
        [
            RateRow(
                "at_basiszinssatz", date(2024, 7, 1), date(2024, 9, 17), D("3.88"), "oenb.at", "confirmed", ""
            ),
            RateRow("at_basiszinssatz", date(2024, 9, 18), None, D("3.03"), "oenb.at", "confirmed", ""),
        ]
    )

    result = compute(book, country="AT", kind="b2b", start=date(2024, 9, 1), end=date(2024, 12, 31))

    assert spans(result) == [(date(2024, 9, 2), date(2024, 12, 31), 121, D("13.08"))]


def test_at_b2c_is_four_percent_in_a_leap_february(book):
    """Due 2024-01-31, to 2024-03-01: 29 February days + 1 = 30 days at 4 %.
    1000 × 4 × 30 / 36500 = 3.2876… → 3.29"""
    result = compute(book, country="AT", kind="b2c", start=date(2024, 1, 31), end=date(2024, 3, 1))

    assert spans(result) == [(date(2024, 2, 1), date(2024, 3, 1), 30, D("4.00"))]
    assert result.interest == D("3.29")


# --- warnings and refusals -------------------------------------------------------------------


def test_a_period_past_the_last_published_half_year_warns(book):
    result = compute(book, country="DE", kind="b2b", start=date(2026, 6, 1), end=date(2026, 8, 1))

    assert any("no figure stored from 2026-07-01" in w for w in result.warnings)


def test_an_unconfirmed_row_warns(book):
    result = compute(book, country="NL", kind="b2c", start=date(2025, 8, 1), end=date(2025, 9, 1))

    assert any("weak" in w for w in result.warnings)


def test_a_confirmed_closed_period_has_no_warning(book):
    assert (
        compute(book, country="DE", kind="b2b", start=date(2024, 1, 15), end=date(2024, 7, 15)).warnings == []
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"country": "FR"}, UnknownCountry, "country"),
        ({"kind": "b2g"}, UnknownKind, "kind"),
        ({"principal": D("-0.01")}, NegativePrincipal, "principal"),
        ({"start": date(2024, 8, 1)}, BadPeriod, "from"),
        ({"start": date(2001, 12, 30)}, NoRateForDate, "from"),
    ],
)
def test_bad_input_names_the_field(book, kwargs, error, field):
    args = {"country": "DE", "kind": "b2b", "start": date(2024, 1, 15), "end": date(2024, 7, 15), **kwargs}

    with pytest.raises(error) as err:
        compute(book, **args)

    assert err.value.field == field


def test_the_first_table_day_is_the_first_possible_interest_day(book):
    """2.57 + 8 (an obligation of 2001 predates the + 9 of 29 Jul 2014) = 10.57 %."""
    result = compute(book, country="DE", kind="b2b", start=date(2001, 12, 31), end=date(2002, 1, 1))

    assert spans(result) == [(date(2002, 1, 1), date(2002, 1, 1), 1, D("10.57"))]


def test_at_b2b_before_the_first_base_rate_is_refused(book):
    with pytest.raises(NoRateForDate):
        compute(book, country="AT", kind="b2b", start=date(2012, 12, 1), end=date(2013, 2, 1))


@pytest.mark.django_db
def test_the_migration_stored_the_shipped_tables(book):
    """Without a book, interest_for reads the database, which the data migration filled."""
    stored = interest_for(
        country="DE", kind="b2b", principal=D("1000.00"), start=date(2024, 1, 15), end=date(2024, 7, 15)
    )

    assert stored.interest == D("62.82")
    assert sum(len(RateBook.load().rows(s)) for s in ("de_basiszinssatz", "at_consumer")) == sum(
        len(book.rows(s)) for s in ("de_basiszinssatz", "at_consumer")
    )


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(2016, 1, 1), max_value=date(2026, 12, 31))
amounts = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2)
simple = st.sampled_from([("DE", "b2b"), ("DE", "b2c"), ("AT", "b2b"), ("AT", "b2c"), ("BE", "b2b")])


@settings(max_examples=200, deadline=None)
@given(where=simple, principal=amounts, a=days, b=days, c=days)
def test_simple_interest_is_additive_over_adjacent_periods(book, where, principal, a, b, c):
    start, mid, end = sorted((a, b, c))
    country, kind = where

    def exact(s, e):
        return compute(book, country=country, kind=kind, principal=principal, start=s, end=e).exact

    assert abs(exact(start, mid) + exact(mid, end) - exact(start, end)) < D("1e-20")


@settings(max_examples=100, deadline=None)
@given(
    country=st.sampled_from(["DE", "NL", "BE", "AT"]),
    kind=st.sampled_from(["b2b", "b2c"]),
    day=days,
    principal=amounts,
)
def test_zero_days_give_zero_interest(book, country, kind, day, principal):
    if (country, kind) == ("BE", "b2c"):
        day = max(day, date(2023, 9, 1))
    result = compute(book, country=country, kind=kind, principal=principal, start=day, end=day)

    assert result.interest == 0 and result.periods == []


@settings(max_examples=100, deadline=None)
@given(principal=amounts, a=days, b=days, kind=st.sampled_from(["b2b", "b2c"]))
def test_nl_compounding_never_gives_less_than_simple_interest(book, principal, a, b, kind):
    start, end = sorted((a, b))
    compounded = compute(book, country="NL", kind=kind, principal=principal, start=start, end=end)
    simple_sum = sum((p.rate * principal * p.days / 36500 for p in compounded.periods), D(0))

    assert compounded.exact >= simple_sum - D("1e-20")
    if end - start <= timedelta(days=365):
        assert abs(compounded.exact - simple_sum) < D("1e-20")
