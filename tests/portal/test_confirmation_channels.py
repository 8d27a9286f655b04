"""A portal action is confirmed on the debtor's channel: by letter to a debtor without an
e-mail address, by SMS to one who prefers SMS (and may receive it), by e-mail otherwise —
once per action, whatever the channel."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django_scopes import scope

from tact.messaging.channels.sms import LogSmsProvider
from tact.messaging.models import ChannelConsent, Message
from tact.messaging.sending import outbox_send

from .conftest import NOW, TODAY, link, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(monkeypatch) -> LogSmsProvider:
    """The SMS provider at the boundary: keeps what it was handed."""
    provider = LogSmsProvider()
    monkeypatch.setattr("tact.messaging.sending.sms_provider", lambda: provider)
    return provider


def confirmations(creditor, debtor) -> list[Message]:
    with scope(creditor=creditor):
        return list(Message.objects.filter(debtor=debtor, template_key="portal_confirmation"))


def promise(client, debtor) -> None:
    path = verified(client, debtor) if debtor.kind == "consumer" else link(debtor)
    response = client.post(
        path + "promise/", {"promised_on": (TODAY + timedelta(days=7)).isoformat(), "amount": "100.00"}
    )
    assert response.status_code == 302


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_a_debtor_without_an_e_mail_address_gets_the_confirmation_as_a_letter(
    client, creditor, world, tmp_path
):
    with scope(creditor=creditor):
        world.consumer.contacts.update(email="")
    promise(client, world.consumer)
    outbox_send()
    outbox_send()  # once per action: a second run sends nothing more
    (letter,) = confirmations(creditor, world.consumer)
    assert (letter.channel, letter.status, letter.recipient) == (
        "letter",
        "sent",
        "Lindenstraße 12 / 50674 Köln",
    )
    assert mail.outbox == []
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(default_storage.open(letter.document).read())
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    # in the debtor's language (Dutch), in the window: name and address
    assert "Dank u wel voor uw toezegging" in text
    assert "100,00" in text and "8 dec 2025" in text
    assert "Jana Sommer" in text and "50674 Köln" in text


def test_a_debtor_who_prefers_sms_gets_the_short_text_by_sms_and_no_e_mail(client, creditor, world, sms):
    with scope(creditor=creditor):
        world.business.contacts.update(phone="+31612345678")
        world.business.preferred_channel = "sms"
        world.business.save(update_fields=["preferred_channel"])
    client.post(link(world.business) + "contact/", {"topic": "other", "text": "Hello", "reply_to": ""})
    outbox_send()
    outbox_send()
    (message,) = confirmations(creditor, world.business)
    assert (message.channel, message.status) == ("sms", "sent")
    assert mail.outbox == []
    assert [(s["to"], s["text"]) for s in sms.sent] == [
        ("+31612345678", "Acme Handels GmbH: Thank you. A person will read it and answer you.")
    ]


def test_a_consumer_who_prefers_sms_without_consent_gets_an_e_mail_and_with_consent_an_sms(
    client, creditor, world, sms
):
    with scope(creditor=creditor):
        world.consumer.contacts.update(phone="+4917612345678")
        world.consumer.preferred_channel = "sms"
        world.consumer.save(update_fields=["preferred_channel"])
    promise(client, world.consumer)
    with scope(creditor=creditor):
        ChannelConsent.objects.create(creditor=creditor, debtor=world.consumer, channel="sms", status="opted_in",
                                      source="portal", recorded_at=NOW)  # fmt: skip
    client.post(
        verified(client, world.consumer) + "contact/", {"topic": "other", "text": "Vraag", "reply_to": ""}
    )
    outbox_send()
    by_kind = {m.key.split(":")[2]: m for m in confirmations(creditor, world.consumer)}
    assert (by_kind["promise"].channel, by_kind["contact"].channel) == ("email", "sms")
    assert len(mail.outbox) == 1 and len(sms.sent) == 1
    assert sms.sent[0]["text"].startswith("Acme Handels GmbH: Dank u wel.")


def test_a_debtor_no_channel_reaches_gets_the_page_confirmation_only(client, creditor, world):
    with scope(creditor=creditor):
        world.business.contacts.update(email="", phone="", street="", city="")
    response = client.post(
        link(world.business) + "contact/", {"topic": "other", "text": "Hi", "reply_to": ""}
    )
    assert response.status_code == 302
    assert confirmations(creditor, world.business) == []


def test_the_sms_of_a_plan_reminder_is_never_sent_its_words_ask_for_an_e_mail_answer(creditor, world):
    from tact.messaging.confirmations import confirmation_queue
    from tact.messaging.models import MessageChannel

    with scope(creditor=creditor):
        world.business.contacts.update(email="", phone="+31612345678")
        world.business.preferred_channel = "sms"
        world.business.save(update_fields=["preferred_channel"])
        queued = confirmation_queue(
            creditor=creditor, debtor=world.business, key="1:before", subject="s", text="t", today=TODAY,
            template_key="plan_reminder", channels=(MessageChannel.EMAIL,),
        )  # fmt: skip
    assert queued is None
