"""The phone call page: the script, the outcome form and the holds each outcome places."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Hold
from tact.ledger.models import Debtor, Invoice

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def call_url(debtor) -> str:
    return reverse("workbench:call_log", args=[debtor.pk])


def holds_of(creditor, debtor) -> list[Hold]:
    with scope(creditor=creditor):
        return list(Hold.objects.filter(debtor=debtor).select_related("invoice").order_by("id"))


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_the_call_page_shows_whom_to_call_and_the_talking_points(signed_in, portfolio):
    page = text_of(signed_in.get(call_url(portfolio.mueller)))

    # In the debtor's language, which the agent speaks on the phone.
    assert "Anruf bei Müller Maschinenbau GmbH, Ansprechperson Erika Müller (Kundennummer K1000)" in page
    assert "Zuerst fragen: Ist die Rechnung angekommen" in page
    assert "RE-1001" in page  # the overdue item in the script's table
    assert 'href="tel:+49301234567"' in page
    for label in ("Reached", "Not reached", "Promise to pay", "Dispute", "Call back", "Hardship"):
        assert f"> {label}</label>" in page


def test_a_promise_places_a_promise_hold_until_after_the_date_and_shows_on_the_debtor_page(
    signed_in, portfolio, creditor
):
    response = signed_in.post(
        call_url(portfolio.mueller),
        {
            "outcome": "promise",
            "promise_on": "2025-12-15",
            "promise_amount": "500.00",
            "note": "pays half first",
        },
    )

    assert response.status_code == 302
    [hold] = holds_of(creditor, portfolio.mueller)
    assert (hold.reason, hold.starts_on, hold.ends_on) == ("promise", TODAY, date(2025, 12, 18))
    assert hold.invoice is None and "500.00 EUR by 2025-12-15" in hold.note
    page = text_of(signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])))
    assert "The call is recorded: Promise to pay." in page
    assert "Phone call" in page and "Promise to pay · €500.00 by 15 Dec 2025 · pays half first" in page


def test_a_dispute_holds_each_disputed_item_with_the_reason(signed_in, portfolio, creditor):
    response = signed_in.post(
        call_url(portfolio.mueller),
        {"outcome": "dispute", "disputed_items": [portfolio.overdue.pk], "dispute_reason": "goods damaged"},
    )

    assert response.status_code == 302
    [hold] = holds_of(creditor, portfolio.mueller)
    assert (hold.reason, hold.invoice, hold.ends_on, hold.note) == (
        "dispute",
        portfolio.overdue,
        None,
        "goods damaged",
    )


@pytest.mark.parametrize(
    ("data", "reason", "ends_on"),
    [
        ({"outcome": "reached"}, "recent_contact", TODAY + timedelta(days=7)),
        ({"outcome": "call_back", "call_back_on": "2025-12-04"}, "manual", date(2025, 12, 4)),
        ({"outcome": "hardship"}, "hardship", TODAY + timedelta(days=30)),
        ({"outcome": "hardship", "hardship_until": "2026-02-01"}, "hardship", date(2026, 2, 1)),
    ],
)
def test_each_outcome_places_its_hold(signed_in, portfolio, creditor, data, reason, ends_on):
    response = signed_in.post(call_url(portfolio.mueller), data)

    assert response.status_code == 302
    [hold] = holds_of(creditor, portfolio.mueller)
    assert (hold.reason, hold.starts_on, hold.ends_on) == (reason, TODAY, ends_on)


def test_not_reached_is_recorded_without_a_hold(signed_in, portfolio, creditor):
    signed_in.post(call_url(portfolio.mueller), {"outcome": "not_reached", "note": "voicemail"})

    assert holds_of(creditor, portfolio.mueller) == []
    with scope(creditor=creditor):
        event = AuditEvent.objects.get(action="call_logged")
    assert event.subject_id == str(portfolio.mueller.pk) and event.after["note"] == "voicemail"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"outcome": "promise", "promise_amount": "100"}, "promise_on", "a date is needed for this outcome"),
        ({"outcome": "promise", "promise_on": "2025-12-10"}, "promise_amount", "give the promised amount"),
        ({"outcome": "promise", "promise_on": "2025-12-10", "promise_amount": "5000"}, "promise_amount",
         "5000.00 EUR is more than the open balance 1785.00 EUR"),
        ({"outcome": "promise", "promise_on": "2025-11-20", "promise_amount": "10"}, "promise_on",
         "2025-11-20 lies in the past"),
        ({"outcome": "dispute", "dispute_reason": "wrong price"}, "disputed_items", "choose the items"),
        ({"outcome": "call_back"}, "call_back_on", "a date is needed"),
        ({"outcome": "shouted"}, "outcome", "Select a valid choice"),
    ],
)  # fmt: skip
def test_a_missing_or_wrong_input_is_named_on_its_field_and_nothing_is_placed(
    signed_in, portfolio, creditor, data, field, message
):
    response = signed_in.post(call_url(portfolio.mueller), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert holds_of(creditor, portfolio.mueller) == []
    with scope(creditor=creditor):
        assert not AuditEvent.objects.filter(action="call_logged").exists()


def test_a_read_only_member_reads_the_script_but_may_not_record(client, member, portfolio, creditor):
    client.force_login(member("read_only"))

    page = client.get(call_url(portfolio.mueller))
    posted = client.post(call_url(portfolio.mueller), {"outcome": "reached"})

    assert page.status_code == 200 and "Record the call" not in text_of(page)
    assert posted.status_code == 403
    assert holds_of(creditor, portfolio.mueller) == []


def test_another_creditors_debtor_item_or_action_is_not_found(signed_in, portfolio, other_creditor, creditor):
    with scope(creditor=other_creditor):
        rival_item = Invoice.objects.select_related("debtor").first()
        rival = Debtor.objects.get(pk=rival_item.debtor_id)

    assert signed_in.get(call_url(rival)).status_code == 404
    assert signed_in.post(call_url(rival), {"outcome": "reached"}).status_code == 404
    assert signed_in.get(call_url(portfolio.mueller), {"action": "999999"}).status_code == 404
    disputed = signed_in.post(
        call_url(portfolio.mueller),
        {"outcome": "dispute", "disputed_items": [rival_item.pk], "dispute_reason": "x"},
    )
    assert disputed.status_code == 400
    assert holds_of(creditor, portfolio.mueller) == []


def test_a_promise_amount_is_kept_exact(signed_in, portfolio, creditor):
    signed_in.post(
        call_url(portfolio.mueller),
        {"outcome": "promise", "promise_on": "2025-12-12", "promise_amount": "1190.10"},
    )

    with scope(creditor=creditor):
        event = AuditEvent.objects.get(action="call_logged")
    assert Decimal(event.after["promise_amount"]) == Decimal("1190.10")


def test_an_agent_may_record_a_call(client, member, portfolio, creditor):
    client.force_login(member("agent"))

    response = client.post(call_url(portfolio.mueller), {"outcome": "reached"})

    assert response.status_code == 302
    assert [h.reason for h in holds_of(creditor, portfolio.mueller)] == ["recent_contact"]


def test_a_phone_task_of_the_cycle_links_to_its_call_until_the_call_is_recorded(
    signed_in, portfolio, creditor
):
    action = phone_action(creditor, portfolio)
    debtor_page = reverse("workbench:debtor", args=[portfolio.mueller.pk])
    task_link = f"{call_url(portfolio.mueller)}?action={action.pk}"

    before = signed_in.get(debtor_page).content.decode()
    script = text_of(signed_in.get(task_link))
    signed_in.post(task_link, {"outcome": "not_reached"})
    after = signed_in.get(debtor_page).content.decode()

    assert task_link in before and "Phone task of the daily cycle from 1 Dec 2025." in script
    assert task_link not in after
    with scope(creditor=creditor):
        assert AuditEvent.objects.get(action="call_logged").after["action"] == action.pk


def phone_action(creditor, portfolio):
    """A phone action as the daily cycle writes it, for Müller's overdue item."""
    from tact.dunning.models import Action
    from tact.dunning.services import policy_presets_install

    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        from tact.dunning.models import Stage

        stage = Stage.objects.get(key="personal_contact", policy__preset="customer_centric")
        return Action.objects.create(
            creditor=creditor, debtor=portfolio.mueller, run_on=TODAY, policy=stage.policy, stage=stage,
            channel="phone", tone="friendly", template_key="personal_contact", currency="EUR", item_count=1,
            items=[{"id": portfolio.overdue.pk, "number": "RE-1001"}], open_amount=Decimal("1190.00"),
            status="sent", explanation={"stage": {"key": "personal_contact"}},
        )  # fmt: skip
