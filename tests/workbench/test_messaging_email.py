"""A personal e-mail from the debtor page: sent through the outbox, on the timeline, with a hold."""

from __future__ import annotations

import html
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from tact.dunning.models import Hold
from tact.ledger.models import Contact, Debtor
from tact.messaging.models import Message
from tact.messaging.sending import outbox_send
from tests.messaging.outbox_support import Inbox, SmtpPeer

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def email_url(debtor) -> str:
    return reverse("workbench:personal_email", args=[debtor.pk])


def contact_of(creditor, debtor) -> Contact:
    with scope(creditor=creditor):
        return Contact.objects.get(debtor=debtor)


def holds_of(creditor, debtor) -> list[Hold]:
    with scope(creditor=creditor):
        return list(Hold.objects.filter(debtor=debtor))


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_the_form_starts_with_a_greeting_and_the_writers_name(signed_in, portfolio, manager):
    manager.first_name, manager.last_name = "Lea", "Hoffmann"
    manager.save()

    page = text_of(signed_in.get(email_url(portfolio.mueller)))

    assert "Erika Müller <einkauf@mueller.example>" in page
    assert "Guten Tag Erika Müller,\n\n\n\nFreundliche Grüße\nLea Hoffmann\nAcme Handels GmbH" in page


def test_sending_delivers_the_words_as_written_and_pauses_the_reminders(signed_in, portfolio, creditor):
    contact = contact_of(creditor, portfolio.mueller)
    body = "Guten Tag Frau Müller,\n\nwie besprochen: {{ not a variable }} bleibt so.\n\nViele Grüße"

    response = signed_in.post(
        email_url(portfolio.mueller),
        {"contact": contact.pk, "subject": "Ihre Rechnung RE-1001", "body": body, "include_items": "on"},
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["einkauf@mueller.example"] and message.subject == "Ihre Rechnung RE-1001"
    assert "{{ not a variable }} bleibt so." in message.body
    assert "RE-1001" in message.body and "RE-1002" not in message.body.split("Viele Grüße")[0]
    assert message.extra_headers["Message-ID"] and "Auto-Submitted" not in message.extra_headers
    assert message.reply_to and message.reply_to[0].startswith("reply+")
    [hold] = holds_of(creditor, portfolio.mueller)
    assert (hold.reason, hold.starts_on, hold.ends_on) == ("recent_contact", TODAY, TODAY + timedelta(days=7))
    page = text_of(signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])))
    assert "Personal e-mail sent" in page and "einkauf@mueller.example · Ihre Rechnung RE-1001" in page


def test_a_threatening_e_mail_is_refused_with_its_sentence_and_nothing_is_sent(
    signed_in, portfolio, creditor
):
    contact = contact_of(creditor, portfolio.mueller)

    response = signed_in.post(
        email_url(portfolio.mueller),
        {
            "contact": contact.pk,
            "subject": "Rechnung",
            "body": "Zahlen Sie SOFORT. Sonst kommt das Inkassobüro.",
        },
    )

    assert response.status_code == 400
    page = text_of(response)
    assert "Zahlen Sie SOFORT." in page and "Sonst kommt das Inkassobüro." in page
    assert mail.outbox == [] and holds_of(creditor, portfolio.mueller) == []


def test_a_mail_server_that_is_away_keeps_the_e_mail_waiting_and_it_goes_out_once_later(
    signed_in, portfolio, creditor, settings
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    contact = contact_of(creditor, portfolio.mueller)

    response = signed_in.post(
        email_url(portfolio.mueller),
        {"contact": contact.pk, "subject": "Rechnung", "body": "Guten Tag.", "include_items": "on"},
        follow=True,
    )

    assert "did not take the e-mail to einkauf@mueller.example just now" in text_of(response)
    with scope(creditor=creditor):
        [waiting] = Message.objects.filter(debtor=portfolio.mueller)
    assert (waiting.status, waiting.attempts, waiting.subject) == ("queued", 1, "Rechnung")
    assert waiting.last_error and waiting.next_attempt_at > waiting.queued_at
    [hold] = holds_of(creditor, portfolio.mueller)  # a person wrote: the reminders pause already

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    report = outbox_send(now=lambda: waiting.next_attempt_at + timedelta(seconds=1))
    outbox_send(now=lambda: waiting.next_attempt_at + timedelta(minutes=5))

    assert report.sent == 1
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == waiting.message_id and sent.subject == "Rechnung"
    assert "RE-1001" in sent.body and "Auto-Submitted" not in sent.extra_headers


def test_an_address_the_server_refuses_is_marked_bounced_and_the_writer_is_told(
    signed_in, portfolio, creditor, settings
):
    contact = contact_of(creditor, portfolio.mueller)
    inbox = Inbox(refuse={contact.email: "550 5.1.1 <einkauf@mueller.example>: user unknown"})
    with SmtpPeer(inbox) as peer:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", peer.port, 5
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        response = signed_in.post(
            email_url(portfolio.mueller), {"contact": contact.pk, "subject": "Rechnung", "body": "Guten Tag."}
        )

    assert response.status_code == 400 and inbox.messages() == []
    assert "The mail server refused einkauf@mueller.example" in text_of(response)
    contact.refresh_from_db()
    assert contact.email_status == "bounced"
    page = text_of(signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])))
    assert "Personal e-mail failed" in page and "user unknown" in page


def test_a_read_only_member_may_not_send(client, member, portfolio, creditor):
    client.force_login(member("read_only"))
    contact = contact_of(creditor, portfolio.mueller)

    response = client.post(email_url(portfolio.mueller), {"contact": contact.pk, "subject": "S", "body": "B"})

    assert response.status_code == 403 and mail.outbox == []


def test_another_creditors_debtor_or_contact_is_refused(signed_in, portfolio, other_creditor, creditor):
    with scope(creditor=other_creditor):
        rival = Debtor.objects.first()
        rival_contact = Contact.objects.create(
            creditor=other_creditor, debtor=rival, email="ap@rival.example"
        )

    assert signed_in.get(email_url(rival)).status_code == 404
    forged = signed_in.post(
        email_url(portfolio.mueller), {"contact": rival_contact.pk, "subject": "S", "body": "Guten Tag."}
    )
    assert forged.status_code == 400 and "contact" in forged.context["form"].errors
    assert mail.outbox == []
