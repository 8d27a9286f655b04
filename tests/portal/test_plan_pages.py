"""The debtor's payment-plan pages: propose a plan (agreed at once or queued for a person),
see it, sign a SEPA Direct Debit mandate; forms answer in the debtor's language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django_scopes import scope

from tact.arrangements.models import PaymentPlan, PlanRules, SepaMandate
from tact.audit.models import AuditEvent
from tact.dunning.models import Hold

from .conftest import TODAY, link, verified

pytestmark = pytest.mark.django_db


def propose(client, path, world, *, count=3, first=None):
    return client.post(path + "plan/", {"items": [world.overdue.pk, world.later.pk], "count": count,
                                        "first_due_on": (first or TODAY + timedelta(days=7)).isoformat()})  # fmt: skip


def test_a_plan_within_the_rules_is_agreed_at_once_and_holds_the_items(client, creditor, world):
    path = verified(client, world.consumer)
    assert "plan/" in client.get(path).content.decode()
    response = propose(client, path, world)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "476,00" in page  # 1,428.00 EUR in 3, in Dutch
    assert response["Location"] in client.get(path).content.decode()  # the overview links the plan
    with scope(creditor=creditor):
        plan = PaymentPlan.objects.get()
        assert (plan.status, plan.source, plan.total_amount) == ("active", "portal", Decimal("1428.00"))
        holds = Hold.objects.filter(reason="plan", ends_on__isnull=True)
        assert sorted(holds.values_list("invoice_id", flat=True)) == [world.overdue.pk, world.later.pk]
        assert AuditEvent.objects.filter(
            action="portal_plan_proposed", subject_id=str(world.consumer.pk)
        ).exists()


def test_a_plan_outside_the_rules_is_queued_for_a_person(client, creditor, world):
    with scope(creditor=creditor):
        PlanRules.objects.create(creditor=creditor, max_months=2)
    path = verified(client, world.consumer)
    response = propose(client, path, world, count=6)
    with scope(creditor=creditor):
        plan = PaymentPlan.objects.get()
    assert (plan.status, plan.review_reasons) == ("proposed", ["months_above_maximum"])
    assert 'role="status"' in client.get(response["Location"]).content.decode()


def test_a_first_date_in_the_past_is_refused_in_the_debtors_language(client, creditor, world):
    path = verified(client, world.consumer)
    response = propose(client, path, world, first=TODAY - timedelta(days=1))
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    with scope(creditor=creditor):
        assert not PaymentPlan.objects.exists() and not Hold.objects.exists()


def test_a_mandate_with_a_valid_iban_is_signed_and_a_wrong_one_refused(client, creditor, world):
    path = verified(client, world.consumer)
    plan_path = propose(client, path, world)["Location"]
    wrong = client.post(plan_path + "mandate/", {"account_holder": "Jana Sommer", "iban": "DE02120300000000202052",
                                                 "consent": "on"})  # fmt: skip
    assert wrong.status_code == 200 and 'id="id_iban_error"' in wrong.content.decode()
    right = client.post(plan_path + "mandate/", {"account_holder": "Jana Sommer",
                                                 "iban": "DE02 1203 0000 0000 2020 51", "consent": "on"})  # fmt: skip
    assert right.status_code == 302
    with scope(creditor=creditor):
        mandate = SepaMandate.objects.get()
    assert (mandate.iban, mandate.signed_on) == ("DE02120300000000202051", TODAY)
    assert "2051" in client.get(plan_path).content.decode()


def test_another_debtors_plan_is_not_found(client, creditor, world):
    path = verified(client, world.consumer)
    plan_path = propose(client, path, world)["Location"]
    plan_id = plan_path.rstrip("/").rsplit("/", 1)[1]
    other = link(world.business)
    assert client.get(f"{other}plan/{plan_id}/").status_code == 404


def confirmation_of(creditor, debtor, kind: str):
    from tact.messaging.models import Message

    with scope(creditor=creditor):
        return Message.objects.get(debtor=debtor, key__startswith=f"personal:portal_confirmation:{kind}:")


def test_an_agreed_plan_and_its_mandate_are_confirmed_on_the_debtors_channel(client, creditor, world):
    path = verified(client, world.consumer)  # the consumer reads Dutch and has an e-mail address
    plan_path = propose(client, path, world)["Location"]
    client.post(plan_path + "mandate/", {"account_holder": "Jana Sommer", "iban": "DE02 1203 0000 0000 2020 51",
                                         "consent": "on"})  # fmt: skip
    agreed = confirmation_of(creditor, world.consumer, "plan_agreed")
    assert (agreed.channel, agreed.subject) == ("email", "Uw betalingsregeling is afgesproken")
    assert "3" in agreed.body_text and "476,00" in agreed.body_text and "8 dec 2025" in agreed.body_text
    assert "/p/" in agreed.body_text  # the link to the plan on the account page
    mandate = confirmation_of(creditor, world.consumer, "mandate")
    assert "2051" in mandate.body_text and "TACT-" in mandate.body_text


def test_a_queued_proposal_is_confirmed_with_the_days_a_person_takes(client, creditor, world):
    with scope(creditor=creditor):
        PlanRules.objects.create(creditor=creditor, max_months=2, review_hold_days=5)
    with scope(creditor=creditor):
        world.business.contacts.update(email="", street="Damrak 1", city="Amsterdam")
    propose_business = client.post(link(world.business) + "plan/", {"items": [world.b2b_item.pk], "count": 6,
                                   "first_due_on": (TODAY + timedelta(days=7)).isoformat()})  # fmt: skip
    assert propose_business.status_code == 302
    queued = confirmation_of(creditor, world.business, "plan_proposed")
    assert (queued.channel, queued.subject) == ("letter", "We have received your proposal")
    assert "within 5 days" in queued.body_text
