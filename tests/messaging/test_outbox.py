# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""The outbox: queueing the cycle's actions, sending over a real SMTP server, retries,
fallbacks, the unreachable hold, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tact.dunning.models import Action, ActionStatus, Hold
from tact.ledger.models import Contact
from tact.messaging.models import Message, MessageEvent, MessageStatus
from tact.messaging.outbox import outbox_queue
from tact.messaging.outbox_report import address_refused
from tact.messaging.sending import outbox_send

from .outbox_support import SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401 (fixture)


def send(**kw):
    return outbox_send(now=clock_at(kw.pop("at", SEND_AT)), **kw)


def test_every_planned_email_arrives_once_and_its_action_is_marked_sent(in_scope, smtp_peer):
    # given three debtors whose friendly reminder the cycle planned
    debtors = portfolio_with_actions(in_scope, debtors=3)
    # when the outbox sends
    report = send()
    # then each debtor's contact got exactly one e-mail, with our Message-ID
    assert report.as_dict()["sent"] == 3 and report.queued == 3
    received = smtp_peer.inbox.messages()
    assert sorted(m["To"] for m in received) == sorted(f"ap-{d.number.lower()}@example.com" for d in debtors)
    messages = list(Message.objects.order_by("id"))
    assert {m["Message-ID"] for m in received} == {m.message_id for m in messages}
    assert all(m.status == MessageStatus.SENT and m.template_id and m.body_text for m in messages)
    assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.SENT}
    # and the history says queued → sending → data_end → sent
    kinds = list(MessageEvent.objects.filter(message=messages[0]).values_list("kind", flat=True))
    assert kinds == ["queued", "sending", "data_end", "sent"]


def test_sending_again_sends_nothing_twice(in_scope, smtp_peer):
    portfolio_with_actions(in_scope, debtors=2)
    send()
    again = send(at=SEND_AT + timedelta(hours=1))
    assert (again.sent, again.queued) == (0, 0)
    assert len(smtp_peer.inbox.envelopes) == 2
    assert outbox_queue(now=SEND_AT) == 0


def test_actions_awaiting_approval_or_skipped_are_not_queued(in_scope, smtp_peer):
    portfolio_with_actions(in_scope, debtors=3)
    first, second, _ = Action.objects.order_by("id")
    Action.objects.filter(pk=first.pk).update(status=ActionStatus.AWAITING_APPROVAL)
    Action.objects.filter(pk=second.pk).update(status=ActionStatus.SKIPPED)
    assert send().sent == 1
    assert Message.objects.count() == 1


