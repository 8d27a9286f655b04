"""The policy settings in a real Chromium: a copy renamed, given a threshold and made the
default; a bad threshold refused with the field named. Screenshots (1280 and 390 px) go to
/tmp/h1shots/ (not committed) for a person to look at."""

from __future__ import annotations

import re

import pytest
from django_scopes import scope

from tact.dunning.models import Policy
from tact.dunning.services import policy_presets_install

from .test_browser import sign_in
from .test_dunning_browser import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copy_rename_set_a_threshold_and_make_it_the_default(page, live_server, creditor, manager):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
    sign_in(page, live_server, manager)

    # a copy of the customer-centric policy, from the list page
    page.goto(f"{live_server.url}/dunning/policies/")
    page.click("#new-policy summary")
    page.fill("#new-policy input[name=name]", "Gentle copy")
    page.select_option("#new-policy select[name=start]", label="Customer-centric")
    shoot(page, "policies-new")
    page.click("[data-testid=create-policy]")
    page.wait_for_url(re.compile(r".*/dunning/policies/\d+/$"))
    assert page.get_by_text("The policy “Gentle copy” was created.").is_visible()
    stages = page.locator("fieldset.stage-form").evaluate_all("els => els.map(e => e.dataset.stage)")
    assert stages == ["pre_due", "friendly_reminder", "personal_contact", "plan_offer", "final_notice",
                      "handover_proposal", ""]  # fmt: skip  # the stages came along, and a blank one to add

    # renamed
    page.fill("#details input[name=name]", "Gentle (all debtors)")
    page.click("[data-testid=save-details]")
    page.get_by_text("The policy “Gentle (all debtors)” was saved.").wait_for()
    assert page.locator("h1").inner_text().startswith("Gentle (all debtors)")

    # a threshold of EUR 25 replaces the copied 10
    page.fill("#thresholds input[name=currency]", "eur")
    page.fill("#thresholds input[name=minimum_amount]", "25")
    page.click("[data-testid=set-threshold]")
    page.get_by_text("Threshold saved: no dunning below €25.00.").wait_for()
    assert page.locator("[data-testid=thresholds] li").all_inner_texts() == [
        "EUR at least €25.00 overdue\nRemove"
    ]

    # made the default
    page.click("[data-testid=make-default]")
    page.get_by_text("“Gentle (all debtors)” is now the default policy").wait_for()
    assert page.locator("h1 .badge").inner_text() == "default"
    assert page.locator("[data-testid=make-default]").count() == 0
    shoot(page, "policy-settings")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sticks out

    page.goto(f"{live_server.url}/dunning/policies/")
    first = page.locator("section.policy-card").first
    assert first.locator("h2 a").first.inner_text() == "Gentle (all debtors)"
    assert "Minimum overdue: €25.00" in first.locator(".card-note").inner_text()
    with scope(creditor=creditor):
        default = Policy.objects.get(is_default=True)
        assert default.name == "Gentle (all debtors)"
        assert dict(default.thresholds.values_list("currency", "minimum_amount")) == {"EUR": 25}


def test_a_bad_threshold_is_refused_naming_the_field(page, live_server, creditor, manager):
    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        centric = Policy.objects.get(preset="customer_centric")
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/dunning/policies/{centric.pk}/")

    page.fill("#thresholds input[name=currency]", "EUR")
    page.fill("#thresholds input[name=minimum_amount]", "-5")
    page.click("[data-testid=set-threshold]")
    amount_error = page.locator("#thresholds .field-minimum_amount .errorlist")
    amount_error.wait_for()
    assert amount_error.inner_text() == "Minimum amount: must be zero or more."
    assert page.locator("#thresholds input[name=minimum_amount]").input_value() == "-5"  # kept

    page.fill("#thresholds input[name=currency]", "EURO")
    page.fill("#thresholds input[name=minimum_amount]", "5")
    page.click("[data-testid=set-threshold]")
    currency_error = page.locator("#thresholds .field-currency .errorlist")
    currency_error.wait_for()
    assert currency_error.inner_text() == "Currency: “EURO” is not an ISO 4217 code such as EUR, CHF or GBP."
    shoot(page, "policy-threshold-refused")

    assert page.locator("[data-testid=thresholds] li").all_inner_texts() == [
        "EUR at least €10.00 overdue\nRemove"
    ]
