"""SEPA mandates on the staff's page: listed, revoked by a credit manager (audited, with the
reason), and from then on left out of the direct-debit file; the debtor's plan page says so."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scope
from lxml import etree

from tact.arrangements.models import PlanRules, SepaMandate
from tact.arrangements.sepa import NS, mandate_sign
from tact.audit.models import AuditEvent
from tact.dunning.arrangement_holds import plan_propose_held
from tests.factories import ContactFactory, DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)
FIRST = TODAY + timedelta(days=14)


def mandate_of(creditor, name: str, iban: str) -> SepaMandate:
    """A debtor's plan of three instalments from FIRST, with a signed mandate."""
    debtor = DebtorFactory(creditor=creditor, name=name)
    ContactFactory(debtor=debtor)
    item = InvoiceFactory(creditor=creditor, debtor=debtor, gross_amount=Decimal("900.00"), net_amount=None,
                          vat_amount=None)  # fmt: skip
    plan = plan_propose_held(debtor=debtor, invoices=[item], count=3, first_due_on=FIRST, today=TODAY,
                             source="portal", by="portal")  # fmt: skip
    return mandate_sign(plan=plan, iban=iban, debtor_name=name, signed_on=TODAY, by="portal")


@pytest.fixture
def mandates(creditor, other_creditor):
    with scope(creditor=creditor):
        PlanRules.objects.create(creditor=creditor, sepa_creditor_id="DE98ZZZ09999999999")
        kept = mandate_of(creditor, "Anna Weber", "DE02 1203 0000 0000 2020 51")
        revoked = mandate_of(creditor, "Jonas Keller", "DE89 3704 0044 0532 0130 00")
    with scope(creditor=other_creditor):
        PlanRules.objects.create(creditor=other_creditor)
        foreign = mandate_of(other_creditor, "Rival Klant", "NL91 ABNA 0417 1643 00")
    return kept, revoked, foreign


def debtors_in_export(creditor, tmp_path) -> list[str]:
    out = tmp_path / "dd.xml"
    call_command(
        "plans", "sepa-export", "--creditor", creditor.slug, "--date", FIRST.isoformat(), "--out", str(out)
    )
    return etree.parse(str(out)).getroot().xpath(".//p:DrctDbtTxInf/p:Dbtr/p:Nm/text()", namespaces={"p": NS})


def test_a_manager_revokes_a_mandate_and_the_next_export_leaves_it_out(
    signed_in, creditor, mandates, tmp_path
):
    kept, revoked, _foreign = mandates
    page = signed_in.get("/plans/mandates/").content.decode()
    assert kept.reference in page and revoked.reference in page and "Rival Klant" not in page
    response = signed_in.post(f"/plans/mandates/{revoked.pk}/revoke/", {"note": "Debtor withdrew it by phone"},
                              follow=True)  # fmt: skip
    assert f"Mandate {revoked.reference} of Jonas Keller revoked" in response.content.decode()
    with scope(creditor=creditor):
        revoked.refresh_from_db()
        assert revoked.revoked_at is not None
        event = AuditEvent.objects.get(action="sepa_mandate_revoked")
        assert (event.after["reference"], event.after["note"]) == (
            revoked.reference,
            "Debtor withdrew it by phone",
        )
        assert event.subject_id == str(revoked.plan.debtor_id)
        assert debtors_in_export(creditor, tmp_path) == ["Anna Weber"]
    page = signed_in.get("/plans/mandates/").content.decode()
    assert page.count('data-testid="revoke"') == 1  # only the active one still has the button
    timeline = signed_in.get(f"/debtors/{revoked.plan.debtor_id}/").content.decode()
    assert "Direct-debit mandate revoked" in timeline and "Debtor withdrew it by phone" in timeline


def test_a_mandate_is_revoked_once(signed_in, creditor, mandates):
    _kept, revoked, _foreign = mandates
    signed_in.post(f"/plans/mandates/{revoked.pk}/revoke/", {})
    again = signed_in.post(f"/plans/mandates/{revoked.pk}/revoke/", {}, follow=True)
    assert "is revoked already" in again.content.decode()
    with scope(creditor=creditor):
        assert AuditEvent.objects.filter(action="sepa_mandate_revoked").count() == 1


def test_an_agent_sees_the_mandates_but_may_not_revoke_one(client, creditor, member, mandates):
    _kept, revoked, _foreign = mandates
    client.force_login(member("agent"))
    assert client.get("/plans/mandates/").status_code == 200
    assert 'data-testid="revoke"' not in client.get("/plans/mandates/").content.decode()
    assert client.post(f"/plans/mandates/{revoked.pk}/revoke/", {}).status_code == 403
    with scope(creditor=creditor):
        revoked.refresh_from_db()
        assert revoked.revoked_at is None


def test_another_creditors_mandate_cannot_be_revoked(signed_in, other_creditor, mandates):
    _kept, _revoked, foreign = mandates
    assert signed_in.post(f"/plans/mandates/{foreign.pk}/revoke/", {}).status_code == 404
    with scope(creditor=other_creditor):
        foreign.refresh_from_db()
        assert foreign.revoked_at is None


def test_the_debtors_plan_page_says_the_mandate_has_ended(signed_in, client, creditor, mandates):
    from tests.portal.conftest import link

    _kept, revoked, _foreign = mandates
    signed_in.post(f"/plans/mandates/{revoked.pk}/revoke/", {})
    client.logout()
    page = client.get(f"{link(revoked.plan.debtor)}plan/{revoked.plan_id}/").content.decode()
    assert f"Das Lastschriftmandat {revoked.reference} ist beendet" in page  # the debtor reads German


def test_the_mandates_page_speaks_the_members_language(signed_in, mandates):
    signed_in.cookies["django_language"] = "nl"
    page = signed_in.get("/plans/mandates/").content.decode()
    assert "SEPA-machtigingen" in page and "Een ingetrokken machtiging ontbreekt" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_revokes_a_mandate_by_clicking(page, live_server, creditor, manager, mandates):
    from .test_browser import shoot, sign_in

    _kept, revoked, _foreign = mandates
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Payment plans").click()
    page.get_by_role("link", name="SEPA mandates").click()
    page.wait_for_selector("[data-testid=mandates]")
    row = page.locator(f"#mandate-{revoked.pk}")
    row.locator("input[name=note]").fill("Bank returned the debit: MD01")
    shoot(page, "mandates")
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_selector(f"#mandate-{revoked.pk}[data-state=revoked]")
    assert "Jonas Keller revoked" in page.locator(".messages").inner_text()
    assert page.locator("[data-state=active]").count() == 1
    shoot(page, "mandates-revoked")
    with scope(creditor=creditor):
        revoked.refresh_from_db()
        assert revoked.revoked_at is not None
