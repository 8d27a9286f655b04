"""The portal's pages against WCAG 2.1 A and AA, as axe-core (the engine behind most
accessibility checkers) finds them in a real Chromium, at desktop and phone width.

axe-core cannot judge everything WCAG asks (whether a text is clear, whether the order makes
sense); what it can judge — contrast, names of controls, labels, landmarks, language,
headings, zoom — must have no violation on any page a debtor sees.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}  # fmt: skip
PHONE = {"width": 390, "height": 844}
PAGES = ["", "pay/", "promise/", "dispute/", "paid/", "preferences/", "contact/"]


def violations(page) -> list[str]:
    """Each violation as one readable line: rule, impact, the elements it found."""
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in found
    ]


@pytest.fixture
def base(live_server, settings, page):
    settings.TACT_PORTAL_BASE_URL = f"{live_server.url}/p/"
    # The first page of a fresh server renders slowly on a busy machine (CI shares 2 cores).
    page.set_default_navigation_timeout(60_000)
    return live_server.url


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_every_page_a_business_debtor_sees_passes_wcag_aa(page, base, world, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    path = link(world.business)
    problems = {}
    for sub in PAGES:
        page.goto(f"{base}{path}{sub}")
        page.wait_for_selector("main")
        if found := violations(page):
            problems[sub or "home"] = found
    assert problems == {}


def test_the_second_factor_page_and_its_error_pass_wcag_aa_in_dutch(page, base, world):
    page.goto(f"{base}{link(world.consumer)}")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert violations(page) == []
    page.fill("#id_answer", "00000")
    page.click("main button[type=submit]")
    page.wait_for_selector(".error")
    assert violations(page) == []


def test_a_form_sent_back_with_errors_passes_wcag_aa(page, base, world):
    # the promise form with an empty date: the errors must be announced and tied to their fields
    page.goto(f"{base}{link(world.business)}promise/")
    page.fill("#id_amount", "-5")
    page.click("main button[type=submit]")
    page.wait_for_selector(".error, .errorlist")
    assert violations(page) == []


def test_the_neutral_page_of_a_forged_link_passes_wcag_aa(page, base, world):
    page.goto(f"{base}/p/forged-token-0000/")
    assert violations(page) == []


def test_the_check_finds_what_it_is_meant_to_find(page, base, world):
    # the same page with a control that has no name and grey text on white: both are reported
    page.goto(f"{base}{link(world.business)}")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<button type="button"></button><p style="color:#bbb;background:#fff">faint</p>');
    }""")
    found = " ".join(violations(page))
    assert "button-name" in found and "color-contrast" in found
