"""The dunning pages in a real Chromium: the plan, the approval queue, holds, the policy
editor with its law check and simulation.

Screenshots at 1280 and 390 px go to /tmp/h1shots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope

from tact.dunning.models import Action, Hold
from tact.law.services import rates_load_bundled

from .conftest import PASSWORD, build_portfolio
from .dunning_fixtures import final_notices
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_DUNNING_SHOTS", "/tmp/h1shots"))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def statuses(creditor) -> dict[str, str]:
    with scope(creditor=creditor):
        return dict(Action.objects.filter(stage__key="final_notice").values_list("debtor__number", "status"))


def test_open_the_plan_then_approve_skip_and_bulk_approve(page, live_server, creditor, manager):
    final_notices(creditor, 4)
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/dunning/plan/")
    assert page.locator("[data-testid=action-count]").inner_text() == "4"
    first = page.locator("tbody.action-row").first
    first.get_by_text("Why this step, why now").click()
    assert first.get_by_text("No active hold on the debtor or on these items.").is_visible()
    assert first.get_by_text("Final notice").first.is_visible()
    shoot(page, "plan")

    page.click("nav >> text=Approvals")
    page.wait_for_url(re.compile(r".*/dunning/approvals/$"))
    assert page.locator("article.action-card").count() == 4
    shoot(page, "approvals")

    card = page.locator("article[data-debtor=D0000]")
    card.locator("[data-testid=approve]").click()
    page.locator("article[data-debtor=D0000] [data-status=approved]").wait_for()

    card = page.locator("article[data-debtor=D0001]")
    card.locator("input[name=note]").fill("Customer called: pays on Friday")
    card.get_by_role("button", name="Skip").click()
    page.locator("article[data-debtor=D0001] [data-status=skipped]").wait_for()
    assert (
        page.locator("article[data-debtor=D0001]").get_by_text("Customer called: pays on Friday").is_visible()
    )
    shoot(page, "approvals-decided")

    page.check("#select-all")  # only the actions still open have a box
    assert page.locator("input[name=ids]:checked").count() == 2
    page.click("[data-testid=bulk-approve]")
    page.get_by_text("2 actions approved.").wait_for()
    assert page.get_by_text("Nothing awaits approval.").is_visible()
    assert statuses(creditor) == {
        "D0000": "approved",
        "D0001": "skipped",
        "D0002": "approved",
        "D0003": "approved",
    }


def test_place_and_end_a_hold_on_the_debtor_page(page, live_server, creditor, manager):
    portfolio = build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/debtors/{portfolio.mueller.pk}/")
    assert page.locator("#holds").get_by_text("No hold").is_visible()
    page.locator("#holds summary").click()
    page.select_option("#holds select[name=reason]", "dispute")
    page.select_option("#holds select[name=target]", label="Item RE-1001")
    page.fill("#holds input[name=note]", "Goods arrived damaged")
    page.click("[data-testid=place-hold]")
    page.locator("#holds li.hold.is-active").wait_for()
    assert page.locator("#holds").get_by_text("Goods arrived damaged").is_visible()
    assert page.locator("#holds").get_by_text("on item RE-1001").is_visible()
    shoot(page, "debtor-holds")

    page.click("[data-testid=end-hold]")
    page.locator("#holds li.hold.is-ended").wait_for()
    with scope(creditor=creditor):
        hold = Hold.objects.get()
    assert (hold.reason, hold.invoice_id, hold.ended_at is not None) == (
        "dispute",
        portfolio.overdue.pk,
        True,
    )

    page.goto(f"{live_server.url}/items/{portfolio.overdue.pk}/")
    assert page.locator("#holds li.hold.is-ended").count() == 1
    shoot(page, "invoice-holds")


def test_a_forbidden_fee_is_refused_next_to_its_field_and_a_simulation_explains(
    page, live_server, creditor, manager
):
    build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/dunning/policies/")
    page.click("[data-testid=install-presets]")
    page.get_by_text("Installed:").wait_for()
    shoot(page, "policies")
    page.get_by_role("link", name="Customer-centric").click()
    page.wait_for_url(re.compile(r".*/dunning/policies/\d+/$"))
    shoot(page, "policy")

    stage = page.locator("fieldset[data-stage=friendly_reminder]")
    stage.get_by_label("Charges collection costs").check()
    page.click("[data-testid=save-policy]")
    page.locator("[data-testid=policy-errors]").wait_for()
    stage = page.locator("fieldset[data-stage=friendly_reminder]")
    error = stage.locator(".field-charges_fees .errorlist")
    assert "The law forbids this charge" in error.inner_text()
    assert stage.get_by_label("Charges collection costs").is_checked()  # the input is kept
    shoot(page, "policy-refused")

    page.fill("#simulation input[name=debtor]", "K1000")
    page.fill("#simulation input[name=on]", "2025-12-01")
    page.click("[data-testid=simulate]")
    page.locator("[data-testid=sim-verdict]").wait_for()
    assert "1 action would go out." in page.locator("[data-testid=sim-verdict]").inner_text()
    advancing = page.locator("#sim-result li.sim-item[data-reason=advances]")
    assert advancing.locator("strong").all_inner_texts() == ["RE-1001"]
    assert page.locator("#sim-result li.sim-item[data-reason=not_yet_due] strong").inner_text() == "RE-1002"
    shoot(page, "policy-simulation")


def test_calculate_interest_and_preview_the_cycle(page, live_server, creditor, manager):
    # A transactional test before this one flushed the rate tables the migration loaded.
    rates_load_bundled()
    build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/law/")
    form = page.locator("#interest")
    form.locator("select[name=country]").select_option("DE")
    form.locator("select[name=kind]").select_option("b2b")
    form.locator("input[name=principal]").fill("1000.00")
    form.locator("input[name=start]").fill("2024-01-15")
    form.locator("input[name=end]").fill("2024-07-15")
    with page.expect_navigation():
        page.click("[data-testid=calc-interest]")
    result = page.locator("[data-testid=interest-result]")
    result.wait_for()
    assert "€62.82" in result.locator(".stat-value").inner_text()
    assert result.locator("tbody tr").count() == 2
    shoot(page, "law")

    page.goto(f"{live_server.url}/dunning/plan/")
    page.get_by_role("button", name="Preview (dry run)").click()
    page.locator("[data-testid=preview-actions]").wait_for()
    assert page.locator("[data-testid=preview-actions]").inner_text() == "1"
    assert page.locator("tbody.action-row").first.get_attribute("data-debtor") == "K1000"
    shoot(page, "preview")
    with scope(creditor=creditor):
        assert not Action.objects.exists()


def test_the_pages_in_german_fit_their_longer_words(page, live_server, creditor, manager):
    final_notices(creditor, 2)
    build_portfolio(creditor, by=manager)
    page.context.add_cookies([{"name": "django_language", "value": "de", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/debtors/$"))

    for path, name, heading in [
        ("/dunning/plan/", "de-plan", "Plan für heute"),
        ("/dunning/approvals/", "de-approvals", "Freigaben"),
        ("/dunning/policies/", "de-policies", "Strategien"),
        ("/law/?calc=fees&country=NL&kind=b2c&principal=3000.00", "de-law", "Rechtsrechner"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text() == heading
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )  # nothing sticks out
        shoot(page, name)
    page.goto(f"{live_server.url}/dunning/policies/")
    page.get_by_role("link", name="Customer-centric").click()
    page.wait_for_url(re.compile(r".*/dunning/policies/\d+/$"))
    shoot(page, "de-policy")
