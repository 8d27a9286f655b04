"""A cancellation request in a real Chromium: from the overview, in the debtor's language,
on a desktop and a phone, with the error for a missing description; and the FAQ.

Screenshots go to /tmp/portalshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import pytest
from django_scopes import scope

from tact.dunning.models import Hold
from tact.messaging.models import Message
from tact.portal.models import FaqEntry, Submission

from .conftest import link
from .test_browser import confirm_postcode, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def base(live_server):
    return live_server.url


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])  # fmt: skip
def test_a_consumer_requests_a_cancellation_in_dutch(page, base, creditor, world, viewport):
    page.set_viewport_size(viewport)
    page.goto(base + link(world.consumer))
    confirm_postcode(page)
    page.get_by_role("link", name="Annulering aanvragen").click()
    page.wait_for_selector("#id_reason")
    assert page.locator("h1").inner_text() == "Annulering aanvragen"
    page.select_option("#id_item", str(world.overdue.pk))
    page.select_option("#id_reason", "withdrawal")
    page.click("main button[type=submit]")  # no description yet
    assert page.locator("#id_text_error").is_visible()
    page.fill("#id_text", "Ik maak gebruik van mijn herroepingsrecht.")
    shoot(page, f"cancellation-nl-{viewport['width']}")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    text = page.locator(".confirmation").inner_text()
    assert "Uw annuleringsverzoek is verstuurd" in text and "RE-1001" in text and "15 dec 2025" in text
    shoot(page, f"cancellation-done-nl-{viewport['width']}")
    with scope(creditor=creditor):
        task = Submission.objects.get(kind="cancellation")
        assert (task.status, task.facts["reason"]) == ("open", "withdrawal")
        assert Hold.objects.get(pk=task.hold_id).invoice_id == world.overdue.pk
        mail = Message.objects.get(template_key="portal_confirmation")
        assert mail.language == "nl" and "RE-1001" in mail.body_text


def test_the_faq_opens_from_the_overview_in_french(page, base, creditor, world):
    with scope(creditor=creditor):
        FaqEntry.objects.create(creditor=creditor, topic="pay", language="fr", question="Comment payer ?",
                                answer="Par virement.")  # fmt: skip
        FaqEntry.objects.create(creditor=creditor, topic="pay", language="de", question="Wie zahlen?",
                                answer="Per Überweisung.")  # fmt: skip
    page.goto(base + link(world.business))
    page.click(".lang button[value=fr]")
    page.wait_for_selector("html[lang=fr]")
    page.get_by_role("link", name="Questions et réponses").click()
    page.wait_for_selector("details.faq")
    assert page.locator("details.faq summary").all_inner_texts() == ["Comment payer ?"]
    assert page.get_by_text("Par virement.").is_visible()
