"""Cancellation and mediation requests, the creditor's FAQ, and the e-mail that confirms
every portal action in the debtor's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django_scopes import scope

from tact.dunning.models import Hold
from tact.messaging.models import Message
from tact.messaging.sending import outbox_send
from tact.portal.models import FaqEntry, PortalSettings, Submission

from .conftest import TODAY, link, verified

pytestmark = pytest.mark.django_db


def confirmations(creditor, debtor) -> list[Message]:
    with scope(creditor=creditor):
        return list(Message.objects.filter(debtor=debtor, template_key="portal_confirmation"))


def test_a_cancellation_request_is_a_task_due_after_the_service_level_days_with_the_item_paused(
    client, creditor, world
):
    path = verified(client, world.consumer)
    response = client.post(
        path + "cancel/", {"item": world.overdue.pk, "reason": "withdrawal", "text": "Ik herroep de koop."}
    )
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    page = client.get(response["Location"]).content.decode()
    assert "RE-1001" in page
    with scope(creditor=creditor):
        task = Submission.objects.get(kind="cancellation")
        hold = Hold.objects.get(pk=task.hold_id)
    assert (task.status, task.due_on, task.facts["item"], task.facts["reason"]) == (
        "open", TODAY + timedelta(days=14), "RE-1001", "withdrawal"
    )  # fmt: skip
    assert (hold.reason, hold.invoice_id, hold.ends_on) == ("manual", world.overdue.pk, task.due_on)


def test_a_mediation_request_uses_the_creditors_review_days_and_pauses_the_debtor(client, creditor, world):
    with scope(creditor=creditor):
        PortalSettings.objects.create(creditor=creditor, review_days=5)
    response = client.post(
        link(world.business) + "mediation/", {"reason": "cannot_pay", "text": "We need a mediator."}
    )
    assert response.status_code == 302
    with scope(creditor=creditor):
        task = Submission.objects.get(kind="mediation")
        hold = Hold.objects.get(pk=task.hold_id)
    assert task.due_on == TODAY + timedelta(days=5)
    assert (hold.invoice_id, hold.ends_on) == (None, task.due_on)


def test_a_request_without_text_says_which_field_is_missing(client, creditor, world):
    response = client.post(link(world.business) + "cancel/", {"reason": "other", "text": ""})
    assert response.status_code == 200
    assert 'id="id_text_error"' in response.content.decode()
    with scope(creditor=creditor):
        assert not Submission.objects.exists() and not Hold.objects.exists()


def test_the_faq_shows_each_topic_in_the_debtors_language_else_the_creditors(client, creditor, world):
    with scope(creditor=creditor):
        for topic, language, question in [
            ("pay", "nl", "Hoe kan ik betalen?"),
            ("pay", "de", "Wie kann ich zahlen?"),
            ("plan", "de", "Gibt es Ratenzahlung?"),
            ("plan", "en", "Is there a payment plan?"),
            ("late", "fr", "Et si je paie en retard ?"),
        ]:
            FaqEntry.objects.create(creditor=creditor, topic=topic, language=language, question=question,
                                    answer="…", position=len(topic))  # fmt: skip
    page = client.get(verified(client, world.consumer) + "faq/").content.decode()  # debtor nl, creditor de
    assert "Hoe kan ik betalen?" in page and "Wie kann ich zahlen?" not in page
    assert "Gibt es Ratenzahlung?" in page and "Is there a payment plan?" not in page
    assert "Et si je paie en retard ?" in page  # the only language the creditor wrote it in


def test_the_faq_of_another_creditor_is_never_shown(client, creditor, other_creditor, world):
    with scope(creditor=other_creditor):
        FaqEntry.objects.create(
            creditor=other_creditor, topic="x", language="nl", question="Rivaal?", answer="-"
        )
    page = client.get(verified(client, world.consumer) + "faq/").content.decode()
    assert "Rivaal?" not in page


def test_each_portal_action_queues_one_confirmation_e_mail_in_the_debtors_language(client, creditor, world):
    path = verified(client, world.consumer)  # the consumer reads Dutch
    client.post(
        path + "promise/", {"promised_on": (TODAY + timedelta(days=7)).isoformat(), "amount": "100.00"}
    )
    client.post(path + "contact/", {"topic": "question", "text": "Vraag", "reply_to": ""})
    client.post(path + "mediation/", {"reason": "cannot_pay", "text": "Graag bemiddeling."})
    queued = confirmations(creditor, world.consumer)
    assert len(queued) == 3
    assert {m.language for m in queued} == {"nl"} and {m.status for m in queued} == {"queued"}
    promise = next(m for m in queued if m.key.startswith("personal:portal_confirmation:promise:"))
    assert promise.subject == "Dank u wel voor uw toezegging"
    assert "100,00" in promise.body_text and "8 dec 2025" in promise.body_text


def test_the_confirmation_goes_out_through_the_outbox_exactly_once(client, creditor, world):
    client.post(link(world.business) + "contact/", {"topic": "other", "text": "Hello", "reply_to": ""})
    outbox_send()
    outbox_send()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.subject == "Your message has been sent"
    with scope(creditor=creditor):
        contact = world.business.contacts.get()
    assert sent.to == [contact.email] and "A person will read it" in sent.body


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [("de", "Stornierung anfragen", "Widerrufsrecht"), ("nl", "Annulering aanvragen", "herroepingsrecht"),
     ("fr", "Demander une annulation", "droit de rétractation")],
)  # fmt: skip
def test_the_cancellation_page_speaks_the_chosen_language(client, world, language, title, reason):
    path = verified(client, world.consumer)
    client.post(path + "language/", {"language": language, "next": path})
    page = client.get(path + "cancel/").content.decode()
    assert f'<html lang="{language}">' in page and title in page and reason in page
