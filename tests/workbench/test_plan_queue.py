"""The queue of payment plans a person decides: listed with the rules they break; agreeing
starts the plan with open-ended holds, declining ends the review holds; a viewer may look only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_scopes import scope

from tact.arrangements.models import PaymentPlan, PlanRules
from tact.audit.models import AuditEvent
from tact.dunning.arrangement_holds import plan_propose_held
from tact.dunning.models import Hold
from tests.factories import DebtorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)


@pytest.fixture
def proposal(creditor, other_creditor):
    with scope(creditor=creditor):
        PlanRules.objects.create(creditor=creditor, max_months=2)
        debtor = DebtorFactory(creditor=creditor, name="Müller GmbH")
        item = InvoiceFactory(creditor=creditor, debtor=debtor, number="RE-7001")
        return plan_propose_held(debtor=debtor, invoices=[item], count=6, first_due_on=TODAY + timedelta(days=7),
                                 today=TODAY, source="portal", by="portal")  # fmt: skip


def test_the_queue_lists_a_proposal_with_the_rule_it_breaks(signed_in, proposal):
    page = signed_in.get("/plans/").content.decode()
    assert "Müller GmbH" in page and "RE-7001" in page and "more months than allowed" in page


def test_agreeing_starts_the_plan_with_open_ended_holds(signed_in, creditor, proposal):
    response = signed_in.post(f"/plans/{proposal.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    with scope(creditor=creditor):
        assert PaymentPlan.objects.get().status == "active"
        assert list(
            Hold.objects.filter(reason="plan", ended_at__isnull=True).values_list("ends_on", flat=True)
        ) == [None]
        assert AuditEvent.objects.filter(action="plan_approved").count() == 1
    assert "No payment plan awaits a decision" in signed_in.get("/plans/").content.decode()


def test_declining_ends_the_review_holds(signed_in, creditor, proposal):
    signed_in.post(f"/plans/{proposal.pk}/decide/", {"decision": "decline", "note": "Bitte höhere Raten."})
    with scope(creditor=creditor):
        plan = PaymentPlan.objects.get()
        assert (plan.status, plan.decision_note) == ("cancelled", "Bitte höhere Raten.")
        assert not Hold.objects.filter(reason="plan", ended_at__isnull=True).exists()


def test_a_viewer_may_not_decide(client, member, creditor, proposal):
    client.force_login(member("viewer"))
    assert client.post(f"/plans/{proposal.pk}/decide/", {"decision": "approve"}).status_code == 403
    with scope(creditor=creditor):
        assert PaymentPlan.objects.get().status == "proposed"


def test_the_rules_are_saved_and_audited_and_a_wrong_creditor_identifier_refused(signed_in, creditor):
    fields = {"min_instalment_amount": "50", "max_months": "6", "max_amount": "3000", "first_due_max_days": "30",
              "reminder_days_before": "3", "missed_reminder_after_days": "2", "default_after_days": "21",
              "review_hold_days": "10", "sepa_creditor_id": "DE98ZZZ09999999998"}  # fmt: skip
    wrong = signed_in.post("/plans/rules/", fields)
    assert wrong.status_code == 200 and "sepa_creditor_id" in wrong.content.decode()
    assert (
        signed_in.post("/plans/rules/", {**fields, "sepa_creditor_id": "de98 zzz 09999999999"}).status_code
        == 302
    )
    with scope(creditor=creditor):
        rules = PlanRules.objects.get()
        assert (rules.max_months, rules.default_after_days, rules.sepa_creditor_id) == (
            6,
            21,
            "DE98ZZZ09999999999",
        )
        assert AuditEvent.objects.filter(action="plan_rules_changed").count() == 1
