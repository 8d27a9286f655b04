"""Proposing a payment plan in a real Chromium on a phone: from the overview, choose the
invoices, the number of instalments and the first day; the plan is agreed at once and the
next cycle sends nothing for its items; then a SEPA mandate for it.

Screenshots at 390 px go to /tmp/portalshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django_scopes import scope

from tact.arrangements.models import PaymentPlan, SepaMandate
from tact.dunning.models import Hold
from tact.dunning.presets import policy_presets_install
from tact.dunning.services import cycle_run

from .conftest import TODAY, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_PORTAL_SHOTS", "/tmp/portalshots"))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def portal_base(settings, live_server):
    settings.TACT_PORTAL_BASE_URL = f"{live_server.url}/p/"
    return settings.TACT_PORTAL_BASE_URL


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)


def test_a_consumer_proposes_a_plan_on_a_phone_and_the_cycle_sends_nothing(
    phone, portal_base, creditor, world
):
    page = phone
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{link(world.consumer)}")
    page.fill("#id_answer", "50674")
    page.click("main button[type=submit]")
    page.wait_for_selector("#items-h")
    page.click(".lang button[value=de]")
    page.wait_for_selector("html[lang=de]")
    # nothing overflows sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.click("text=In Raten zahlen")
    page.wait_for_selector("#id_count")
    # both open invoices are chosen already; three instalments from a week on
    page.select_option("#id_count", "3")
    page.fill("#id_first_due_on", (TODAY + timedelta(days=7)).isoformat())
    shoot(page, "plan-propose-de")
    page.click("main button[type=submit]")
    page.wait_for_selector(".plan h1")
    assert "Ihr Ratenplan ist vereinbart" in page.locator(".plan h1").inner_text()
    assert page.locator(".schedule dt").count() == 3
    assert "476,00" in page.locator(".schedule").inner_text()
    shoot(page, "plan-agreed-de")

    page.click("text=Per Lastschrift zahlen")
    page.fill("#id_iban", "DE02 1203 0000 0000 2020 51")
    page.check("#id_consent")
    shoot(page, "plan-mandate-de")
    page.click("main button[type=submit]")
    page.wait_for_selector(".plan .notice-ok")
    assert "2051" in page.locator(".plan .notice-ok").inner_text()

    with scope(creditor=creditor):
        plan = PaymentPlan.objects.get()
        assert (plan.status, plan.items.count()) == ("active", 2)
        assert SepaMandate.objects.get().plan_id == plan.pk
        assert Hold.objects.filter(reason="plan", ended_at__isnull=True).count() == 2
        # and the next cycle sends nothing for the consumer's items
        policy_presets_install(creditor=creditor)
        summary = cycle_run(creditor=creditor, run_on=TODAY + timedelta(days=1))
        from tact.dunning.models import Action

        assert not Action.objects.filter(debtor=world.consumer).exists()
        assert summary.held.get("plan", 0) >= 1


def test_a_wrong_first_day_is_refused_on_the_page(phone, portal_base, creditor, world):
    page = phone
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{link(world.consumer)}")
    page.fill("#id_answer", "50674")
    page.click("main button[type=submit]")
    page.wait_for_selector("#items-h")
    page.goto(page.url + "plan/")
    page.fill("#id_first_due_on", (TODAY - timedelta(days=1)).isoformat())
    page.click("main button[type=submit]")
    assert page.locator("#id_first_due_on_error").is_visible()
    with scope(creditor=creditor):
        assert not PaymentPlan.objects.exists()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_plan_pages_pass_wcag_aa(page, portal_base, creditor, world, viewport):
    from .test_accessibility import violations

    if viewport:
        page.set_viewport_size(viewport)
    page.set_default_navigation_timeout(60_000)
    base = f"{portal_base.rsplit('/p/', 1)[0]}{link(world.business)}"
    problems = {}
    page.goto(base + "plan/")
    problems["propose"] = violations(page)
    page.click("main button[type=submit]")  # three instalments from a week on: agreed at once
    page.wait_for_selector(".plan h1")
    problems["detail"] = violations(page)
    page.click("text=Pay by direct debit")
    page.wait_for_selector("#id_iban")
    problems["mandate"] = violations(page)
    page.fill("#id_iban", "DE00 0000")
    page.click("main button[type=submit]")
    page.wait_for_selector(".error")
    problems["mandate with errors"] = violations(page)
    assert {k: v for k, v in problems.items() if v} == {}
