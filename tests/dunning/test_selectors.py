"""The dunning reads: the action filters the plan page and the API share."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tact.dunning.models import Action
from tact.dunning.selectors import actions_filtered
from tests.dunning.conftest import MONDAY, debtor_with_items, run

DAY = MONDAY + timedelta(days=3)  # the customer-centric friendly reminder


@pytest.fixture
def actions(presets):
    """Friendly reminders on DAY to a German and a Dutch debtor; one approved."""
    german, _ = debtor_with_items(presets, due=[MONDAY], number="K-100", name="Müller GmbH", country="DE")
    dutch, _ = debtor_with_items(presets, due=[MONDAY], number="K-200", name="Bakker B.V.", country="NL")
    run(presets, DAY)
    Action.objects.filter(debtor=dutch).update(status="approved")
    return {"german": german, "dutch": dutch}


def numbers(qs) -> list[str]:
    return sorted(qs.values_list("debtor__number", flat=True))


def test_no_filter_lists_every_action_of_the_creditor(actions, other_creditor):
    assert numbers(actions_filtered()) == ["K-100", "K-200"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"run_on": DAY}, ["K-100", "K-200"]),
        ({"run_on": DAY + timedelta(days=1)}, []),
        ({"status": "approved"}, ["K-200"]),
        ({"stage": "friendly_reminder"}, ["K-100", "K-200"]),
        ({"stage": "final_notice"}, []),
        ({"channel": "email"}, ["K-100", "K-200"]),
        ({"channel": "letter"}, []),
        ({"country": "NL"}, ["K-200"]),
        ({"q": "müller"}, ["K-100"]),
        ({"q": "k-2"}, ["K-200"]),
        ({"status": "approved", "country": "DE"}, []),
        ({"status": "", "stage": None, "q": ""}, ["K-100", "K-200"]),  # empty means not filtered
    ],
)
def test_each_filter_narrows_the_actions_and_they_combine(actions, filters, expected):
    assert numbers(actions_filtered(**filters)) == expected


def test_the_debtor_filter_takes_the_debtors_id(actions):
    assert numbers(actions_filtered(debtor_id=actions["german"].pk)) == ["K-100"]
