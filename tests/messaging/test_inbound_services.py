# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""Receiving mail end to end: our reminder goes out over real SMTP, then a bounce or a reply
comes back and tact acts on it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django_scopes import scope

from tact.audit.models import AuditEvent
from tact.dunning.models import Action, Hold
from tact.dunning.services import cycle_run
from tact.ledger.models import Contact
from tact.messaging.inbound.models import InboundMessage
from tact.messaging.inbound.services import inbound_assign, inbound_receive
from tact.messaging.models import ChannelConsent, Message, MessageEvent
from tact.messaging.sending import outbox_send

from .outbox_support import RUN_ON, SEND_AT, clock_at, portfolio_with_actions, smtp_peer  # noqa: F401

DATA = Path(__file__).parent / "data"
LATER = SEND_AT + timedelta(hours=2)


def send(at=SEND_AT):
    return outbox_send(now=clock_at(at))


def sent_email(smtp_peer, debtor):
    """The reminder the SMTP server received for ``debtor``'s contact."""
    address = f"ap-{debtor.number.lower()}@example.com"
    return next(m for m in smtp_peer.inbox.messages() if m["To"] == address)


def dsn_for(original, *, status="5.1.1") -> bytes:
    """A Postfix bounce (tests/messaging/data/dsn_postfix.eml) of the e-mail ``original``."""
    raw = (DATA / "dsn_postfix.eml").read_text()
    raw = raw.replace("<20260302091500.4711.tact@tact.localhost>", original["Message-ID"])
    raw = raw.replace("d-100@debtor.example", original["To"]).replace("5.1.1", status)
    return raw.encode()


def reply_to(original, text: str, *, threaded: bool = True) -> bytes:
    reply = EmailMessage()
    reply["From"] = original["To"]
    reply["To"] = original["Reply-To"]
    reply["Subject"] = "Re: " + original["Subject"]
    reply["Message-ID"] = "<r1.abc@example.com>"
    if threaded:
        reply["In-Reply-To"] = original["Message-ID"]
        reply["References"] = original["Message-ID"]
    reply.set_content(
        f"{text}\n\nAm 6. März 2025 schrieb Acme <noreply@tact.localhost>:\n> Sehr geehrte Damen und Herren,\n"
    )
    return reply.as_bytes()


def test_a_bounce_marks_the_contact_bounced_and_falls_back_to_a_letter(
    in_scope, smtp_peer, settings, tmp_path
):
    # given a reminder e-mail that went out
    settings.MEDIA_ROOT = tmp_path
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    # when the receiving server's bounce arrives
    received = inbound_receive(dsn_for(original), source="file", now=LATER)
    # then the message bounced, the contact's e-mail is marked bounced, a letter is queued
    row = received.inbound
    assert (row.kind, row.matched_by, row.debtor_id) == ("bounce", "report", debtor.pk)
    email = Message.objects.get(channel="email")
    assert email.status == "bounced" and row.message_id == email.pk
    assert Contact.objects.get(debtor=debtor).email_status == "bounced"
    letter = Message.objects.get(channel="letter")
    assert (letter.status, letter.fallback_of_id) == ("queued", email.pk)
    assert received.actions == [f"contact_bounced:{Contact.objects.get(debtor=debtor).pk}", "fallback:letter"]
    event = MessageEvent.objects.get(message=email, kind="bounced")
    assert event.detail["status"] == "5.1.1" and event.detail["permanent"] is True
    # and nobody needs to look: the outbox takes it from here
    assert not row.needs_person


