"""End to end on a demo portfolio: the cycle plans, the outbox sends to a real SMTP server,
every planned e-mail arrives once, letters exist as PDFs, the actions are marked sent."""

# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from tact.core.jobs import creditor_scope
from tact.demo.services import demo_load
from tact.dunning.models import Action, ActionStatus
from tact.dunning.services import cycle_run
from tact.ledger.models import Contact
from tact.messaging.models import Message, SenderProfile
from tact.messaging.sending import outbox_send

from .outbox_support import clock_at, smtp_peer  # noqa: F401 (fixture)

TODAY = date(2026, 3, 17)  # a Tuesday, no public holiday in DE, NL, BE or AT
MORNING = datetime(2026, 3, 17, 9, 30, tzinfo=UTC)  # 10:30 in every demo country


def test_on_the_demo_portfolio_every_planned_email_arrives_once(db, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TACT_SMS_PROVIDER = "log"
    demo_load(slug="demo", debtors=60, today=TODAY, seed=3)
    from tact.tenancy.models import Creditor

    creditor = Creditor.objects.get(slug="demo")
    with creditor_scope(creditor):
        # Reminders to Belgian consumers must name the creditor's register entry: a message
        # without it waits (tested below); the demo creditor states it, as a real one would.
        assert SenderProfile.objects.get(creditor=creditor).registration
        cycle_run(creditor=creditor, run_on=TODAY)
        ready = list(Action.objects.filter(run_on=TODAY, status__in=["planned", "approved"]))
        emails_planned = [a for a in ready if a.channel == "email"]
        assert emails_planned, "the demo day should plan e-mails"
    report = outbox_send(now=clock_at(MORNING))
    with creditor_scope(creditor):
        # every ready action has its message, each e-mail one delivery
        assert report.queued == len(ready)
        sent_ids = Counter(m["Message-ID"] for m in smtp_peer.inbox.messages())
        assert all(n == 1 for n in sent_ids.values())
        emails = Message.objects.filter(channel="email", status="sent")
        assert set(sent_ids) == set(emails.values_list("message_id", flat=True))
        first_email = {m.action_id: m for m in Message.objects.filter(channel="email").order_by("id")}
        for action in emails_planned:
            message = first_email[action.pk]
            contact = Contact.objects.filter(debtor_id=action.debtor_id, email=message.recipient).first()
            assert contact is not None, (message.status, message.last_error)
        # letters are PDFs in the print folder; every handled action is marked sent
        for letter in Message.objects.filter(channel="letter", status="sent"):
            assert (tmp_path / letter.document).read_bytes().startswith(b"%PDF")
        handled = Message.objects.filter(status="sent").values_list("action_id", flat=True)
        assert set(Action.objects.filter(pk__in=handled).values_list("status", flat=True)) == {
            ActionStatus.SENT
        }
    assert report.waiting == 0 and report.sent >= len(emails_planned) - report.failed
    # running again sends nothing
    again = outbox_send(now=clock_at(MORNING))
    assert (again.sent, again.queued) == (0, 0)


def test_a_message_the_law_needs_more_facts_for_waits_with_the_reason(in_scope, smtp_peer):
    from tests.dunning.conftest import MONDAY

    from .outbox_support import RUN_ON, SEND_AT, portfolio_with_actions

    assert RUN_ON > MONDAY
    [debtor] = portfolio_with_actions(in_scope, debtors=1, country="BE", kind="consumer", language="fr")
    report = outbox_send(now=clock_at(SEND_AT))
    message = Message.objects.get()
    assert (report.waiting, report.sent, message.status) == (1, 0, "queued")
    assert (
        message.last_error_code == "messaging_context_incomplete"
        and "enterprise number" in message.last_error
    )
    assert report.errors[0]["code"] == "messaging_context_incomplete"
    assert smtp_peer.inbox.envelopes == []
