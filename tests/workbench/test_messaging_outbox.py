"""The outbox page, one message with its history, and messages on the debtor's timeline."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django_scopes import scope

from tact.ledger.models import Contact
from tact.messaging.models import Message, MessageEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def send_personal(client, creditor, debtor, *, subject="Ihre Rechnung", body="Guten Tag.\n\nViele Grüße"):
    with scope(creditor=creditor):
        contact = Contact.objects.filter(debtor=debtor).first()
        response = client.post(
            reverse("workbench:personal_email", args=[debtor.pk]),
            {"contact": contact.pk, "subject": subject, "body": body},
        )
        assert response.status_code == 302
        return Message.objects.filter(debtor=debtor).latest("id")


def a_message(creditor, debtor, **fields) -> Message:
    values = {
        "creditor": creditor, "debtor": debtor, "key": f"test:{fields.get('channel', 'email')}:{fields.get('status')}",
        "channel": "email", "status": "queued", "next_attempt_at": NOW, "queued_at": NOW,
    }  # fmt: skip
    with scope(creditor=creditor):
        message = Message.objects.create(**(values | fields))
        MessageEvent.objects.create(
            creditor=creditor, message=message, kind="queued", status_to="queued", detail={}, at=NOW
        )
        return message


def test_a_sent_message_is_on_the_timeline_and_its_page_shows_the_words_and_the_history(
    signed_in, portfolio, creditor
):
    message = send_personal(signed_in, creditor, portfolio.mueller, body="Guten Tag,\n\nwie besprochen.")

    debtor_page = signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk]))
    assert reverse("workbench:message", args=[message.pk]) in debtor_page.content.decode()

    page = text_of(signed_in.get(reverse("workbench:message", args=[message.pk])))
    assert "einkauf@mueller.example" in page and "Ihre Rechnung" in page
    assert "wie besprochen." in page  # in the e-mail's frame and its plain-text part
    assert message.message_id in page
    for kind in ("queued", "sending", "data_end", "sent"):
        assert f'<td data-kind="{kind}">' in page


def test_the_outbox_lists_messages_and_filters_what_needs_attention(signed_in, portfolio, creditor):
    sent = send_personal(signed_in, creditor, portfolio.mueller)
    failed = a_message(
        creditor, portfolio.bakker, status="failed", recipient="ap@bakker.example", subject="Herinnering",
        last_error="recipient refused: 550 5.1.1 no such user", last_error_code="smtp_550",
    )  # fmt: skip

    everything = text_of(signed_in.get(reverse("workbench:outbox")))
    assert "Müller Maschinenbau GmbH" in everything and "Bakker Groothandel B.V." in everything

    attention = signed_in.get(reverse("workbench:outbox"), {"status": "attention"})
    rows = text_of(attention)
    assert f'data-message="{failed.pk}"' in rows and f'data-message="{sent.pk}"' not in rows
    assert "550 5.1.1 no such user" in rows
    assert attention.context["counts"]["attention"] == 1

    searched = text_of(signed_in.get(reverse("workbench:outbox"), {"q": "K1000"}))
    assert f'data-message="{sent.pk}"' in searched and f'data-message="{failed.pk}"' not in searched
    by_channel = text_of(signed_in.get(reverse("workbench:outbox"), {"channel": "letter"}))
    assert "No message matches." in by_channel


def test_a_letter_opens_as_its_pdf(signed_in, portfolio, creditor, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    name = default_storage.save("letters/1/2025-12-01/test.pdf", ContentFile(b"%PDF-1.7 test letter"))
    letter = a_message(
        creditor,
        portfolio.mueller,
        channel="letter",
        status="sent",
        document=name,
        body_text="Sehr geehrte Frau Müller",
    )

    page = text_of(signed_in.get(reverse("workbench:message", args=[letter.pk])))
    pdf = signed_in.get(reverse("workbench:message_letter", args=[letter.pk]))

    assert (
        "Sehr geehrte Frau Müller" in page and reverse("workbench:message_letter", args=[letter.pk]) in page
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 test letter"


def test_a_read_only_member_reads_messages(client, member, portfolio, creditor):
    message = a_message(creditor, portfolio.mueller, status="sent", subject="Zahlungserinnerung")
    client.force_login(member("read_only"))

    assert client.get(reverse("workbench:outbox")).status_code == 200
    assert "Zahlungserinnerung" in text_of(client.get(reverse("workbench:message", args=[message.pk])))


def test_another_creditors_message_is_not_found(signed_in, portfolio, creditor, other_creditor):
    with scope(creditor=other_creditor):
        from tact.ledger.models import Debtor

        rival = Debtor.objects.first()
    theirs = a_message(other_creditor, rival, status="sent", subject="Geheim", document="letters/x.pdf")

    assert signed_in.get(reverse("workbench:message", args=[theirs.pk])).status_code == 404
    assert signed_in.get(reverse("workbench:message_letter", args=[theirs.pk])).status_code == 404
    assert "Geheim" not in text_of(signed_in.get(reverse("workbench:outbox")))


def test_the_cycles_reminder_is_on_the_timeline_of_the_debtor_and_of_the_items_it_named(
    signed_in, portfolio, creditor
):
    from tact.dunning.cycle import cycle_run
    from tact.dunning.presets import policy_presets_install
    from tact.messaging.sending import outbox_send

    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
    cycle_run(creditor=creditor, run_on=NOW.date())
    outbox_send()
    with scope(creditor=creditor):
        [reminder] = Message.objects.filter(debtor=portfolio.mueller)
    named = {item["id"] for item in reminder.action.items}
    link = reverse("workbench:message", args=[reminder.pk])

    assert reminder.status == "sent" and portfolio.overdue.pk in named
    assert link in signed_in.get(reverse("workbench:debtor", args=[portfolio.mueller.pk])).content.decode()
    assert link in signed_in.get(reverse("workbench:invoice", args=[portfolio.overdue.pk])).content.decode()
    if portfolio.not_due.pk not in named:
        assert (
            link
            not in signed_in.get(reverse("workbench:invoice", args=[portfolio.not_due.pk])).content.decode()
        )
    page = text_of(signed_in.get(link))
    assert reminder.template_key in page and reminder.subject in page


def test_a_message_a_contact_rule_holds_back_says_which_rule_in_words(signed_in, portfolio, creditor):
    held = a_message(
        creditor, portfolio.mueller, status="queued", held_reason="quiet_hours", subject="Erinnerung"
    )

    listing = text_of(signed_in.get(reverse("workbench:outbox")))
    page = text_of(signed_in.get(reverse("workbench:message", args=[held.pk])))

    assert "held: quiet hours" in listing and "quiet_hours" not in listing
    assert "quiet hours · next try" in page
