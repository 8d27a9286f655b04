# ruff: noqa: F811  (the smtp_peer fixture is imported, then requested by name)
"""A person's e-mail pauses the reminders with a *recent personal contact* hold; when it
fails for good the debtor never read it, and the hold it placed ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tact.dunning.models import Hold, HoldReason
from tact.dunning.services import hold_place
from tact.ledger.models import Contact
from tact.messaging.inbound.services import inbound_receive
from tact.messaging.links import portal_token_read
from tact.messaging.models import MessageEvent, MessageStatus
from tact.messaging.personal import personal_email_send

from .conftest import TODAY
from .outbox_support import Inbox, SmtpPeer
from .test_inbound_services import dsn_for

pytestmark = pytest.mark.django_db
NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 11, 0, tzinfo=UTC)


def active_holds(debtor, day) -> list[Hold]:
    held = Hold.objects.filter(debtor=debtor, starts_on__lte=day)
    return [h for h in held if h.ends_on is None or day <= h.ends_on]


def send(debtor, **kw):
    contact = Contact.objects.get(debtor=debtor)
    return personal_email_send(
        creditor=debtor.creditor, debtor=debtor, contact=contact, subject="Ihre Rechnung",
        body="Guten Tag Frau Sommer,\n\nwie eben am Telefon besprochen.\n\nViele Grüße", include_items=True,
        by=None, today=TODAY, **kw,
    )  # fmt: skip


@pytest.fixture
def refusing_server(settings, portfolio):
    debtor = portfolio["de"][0]
    address = Contact.objects.get(debtor=debtor).email
    with SmtpPeer(Inbox(refuse={address: f"550 5.1.1 <{address}>: user unknown"})) as peer:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", peer.port, 5
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield peer


@time_machine.travel(NOON, tick=False)
def test_a_personal_email_the_server_refuses_ends_the_hold_it_placed(in_scope, portfolio, refusing_server):
    debtor = portfolio["de"][0]
    earlier = hold_place(debtor=debtor, reason=HoldReason.RECENT_CONTACT, starts_on=TODAY - timedelta(days=1),
                         note="phone call")  # fmt: skip

    sent = send(debtor)

    assert sent.message.status == MessageStatus.FAILED and refusing_server.inbox.messages() == []
    sent.hold.refresh_from_db()
    assert sent.hold.ended_at is not None and sent.hold.ends_on == TODAY - timedelta(days=1)
    assert active_holds(debtor, TODAY) == [earlier]  # the phone call's hold is not ours to end
    assert MessageEvent.objects.filter(message=sent.message, kind="hold_ended").count() == 1


@time_machine.travel(NOON, tick=False)
def test_a_personal_email_that_went_out_keeps_its_hold(in_scope, portfolio, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor = portfolio["de"][0]

    sent = send(debtor)

    assert sent.sent
    assert active_holds(debtor, TODAY) == [sent.hold] and sent.hold.ends_on == TODAY + timedelta(days=7)


@time_machine.travel(NOON, tick=False)
def test_a_personal_email_that_bounces_later_ends_the_hold_it_placed(in_scope, portfolio, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor = portfolio["de"][0]
    sent = send(debtor)
    original = {"Message-ID": sent.message_id, "To": sent.to}

    received = inbound_receive(dsn_for(original), source="file", now=NOON + timedelta(hours=2))

    sent.message.refresh_from_db()
    assert received.inbound.kind == "bounce" and sent.message.status == MessageStatus.BOUNCED
    assert active_holds(debtor, TODAY) == []
    sent.hold.refresh_from_db()
    assert sent.hold.ended_at is not None
    # A second report of the same bounce changes nothing more.
    inbound_receive(dsn_for(original).replace(b"Message-ID: <", b"Message-ID: <again."), source="file",
                    now=NOON + timedelta(hours=3))  # fmt: skip
    assert MessageEvent.objects.filter(message=sent.message, kind="hold_ended").count() == 1


@time_machine.travel(NOON, tick=False)
def test_a_personal_emails_portal_link_names_the_message(in_scope, portfolio, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor = portfolio["de"][0]

    sent = send(debtor)

    token = sent.message.body_text.split("/p/", 1)[1].split("/", 1)[0]
    link = portal_token_read(token)
    assert (link.debtor_id, link.message_id) == (debtor.pk, sent.message.pk)
