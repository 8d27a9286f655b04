"""The debtor's journeys in a real Chromium: from the link in an e-mail, through the
second factor, to a promise, a dispute with an upload and an online payment.

Screenshots at 1280 and 390 px go to /tmp/portalshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope

from tact.arrangements.models import Dispute, Promise
from tact.dunning.models import Hold
from tact.ledger.models import Invoice
from tact.messaging.services import message_context, template_render

from .conftest import TODAY, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_PORTAL_SHOTS", "/tmp/portalshots"))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture
def portal_base(settings, live_server):
    settings.TACT_PORTAL_BASE_URL = f"{live_server.url}/p/"
    return settings.TACT_PORTAL_BASE_URL


def link_in_email(creditor, debtor, items) -> str:
    """Render the friendly reminder e-mail as messaging would and take the portal link from it."""
    from tact.messaging.defaults import shipped_sync
    from tact.messaging.models import MessageTemplate

    shipped_sync(model=MessageTemplate)  # a transactional test may have emptied the shipped texts
    with scope(creditor=creditor):
        ctx = message_context(creditor=creditor, debtor=debtor, items=items,
                              action_facts={"stage": "friendly_reminder"}, today=TODAY)  # fmt: skip
        mail = template_render(key="friendly_reminder", language=debtor.language, tone="friendly", channel="email",
                               context=ctx)  # fmt: skip
    found = re.search(r"(http://\S+?/p/[0-9a-z-]+/)", mail.text)
    assert found, mail.text
    return found.group(1)


def confirm_postcode(page) -> None:
    page.fill("#id_answer", "50674")
    page.click("main button[type=submit]")
    page.wait_for_selector("#items-h")


def test_a_consumer_opens_the_link_in_an_email_confirms_the_postcode_and_promises(
    page, portal_base, creditor, world
):
    url = link_in_email(creditor, world.consumer, [world.overdue])
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_text("RE-1001").count() == 0
    shoot(page, "verify-nl")

    page.fill("#id_answer", "12345")
    page.click("main button[type=submit]")
    assert page.locator(".error").is_visible()
    confirm_postcode(page)
    assert page.locator(".item-number").all_inner_texts() == ["Factuur RE-1001", "Factuur RE-1002"]
    shoot(page, "home-nl")

    page.click(".lang button[value=en]")
    page.wait_for_selector("html[lang=en]")
    page.click("text=Promise to pay by a date")
    page.fill("#id_promised_on", "2025-12-12")
    page.fill("#id_amount", "600")
    shoot(page, "promise-en")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    assert "Thank you for your promise" in page.locator("h1").inner_text()
    shoot(page, "promise-done-en")
    with scope(creditor=creditor):
        promise = Promise.objects.get()
        assert Hold.objects.get(pk=promise.hold_id).reason == "promise"


def test_a_dispute_with_an_uploaded_pdf_holds_the_item(page, portal_base, creditor, world, tmp_path):
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{link(world.consumer)}")
    confirm_postcode(page)
    page.click(".lang button[value=de]")
    page.wait_for_selector("html[lang=de]")
    page.locator(f"#item-{world.overdue.pk}").get_by_text("Stimmt etwas nicht?").click()
    page.wait_for_selector("#id_reason")
    assert page.locator("#id_item").input_value() == str(world.overdue.pk)
    page.select_option("#id_reason", "defective")
    page.fill("#id_text", "Zwei Stühle kamen zerkratzt an.")
    photo = tmp_path / "foto.pdf"
    photo.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#id_document", str(photo))
    shoot(page, "dispute-de")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirmation")
    assert "RE-1001" in page.locator(".confirmation p").first.inner_text()
    shoot(page, "dispute-done-de")
    page.click("text=Zurück zu Ihrer Übersicht")
    assert page.locator(f"#item-{world.overdue.pk}").get_by_text("Einwand erhalten").is_visible()
    with scope(creditor=creditor):
        dispute = Dispute.objects.get()
        assert (dispute.invoice_id, dispute.document_type) == (world.overdue.pk, "application/pdf")
        assert Hold.objects.get(pk=dispute.hold_id).invoice_id == world.overdue.pk


def test_an_upload_that_is_no_pdf_is_refused_on_the_page(page, portal_base, creditor, world, tmp_path):
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{link(world.business)}dispute/")
    page.fill("#id_text", "Wrong price.")
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"#!/bin/sh\necho not a pdf\n")
    page.set_input_files("#id_document", str(fake))
    page.click("main button[type=submit]")
    assert page.locator(".error").inner_text().strip() == "Please upload a PDF, PNG or JPEG file."
    with scope(creditor=creditor):
        assert not Dispute.objects.exists()


def test_paying_with_the_test_provider_closes_the_item_on_a_phone(page, portal_base, creditor, world):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{link(world.business)}")
    assert page.locator(".item-number").all_inner_texts() == ["Invoice RE-2001"]
    page.click("text=Pay now")
    page.wait_for_selector("#online-h")
    assert page.locator(".qr-code img").count() == 1
    shoot(page, "pay-en")
    page.click("text=Continue to payment")
    page.wait_for_selector("text=Test payment provider")
    shoot(page, "test-provider")
    page.click("button[value=pay]")
    page.wait_for_selector("text=Thank you for your payment")
    shoot(page, "paid-en")
    page.click("text=Back to your overview")
    assert page.get_by_text("Nothing is open. Thank you!").is_visible()
    with scope(creditor=creditor):
        assert Invoice.objects.get(pk=world.b2b_item.pk).open_amount == 0


def test_a_forged_link_shows_the_neutral_page(page, portal_base, world):
    good = link(world.business)
    page.goto(f"{portal_base.rsplit('/p/', 1)[0]}{good[:-3]}zz/")
    assert page.locator("h1").inner_text() == "This link cannot be opened"
    assert page.get_by_text("RE-2001").count() == 0
    shoot(page, "neutral")