def test_a_refused_recipient_falls_back_to_a_letter(in_scope, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    smtp_peer.inbox.refuse[f"ap-{debtor.number.lower()}@example.com"] = "550 5.1.1 No such user"
    report = send()
    email, letter = Message.objects.order_by("id")
    assert (email.channel, email.status, email.last_error_code) == ("email", "failed", "smtp_550")
    assert (letter.channel, letter.status, letter.fallback_of_id) == ("letter", "sent", email.pk)
    assert (tmp_path / letter.document).read_bytes().startswith(b"%PDF")
    assert (report.failed, report.fallbacks, report.sent) == (1, 1, 1)
    assert Action.objects.get().status == ActionStatus.SENT
    # the address is wrong for good: no later message tries it again
    assert Contact.objects.get(debtor=debtor).email_status == "bounced"
    assert "contact_bounced" in MessageEvent.objects.filter(message=email).values_list("kind", flat=True)


def test_a_refusal_for_our_own_reasons_leaves_the_address_alone(in_scope, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    smtp_peer.inbox.refuse[f"ap-{debtor.number.lower()}@example.com"] = "550 5.7.1 Relaying denied"
    send()
    email = Message.objects.order_by("id").first()
    assert (email.status, email.last_error_code) == ("failed", "smtp_550")
    assert Contact.objects.get(debtor=debtor).email_status != "bounced"


@pytest.mark.parametrize(
    ("reply", "address_wrong"),
    [
        ("550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", True),
        ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", True),
        ("550 5.2.1 The email account that you tried to reach is disabled.", True),
        ("550 5.7.1 Relaying denied", False),
        ("554 5.7.1 Message rejected as spam", False),
        ("550 No such user here", True),
        ("550 Requested action not taken: mailbox unavailable", True),
        ("550 Administrative prohibition", False),
    ],
)
def test_only_a_refusal_that_blames_the_address_marks_it(reply, address_wrong):
    assert address_refused(reply) is address_wrong


def test_when_every_channel_fails_the_debtor_is_held_unreachable(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1, street=False)
    smtp_peer.inbox.refuse[f"ap-{debtor.number.lower()}@example.com"] = "550 5.1.1 No such user"
    report = send()
    assert [m.status for m in Message.objects.order_by("id")] == ["failed", "failed"]
    [hold] = Hold.objects.filter(debtor=debtor)
    assert hold.reason == "unreachable" and "email" in hold.note and "letter" in hold.note
    assert (report.failed, report.unreachable, report.sent) == (2, 1, 0)
    assert Action.objects.get().status == ActionStatus.PLANNED


def test_a_temporary_refusal_is_retried_later_with_backoff(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    address = f"ap-{debtor.number.lower()}@example.com"
    smtp_peer.inbox.refuse[address] = "451 4.3.0 Try again later"
    report = send()
    message = Message.objects.get()
    assert (report.retried, message.status, message.attempts) == (1, "queued", 1)
    assert message.next_attempt_at == SEND_AT + timedelta(minutes=1)
    # nothing is due before the back-off ends
    assert send(at=SEND_AT + timedelta(seconds=30)).sent == 0
    del smtp_peer.inbox.refuse[address]
    assert send(at=SEND_AT + timedelta(minutes=2)).sent == 1
    assert len(smtp_peer.inbox.envelopes) == 1


def test_a_server_that_is_down_is_a_transient_error(in_scope, settings):
    portfolio_with_actions(in_scope, debtors=1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    report = send()
    message = Message.objects.get()
    assert (report.retried, message.status) == (1, "queued")
    assert message.last_error_code in {"connectionrefusederror", "smtpconnecterror"}


def test_an_item_paid_meanwhile_cancels_the_message(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    from tact.ledger.models import Invoice

    Invoice.objects.filter(debtor=debtor).update(open_amount=0)
    report = send()
    assert (report.cancelled, report.sent) == (1, 0)
    assert Message.objects.get().held_reason == "nothing_open"
    assert smtp_peer.inbox.envelopes == []


def test_the_days_letters_go_to_the_printer_in_one_pdf_once(in_scope, smtp_peer, settings, tmp_path):
    from tact.messaging.outbox_letters import letters_batch_submit

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TACT_PRINT_DROP_DIR = tmp_path / "print"
    portfolio_with_actions(in_scope, debtors=2)
    Action.objects.update(channel="letter")
    assert send().sent == 2
    receipt = letters_batch_submit(creditor=in_scope, day=SEND_AT.date())
    assert receipt.letters == 2 and receipt.batch_id == f"acme-{SEND_AT.date():%Y-%m-%d}"
    assert (tmp_path / "print" / f"{receipt.batch_id}.pdf").read_bytes().startswith(b"%PDF")
    again = letters_batch_submit(creditor=in_scope, day=SEND_AT.date())
    assert again.extra == {"repeated": "true"}
    assert letters_batch_submit(creditor=in_scope, day=SEND_AT.date() + timedelta(days=1)) is None


def test_the_command_prints_the_report_as_json(in_scope, smtp_peer, capsys):
    import json

    from django.core.management import call_command

    from tact.messaging.models import ContactRules

    portfolio_with_actions(in_scope, debtors=2)
    # the command runs on the real clock: no rule may hold the messages back at this hour
    ContactRules.objects.create(creditor=in_scope, quiet_start="00:00", quiet_end="00:00",
                                max_per_week=0, skip_sundays_and_holidays=False)  # fmt: skip
    call_command("outbox", "send", "--creditor", "acme", "--json")
    report = json.loads(capsys.readouterr().out)
    assert {k: report[k] for k in ("sent", "failed", "retried", "skipped")} == {
        "sent": 2, "failed": 0, "retried": 0, "skipped": 0}  # fmt: skip


def test_the_command_refuses_a_bad_limit_with_exit_code_2(db):
    import pytest
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--limit") as caught:
        call_command("outbox", "send", "--limit", "0")
    assert caught.value.returncode == 2


def test_claims_do_not_overlap_and_a_dead_senders_lease_runs_out(in_scope):
    from tact.messaging.outbox import outbox_claim

    portfolio_with_actions(in_scope, debtors=5)
    assert outbox_queue(now=SEND_AT) == 5
    first = outbox_claim(worker="a", now=SEND_AT, limit=3, lease=timedelta(minutes=5))
    second = outbox_claim(worker="b", now=SEND_AT, limit=10, lease=timedelta(minutes=5))
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert outbox_claim(worker="c", now=SEND_AT + timedelta(minutes=4), limit=10) == []
    # "a" died: after its lease, "c" takes its messages over, and "a" can no longer write
    taken = outbox_claim(worker="c", now=SEND_AT + timedelta(minutes=6), limit=10)
    assert sorted(taken) == sorted(first + second)
    assert Message.objects.filter(pk__in=first, claimed_by="a").count() == 0


def test_the_celery_task_sends_inline_without_a_broker(in_scope, smtp_peer):
    from tact.messaging.models import ContactRules
    from tact.messaging.tasks import outbox_send_task

    portfolio_with_actions(in_scope, debtors=2)
    ContactRules.objects.create(creditor=in_scope, quiet_start="00:00", quiet_end="00:00",
                                max_per_week=0, skip_sundays_and_holidays=False)  # fmt: skip
    report = outbox_send_task.delay(creditor_id=in_scope.pk).get()
    assert (report["sent"], report["queued"]) == (2, 2)
    assert len(smtp_peer.inbox.envelopes) == 2
