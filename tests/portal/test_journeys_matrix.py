"""Every portal journey in a real Chromium, on a desktop and a phone, in German and in Dutch:
the second factor, promise, dispute, "I have already paid", preferences, contact,
cancellation, mediation, the FAQ, paying and a payment plan; forged and expired links.

Each step is driven by the form's fields and checked by what the debtor sees (the
confirmation, the page's language) and by what was recorded; the words themselves are
checked by the other browser tests and the catalogue tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_scopes import scope

from tact.arrangements.models import Dispute, Promise
from tact.audit.models import AuditEvent
from tact.portal.models import Submission

from .conftest import NOW, TODAY, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def origin(settings, live_server):
    settings.TACT_PORTAL_BASE_URL = f"{live_server.url}/p/"
    return live_server.url


def submit(page, language: str) -> None:
    """Send the page's form and expect the confirmation, still in the debtor's language."""
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["de", "nl"])
def test_every_journey_on_a_desktop_and_a_phone(page, origin, creditor, world, settings, language, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    consumer = world.consumer
    with scope(creditor=creditor):
        consumer.language = language
        consumer.save(update_fields=["language"])
    path = f"{origin}{link(consumer)}"

    # the second factor before anything is shown; a wrong postcode is refused
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_text("RE-1001").count() == 0
    page.fill("#id_answer", "99999")
    page.click("main button[type=submit]")
    assert page.locator(".error").is_visible()
    page.fill("#id_answer", "50674")
    page.click("main button[type=submit]")
    page.wait_for_selector("#items-h")
    assert page.locator(".item-number").count() == 2

    # promise to pay
    page.goto(f"{path}promise/")
    page.fill("#id_promised_on", (TODAY + timedelta(days=10)).isoformat())
    page.fill("#id_amount", "500")
    submit(page, language)

    # dispute the later item
    page.goto(f"{path}dispute/")
    page.select_option("#id_item", str(world.later.pk))
    page.fill("#id_text", "Die Lieferung fehlt. / De levering ontbreekt.")
    submit(page, language)

    # "I have already paid"
    page.goto(f"{path}paid/")
    page.fill("#id_paid_on", (TODAY - timedelta(days=2)).isoformat())
    page.fill("#id_amount", "100")
    submit(page, language)

    # preferences: a letter from now on
    page.goto(f"{path}preferences/")
    page.select_option("#id_preferred_channel", "letter")
    submit(page, language)

    # a message to a person
    page.goto(f"{path}contact/")
    page.fill("#id_text", "Bitte rufen Sie mich an. / Bel mij alstublieft.")
    submit(page, language)

    # a cancellation request and a request for mediation
    page.goto(f"{path}cancel/")
    page.fill("#id_text", "Bestellung storniert. / Bestelling geannuleerd.")
    submit(page, language)
    page.goto(f"{path}mediation/")
    page.fill("#id_text", "Ich brauche Hilfe. / Ik heb hulp nodig.")
    submit(page, language)

    # the FAQ, paying by transfer (QR code) and the plan form open in the same language
    for part, ready in (("faq/", "main h1"), ("pay/", ".qr-code img"), ("plan/", "#id_count")):
        page.goto(f"{path}{part}")
        page.wait_for_selector(ready)
        assert page.locator("html").get_attribute("lang") == language
    # nothing on any page overflows the phone's width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    with scope(creditor=creditor):
        assert Promise.objects.filter(debtor=consumer).count() == 1
        assert Dispute.objects.get(debtor=consumer).invoice_id == world.later.pk
        assert (
            Submission.objects.filter(debtor=consumer).count() >= 4
        )  # paid, contact, cancellation, mediation
        consumer.refresh_from_db()
        assert consumer.preferred_channel == "letter"
        actions = set(AuditEvent.objects.filter(subject_id=str(consumer.pk)).values_list("action", flat=True))
    assert {"portal_verified", "portal_promise_made"} <= actions


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_forged_and_expired_links_show_the_neutral_page(page, origin, world, settings, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    settings.TACT_PORTAL_LINK_MAX_AGE_DAYS = 30
    good = link(world.business)
    expired = link(world.business, issued_at=NOW - timedelta(days=31))
    pages = []
    for path in (f"{good[:-3]}zz/", expired):
        page.goto(f"{origin}{path}")
        pages.append(page.locator("main").inner_text())
        assert page.get_by_text("RE-2001").count() == 0
    # the same page for both: nothing tells a forged link from an expired one
    assert pages[0] == pages[1]
