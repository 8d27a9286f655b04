"""The template editor and the call outcome in a real Chromium.

Screenshots at 1280 and 390 px go to /tmp/h6shots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from tact.dunning.models import Hold
from tact.messaging.defaults import shipped_sync
from tact.messaging.models import MessageTemplate

from .conftest import build_portfolio
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TACT_SHOTS", "/tmp/h6shots"))
THREAT = "Otherwise the case goes to a collection agency."


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def shipped(db):
    # A transactional test starts from an emptied database: the shipped texts come back.
    shipped_sync(model=MessageTemplate)


def preview_shows(page, text: str) -> None:
    expect(page.frame_locator(".preview-frame").locator("body")).to_contain_text(text)


def test_edit_a_template_with_live_preview_refused_threat_and_saved_version(
    page, live_server, creditor, manager, shipped
):
    portfolio = build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)
    page.click("nav >> text=Message templates")
    page.select_option("#id_language", "en")
    page.select_option("#id_channel", "email")
    page.wait_for_function("!document.querySelector('#template-results td.primary a[href*=\"/de/\"]')")
    shoot(page, "template-list")
    page.goto(f"{live_server.url}/templates/reminder/email/en/neutral/?debtor={portfolio.mueller.pk}")
    preview_shows(page, "Dear Erika Müller,")
    shoot(page, "editor-opened")

    # Typing changes the preview, for the debtor chosen.
    page.select_option("#id_debtor", str(portfolio.bakker.pk))
    page.fill(
        "#id_body", "{{ salutation }}\n\nA short word about {{ first_item.number }}.\n\n{{ signature }}"
    )
    page.wait_for_function(
        "document.querySelector('.preview-frame')?.srcdoc.includes('A short word about RE-2001.')"
    )
    preview_shows(page, "A short word about RE-2001.")  # Bakker's item, not Müller's

    # An unknown variable is named with its line, while typing.
    page.fill("#id_body", "{{ salutation }}\n\nCustomer {{ debtor.nummer }}\n\n{{ signature }}")
    page.wait_for_selector("[data-testid=problems]")
    assert "Text, line 3:" in page.locator("[data-testid=problems]").inner_text()
    assert "debtor.nummer" in page.locator("[data-testid=problems]").inner_text()

    # A threatening sentence is shown with its finding, and saving it is refused.
    page.fill(
        "#id_body", "{{ salutation }}\n\nPlease pay {{ totals.due }}. " + THREAT + "\n\n{{ signature }}"
    )
    page.wait_for_selector("[data-testid=findings]")
    findings = page.locator("[data-testid=findings]").inner_text()
    assert "Threatens a collection agency or bailiff" in findings and THREAT in findings
    shoot(page, "editor-threat")
    page.click("text=Save as new version")
    page.wait_for_selector("[data-testid=findings]")
    with scope(creditor=creditor):
        assert not MessageTemplate.objects.filter(creditor=creditor).exists()

    # Without the threat it saves as version 1, and the history shows it.
    page.fill(
        "#id_body",
        "{{ salutation }}\n\nPlease pay {{ totals.due }} by {{ stage.deadline }}.\n\n{{ signature }}",
    )
    page.wait_for_selector("[data-testid=draft-ok]")
    page.fill("#id_note", "no threat")
    page.click("text=Save as new version")
    page.wait_for_selector(".alert-success")
    assert "Version 1 is saved" in page.locator(".alert-success").inner_text()
    history = page.locator("#history").inner_text()
    assert "no threat" in history and "in use" in history
    assert "Your own text, version 1, is in use" in page.locator("[data-testid=source]").inner_text()
    shoot(page, "editor-saved")


def test_log_a_promise_by_phone_and_see_the_hold_on_the_debtor_page(
    page, live_server, creditor, manager, shipped
):
    portfolio = build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/debtors/{portfolio.mueller.pk}/")
    page.click("text=Log a call")
    page.wait_for_url(re.compile(r".*/call/$"))
    assert "Anruf bei Müller Maschinenbau GmbH" in page.locator(".script-title").inner_text()
    assert not page.locator("#id_promise_on").is_visible()  # the promise fields show with their outcome
    shoot(page, "call")

    page.get_by_label("Promise to pay").check()
    page.fill("#id_promise_on", "2025-12-15")
    page.fill("#id_promise_amount", "500.00")
    page.fill("#id_note", "Pays half now, the rest with the next order.")
    shoot(page, "call-promise")
    page.click("text=Record the call")

    page.wait_for_url(re.compile(rf".*/debtors/{portfolio.mueller.pk}/$"))
    holds = page.locator("#holds").inner_text()
    assert "Promise to pay" in holds and "500.00 EUR by 2025-12-15" in holds
    assert "Promise to pay · €500.00 by 15 Dec 2025" in page.locator(".timeline").inner_text()
    with scope(creditor=creditor):
        hold = Hold.objects.get(debtor=portfolio.mueller)
    assert hold.reason == "promise" and str(hold.ends_on) == "2025-12-18"
    shoot(page, "debtor-after-call")


def test_write_an_e_mail_see_it_on_the_timeline_and_open_it_from_the_outbox(
    page, live_server, creditor, manager, shipped
):
    portfolio = build_portfolio(creditor, by=manager)
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/debtors/{portfolio.mueller.pk}/")
    page.click("text=Write an e-mail")
    page.fill("#id_subject", "Ihre Rechnung RE-1001")
    page.fill("#id_body", "Guten Tag Frau Müller,\n\nwie eben am Telefon besprochen.\n\nViele Grüße")
    page.click("button:has-text('Send the e-mail')")

    expect(page.locator(".alert, .messages").first).to_contain_text("was sent")
    entry = page.locator(".timeline li", has_text="Personal e-mail sent")
    expect(entry).to_contain_text("einkauf@mueller.example · Ihre Rechnung RE-1001")
    shoot(page, "debtor-timeline-message")
    entry.locator("a").click()

    expect(page.locator("h1")).to_have_text("Ihre Rechnung RE-1001")
    expect(page.frame_locator(".message-frame").locator("body")).to_contain_text(
        "wie eben am Telefon besprochen."
    )
    history = page.locator("#h-history + .table-wrap")
    for step in ("Queued", "Handed over to the mail server", "Sent"):
        expect(history).to_contain_text(step)
    shoot(page, "message")

    page.click("nav >> text=Outbox")
    expect(page.locator("#outbox-results")).to_contain_text("Müller Maschinenbau GmbH")
    # htmx binds the filters once its deferred script has run: a change before that is lost
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    page.select_option("#id_status", "attention")
    expect(page).to_have_url(re.compile(r"status=attention"), timeout=15_000)  # the swap pushes the filter
    expect(page.locator("#outbox-results")).to_contain_text("No message matches.", timeout=15_000)
    shoot(page, "outbox")
