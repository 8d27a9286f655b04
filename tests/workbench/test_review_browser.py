"""A credit manager reviews a dispute in a real Chromium: finds it among the open ones,
sees the deadline, downloads the debtor's file, takes it into review and rejects it with
an explanation that reaches the debtor by e-mail.

Screenshots go to /tmp/shots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django_scopes import scope

from tact.arrangements.models import Dispute
from tact.dunning.models import Hold

from .test_browser import shoot, sign_in
from .test_review import PDF, open_dispute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.TACT_PRIVATE_ROOT = tmp_path / "private"
    return settings.TACT_PRIVATE_ROOT


def test_a_manager_downloads_the_evidence_and_rejects_the_dispute_with_an_explanation(
    page, live_server, creditor, manager, tmp_path
):
    dispute = open_dispute(creditor)
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Disputes and requests").click()
    page.wait_for_selector("[data-testid=review-list]")
    row = page.locator("tr[data-kind=dispute]")
    assert row.count() == 1 and "RE-1" in row.inner_text() and "15 Dec 2025" in row.inner_text()
    shoot(page, "review-list")
    row.get_by_role("link", name="Dispute").click()
    page.wait_for_selector("[data-testid=due-on]")
    assert page.locator("[data-testid=due-on]").inner_text() == "15 Dec 2025"
    with page.expect_download() as download:
        page.click("[data-testid=document]")
    saved = tmp_path / "evidence.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "lieferschein.pdf" and saved.read_bytes() == PDF

    page.click("[data-testid=take]")
    page.wait_for_selector("[data-testid=dispute-status]:has-text('In review')")
    page.check("input[name=outcome][value=rejected]")
    page.click("[data-testid=decide]")  # no explanation yet
    assert page.get_by_text("Please write the explanation the debtor receives.").is_visible()
    page.check("input[name=outcome][value=rejected]")
    page.fill("#id_explanation", "Laut Lieferschein kam die Ware am 3. November unbeschädigt an.")
    shoot(page, "review-dispute")
    page.click("[data-testid=decide]")
    page.wait_for_selector("[data-testid=dispute-status]:has-text('Rejected')")
    assert page.locator("[data-testid=decide]").count() == 0
    assert "re-1@debtor.example" in page.locator(".messages").inner_text()
    shoot(page, "review-dispute-rejected")
    with scope(creditor=creditor):
        assert Dispute.objects.get().status == "rejected"
        assert Hold.objects.get(pk=dispute.hold_id).ended_at is not None
    assert len(mail.outbox) == 1 and "unbeschädigt" in mail.outbox[0].body
