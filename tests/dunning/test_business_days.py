"""Nothing goes out on a weekend or public holiday of the debtor's country."""

from __future__ import annotations

from datetime import date

from tact.dunning import business_days
from tact.dunning.business_days import is_business_day, next_business_day
from tact.dunning.models import Action
from tests.dunning.conftest import debtor_with_items, run, stages_of

# 22 Dec 2025 is a Monday: its friendly reminder (+3) falls on Christmas Day.
DUE = date(2025, 12, 22)


def test_christmas_and_the_weekend_are_no_business_days_in_germany():
    assert next_business_day("DE", date(2025, 12, 25)) == date(2025, 12, 29)
    assert not is_business_day("DE", date(2025, 12, 26))
    assert is_business_day("BE", date(2025, 12, 26))  # Boxing Day is no public holiday in Belgium


def test_a_step_due_on_christmas_goes_out_on_the_next_business_day(presets):
    _, [item] = debtor_with_items(presets, due=[DUE])
    for day in (25, 26, 27, 28):
        assert run(presets, date(2025, 12, day)).actions == 0
    run(presets, date(2025, 12, 29))
    [action] = Action.objects.all()
    assert action.run_on == date(2025, 12, 29)
    assert action.items[0]["scheduled_on"] == "2025-12-25"
    assert action.items[0]["rolled_from_non_business_day"] is True
    assert stages_of(item) == ["friendly_reminder"]


def test_a_belgian_debtor_gets_it_on_boxing_day(presets):
    debtor_with_items(presets, due=[DUE], country="BE")
    run(presets, date(2025, 12, 26))
    [action] = Action.objects.all()
    assert action.items[0]["rolled_from_non_business_day"] is True


def test_a_step_on_its_own_business_day_is_not_marked_as_rolled(presets):
    debtor_with_items(presets, due=[date(2025, 3, 3)])
    run(presets, date(2025, 3, 6))
    [action] = Action.objects.all()
    assert "rolled_from_non_business_day" not in action.items[0]


def test_a_late_step_after_a_working_day_is_not_marked_as_rolled(presets):
    debtor_with_items(presets, due=[date(2025, 3, 3)])
    run(presets, date(2025, 3, 10))
    [action] = Action.objects.all()
    assert action.items[0]["scheduled_on"] == "2025-03-06"
    assert "rolled_from_non_business_day" not in action.items[0]


def test_the_shipped_holidays_are_the_librarys_own():
    # the table spares each process the library's import; it must say what the library says
    assert business_days.TABLE.read_text(encoding="utf-8") == business_days.table_text()


def test_shipped_countries_and_years_need_no_library_others_ask_it(monkeypatch):
    asked = []
    library = business_days.library_holidays
    monkeypatch.setattr(business_days, "library_holidays", lambda c, y: asked.append((c, y)) or library(c, y))
    business_days._holidays.cache_clear()
    try:
        assert not is_business_day("NL", date(2026, 4, 27))  # King's Day, from the table
        assert not is_business_day("AT", date(2029, 10, 26))  # National Day, a Friday, from the table
        assert not is_business_day("FR", date(2026, 7, 14))  # Bastille Day, from the library
    finally:
        business_days._holidays.cache_clear()
    assert asked == [("FR", 2026)]