def test_the_letter_queued_after_a_bounce_is_sent(in_scope, smtp_peer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    inbound_receive(dsn_for(sent_email(smtp_peer, debtor)), source="file", now=LATER)

    assert send(at=LATER).sent == 1
    assert Message.objects.get(channel="letter").status == "sent"


def test_a_bounce_with_no_channel_left_holds_the_debtor_unreachable_and_asks_a_person(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    Message.objects.update(fallbacks=["email"])  # a stage that writes by e-mail only
    received = inbound_receive(dsn_for(sent_email(smtp_peer, debtor)), source="file", now=LATER)

    [hold] = Hold.objects.filter(debtor=debtor)
    assert hold.reason == "unreachable"
    assert received.inbound.needs_person and received.inbound.person_reason == "find_contact"
    assert "hold:unreachable" in received.actions


def test_a_delay_report_is_recorded_and_changes_nothing_else(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    received = inbound_receive(dsn_for(sent_email(smtp_peer, debtor), status="4.4.1").replace(b"Action: failed", b"Action: delayed"), source="file", now=LATER)  # fmt: skip

    assert received.inbound.kind == "delayed"
    assert Message.objects.get().status == "sent"
    assert Contact.objects.get(debtor=debtor).email_status != "bounced"
    assert MessageEvent.objects.filter(kind="delayed").count() == 1


def test_a_reply_holds_the_debtor_tags_the_intent_and_no_standard_message_follows(in_scope, smtp_peer):
    # given two debtors who got the friendly reminder
    replying, silent = portfolio_with_actions(in_scope, debtors=2)
    send()
    original = sent_email(smtp_peer, replying)
    # when one of them answers five days later
    received = inbound_receive(
        reply_to(original, "Wir haben die Rechnung bereits am 5. März überwiesen."), source="file",
        now=SEND_AT + timedelta(days=5),
    )  # fmt: skip
    # then the reply is attached to the debtor and our message, tagged, and waits for a person
    row = received.inbound
    assert (row.debtor_id, row.matched_by, row.message_id) == (
        replying.pk,
        "in_reply_to",
        Message.objects.get(debtor=replying).pk,
    )
    assert row.intent == "already_paid" and row.intent_confidence >= 0.8
    assert row.reply_text == "Wir haben die Rechnung bereits am 5. März überwiesen."
    assert row.needs_person and row.person_reason == "reply"
    [hold] = Hold.objects.filter(debtor=replying)
    assert hold.reason == "recent_contact"
    assert hold.ends_on == RUN_ON + timedelta(days=5 + 7)
    # and the next cycle, when the next stage is due, writes to the silent debtor only
    next_stage_day = RUN_ON + timedelta(days=7)
    summary = cycle_run(creditor=in_scope, run_on=next_stage_day)
    assert list(Action.objects.filter(run_on=next_stage_day).values_list("debtor_id", flat=True)) == [
        silent.pk
    ]
    assert summary.held.get("recent_contact") == 1


def test_a_reply_cancels_automatic_messages_still_waiting_in_the_outbox(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    # a later stage's message is queued but not yet sent when the reply arrives
    Message.objects.filter(debtor=debtor).update(status="queued", claimed_by="")
    received = inbound_receive(reply_to(original, "Ich rufe Sie morgen an."), source="file", now=LATER)

    assert Message.objects.get().status == "cancelled"
    assert "cancelled_messages:1" in received.actions
    assert send(at=LATER).sent == 0


def test_a_reply_without_threading_headers_is_matched_by_the_reply_address(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    received = inbound_receive(
        reply_to(sent_email(smtp_peer, debtor), "Können wir in drei Raten zahlen?", threaded=False),
        source="file", now=LATER,
    )  # fmt: skip

    assert (received.inbound.debtor_id, received.inbound.matched_by) == (debtor.pk, "reply_token")
    assert received.inbound.intent == "hardship"


def test_the_same_mail_twice_is_stored_and_acted_on_once(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    raw = reply_to(sent_email(smtp_peer, debtor), "Zahle Freitag.")

    first = inbound_receive(raw, source="imap:INBOX", now=LATER)
    again = inbound_receive(raw, source="file", now=LATER)

    assert first.created and not again.created and again.inbound.pk == first.inbound.pk
    assert Hold.objects.filter(debtor=debtor).count() == 1
    assert InboundMessage.objects.count() == 1


def test_an_automatic_reply_is_attached_but_holds_nothing(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    raw = reply_to(original, "I am out of the office until 16 March.").replace(b"Subject: Re:", b"Auto-Submitted: auto-replied\nSubject: Re:")  # fmt: skip

    received = inbound_receive(raw, source="file", now=LATER)

    assert (received.inbound.kind, received.inbound.debtor_id) == ("auto_reply", debtor.pk)
    assert not Hold.objects.filter(debtor=debtor).exists()
    assert not received.inbound.needs_person


def test_a_complaint_opts_the_contact_out_of_email(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    raw = (DATA / "arf_complaint.eml").read_text()
    raw = raw.replace("<20260302091500.4713.tact@tact.localhost>", original["Message-ID"]).replace("b-300@debtor.example", original["To"])  # fmt: skip

    received = inbound_receive(raw.encode(), source="file", now=LATER)

    assert received.inbound.kind == "complaint"
    [consent] = ChannelConsent.objects.filter(debtor=debtor)
    assert (consent.channel, consent.status) == ("email", "opted_out")
    assert received.inbound.person_reason == "complaint"
    assert MessageEvent.objects.filter(kind="complained").count() == 1


def test_mail_nobody_can_match_is_kept_for_a_person(db, creditor):
    raw = b"From: someone@example.com\r\nTo: reply+1-2-deadbeefdeadbeef@reply.tact.localhost\r\nSubject: Hallo\r\n\r\nWer sind Sie?"

    received = inbound_receive(raw, source="file")

    row = received.inbound
    assert row.creditor_id is None and row.debtor_id is None
    assert row.needs_person and row.person_reason == "unmatched"
    assert list(InboundMessage.unassigned.values_list("pk", flat=True)) == [row.pk]
    with scope(creditor=creditor):
        assert InboundMessage.objects.count() == 0


def test_unmatched_mail_from_a_creditors_mailbox_is_theirs_and_a_person_can_assign_it(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    raw = b"From: owner@example.com\r\nTo: billing@acme.example\r\nSubject: Rechnung\r\n\r\nIch zahle morgen."

    received = inbound_receive(raw, source="imap:INBOX", creditor=in_scope, now=LATER)
    assert (received.inbound.creditor_id, received.inbound.person_reason) == (in_scope.pk, "unmatched")

    assigned = inbound_assign(inbound=received.inbound, debtor=debtor, by=None)

    assert assigned.debtor_id == debtor.pk and assigned.matched_by == "person"
    assert Hold.objects.filter(debtor=debtor, reason="recent_contact").exists()
    assert AuditEvent.objects.filter(action="inbound_assigned").count() == 1


def test_a_creditors_mailbox_does_not_match_another_creditors_mail(in_scope, smtp_peer, other_creditor):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    raw = reply_to(sent_email(smtp_peer, debtor), "Zahle Freitag.")

    received = inbound_receive(raw, source="imap:rival", creditor=other_creditor, now=LATER)

    assert received.inbound.creditor_id == other_creditor.pk and received.inbound.debtor_id is None
    assert not Hold.objects.filter(debtor=debtor).exists()


@pytest.mark.parametrize(
    "raw", [b"", b"\x00" * 100, b"\xff\xfe garbage \r\n\r\n\x80", b"Subject: =?x?q?\xff?=\r\n\r\n"]
)
def test_garbage_is_stored_for_a_person_and_never_crashes(db, raw):
    received = inbound_receive(raw, source="file")

    assert received.created
    row = received.inbound
    assert bytes(row.raw) == raw and row.size == len(raw)
    assert row.needs_person and row.person_reason == "unmatched"


def test_replies_and_bounces_appear_on_the_debtors_timeline(in_scope, smtp_peer):
    from tact.workbench.timeline import timeline_for

    replying, bounced = portfolio_with_actions(in_scope, debtors=2)
    send()
    inbound_receive(
        reply_to(sent_email(smtp_peer, replying), "Wir zahlen bis Freitag."), source="file", now=LATER
    )
    inbound_receive(dsn_for(sent_email(smtp_peer, bounced)), source="file", now=LATER)

    [reply] = [e for e in timeline_for(subject=replying, creditor=in_scope) if e.kind == "inbound"]
    [bounce] = [e for e in timeline_for(subject=bounced, creditor=in_scope) if e.kind == "inbound"]

    assert (reply.title, reply.detail, reply.at) == (
        "Reply received: Promise to pay",
        "Wir zahlen bis Freitag.",
        LATER,
    )
    assert (
        bounce.title == "E-mail bounced"
        and bounce.detail == f"ap-{bounced.number.lower()}@example.com (5.1.1)"
    )


def test_a_bounce_that_does_not_quote_our_message_is_matched_by_the_failed_address(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    raw = dsn_for(original).split(
        b"--4Q2b7x1Zr9z9tH.1772442904/mx1.acme-handel.example\nContent-Description: Undelivered Message Headers"
    )[0]

    received = inbound_receive(raw, source="file", now=LATER)

    assert (received.inbound.matched_by, received.inbound.debtor_id) == ("recipient", debtor.pk)
    assert Contact.objects.get(debtor=debtor).email_status == "bounced"


def test_a_mail_over_the_size_limit_keeps_its_headers_and_is_still_matched(in_scope, smtp_peer, settings):
    settings.TACT_INBOUND_MAX_BYTES = 2000
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    raw = reply_to(sent_email(smtp_peer, debtor), "Anbei die Belege. " + "x" * 5000)

    row = inbound_receive(raw, source="file", now=LATER).inbound

    assert row.is_truncated and row.size == len(raw) and len(bytes(row.raw)) < len(raw)
    assert row.debtor_id == debtor.pk and row.needs_person
    assert any("over the limit" in p for p in row.problems)


def test_a_second_bounce_report_for_the_same_message_does_not_fall_back_again(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    original = sent_email(smtp_peer, debtor)
    inbound_receive(dsn_for(original), source="file", now=LATER)
    exchange = (DATA / "dsn_exchange.eml").read_text()
    exchange = exchange.replace("<20260302091500.4711.tact@tact.localhost>", original["Message-ID"])
    exchange = exchange.replace("d-100@debtor.example", original["To"])

    again = inbound_receive(exchange.encode(), source="file", now=LATER + timedelta(minutes=5))

    assert again.created and again.actions == []
    assert Message.objects.filter(channel="letter").count() == 1
    assert not Hold.objects.filter(debtor=debtor).exists()
    assert MessageEvent.objects.filter(kind="bounced").count() == 2


def bare_bounce(*, to: str, failed: str) -> bytes:
    """A qmail-style text bounce that quotes none of the original's headers."""
    return (
        f"Return-Path: <>\r\nDate: 2 Mar 2026 09:16:30 -0000\r\nFrom: MAILER-DAEMON@mail.example\r\n"
        f"To: {to}\r\nSubject: failure notice\r\n\r\n"
        "Hi. This is the qmail-send program at mail.example.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        f"<{failed}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n"
    ).encode()


def test_each_e_mail_has_its_own_bounce_address_and_a_bare_bounce_to_it_finds_the_message(
    in_scope, smtp_peer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first, second = portfolio_with_actions(in_scope, debtors=2)
    send()
    emails = {m.debtor_id: m for m in Message.objects.filter(channel="email")}
    envelopes = {e.rcpt_tos[0]: e.mail_from for e in smtp_peer.inbox.envelopes}
    original = sent_email(smtp_peer, first)
    bounce_to = envelopes[original["To"]]

    # the envelope sender names the message; the From header stays the creditor's
    assert bounce_to.startswith(f"bounce+{emails[first.pk].pk}-") and bounce_to.endswith(
        "@reply.tact.localhost"
    )
    assert envelopes[sent_email(smtp_peer, second)["To"]] != bounce_to
    assert "noreply@" in original["From"] and "bounce+" not in original["From"]

    # a bounce that names a failed address nobody knows, delivered to that address
    received = inbound_receive(bare_bounce(to=bounce_to, failed="forwarded@elsewhere.example"), source="file",
                               now=LATER)  # fmt: skip
    assert (received.inbound.matched_by, received.inbound.debtor_id) == ("bounce_address", first.pk)
    assert Message.objects.get(pk=emails[first.pk].pk).status == "bounced"
    assert Message.objects.get(pk=emails[second.pk].pk).status == "sent"


def test_a_guessed_bounce_address_matches_nothing(in_scope, smtp_peer):
    [debtor] = portfolio_with_actions(in_scope, debtors=1)
    send()
    email = Message.objects.get(channel="email")
    forged = f"bounce+{email.pk}-000000000000@reply.tact.localhost"

    received = inbound_receive(
        bare_bounce(to=forged, failed="nobody@elsewhere.example"), source="file", now=LATER
    )

    assert received.inbound.message_id is None and Message.objects.get(pk=email.pk).status == "sent"
