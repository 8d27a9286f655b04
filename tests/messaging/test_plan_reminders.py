# ruff: noqa: F811  (the presets fixture is imported, then requested by name)
"""The instalments of a payment plan are announced by e-mail before they are due and, once,
after one was missed — in the debtor's language, with the link to the account, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from tact.dunning.arrangement_holds import arrangements_check
from tact.messaging.models import Message
from tact.messaging.plan_reminders import plan_reminders_queue
from tact.messaging.sending import outbox_send
from tests.arrangements.test_plans import day, propose
from tests.dunning.conftest import debtor_with_items, presets  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def at(offset: int) -> datetime:
    return datetime.combine(day(offset), datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def send_on(offset: int, plan):
    with time_machine.travel(at(offset), tick=False):
        return outbox_send(creditor_id=plan.creditor_id)


@pytest.fixture
def plan(presets, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor, items = debtor_with_items(presets, due=[day(-20), day(-10)], amount="595.00", language="de")
    return propose(debtor, items)  # 4 instalments of 297.50 from day 14, reminded 3 days before


def test_the_reminder_before_an_instalment_goes_out_once_in_the_debtors_language(plan):
    arrangements_check(creditor=plan.creditor, today=day(11))

    report = send_on(11, plan)
    again = send_on(12, plan)

    assert report.sent == 1 and again.queued == 0 and again.sent == 0
    [email] = mail.outbox
    assert email.subject == "Ihre Rate über 297,50 € ist am 17. März 2025 fällig"
    assert "Rate 1 Ihres Zahlungsplans" in email.body and "/p/" in email.body
    assert "Inkasso" not in email.body and "!" not in email.body
    assert Message.objects.get().template_key == "plan_reminder"


def test_a_missed_instalment_brings_one_friendly_e_mail(plan):
    arrangements_check(creditor=plan.creditor, today=day(15))  # missed on day 14
    arrangements_check(creditor=plan.creditor, today=day(16))  # reminded two days after

    send_on(16, plan)
    send_on(17, plan)

    subjects = [m.subject for m in mail.outbox]
    assert subjects.count("Ihre Rate über 297,50 € ist noch offen") == 1


def test_a_reminder_decided_long_ago_is_not_sent_any_more(plan):
    arrangements_check(creditor=plan.creditor, today=day(11))
    assert plan_reminders_queue(now=at(11 + 4)) == 0
    assert plan_reminders_queue(now=at(11 + 3)) == 1
